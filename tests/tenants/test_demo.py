"""The demo structure of `make run` has something on every page (CA-1, PL-1, PL-3, CU-1) and a
shop worth browsing (MP-1)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.catalogue.models import Product, ProductAssociation, ProductPhoto
from ponton.customers.models import Customer
from ponton.planning.models import Session
from ponton.shop.selectors import shop_is_open
from tenants.management.commands.seed_demo import DEMO_OWNER, DEMO_PASSWORD, DEMO_SLUG
from tenants.models import Structure
from tests.support.files import forget_media_root


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the module (it takes seconds) inside a transaction rolled back
    at the module's end; each test runs in a savepoint of it (pytest-django's `db`), so nothing
    a test changes reaches the next one. Its files (photos, CGV) go to a media root of its own."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("demo-media"))),
    ):
        forget_media_root()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            connection.set_schema_to_public()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.set_schema_to_public()
            forget_media_root()


@pytest.fixture
def demo(_seeded, db):
    return Structure.objects.get(slug=DEMO_SLUG)


def test_demo_structure_has_a_catalogue_a_planning_and_customers(demo):
    """CA-1, PL-1, CU-1: published products of the four kinds, weeks of sessions, a family."""
    with schema_context(demo.schema_name):
        kinds = set(
            Product.objects.filter(status=Product.Status.PUBLISHED).values_list("kind", flat=True)
        )
        assert kinds == set(Product.Kind.values)
        assert Session.objects.count() > 50
        coming = Session.objects.filter(starts_at__gt=timezone.now())
        assert coming.filter(sold__gt=0).count() == 1  # the demo order's session
        payer = Customer.objects.get(email="claire.legoff@demo.ponton.test")
        assert sorted(payer.consumers.values_list("first_name", flat=True)) == ["Jeanne", "Louis"]


def test_demo_structure_has_an_invoiced_order_and_a_quote(demo):
    """OR-1, OR-2, OR-3, OR-6: something to see under Gérer: an order for two children,
    invoiced and half paid by cheque, and a quote; the ledger holds them and verifies."""
    from ponton.billing.models import Document
    from ponton.billing.selectors import order_balance
    from ponton.ledger.selectors import ledger_verify
    from ponton.sales.models import Order

    with schema_context(demo.schema_name):
        order = Order.objects.get(
            status=Order.Status.ORDER, payer__email="claire.legoff@demo.ponton.test"
        )
        assert order.lines.count() == 2
        invoice = Document.objects.get(kind=Document.Kind.INVOICE, order=order)
        assert invoice.total == 300 and order_balance(order_id=order.pk) == 150
        assert Order.objects.filter(status=Order.Status.QUOTE).count() == 1
        assert ledger_verify().ok


def test_seed_demo_twice_changes_nothing(demo):
    with schema_context(demo.schema_name):
        before = (Product.objects.count(), Session.objects.count(), Customer.objects.count())
    connection.set_schema_to_public()
    call_command("seed_demo", stdout=io.StringIO())
    with schema_context(demo.schema_name):
        assert (
            Product.objects.count(),
            Session.objects.count(),
            Customer.objects.count(),
        ) == before


def test_demo_pages_show_the_demo_data(demo):
    """PL-3: this week's planning of the demo shows its activities with free seats."""
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=demo.get_primary_domain().domain)
    assert client.login(email=DEMO_OWNER, password=DEMO_PASSWORD)
    assert User.objects.filter(email=DEMO_OWNER).exists()
    planning = client.get("/manager/planning/").content.decode()
    assert "Stage catamaran (5 demi-journées)" in planning
    assert "libres" in planning
    offer = client.get("/manager/offre/").content.decode()
    assert "T-shirt de la base" in offer and "Adhésion" in offer
    customers = client.get("/manager/clients/").content.decode()
    assert "Le Goff" in customers


def test_demo_structure_has_the_till_with_a_closing_and_a_day_of_tickets(demo):
    """PO-1, PO-3: the demo has the till on, one till, a Z closing and an open session whose X
    report shows tickets in several methods and a withdrawal."""
    from modules.pos.models import Ticket, Till, TillClosing
    from modules.pos.selectors import session_report
    from ponton.ledger.selectors import ledger_verify
    from tenants.selectors import enabled_module_labels

    assert "pos" in enabled_module_labels(structure=demo, fresh=True)
    with schema_context(demo.schema_name):
        till = Till.objects.get()
        assert TillClosing.objects.filter(till=till).count() == 1
        session = till.sessions.get(closed_at__isnull=True)
        report = session_report(session)
        assert report.tickets == 6
        assert report.cash_out == Decimal("11.50")
        assert {m.method for m in report.methods if m.received} == {
            "cash",
            "card",
            "cheque",
            "holiday_voucher",
        }
        assert Ticket.objects.count() == 8
        assert ledger_verify().ok


