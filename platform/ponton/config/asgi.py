"""ASGI entry point: HTTP through Django, websockets through the tenant-aware stack."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "platform", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from ponton.config import daphne_limits  # noqa: E402
from realtime.asgi import websocket_application  # noqa: E402

daphne_limits.install()

application = ProtocolTypeRouter({"http": django_asgi, "websocket": websocket_application})
