from __future__ import annotations

from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import StructureState


class StructureMiddleware(TenantMainMiddleware):
    """Resolve the structure (tenant) from the Host header and switch the schema.

    An unknown host gets the friendly page of DEFAULT_NOT_FOUND_TENANT_VIEW (404).
    """


class SuspendedStructureMiddleware:
    """A suspended structure's staff, shop and API see a clear message; nothing is deleted."""

    ALWAYS_OPEN = ("/static/", "/media/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        structure = getattr(request, "tenant", None)
        if (
            structure is not None
            and structure.state == StructureState.SUSPENDED
            and not request.path.startswith(self.ALWAYS_OPEN)
        ):
            return render(request, "web/suspended.html", {"structure": structure}, status=403)
        return self.get_response(request)
