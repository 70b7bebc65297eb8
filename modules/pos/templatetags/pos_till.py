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
