"""Issue 11 in a real browser against daphne (HTTP and websockets):

- bug 9 (FO-1, NO-1): a staff member with two tabs open; opening the conversation in one tab
  (from Clients > Discussions) marks its notifications read, and the other tab's bell counts
  down live, without a reload; a message that arrives on the open conversation is read too;
- the "Hors ligne" notice of a conversation shows only once its socket really failed, never
  while "Mes discussions" opens.
"""

import pytest
from django_tenants.utils import schema_context

from modules.forum.services import message_post_by_customer
from ponton.customers.services import customer_create, customer_invite
from realtime.models import Notification
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFLINE = "Hors ligne : les nouveaux messages s’afficheront au retour de la connexion."

# Records whether the offline notice was ever on screen, from the first paint on.
WATCH_OFFLINE = """
window.__offlineSeen = false;
(function watch() {
  var notice = document.querySelector("[data-forum-live]");
  if (notice && notice.getClientRects().length > 0) { window.__offlineSeen = true; }
  requestAnimationFrame(watch);
})();
"""


def _login(page, url, email, password):
    page.goto(url)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _bell_count(page) -> int:
    return int(page.locator("#notification-count").get_attribute("data-unread-count"))


def _wait_bell(page, count: int) -> None:
    # A locator, not wait_for_function: the Content-Security-Policy forbids eval on the page.
    page.locator(f'#notification-count[data-unread-count="{count}"]').wait_for(state="attached")


@pytest.fixture
def forum(make_structure, smtp_server):
    structure, owner = make_structure(name="Base nautique du Moulin")
    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Léa", last_name="Morvan", email="lea@client.test")
        account = customer_invite(structure=structure, customer=customer)
        customer.refresh_from_db()
    account.set_password(TEST_PASSWORD)
    account.save(update_fields=["password"])
    return structure, owner, customer


def test_opening_the_conversation_counts_the_bell_down_in_every_tab(forum, asgi_site, new_page):
    """Bug 9: Léa wrote twice; the staff member's bell says 2 in tab A; tab B opens her
    conversation from Clients > Discussions: tab A's bell goes to 0 live. A new message of
    Léa's arrives while tab B shows the conversation: it is read there, and tab A shows it
    read with the bell back at 0."""
    structure, owner, customer = forum
    with schema_context(structure.schema_name):
        for body in ("Bonjour", "Reste-t-il des places samedi ?"):
            message_post_by_customer(structure=structure, customer=customer, body=body)

    tab_a = new_page()
    _login(tab_a, asgi_site.url(structure, "/connexion/"), owner.email, TEST_PASSWORD)
    tab_a.goto(asgi_site.url(structure, "/manager/"))
    tab_a.locator('#notification-bell[data-socket="open"]').wait_for()
    assert _bell_count(tab_a) == 2

    tab_b = tab_a.context.new_page()
    tab_b.goto(asgi_site.url(structure, "/manager/m/forum/"))
    tab_b.get_by_role("link", name="Ouvrir la discussion").click()
    tab_b.locator('[data-forum][data-live="on"]').wait_for()
    assert _bell_count(tab_b) == 0
    _wait_bell(tab_a, 0)  # no reload of tab A
    assert tab_a.locator("#notification-menu-list .notif-item.unread").count() == 0

    client = new_page()
    _login(client, asgi_site.url(structure, "/connexion/"), "lea@client.test", TEST_PASSWORD)
    client.goto(asgi_site.url(structure, "/compte/discussions/"))
    client.locator('[data-forum][data-live="on"]').wait_for()
    client.get_by_label("Votre message").fill("Et dimanche ?")
    client.get_by_role("button", name="Envoyer").click()

    tab_b.get_by_role("list", name="Messages").get_by_text("Et dimanche ?").wait_for()
    with schema_context(structure.schema_name):
        newest = Notification.objects.filter(user_id=owner.pk).order_by("-id").first()
    assert newest is not None and newest.body == "Et dimanche ?"
    item = tab_a.locator(f'#notification-menu-list [data-notification-id="{newest.id}"]')
    item.wait_for(state="attached")
    # A locator, not wait_for_function: the Content-Security-Policy forbids eval on the page.
    tab_a.locator(
        f'#notification-menu-list [data-notification-id="{newest.id}"]:not(.unread)'
    ).wait_for(state="attached")
    _wait_bell(tab_a, 0)
    with schema_context(structure.schema_name):
        assert not Notification.objects.filter(user_id=owner.pk, read_at__isnull=True).exists()


def test_the_offline_notice_only_shows_once_the_socket_failed(forum, asgi_site, new_page):
    """Stumble: "Mes discussions" opens without ever showing "Hors ligne"; when the socket
    cannot connect, the notice appears."""
    structure, _owner, _customer = forum
    page = new_page()
    _login(page, asgi_site.url(structure, "/connexion/"), "lea@client.test", TEST_PASSWORD)
    page.add_init_script(WATCH_OFFLINE)
    page.goto(asgi_site.url(structure, "/compte/discussions/"))
    page.locator('[data-forum][data-live="on"]').wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__offlineSeen") is False
    assert page.get_by_text(OFFLINE).is_hidden()

    refused = new_page()
    _login(refused, asgi_site.url(structure, "/connexion/"), "lea@client.test", TEST_PASSWORD)
    refused.route_web_socket("**/ws/forum/**", lambda ws: ws.close(code=1011))
    refused.goto(asgi_site.url(structure, "/compte/discussions/"))
    refused.locator('[data-forum][data-live="off"]').wait_for()
    refused.get_by_text(OFFLINE).wait_for(state="visible")
