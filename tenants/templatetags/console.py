"""Console template tags: the count of paid-module requests waiting, shown in the console's
navigation on every page."""

from django import template

from tenants.selectors import paid_module_requests

register = template.Library()


@register.simple_tag
def pending_module_requests_count() -> int:
    return paid_module_requests().count()
