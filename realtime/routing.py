"""Websocket routes (`/ws/...`). Consumers come with the notification centre and the forum."""

websocket_urlpatterns: list = []
