"""`{% load pos_till %}{% till_function_bar %}`: the till's function bar (modules.pos.navigation)
for any page that extends pos/base_till.html."""

from django import template

from modules.pos.navigation import till_functions

register = template.Library()


@register.inclusion_tag("pos/function_bar.html", takes_context=True)
def till_function_bar(context) -> dict:
    request = context.get("request")
    path = request.path if request is not None else ""
    return {"functions": till_functions(till=context.get("till"), current_path=path)}


@register.simple_tag(takes_context=True)
def till_header(context) -> dict:
    """The till and its open session for the header of every till page: those the view gave
    (`till`, `till_session` or `session`), else the till chosen in this browser's session."""
    from modules.pos.models import Till, TillSession

    till = context.get("till")
    session = context.get("till_session") or context.get("session")
    if till is None:
        request = context.get("request")
        till_id = request.session.get("pos_till_id") if request is not None else None
        till = Till.objects.filter(pk=till_id, active=True).first() if till_id else None
    if not isinstance(session, TillSession) and till is not None:
        session = till.sessions.filter(closed_at__isnull=True).first()
    return {"till": till, "session": session if isinstance(session, TillSession) else None}
