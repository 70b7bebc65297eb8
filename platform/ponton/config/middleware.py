from __future__ import annotations

from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponseNotFound
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model

from tenants.models import StructureState


class StructureMiddleware(TenantMainMiddleware):
    """Resolve the structure (tenant) from the Host header and switch the schema.

    An unknown host gets the friendly page of DEFAULT_NOT_FOUND_TENANT_VIEW (404), served on
    the public schema.

    Unlike django-tenants' own, the connection is not switched to the public schema before
    the lookup: the domains and structures are public tables, which every structure's
    search_path also holds (after the structure's own schema, where no such table exists).
    So a connection that served the same structure last keeps its search_path: no
    `SET search_path` at all, where there used to be two per request.
    """

    def process_request(self, request):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            structure = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        structure.domain_url = hostname
        request.tenant = structure
        if connection.schema_name == structure.schema_name and connection.include_public_schema:
            connection.tenant = structure  # the same schema: its search_path stays set
        else:
            connection.set_tenant(structure)
        self.setup_url_routing(request)


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
