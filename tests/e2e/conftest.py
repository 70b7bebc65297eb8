"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from ponton.launcher import daphne_args

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def _playwright():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests (and the
    # database teardown) make between browser steps are ordinary blocking calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new():
        context = browser.new_context(locale="fr-FR")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def site(live_server, settings, platform):
    """URLs on the live server: site.url(structure, path); emails link to the same port."""
    port = urlsplit(live_server.url).port
    settings.PUBLIC_PORT_SUFFIX = f":{port}"
    settings.PUBLIC_SCHEME = "http"

    class _Site:
        def url(self, structure=None, path: str = "/") -> str:
            host = (
                structure.get_primary_domain().domain
                if structure is not None
                else settings.PLATFORM_DOMAIN
            )
            return f"http://{host}:{port}{path}"

    return _Site()


@pytest.fixture
def asgi_site(transactional_db, platform, settings, smtp_server):
    """The product served by a real daphne process (HTTP and websockets) on the test database,
    sending its emails to the test SMTP server. Data the test commits is what it serves."""
    from tests.conftest import free_port
    from tests.support.servers import ROOT, database_env, serving

    port = free_port()
    env = database_env(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        PUBLIC_PORT_SUFFIX=f":{port}",
    )
    settings.PUBLIC_PORT_SUFFIX = f":{port}"
    daphne = daphne_args("127.0.0.1", port)
    log = ROOT / ".data" / f"daphne-e2e-{port}.log"

    class _Site:
        def url(self, structure=None, path: str = "/") -> str:
            host = (
                structure.get_primary_domain().domain
                if structure is not None
                else settings.PLATFORM_DOMAIN
            )
            return f"http://{host}:{port}{path}"

    with serving(daphne, port=port, env=env, log=log):
        yield _Site()
