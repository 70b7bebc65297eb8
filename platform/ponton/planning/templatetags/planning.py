"""`{% session_cell session %}`: one session in a planning grid, linking to its page (PL-2);
`{% session_cells sessions %}`: the sessions of one square of a grid (a day of an activity);
`{% dated_session_cells pairs with_activity=... %}`: a day of the month calendar, (activity,
session) pairs, with the activity's name above each session in the general planning.

Simple tags rather than template markup because the week view draws up to 1,400 sessions and
the month view several thousand: one call per square instead of a template loop and a dozen
variable lookups, filters and translations per session. The translated labels and the session
page's URL are escaped once per call; a session itself only brings integers and "HH:MM" times,
which need no escaping, so the markup is built with `str.format`."""

from functools import cache

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

CELL = (
    '<div data-session="{pk}"><a href="{prefix}{pk}/">{start}–{end} <span class="muted">'
    '{number}</span></a><br><span class="badge {badge}">{seats}</span></div>'
)


@cache
def _session_url_prefix() -> str:
    return escape(reverse("manager:planning_session", args=[0]).removesuffix("0/"))


def _badge(session) -> str:
    if session.free <= 0:
        return "red"
    return "orange" if session.sold else "green"


class _Cells:
    """Renders sessions with the labels translated and escaped once."""

    def __init__(self):
        self.prefix = _session_url_prefix()
        self.number = escape(gettext("n° %(number)s"))
        self.seats = escape(gettext("%(free)s libres, %(sold)s vendues"))

    def html(self, session) -> str:
        free, sold = int(session.free), int(session.sold)
        return CELL.format(
            pk=int(session.pk),
            prefix=self.prefix,
            start=session.starts_at.strftime("%H:%M"),
            end=session.ends_at.strftime("%H:%M"),
            number=self.number % {"number": int(session.number)},
            badge=_badge(session),
            seats=self.seats % {"free": free, "sold": sold},
        )


@register.simple_tag
def session_cell(session):
    return mark_safe(_Cells().html(session))  # noqa: S308 - integers and escaped labels only


@register.simple_tag
def session_cells(sessions):
    if not sessions:
        return ""
    cells = _Cells()
    return mark_safe("".join(cells.html(s) for s in sessions))  # noqa: S308 - as above


@register.simple_tag
def dated_session_cells(pairs, with_activity: bool = False):
    if not pairs:
        return ""
    cells = _Cells()
    if not with_activity:
        return mark_safe("".join(cells.html(s) for _a, s in pairs))  # noqa: S308 - as above
    names: dict[int, str] = {}
    parts = []
    for activity, session in pairs:
        name = names.get(activity.pk)
        if name is None:
            name = names[activity.pk] = escape(activity.name)
        parts.append(f'<div class="muted">{name}</div>{cells.html(session)}')
    return mark_safe("".join(parts))  # noqa: S308 - names escaped above
