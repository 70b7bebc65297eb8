"""`{% session_cell session %}`: one session in a planning grid.

A simple tag rather than template markup because the week view draws up to 1,400 of them:
one call each instead of a dozen variable lookups, filters and translations."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


def _badge(session) -> str:
    if session.free <= 0:
        return "red"
    return "orange" if session.sold else "green"


@register.simple_tag
def session_cell(session):
    return format_html(
        '<div data-session="{}">{}–{} <span class="muted">{}</span><br>'
        '<span class="badge {}">{}</span></div>',
        session.pk,
        session.starts_at.strftime("%H:%M"),
        session.ends_at.strftime("%H:%M"),
        gettext("n° %(number)s") % {"number": session.number},
        _badge(session),
        gettext("%(free)s libres, %(sold)s vendues") % {"free": session.free, "sold": session.sold},
    )
