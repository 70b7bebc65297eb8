from __future__ import annotations

import logging

from django.core.exceptions import DisallowedHost
from django.db import OperationalError, connection
from django.http import HttpResponseNotFound
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model
from psycopg.errors import TooManyConnections
from psycopg_pool import PoolTimeout

from ponton.web.errors import database_unavailable, unavailable
from tenants.models import StructureState

logger = logging.getLogger("ponton.database")


class DatabaseBusyMiddleware:
    """Take the request's database connection first: when none can be had (the pool stayed
    full for DB_POOL_TIMEOUT seconds, or the database refuses more clients), answer 503 with
    Retry-After and a French page (JSON under /api/), never a 500 (docs/adr/0010). A
    connection lost later in the request is answered the same way by the 500 handler
    (`ponton.web.errors.server_error`, docs/adr/0026)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            logger.warning("no database connection for %s: %s", request.path, exc)
            if _pool_full(exc):
                return database_busy(request)
            return database_unavailable(request)
        return self.get_response(request)


def _pool_full(exc: OperationalError) -> bool:
    """Whether the connection could not be had because there were too many (every pooled one
    busy, or the database's limit reached), not because none can be opened (the database is
    down or restarting)."""
    if isinstance(exc.__cause__, TooManyConnections):
        return True
    if not isinstance(exc.__cause__, PoolTimeout):
        return False
    pool = connection.pool  # type: ignore[attr-defined]  # the PostgreSQL backend's
    return pool is not None and pool.get_stats().get("pool_size", 0) >= pool.max_size


def database_busy(request):
    from django.utils.translation import gettext as _

    return unavailable(
        request,
        title=_("Service très demandé"),
        message=_(
            "Trop de demandes arrivent en même temps : réessayez dans quelques secondes, "
            "rien n'a été enregistré."
        ),
    )


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