def test_demo_structure_has_two_years_of_past_sales(demo):
    """CO-2, ST-1, ST-2: the demo's past, made through the services at their own dates, gives
    the lists and statistics two years to show: sales every month, every payment method,
    credit notes with their refunds, balances still due; the ledger is in order of time and
    verifies."""
    import datetime as dt

    from django.db.models import Count, Min
    from django.db.models.functions import TruncMonth

    from ponton.billing.models import Document, Payment
    from ponton.ledger.models import LedgerEntry
    from ponton.ledger.selectors import ledger_verify
    from ponton.sales.models import Order

    today = timezone.localdate()
    with schema_context(demo.schema_name):
        invoices = Document.objects.filter(kind=Document.Kind.INVOICE)
        first = timezone.localdate(invoices.aggregate(first=Min("issued_at"))["first"])
        assert first < dt.date(today.year - 1, 1, 1)  # the whole of last year is there
        months = set(
            invoices.annotate(m=TruncMonth("issued_at")).values_list("m", flat=True).distinct()
        )
        assert len(months) >= 24
        methods = set(Payment.objects.values_list("method", flat=True))
        assert methods >= {"cash", "cheque", "card", "online_card", "transfer", "holiday_voucher"}
        assert Payment.objects.filter(method="cheque").exclude(cheque_number="").count() > 10
        credit_notes = Document.objects.filter(kind=Document.Kind.CREDIT_NOTE)
        assert credit_notes.count() > 5
        assert Payment.objects.filter(kind="refund").count() == credit_notes.count()
        channels = dict(Order.objects.values_list("channel").annotate(n=Count("id")))
        assert channels.get("online", 0) > 50 and channels.get("manager", 0) > 300
        unpaid = [d for d in invoices if d.total > sum(p.amount for p in d.payments.all())]
        assert len(unpaid) > 10
        recorded = list(LedgerEntry.objects.order_by("pk").values_list("recorded_at", flat=True))
        assert recorded == sorted(recorded)
        assert ledger_verify().ok


def test_demo_structure_has_sms_with_a_quota_and_sent_messages(demo):
    """SM-1: the demo has the SMS module on, a quota, and a few SMS delivered by the local
    provider (on the outbox page)."""
    from modules.sms.models import SmsAccount, SmsMessage
    from ponton.web.models import OutboxEmail
    from tenants.selectors import enabled_module_labels

    assert "sms" in enabled_module_labels(structure=demo, fresh=True)
    with schema_context(demo.schema_name):
        sent = SmsMessage.objects.count()
        assert sent >= 1
        assert set(SmsMessage.objects.values_list("state", flat=True)) == {"delivered"}
        assert SmsAccount.objects.get().balance == 200 - sent
    assert (
        OutboxEmail.objects.filter(structure_id=demo.pk, subject__startswith="SMS").count() == sent
    )


def test_demo_structure_has_entries_and_a_fec(demo, client_for):
    """CO-3: the demo of `make run` has a SIRET, sales and payments: its entries balance per
    journal and its FEC downloads under the demo's SIREN."""
    from ponton.compta.accounting.entries import Period
    from ponton.compta.accounting.selectors import journal_entries
    from tests.platform.compta.test_fec import NAMES, download

    today = timezone.localdate()
    with schema_context(demo.schema_name):
        entries = journal_entries(period=Period(start=today.replace(month=1, day=1), end=today))
    codes = {entry.journal_code for entry in entries}
    assert "VE" in codes and codes & {"CA", "CH", "CB", "CV", "BQ", "CL"}
    for code in codes:
        journal = [e for e in entries if e.journal_code == code]
        assert all(e.debit == e.credit for e in journal)
        assert sum(e.debit for e in journal) == sum(e.credit for e in journal) > 0
    client = client_for(demo, User.objects.get(email=DEMO_OWNER))
    response = download(client, today.replace(month=1, day=1), today)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="123456782FEC{today:%Y%m%d}.txt"'
    )
    records = b"".join(response.streaming_content).decode("iso-8859-15").split("\r\n")
    assert records[0] == NAMES and len(records) - 2 == sum(len(e.lines) for e in entries)


def test_demo_has_the_emarketing_module_on_and_one_sent_campaign(demo):
    """EM-1 demo: the demo structure has the e-marketing module on and one campaign sent."""
    from modules.emarketing.models import Campaign, Recipient
    from tenants.selectors import enabled_module_labels

    assert "emarketing" in enabled_module_labels(structure=demo)
    with schema_context(demo.schema_name):
        campaign = Campaign.objects.get()
        assert campaign.state == Campaign.State.SENT
        assert campaign.total > 0
        assert Recipient.objects.filter(campaign=campaign, state="sent").count() == campaign.total


