"""Stripe's API emulated by a real localstripe server on loopback (one per test session), and
helpers to point a structure at it."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.support.servers import serving

RUNNER = Path(__file__).with_name("localstripe_server.py")


class LocalStripe:
    def __init__(self, url: str):
        self.url = url

    def post(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data or {}).encode()
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status

    def register_webhook(self, *, url: str, secret: str, name: str = "ponton-tests") -> None:
        """localstripe's `POST /_config/webhooks/<id>`: events are sent, signed, to `url`."""
        assert self.post(f"/_config/webhooks/{name}", {"url": url, "secret": secret}) == 200


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """`localstripe` (PyPI) serving on 127.0.0.1:<free port> until the end of the session."""
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with serving([str(RUNNER), str(port)], port=port, log=log):
        yield LocalStripe(f"http://127.0.0.1:{port}")


@pytest.fixture
def stripe_api(localstripe, settings):
    """Point the Stripe client and Stripe.js at localstripe for this test."""
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    return localstripe
