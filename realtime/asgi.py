from channels.auth import AuthMiddlewareStack

from realtime.consumers import AvailabilityConsumer
from realtime.middleware import TenantWebsocketMiddleware
from realtime.routing import websocket_router

AVAILABILITY_PATH = "/ws/disponibilites/"


class _AnonymousOrAuthenticated:
    """The shop's availability socket is anonymous: it is served without the session and auth
    middleware (no session read, no database at all); every other route gets the user."""

    def __init__(self, anonymous, authenticated):
        self.anonymous = anonymous
        self.authenticated = authenticated

    async def __call__(self, scope, receive, send):
        if scope.get("path") == AVAILABILITY_PATH:
            return await self.anonymous(scope, receive, send)
        return await self.authenticated(scope, receive, send)


# Origin is checked by each consumer against the Host it connects to (realtime.consumers).
websocket_application = TenantWebsocketMiddleware(
    _AnonymousOrAuthenticated(
        AvailabilityConsumer.as_asgi(), AuthMiddlewareStack(websocket_router())
    )
)
