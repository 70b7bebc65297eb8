"""Tenant-aware websocket middleware: django-tenants only knows HTTP requests.

Resolves the structure from the Host header and puts it in scope["structure"]; an unknown
host is refused before any consumer runs. Membership is checked by consumers at connect
(`realtime.consumers`), with the user that AuthMiddleware put in the scope.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django_tenants.utils import remove_www


def _host(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return remove_www(value.decode("latin-1").split(":")[0])
    return ""


@database_sync_to_async
def _structure_for(host: str):
    from django.db import connection

    from tenants.models import Domain

    connection.set_schema_to_public()  # type: ignore[attr-defined]
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    return domain.tenant if domain else None


class TenantWebsocketMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        structure = await _structure_for(_host(scope))
        if structure is None or structure.is_suspended:
            # Refuse the handshake: nothing of an unknown or suspended structure is served.
            await send({"type": "websocket.close", "code": 4404})
            return None
        scope = dict(scope, structure=structure)
        return await self.app(scope, receive, send)
