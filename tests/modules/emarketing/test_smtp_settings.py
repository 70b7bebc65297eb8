"""EM-1: campaigns leave through the structure's own SMTP server (its settings, the password
sealed in the database and used to log in), else through the platform's."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.db import connection
from django_tenants.utils import schema_context

from modules.emarketing.models import SmtpSettings
from tests.conftest import SMTPServer, _Collector, free_port
from tests.modules.emarketing.conftest import customer
from tests.modules.emarketing.test_campaigns import BASE, _create

pytestmark = pytest.mark.django_db


class _Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        return AuthResult(success=(login, password) == ("club", "Un-secret-SMTP-42"))


@pytest.fixture
def club_smtp():
    """The structure's own mail server: a real SMTP server on loopback, with AUTH."""
    collector, logins = _Collector(), _Logins()
    port = free_port()
    controller = Controller(
        collector, hostname="127.0.0.1", port=port, authenticator=logins, auth_require_tls=False
    )
    controller.start()
    try:
        yield SMTPServer(collector, port), logins
    finally:
        controller.stop()


def test_campaign_and_test_send_leave_through_the_structures_server(
    em_structure, client_for, smtp_server, club_smtp, django_capture_on_commit_callbacks
):
    structure, owner = em_structure
    server, logins = club_smtp
    client = client_for(structure, owner)
    page = client.get(BASE + "reglages/")
    assert page.status_code == 200 and "envoi des campagnes</h1>" in page.content.decode()
    response = client.post(
        BASE + "reglages/",
        {
            "host": "127.0.0.1",
            "port": str(server.port),
            "security": "none",
            "username": "club",
            "password": "Un-secret-SMTP-42",
            "from_email": "contact@club-voile.test",
        },
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT password FROM emarketing_smtpsettings")
            (stored,) = cursor.fetchone()
        assert stored.startswith("sealed:") and "Un-secret" not in stored
        # Saved again without a password: the sealed one is kept.
        client.post(
            BASE + "reglages/",
            {
                "host": "127.0.0.1",
                "port": str(server.port),
                "security": "none",
                "username": "club",
                "password": "",
                "from_email": "contact@club-voile.test",
            },
        )
        assert SmtpSettings.objects.get().password == "Un-secret-SMTP-42"
        customer("Anne")
        customer("Bruno")
        campaign = _create(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{campaign.pk}/envoyer/")
    messages = server.wait_for(2)
    assert sorted(m["X-Rcpt-To"] for m in messages) == ["anne@client.test", "bruno@client.test"]
    assert messages[0]["From"] == '"Centre nautique" <contact@club-voile.test>'
    assert logins.seen and set(logins.seen) == {("club", "Un-secret-SMTP-42")}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{campaign.pk}/test/")
    assert server.wait_for(3)[2]["X-Rcpt-To"] == owner.email
    assert smtp_server.messages == []  # nothing through the platform's server


def test_without_a_server_campaigns_use_the_platforms_and_bad_settings_are_refused(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks
):
    structure, owner = em_structure
    client = client_for(structure, owner)
    refused = client.post(
        BASE + "reglages/",
        {"host": "smtp.club.test", "port": "70000", "security": "starttls", "from_email": ""},
    )
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "Le port va de 1 à 65535." in body
    assert "Indiquez l&#x27;adresse d&#x27;expédition autorisée par ce serveur." in body
    with schema_context(structure.schema_name):
        assert not SmtpSettings.objects.exists()
        customer("Anne")
        campaign = _create(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{campaign.pk}/envoyer/")
    (message,) = smtp_server.wait_for(1)
    assert message["From"] == '"Centre nautique" <ne-pas-repondre@ponton.test>'


def test_only_who_may_change_settings_opens_them(em_structure, client_for, make_member):
    structure, _owner = em_structure
    cashier = make_member(structure, role="cashier")
    assert client_for(structure, cashier).get(BASE + "reglages/").status_code == 403
