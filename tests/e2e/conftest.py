"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

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
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection

    root = Path(__file__).resolve().parents[2]
    (root / ".data").mkdir(exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ponton.config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        PUBLIC_PORT_SUFFIX=f":{port}",
        PYTHONPATH=f"{root / 'platform'}:{root}",
    )
    settings.PUBLIC_PORT_SUFFIX = f":{port}"
    log = open(root / ".data" / f"daphne-e2e-{port}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "ponton.config.asgi:application",
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(Path(log.name).read_text()) from None
            time.sleep(0.2)

    class _Site:
        def url(self, structure=None, path: str = "/") -> str:
            host = (
                structure.get_primary_domain().domain
                if structure is not None
                else settings.PLATFORM_DOMAIN
            )
            return f"http://{host}:{port}{path}"

    try:
        yield _Site()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
