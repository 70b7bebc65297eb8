"""WSGI entry point: the HTTP tier in production (gunicorn, docs/adr/0007); websockets stay on
the ASGI application (`asgi.py`, daphne), and `make run` serves both with daphne."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT / "platform", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402


def behind_proxy(app):
    """PROXY_HEADERS=1 (behind the load balancer, like daphne's --proxy-headers): the client's
    address is the one the proxy appended last to X-Forwarded-For (login rate limits count
    per address); the scheme comes from X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER)."""

    def application(environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            environ["REMOTE_ADDR"] = forwarded.rsplit(",", 1)[-1].strip()
        return app(environ, start_response)

    return application


application = get_wsgi_application()
if os.environ.get("PROXY_HEADERS") == "1":
    application = behind_proxy(application)
