"""The production HTTP tier (docs/adr/0007): gunicorn serving `ponton.config.wsgi` answers the
API of a structure chosen by its host, with the same rules as everywhere, on a real socket."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.billing.models import Document
from ponton.ledger.selectors import ledger_verify
from tests.conftest import free_port, host_of
from tests.support.sales import make_shop
from tests.support.servers import ROOT, database_env, serving


@pytest.fixture
def gunicorn(transactional_db, platform):
    """One gunicorn with two sync workers on the test database (what the test commits is
    what it serves)."""
    port = free_port()
    args = ["-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    with serving(
        [*args, "ponton.config.wsgi:application"],
        port=port,
        env=database_env(DB_CONN_MAX_AGE="60"),
        log=ROOT / ".data" / f"gunicorn-test-{port}.log",
    ):
        yield port


def _post(port: int, host: str, path: str, body: dict, token: str | None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_gunicorn_serves_a_complete_sale(gunicorn, make_structure):
    """OR-1 + OR-3 + OR-6 through gunicorn: the sale is written in the structure of the host,
    a refusal comes back in French, a missing token is a 401."""
    structure, owner = make_structure(name="Club du guichet")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=1)
    token = api_token_issue(user=owner)
    host = host_of(structure)
    line = {
        "product": shop.activity.pk,
        "session": shop.session.pk,
        "rate": shop.adult.pk,
        "consumer": shop.payer.pk,
    }
    body = {
        "payer": shop.payer.pk,
        "lines": [line],
        "payments": [{"method": "cash", "amount": str(shop.adult.amount)}],
    }
    status, sale = _post(gunicorn, host, "/api/v1/sales/", body, token)
    assert status == 201, sale
    assert sale["invoice"]["number"].startswith("FA-") and sale["invoice"]["due"] == "0.00"
    status, refused = _post(gunicorn, host, "/api/v1/sales/", body, token)
    assert status == 400 and "Complet" in str(refused)
    assert _post(gunicorn, host, "/api/v1/sales/", body, None)[0] == 401
    with schema_context(structure.schema_name):
        assert Document.objects.get().number == sale["invoice"]["number"]
        assert ledger_verify().ok


def test_behind_proxy_takes_the_address_the_proxy_appended():
    """Login rate limits count per client address: behind the load balancer it is the last
    X-Forwarded-For entry (the one the proxy added), not what the client claims before it."""
    from ponton.config.wsgi import behind_proxy

    seen = {}

    def app(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        return []

    wrapped = behind_proxy(app)
    wrapped({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, None)
    assert seen["addr"] == "203.0.113.9"
    wrapped({"REMOTE_ADDR": "10.0.0.2"}, None)
    assert seen["addr"] == "10.0.0.2"


def test_a_worker_imports_the_views_before_its_first_request():
    """Loading the WSGI application (what a gunicorn worker does before it accepts
    connections) imports the URL configurations and, through them, the views and the API: a
    worker started again after a crash answers its first request without that second of
    imports (issue 17 §5)."""
    probe = (
        "import sys, ponton.config.wsgi; "
        "print(all(m in sys.modules for m in "
        "('ponton.config.urls_tenant', 'ponton.config.urls_public', 'ponton.sales.api')))"
    )
    env = database_env()
    env.update(
        DJANGO_SETTINGS_MODULE="ponton.config.settings.prod",
        SECRET_KEY="test-only-key",  # noqa: S106
        ALLOWED_HOSTS="localhost",
    )
    loaded = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr[-2000:]
