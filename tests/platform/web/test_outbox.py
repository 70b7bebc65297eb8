"""Probe 11 (issue 11): the local outbox holds set-password links. Platform operators see every
email at /outbox/; a structure's managers see only their structure's at /manager/emails/;
anyone else is sent to the login page or refused."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role, User
from ponton.accounts.services import membership_invite
from ponton.web.models import OutboxEmail
from tenants.services_console import activation_key_issue
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def mails(settings, structure_a, structure_b, django_capture_on_commit_callbacks):
    """Three emails in the outbox: an invitation of A, one of B, an activation key (platform)."""
    settings.EMAIL_BACKEND = "ponton.web.mail.OutboxBackend"
    a, _ = structure_a
    b, _ = structure_b
    with django_capture_on_commit_callbacks(execute=True):
        for structure, email in ((a, "nouveau@a.test"), (b, "nouveau@b.test")):
            with schema_context(structure.schema_name):
                membership_invite(
                    structure=structure,
                    email=email,
                    first_name="Nina",
                    last_name="Le Goff",
                    role=Role.STAFF,
                    base_url="http://x",
                )
        activation_key_issue(
            intended_for="Club C", email="club@c.test", valid_days=10, issued_by=None
        )
    return a, b


def _subjects(response) -> list[str]:
    return [e.subject for e in response.context["emails"]]


def test_each_email_records_the_structure_it_was_sent_for(mails):
    a, b = mails
    rows = sorted(OutboxEmail.objects.values_list("to", "structure_id"))
    assert rows == [("club@c.test", None), ("nouveau@a.test", a.pk), ("nouveau@b.test", b.pk)]


def test_anonymous_is_sent_to_login_on_both_outboxes(mails, client_for):
    a, _b = mails
    for client, url in ((client_for(), "/outbox/"), (client_for(a), "/manager/emails/")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/connexion/?next={url}"


def test_operator_sees_every_email(mails, client_for):
    operator = User.objects.create_user(
        email="op@ponton.test", password=TEST_PASSWORD, is_platform_operator=True
    )
    response = client_for(None, operator).get("/outbox/")
    assert response.status_code == 200
    assert sorted(e.to for e in response.context["emails"]) == [
        "club@c.test",
        "nouveau@a.test",
        "nouveau@b.test",
    ]


def test_structure_owner_sees_only_its_own_mail(mails, structure_a, client_for):
    a, _b = mails
    _a, owner_a = structure_a
    assert client_for(None, owner_a).get("/outbox/").status_code == 403
    response = client_for(a, owner_a).get("/manager/emails/")
    assert response.status_code == 200
    assert [e.to for e in response.context["emails"]] == ["nouveau@a.test"]
    page = response.content.decode()
    assert "nouveau@a.test" in page
    assert "nouveau@b.test" not in page and "club@c.test" not in page


def test_other_structures_and_plain_staff_see_nothing(mails, structure_a, make_member, client_for):
    a, b = mails
    _a, owner_a = structure_a
    assert client_for(b, owner_a).get("/manager/emails/").status_code == 403
    staff = make_member(a, role=Role.STAFF)
    response = client_for(a, staff).get("/manager/emails/")
    assert response.status_code == 403
    assert "nouveau@a.test" not in response.content.decode()


@pytest.mark.parametrize("echo", [True, False])
def test_the_console_copy_can_be_turned_off_the_outbox_keeps_the_email(settings, capsys, db, echo):
    """`make run` seeds the demo with OUTBOX_ECHO off: its emails go to the outbox page only,
    not between the startup lines on the console."""
    from ponton.web.mail import deliver

    settings.EMAIL_BACKEND = "ponton.web.mail.OutboxBackend"
    settings.OUTBOX_ECHO = echo
    deliver(to=["marin@a.test"], subject="Votre facture", body="Bonjour")
    assert OutboxEmail.objects.filter(to="marin@a.test", subject="Votre facture").count() == 1
    printed = capsys.readouterr().out
    assert ("--- email to marin@a.test: Votre facture" in printed) is echo
