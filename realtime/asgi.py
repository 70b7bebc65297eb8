from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from realtime.middleware import TenantWebsocketMiddleware
from realtime.routing import websocket_urlpatterns

websocket_application = AllowedHostsOriginValidator(
    TenantWebsocketMiddleware(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
)
