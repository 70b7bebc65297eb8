"""The deployment check ponton.E001 (docs/adr/0024): a database connection that shares server
sessions between clients — PgBouncer in transaction mode — is refused; PostgreSQL itself and
PgBouncer in session mode pass, even when the session pool is full."""

from __future__ import annotations

import pytest
from django.core.checks import Tags, run_checks
from django.db import connection

from ponton.config.db import sessions_shared
from tests.support import pgbouncer as pgbouncer_support
from tests.support.pgbouncer import pgbouncer

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _pgbouncer_installed():
    if not pgbouncer_support.available():
        pytest.fail(f"{pgbouncer_support.BINARY} is missing: install Debian's pgbouncer package")


def through(pgb) -> dict:
    """Django's connection parameters, on the pooler's port."""
    return {**connection.get_connection_params(), "host": "127.0.0.1", "port": pgb.port}


def e001(monkeypatch, pgb=None) -> list[str]:
    """The ids ponton's database checks report for `default` (through `pgb` when given)."""
    if pgb is not None:
        params = through(pgb)
        monkeypatch.setattr(connection, "get_connection_params", lambda: params)
    found = run_checks(tags=[Tags.database], databases=["default"])
    return [message.id for message in found if message.id.startswith("ponton.")]


def test_postgresql_itself_keeps_a_session_per_client(monkeypatch):
    assert sessions_shared(connection.get_connection_params()) is False
    assert e001(monkeypatch) == []


def test_session_mode_passes_even_with_its_pool_full(monkeypatch):
    """pool_size=1: the probe's second client waits for the first one's session, which is
    the sign of session pooling; the check answers without hanging."""
    with pgbouncer(mode="session", pool_size=1, name="check-session") as pgb:
        assert sessions_shared(through(pgb), wait=1) is False
        assert e001(monkeypatch, pgb) == []


def test_transaction_mode_is_refused(monkeypatch):
    with pgbouncer(mode="transaction", pool_size=2, name="check-transaction") as pgb:
        assert sessions_shared(through(pgb)) is True
        assert e001(monkeypatch, pgb) == ["ponton.E001"]
        found = run_checks(tags=[Tags.database], databases=["default"])
        (message,) = [m for m in found if m.id == "ponton.E001"]
        assert message.hint == (
            "Set pool_mode = session in PgBouncer (docs/adr/0024, deploy/SCALING.md)."
        )
