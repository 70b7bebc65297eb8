"""FO-1, FO-2, NO-1 end to end: a customer and a staff member, each in their own browser
context, talk in real time; the staff bell hears of the message live; the answer's email
arrives."""

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from ponton.customers.services import customer_create, customer_invite
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, url, email, password):
    page.goto(url)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _bell_count(page) -> int:
    return int(page.locator("#notification-count").get_attribute("data-unread-count"))


def test_customer_and_staff_talk_live(make_structure, asgi_site, new_page, smtp_server):
    """FO-1: messages appear on the other side without reload; NO-1: the notification reaches
    the bell live (and is read, the conversation being open); FO-2: the staff answer's email
    reaches the customer (real SMTP)."""
    structure, owner = make_structure(name="Base nautique du Moulin")
    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Léa", last_name="Morvan", email="lea@client.test")
        account = customer_invite(structure=structure, customer=customer)
    account.set_password(TEST_PASSWORD)
    account.save(update_fields=["password"])
    smtp_server.wait_for(1)  # the invitation

    staff = new_page()
    _login(staff, asgi_site.url(structure, "/connexion/"), owner.email, TEST_PASSWORD)
    staff.goto(asgi_site.url(structure, f"/manager/m/forum/clients/{customer.pk}/"))
    staff.locator('[data-forum][data-live="on"]').wait_for()
    bell_before = _bell_count(staff)

    client = new_page()
    _login(client, asgi_site.url(structure, "/connexion/"), "lea@client.test", TEST_PASSWORD)
    client.goto(asgi_site.url(structure, "/compte/discussions/"))
    client.locator('[data-forum][data-live="on"]').wait_for()
    client.get_by_label("Votre message").fill("Bonjour, reste-t-il des places samedi ?")
    client.get_by_role("button", name="Envoyer").click()

    # Staff: the message appears without reload; its notification reaches the bell live, read
    # at once since the conversation is open in front of the staff member (issue 11, bug 9).
    staff.get_by_role("list", name="Messages").get_by_text(
        "Bonjour, reste-t-il des places samedi ?"
    ).wait_for()
    staff.locator("#notification-menu-list .notif-item").first.wait_for(state="attached")
    assert staff.locator("#notification-menu-list .notif-title").first.text_content() == (
        "Nouveau message de Léa Morvan"
    )
    # expect(), not wait_for_function: the Content-Security-Policy forbids eval on the page.
    expect(staff.locator("#notification-menu-list .notif-item").first).not_to_have_class(
        re.compile(r"\bunread\b")
    )
    assert _bell_count(staff) == bell_before

    # Staff answers: the customer sees it without reload, and gets an email.
    staff.get_by_label("Votre message").fill("Oui, <b>trois</b> places au stage de 10 h.")
    staff.get_by_role("button", name="Envoyer").click()
    client.get_by_role("list", name="Messages").get_by_text(
        "Oui, <b>trois</b> places au stage de 10 h."
    ).wait_for()

    messages = smtp_server.wait_for(2)
    answer = messages[-1]
    assert answer["To"] == "lea@client.test"
    body = smtp_server.text_of(answer)
    assert "Oui, <b>trois</b> places au stage de 10 h." in body
    assert re.search(
        rf"http://{re.escape(structure.get_primary_domain().domain)}:\d+"
        r"/compte/discussions/",
        body,
    )
