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


def warm_up() -> None:
    """Import the URL configurations (every view, serializer and the API) now, while the
    worker loads the application: gunicorn's sync worker imports this module before it accepts
    connections, so that cost (1.3 to 2 s on a busy 2-core machine) is not paid by the first
    request of each worker, nor of a worker started again after a crash (issue 17 §5)."""
    from django.conf import settings
    from django.urls import get_resolver

    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        get_resolver(urlconf).url_patterns  # noqa: B018 - the import is the point


application = get_wsgi_application()
warm_up()
if os.environ.get("PROXY_HEADERS") == "1":
    application = behind_proxy(application)
