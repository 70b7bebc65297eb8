"""The till in a real browser against a real daphne server (issue 13 items 1-3).

PO-1 Sell: product buttons, basket, payment in two methods with the change given, the ticket
     (justificatif d'achat) shown, then the server's ticket linked.
PO-8 Offline selling: the SERVER PROCESS STOPPED while three tickets are sold (numbered and
     signed in the browser, kept in IndexedDB, shown as waiting), the server restarted: all
     three arrive once, the X report counts them; a reload mid-queue loses nothing."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from modules.pos.models import Ticket, Till
from modules.pos.selectors import session_report
from modules.pos.services import session_open
from ponton.billing.models import Payment
from ponton.launcher import daphne_args
from ponton.ledger.selectors import ledger_verify
from ponton.planning.services import session_add
from tenants.services import module_grant
from tests.conftest import free_port
from tests.e2e.manager_pages import log_in
from tests.support.sales import STAFF, make_shop
from tests.support.servers import ROOT, database_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ROOT / ".data" / "screenshots"
SIZES = {"laptop": (1366, 768), "tablet": (768, 1024)}


# Content-Security-Policy violations seen by the page (none allowed: tests/e2e/test_csp.py).
CSP_LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class TillServer:
    """daphne on the test database, on a fixed port, that the test can really stop (the
    process ends, the port refuses connections) and start again."""

    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log = port, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(exist_ok=True)
        out = open(self.log, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, *daphne_args("127.0.0.1", self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + 60
        while not self.listening():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(self.log.read_text())
            time.sleep(0.2)

    def listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        assert not self.listening()


@pytest.fixture
def till_server(transactional_db, platform, settings):
    port = free_port()
    settings.PUBLIC_PORT_SUFFIX = f":{port}"
    server = TillServer(
        port,
        database_env(PUBLIC_PORT_SUFFIX=f":{port}"),
        ROOT / ".data" / f"daphne-till-{port}.log",
    )
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.stop()


@pytest.fixture
def counter(make_structure, till_server):
    """A structure with the till module, its catalogue (a T-shirt at 20 €, an activity with a
    session today), and its open till."""
    structure, owner = make_structure(name="Club de la Rade")
    module_grant(structure=structure, label="pos")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10, stock=50)
        now = timezone.now()
        session_add(
            product=shop.activity,
            starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(hours=3),
            capacity=12,
        )
        till = Till.objects.get()  # the till the grant created ("Caisse principale")
        shop.till_session = session_open(till=till, opening_float="150.00", actor=STAFF)
    shop.structure, shop.owner, shop.till = structure, owner, till
    shop.url = lambda path="/": (
        f"http://{structure.get_primary_domain().domain}:{till_server.port}{path}"
    )
    return shop


class _Site:
    def __init__(self, shop):
        self.shop = shop

    def url(self, structure=None, path: str = "/") -> str:
        return self.shop.url(path)


def open_till(new_page, shop, size=SIZES["laptop"]):
    page = new_page()
    page.add_init_script(CSP_LISTEN)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    log_in(page, _Site(shop), shop.structure, shop.owner)
    page.goto(shop.url("/caisse/"))
    tile(page, "T-shirt").wait_for()
    # Ready to sell without the server: the worker controls the page, the device is registered.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    page.wait_for_function(
        f"() => window.PosDB.get('devices', {shop.till.pk}).then(d => !!d)", timeout=20_000
    )
    return page


def tile(page, name: str):
    """A product or session button of the catalogue."""
    return page.locator("#sell-buttons").get_by_role("button", name=name)


def banner(page):
    return page.locator("#till-status")


def sell_tshirt_cash(page, handed: str = "20,00") -> None:
    tile(page, "T-shirt").click()
    page.get_by_role("button", name="Payer").click()
    page.get_by_role("button", name="Espèces").click()
    page.get_by_label("Montant remis (€)").fill(handed)
    page.get_by_role("button", name="Ajouter ce paiement").click()
    page.get_by_role("button", name="Valider le ticket").click()
    expect(page.get_by_role("heading", name="Justificatif d'achat")).to_be_visible()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"till-{name}.png"))


def tickets_of(shop):
    with schema_context(shop.structure.schema_name):
        return list(Ticket.objects.order_by("sequence").values_list("number", "offline"))


def test_po1_a_sale_paid_by_card_and_cash_with_change_shows_its_ticket(new_page, counter):
    page = open_till(new_page, counter)
    expect(banner(page)).to_have_text("En ligne")
    shot(page, "sell-empty-1366")
    button = tile(page, "T-shirt")
    button.click()
    button.click()
    expect(page.locator("#basket-total")).to_have_text("40,00\u00a0€")
    page.get_by_role("button", name="Payer").click()

    page.get_by_role("button", name="Carte bancaire").click()
    page.get_by_label("Montant (€)").fill("15,00")
    page.get_by_role("button", name="Ajouter ce paiement").click()
    expect(page.locator("#pay-due")).to_have_text("25,00\u00a0€")
    page.get_by_role("button", name="Espèces").click()
    page.get_by_label("Montant remis (€)").fill("30,00")
    expect(page.locator("#pay-change")).to_contain_text("Rendu : 5,00\u00a0€")
    page.get_by_role("button", name="Ajouter ce paiement").click()
    shot(page, "pay-1366")
    page.get_by_role("button", name="Valider le ticket").click()

    receipt = page.locator("#receipt-dialog")
    expect(receipt.get_by_role("heading", name="Justificatif d'achat")).to_be_visible()
    number = f"C{counter.till.pk}-01-000001"
    expect(receipt).to_contain_text(f"Ticket n° {number}")
    expect(receipt).to_contain_text("Rendu : 5,00\u00a0€")
    expect(page.locator("#receipt-state")).to_have_text("Enregistré sur le serveur")
    shot(page, "receipt-1366")

    with schema_context(counter.structure.schema_name):
        ticket = Ticket.objects.get()
        assert (ticket.number, ticket.total, ticket.change_given, ticket.offline) == (
            number,
            Decimal("40.00"),
            Decimal("5.00"),
            False,
        )
        payments = sorted(
            (p.method, p.amount, p.change_given)
            for p in Payment.objects.filter(document=ticket.document)
        )
        assert payments == [
            ("card", Decimal("15.00"), 0),
            ("cash", Decimal("25.00"), Decimal("5.00")),
        ]
    link = page.get_by_role("link", name="Voir et imprimer le ticket")
    expect(link).to_have_attribute("href", f"/caisse/tickets/{ticket.pk}/")
    assert page.evaluate("() => window.__csp") == []
    # Printed: the first print is the original 80 mm ticket, with the change given.
    link.click()
    page.get_by_role("button", name="Imprimer le ticket").click()
    receipt = page.locator("[data-ticket-body]")
    expect(receipt).to_contain_text("Justificatif d'achat")
    expect(receipt).to_contain_text(ticket.number)
    expect(receipt).to_contain_text("Rendu")
    expect(receipt).to_contain_text("5,00 €")
    expect(receipt).not_to_contain_text("DUPLICATA")
    with schema_context(counter.structure.schema_name):
        assert list(ticket.reprints.values_list("count", flat=True)) == [0]


def test_po8_three_tickets_sold_while_the_server_is_stopped_arrive_once(
    new_page, counter, till_server
):
    page = open_till(new_page, counter)
    expect(banner(page)).to_have_text("En ligne")

    till_server.stop()  # the process is gone, its port refuses connections
    expect(banner(page)).to_have_text("Hors ligne — 0 ticket(s) en attente", timeout=15_000)
    for n in range(1, 4):
        sell_tshirt_cash(page)
        expect(page.locator("#receipt-state")).to_have_text("En attente de synchronisation")
        expect(page.locator("#receipt-dialog")).to_contain_text("Ticket fait hors ligne.")
        page.get_by_role("button", name="Nouvelle vente").click()
        expect(banner(page)).to_have_text(f"Hors ligne — {n} ticket(s) en attente")
    shot(page, "offline-1366")
    # Reload while the server is still down: the worker serves the till, the queue is there.
    page.reload()
    expect(banner(page)).to_have_text("Hors ligne — 3 ticket(s) en attente", timeout=15_000)
    assert tickets_of(counter) == []

    till_server.start()
    expect(banner(page)).to_have_text("En ligne", timeout=20_000)

    prefix = f"C{counter.till.pk}-01-"
    assert tickets_of(counter) == [(f"{prefix}{n:06d}", True) for n in (1, 2, 3)]
    with schema_context(counter.structure.schema_name):
        report = session_report(counter.till_session)
        assert (report.tickets, report.offline, report.sales) == (3, 3, Decimal("60.00"))
        assert report.expected["cash"] == Decimal("210.00")  # 150 float + 3 × 20
        assert ledger_verify().ok
    page.locator("#device-tickets summary").click()
    expect(page.locator(".device-ticket.synced")).to_have_count(3)


def test_po8_a_reload_mid_queue_loses_nothing_and_records_nothing_twice(new_page, counter):
    page = open_till(new_page, counter)
    context = page.context
    context.set_offline(True)
    expect(banner(page)).to_have_text("Hors ligne — 0 ticket(s) en attente", timeout=15_000)
    for _ in range(3):
        sell_tshirt_cash(page)
        page.get_by_role("button", name="Nouvelle vente").click()
    expect(banner(page)).to_have_text("Hors ligne — 3 ticket(s) en attente")

    # Back online, the queue starts: the first ticket is recorded and confirmed; the second is
    # recorded by the server but its answer is lost; nothing more gets through. Reload then.
    calls = {"n": 0}

    def cut(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.continue_()
        elif calls["n"] == 2:
            # Reaches the server, which records the ticket (sent from the test's side: it
            # resolves the structure's host to loopback as Chromium does), then the answer
            # is lost on the way back.
            url = urlsplit(route.request.url)
            route.fetch(
                url=url._replace(netloc=f"127.0.0.1:{url.port}").geturl(),
                headers={**route.request.headers, "host": url.netloc},
            )
            route.abort("connectionreset")
        else:
            route.abort("connectionreset")

    page.route("**/caisse/synchro/", cut)
    context.set_offline(False)
    expect(banner(page)).to_contain_text("2 ticket(s) en attente", timeout=20_000)
    assert [n for n, _ in tickets_of(counter)] == [f"C{counter.till.pk}-01-{n:06d}" for n in (1, 2)]
    page.reload()
    page.unroute("**/caisse/synchro/")
    expect(banner(page)).to_have_text("En ligne", timeout=20_000)

    assert [n for n, _ in tickets_of(counter)] == [
        f"C{counter.till.pk}-01-{n:06d}" for n in (1, 2, 3)
    ]
    states = page.evaluate(
        f"() => window.PosDB.tickets({counter.till.pk}).then(ts => ts.map(t => [t.status, t.code]))"
    )
    assert states == [["synced", ""], ["synced", "duplicate"], ["synced", ""]]


@pytest.mark.parametrize("size", ["laptop", "tablet"])
def test_po1_the_sell_screen_fits_a_laptop_and_a_tablet(new_page, counter, size):
    width, height = SIZES[size]
    page = open_till(new_page, counter, SIZES[size])
    tile(page, "T-shirt").click()
    tile(page, "Stage catamaran").click()
    expect(page.get_by_role("button", name="Choisir le consommateur")).to_be_visible()
    shot(page, f"sell-basket-{width}")
    # No horizontal overflow, the function bar and the pay button on screen, big buttons.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    pay = page.get_by_role("button", name="Payer").bounding_box()
    assert pay is not None and pay["y"] + pay["height"] <= height and pay["height"] >= 44
    box = tile(page, "T-shirt").bounding_box()
    assert box is not None and box["height"] >= 60 and box["width"] >= 120
    expect(page.get_by_role("link", name="MarketPlace")).to_have_attribute("target", "_blank")
    page.get_by_role("button", name="Payer").click()
    expect(page.locator("#basket-error")).to_have_text(
        "Choisissez le consommateur de « Stage catamaran »."
    )
    page.get_by_role("button", name="Choisir le consommateur").click()
    page.get_by_label("Rechercher un client").fill("Le Goff")
    page.get_by_role("button", name="Louis Le Goff").click()
    expect(page.get_by_role("button", name="Consommateur : Louis Le Goff")).to_be_visible()
    page.get_by_role("button", name="Payer").click()
    shot(page, f"pay-dialog-{width}")


def test_po8_two_tabs_share_the_device_sequence_and_sync_each_ticket_once(new_page, counter):
    first = open_till(new_page, counter)
    second = first.context.new_page()
    second.add_init_script(CSP_LISTEN)
    second.goto(counter.url("/caisse/"))
    tile(second, "T-shirt").wait_for()
    first.context.set_offline(True)
    for page in (first, second):
        expect(banner(page)).to_contain_text("Hors ligne", timeout=15_000)
    for page in (first, second, first):
        sell_tshirt_cash(page)
        page.get_by_role("button", name="Nouvelle vente").click()

    first.context.set_offline(False)
    for page in (first, second):
        expect(banner(page)).to_have_text("En ligne", timeout=20_000)

    prefix = f"C{counter.till.pk}-01-"
    assert tickets_of(counter) == [(f"{prefix}{n:06d}", True) for n in (1, 2, 3)]
