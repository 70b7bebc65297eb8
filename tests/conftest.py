"""Shared fixtures: structures on a real PostgreSQL, hosts, a real SMTP server on loopback."""

from __future__ import annotations

import email
import itertools
import socket
import threading
import time
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client

from ponton.accounts.models import Membership, Role, User
from tenants.management.commands.seed_demo import ensure_platform
from tenants.services import StructureData, structure_create
from tests.support.schema_pool import SchemaPool

_counter = itertools.count(1)
TEST_PASSWORD = "Un-mot-de-passe-de-test-42"  # noqa: S105


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def _schema_pool(django_db_setup, django_db_blocker):
    """The pool of blank schemas, or None when the run made no test database (pytest-django
    makes none when no collected test uses the database: a run of such files only)."""
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    if not connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX):
        yield None
        return
    pool = SchemaPool()
    yield pool
    with django_db_blocker.unblock():
        pool.drop()
        _close_leftover_sessions()


def _close_leftover_sessions() -> None:
    """Sessions on the test database that a test left open (a thread's connection, a server
    process that outlived its test) would stop pytest-django dropping it: say which, in a
    warning, and end them."""
    import warnings

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid, application_name, state, left(query, 200) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        leftovers = cur.fetchall()
        for pid, *_rest in leftovers:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    if leftovers:
        warnings.warn(f"sessions left open on the test database: {leftovers}", stacklevel=1)


@pytest.fixture(autouse=True)
def _blank_schemas(request, _schema_pool, django_db_blocker, monkeypatch):
    """New structures get a blank schema by a rename, not a copy (tests/support/schema_pool.py);
    marker `real_clone` for the tests of the copy itself."""
    if _schema_pool is None or request.node.get_closest_marker("real_clone"):
        yield
        return
    if not connection.in_atomic_block:
        with django_db_blocker.unblock():
            _schema_pool.replenish()
    monkeypatch.setattr("tenants.services.clone_schema", _schema_pool.clone)
    yield


@pytest.fixture(autouse=True)
def _public_schema():
    """Every test starts (and ends) on the public schema."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _french():
    """LocaleMiddleware leaves the last request's language active: reset it for every test."""
    from django.utils import translation

    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def platform(db):
    return ensure_platform()


def unique_slug(prefix: str = "club") -> str:
    return f"{prefix}{next(_counter)}x{int(time.time() * 1000) % 100000}"


def create_structure(
    name: str = "Club de voile",
    slug: str | None = None,
    owner_email: str | None = None,
    modules: list[str] | None = None,
    **profile,
):
    """A structure through the signup's service -> (structure, owner), owner password set."""
    slug = slug or unique_slug()
    structure, owner = structure_create(
        data=StructureData(
            name=name,
            slug=slug,
            owner_email=owner_email or f"owner@{slug}.test",
            owner_first_name="Alex",
            owner_last_name="Dupont",
            modules=modules,
            profile=profile,
        )
    )
    owner.set_password(TEST_PASSWORD)
    owner.save(update_fields=["password"])
    return structure, owner


@pytest.fixture
def make_structure(platform):
    """make_structure(name=..., modules=[...]) -> (structure, owner), owner password set."""
    return create_structure


@pytest.fixture
def structure_a(make_structure):
    return make_structure(name="Club A")


@pytest.fixture
def structure_b(make_structure):
    return make_structure(name="Club B")


@pytest.fixture
def make_member():
    def _make(structure, role: str = Role.STAFF, email: str | None = None) -> User:
        email = email or f"{role}{next(_counter)}@{structure.slug}.test"
        user = User.objects.create_user(
            email=email, password=TEST_PASSWORD, first_name="Sam", last_name="Martin"
        )
        Membership.objects.create(user=user, structure=structure, role=role)
        return user

    return _make


def host_of(structure) -> str:
    return structure.get_primary_domain().domain


@pytest.fixture
def client_for():
    """client_for(structure, user=None) -> a Client on the structure's host, logged in."""

    def _client(structure=None, user=None) -> Client:
        host = host_of(structure) if structure is not None else settings.PLATFORM_DOMAIN
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
        return client

    return _client


class _Collector:
    def __init__(self):
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        with self._lock:
            msg = email.message_from_bytes(envelope.content)
            msg["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(msg)
        return "250 OK"


class SMTPServer:
    def __init__(self, collector: _Collector, port: int):
        self._collector = collector
        self.port = port

    @property
    def messages(self) -> list[Message]:
        return list(self._collector.messages)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self._collector.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} email(s), got {len(self._collector.messages)}")

    @staticmethod
    def text_of(msg: Message) -> str:
        if msg.is_multipart():
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    return part.get_payload(decode=True).decode(
                        part.get_content_charset() or "utf-8"
                    )
        return msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django sends to it over SMTP."""
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield SMTPServer(collector, port)
    finally:
        controller.stop()
