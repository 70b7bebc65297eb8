from channels.auth import AuthMiddlewareStack

from realtime.middleware import TenantWebsocketMiddleware
from realtime.routing import websocket_router

# Origin is checked by each consumer against the Host it connects to (realtime.consumers).
websocket_application = TenantWebsocketMiddleware(AuthMiddlewareStack(websocket_router()))
