"""Stripe's API emulated by a real localstripe server on loopback (one per test session), and
helpers to point a structure at it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

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
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not start: {log_path.read_text()}")
            time.sleep(0.1)
    try:
        yield LocalStripe(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def stripe_api(localstripe, settings):
    """Point the Stripe client and Stripe.js at localstripe for this test."""
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    return localstripe