def test_the_demo_shop_is_open_with_something_to_book(demo):
    """MP-1: CGV stored privately, the shop open, photos, sessions bookable online."""
    assert shop_is_open(demo) == (True, "")
    assert demo.cgv.name.startswith("structures/cgv/")
    with schema_context(demo.schema_name):
        assert demo.cgv.open("rb").read(5) == b"%PDF-"
        assert ProductPhoto.objects.count() == 4
        association = ProductAssociation.objects.get(mandatory=True)
        assert association.associated.name == "Licence FFVoile journée"
        initiation = association.product
        assert initiation.sessions.count() == 24  # 4 a week, 6 weeks
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=demo.get_primary_domain().domain)
    home = client.get("/").content.decode()
    for name in ("Stage catamaran", "Initiation voile", "Gourde de la base", "Adhésion"):
        assert name in home
    assert "T-shirt de la base" not in home  # counter-only
    assert "Licence FFVoile journée" not in home  # sold only as an associated product
    assert home.count('src="/media/') >= 4  # thumbnails
    paths = re.findall(r'href="(/activites/\d+-[a-z0-9-]+/)"', home)
    assert len(paths) == 4
    page = client.get(paths[0]).content.decode()
    assert "data-book-session=" in page and "Semaine du" in page
    with schema_context(demo.schema_name):
        url = f"/activites/{initiation.pk}-initiation-voile-demi-journee/"
    connection.set_schema_to_public()
    page = client.get(url).content.decode()
    assert "Licence FFVoile journée" in page and "ajouté automatiquement" in page
    with schema_context(demo.schema_name):
        assert Product.objects.filter(kind="membership", status="published").exists()


def test_demo_structure_plans_with_resources(demo, client_for):
    """RE-1: the demo has instructors, Laser ×6, Optimist, a motor boat and a room; its sessions
    use them (never twice at once), and Paramètres > Ressources and a resource's planning show
    them."""
    from ponton.planning.models import Resource, SessionResource

    with schema_context(demo.schema_name):
        resources = dict(Resource.objects.values_list("name", "quantity"))
        assert resources == {
            "Anne Morvan": 1,
            "Bateau à moteur": 1,
            "Laser": 6,
            "Léo Guével": 1,
            "Marie Le Floch": 1,
            "Optimist": 8,
            "Paul Kervella": 1,
            "Salle de briefing": 1,
        }
        marie = Resource.objects.get(name="Marie Le Floch")
        today = timezone.localdate()
        monday = today - dt.timedelta(days=today.weekday())
        booked = SessionResource.objects.filter(resource=marie, starts_at__date__gte=monday)
        assert booked.count() == 5 * 6  # the catamaran course, Monday to Friday, six weeks
        assert SessionResource.objects.filter(resource__name="Laser").exists()
        owner = User.objects.get(email=DEMO_OWNER)
    client = client_for(demo, owner)
    page = client.get("/manager/planning/ressources/").content.decode()
    assert "Marie Le Floch" in page and "×6" in page
    week = client.get(f"/manager/planning/ressources/{marie.pk}/planning/").content.decode()
    assert "Stage catamaran (5 demi-journées)" in week


def test_demo_has_ffvoile_on_with_delivered_licences_and_one_refused(demo, client_for):
    """FF-1 demo: the FF Voile module is on, its account set (password sealed), a licence and a
    passport product, three licences delivered and one refused ("déjà licencié"), each call in
    "Appel FF Voile"; the refused line's order shows the red marker."""
    from modules.ffvoile.models import Call, FederationAccount, Licence, LicenceProduct
    from tenants.selectors import enabled_module_labels

    assert "ffvoile" in enabled_module_labels(structure=demo, fresh=True)
    with schema_context(demo.schema_name):
        assert FederationAccount.objects.get().configured
        kinds = set(LicenceProduct.objects.values_list("kind", flat=True))
        assert kinds == {"licence_club_adulte", "licence_club_jeune", "passeport_voile"}
        states = sorted(Licence.objects.values_list("state", flat=True))
        assert states == ["delivered", "delivered", "delivered", "refused"]
        refused = Licence.objects.get(state="refused")
        assert refused.reason.startswith("Déjà licencié pour la saison")
        assert Call.objects.filter(result="refused").get().reason == refused.reason
        assert Call.objects.count() == 4
        order_id = refused.order_line.order_id
    client = client_for(demo, User.objects.get(email=DEMO_OWNER))
    card = client.get(f"/manager/commandes/{order_id}/").content.decode()
    assert 'class="badge red" data-ffvoile="refused"' in card
    listing = client.get("/manager/m/ffvoile/").content.decode()
    assert listing.count('data-result="delivered"') == 3
