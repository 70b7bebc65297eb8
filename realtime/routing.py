"""Websocket routes (`/ws/...`): the core's, then every module's, gated by the module switch."""

from __future__ import annotations

from channels.routing import URLRouter
from django.urls import URLPattern

from ponton.plugins.manager import get_plugin_manager


class ModuleGate:
    """Refuse the connection when the module is off for the socket's structure."""

    def __init__(self, label: str, app):
        self.label = label
        self.app = app

    async def __call__(self, scope, receive, send):
        from channels.db import database_sync_to_async

        from tenants.selectors import enabled_module_labels

        structure = scope.get("structure")
        enabled = await database_sync_to_async(
            lambda: (
                structure is not None and self.label in enabled_module_labels(structure=structure)
            )
        )()
        if not enabled:
            await send({"type": "websocket.close", "code": 4404})
            return None
        return await self.app(scope, receive, send)


def core_routes() -> list[URLPattern]:
    from django.urls import path

    from realtime import consumers

    routes = []
    notification_consumer = getattr(consumers, "NotificationConsumer", None)
    if notification_consumer is not None:
        routes.append(path("ws/notifications/", notification_consumer.as_asgi()))
    return routes


def module_routes() -> list[URLPattern]:
    routes = []
    pm = get_plugin_manager()
    for label, plugin in sorted(pm.list_name_plugin()):
        hook = getattr(plugin, "ponton_websocket_routes", None)
        if hook is None:
            continue
        for route in hook() or []:
            routes.append(
                URLPattern(
                    route.pattern, ModuleGate(label, route.callback), route.default_args, route.name
                )
            )
    return routes


def websocket_router() -> URLRouter:
    return URLRouter([*core_routes(), *module_routes()])
