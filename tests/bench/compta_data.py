"""The big structure of the Compta and Statistiques benchmarks (issue 14).

`big_structure()` creates one structure (through the signup's service, with a SIRET) holding,
for one whole past calendar year (`YEAR`, last year):

- 24 products in 4 categories on 2 sites (18 activities at 20 % or 5,5 %, 6 shop articles at
  20 %), each with two rates; 5,000 customers;
- 20,000 sessions spread over the year, their `sold` equal to the lines booked on them;
- 100,000 orders (channel manager/online/till), each with one activity line on a session, and
  every other order a second line (a shop article): 150,000 order lines;
- 100,000 invoices, one per order, with their 150,000 lines and their VAT per rate computed
  the way `billing.money.vat_breakdown` does;
- 200,000 payments, two per invoice (about half and half), in the six methods, received on
  the invoice's day or up to three days later; cheques with bank, number and issuer.

The rows are written by a few INSERT … SELECT over `generate_series` (about a minute in all):
the benchmarks measure reading them, not writing them. The documents are NOT appended to the
ledger (nothing here reads it: lists, journals, FEC and statistics read the documents and
payments); `verify_ledger` on this structure is meaningless. The counters of the year are set
past the last number, so a document issued afterwards still gets the next one.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

YEAR = dt.date.today().year - 1
CUSTOMERS = 5_000
SESSIONS = 20_000
ORDERS = 100_000  # -> 150,000 order/invoice lines and 200,000 payments
METHODS = ("cash", "cheque", "card", "online_card", "transfer", "holiday_voucher")
BANKS = ("Crédit Maritime", "Banque Populaire", "Crédit Agricole", "CIC Ouest", "La Poste")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class BigStructure:
    structure: object  # tenants.models.Structure
    owner: object  # accounts.models.User (Club Manager owner)
    year: int
    start: dt.date  # 1 January of `year`
    end: dt.date  # 31 December of `year`
    orders: int
    invoice_lines: int
    payments: int
    sessions: int


def _catalogue():
    """Products, rates and customers, through the ORM (few rows)."""
    from ponton.catalogue.models import Category, Product, Rate, Site
    from ponton.customers.models import Customer

    sites = [
        Site.objects.create(name="Base nautique", city="Brest", postal_code="29200"),
        Site.objects.create(name="Plage du Moulin Blanc", city="Brest", postal_code="29200"),
    ]
    nautisme = Category.objects.create(name="Nautisme")
    boutique = Category.objects.create(name="Boutique")
    categories = [
        Category.objects.create(name=name, parent=nautisme)
        for name in ("Stages", "Cours particuliers", "Sorties")
    ] + [Category.objects.create(name="Vêtements", parent=boutique)]
    products = []
    for i in range(18):
        rate = Decimal("5.50") if i % 3 == 2 else Decimal("20.00")
        products.append(
            Product.objects.create(
                kind="activity",
                name=f"Activité {i + 1:02d}",
                category=categories[i % 3],
                status="published",
                price=Decimal(30 + 5 * i),
                vat_rate=rate,
                accounting_code="706100" if i % 2 else "",
                site=sites[i % 2],
            )
        )
    for i in range(6):
        products.append(
            Product.objects.create(
                kind="shop_item",
                name=f"Article {i + 1:02d}",
                category=categories[3],
                status="published",
                price=Decimal(8 + 4 * i),
                vat_rate=Decimal("20.00"),
                accounting_code="707000",
                site=sites[0],
            )
        )
    for product in products:
        Rate.objects.create(product=product, name="Plein tarif", amount=product.price, position=0)
        Rate.objects.create(
            product=product, name="Tarif réduit", amount=product.price - 5, position=1
        )
    Customer.objects.bulk_create(
        Customer(
            first_name=f"Prénom{i}",
            last_name=f"Nom{i:05d}",
            email=f"client{i}@exemple.test",
            mobile=f"+3361{i:07d}",
        )
        for i in range(CUSTOMERS)
    )
    return sites, products


def _table(model) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def _insert_bulk(*, structure, products) -> None:
    """Sessions, orders, lines, invoices and payments: INSERT … SELECT in SQL."""
    import json

    from django.db import connection

    from ponton.billing.models import Counter, Document, DocumentLine, Payment
    from ponton.billing.services.documents import seller_of
    from ponton.catalogue.models import Product
    from ponton.customers.models import Customer
    from ponton.planning.models import Session
    from ponton.sales.models import Order, OrderLine

    activities = [p for p in products if p.kind == Product.Kind.ACTIVITY]
    articles = [p for p in products if p.kind == Product.Kind.SHOP_ITEM]
    start = dt.datetime(YEAR, 1, 1, 8, tzinfo=dt.UTC)
    seconds = 365 * 86400 - 12 * 3600
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
    product_table = (
        "(VALUES "
        + ", ".join(
            f"({n}, {p.pk}, {p.price}, {p.vat_rate}, {p.site_id}, "
            f"'{p.accounting_code}', '{p.name}')"
            for n, p in enumerate(activities)
        )
        + ") AS a(n, id, price, vat_rate, site_id, code, name)"
    )
    article_table = (
        "(VALUES "
        + ", ".join(
            f"({n}, {p.pk}, {p.price}, {p.vat_rate}, '{p.accounting_code}', '{p.name}')"
            for n, p in enumerate(articles)
        )
        + ") AS b(n, id, price, vat_rate, code, name)"
    )
    seller = json.dumps(seller_of(structure))
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            f"INSERT INTO {_table(Session)} "  # noqa: S608 - our own table names
            "(starts_at, ends_at, capacity, sold, created_at, product_id, site_id) "
            "SELECT %s::timestamptz + (i::bigint * %s / %s) * interval '1 second', "
            "%s::timestamptz + (i::bigint * %s / %s) * interval '1 second' + interval '2 hours', "
            "8 + i %% 5, 0, now(), a.id, a.site_id "
            f"FROM generate_series(0, %s - 1) AS i JOIN {product_table} "
            "ON a.n = i %% %s",
            [start, seconds, SESSIONS, start, seconds, SESSIONS, SESSIONS, len(activities)],
        )
        cur.execute(f"SELECT min(id) FROM {_table(Session)}")  # noqa: S608
        first_session = cur.fetchone()[0]
        log(f"  {SESSIONS} séances en {time.perf_counter() - started:.1f} s")
        # Orders: order i on session i % SESSIONS, placed a day before it (same year).
        started = time.perf_counter()
        cur.execute(
            f"INSERT INTO {_table(Order)} "  # noqa: S608
            "(number, quote_number, status, created_at, ordered_at, payer_id, channel, "
            "cgv_sha256) "
            "SELECT 'CO-' || %s || '-' || "
            "lpad((i + 1)::text, greatest(5, length((i + 1)::text)), '0'), '', 'order', t, t, "
            "%s + i %% %s, (ARRAY['manager', 'online', 'till'])[1 + i %% 3], '' "
            "FROM (SELECT i, %s::timestamptz + ((i %% %s)::bigint * %s / %s) * interval '1 second' "
            "+ interval '1 hour' AS t FROM generate_series(0, %s - 1) AS i) AS o",
            [
                YEAR,
                first_customer,
                CUSTOMERS,
                start,
                SESSIONS,
                seconds,
                SESSIONS,
                ORDERS,
            ],
        )
        cur.execute(f"SELECT min(id) FROM {_table(Order)}")  # noqa: S608
        first_order = cur.fetchone()[0]
        # Line 1: the session's activity, full or reduced rate; line 2 (even orders): an article.
        cur.execute(
            f"INSERT INTO {_table(OrderLine)} "  # noqa: S608
            "(position, state, label, rate_name, quantity, unit_price, discount, "
            "discount_label, vat_rate, accounting_code, answers, consumer_id, order_id, "
            "product_id, session_id) "
            "SELECT 1, 'invoiced', a.name, CASE WHEN i %% 4 = 0 THEN 'Tarif réduit' "
            "ELSE 'Plein tarif' END, 1, a.price - CASE WHEN i %% 4 = 0 THEN 5 ELSE 0 END, 0, "
            "'', a.vat_rate, a.code, '{}'::jsonb, NULL::bigint, %s + i, a.id, %s + i %% %s "
            f"FROM generate_series(0, %s - 1) AS i JOIN {product_table} "
            "ON a.n = (i %% %s) %% %s "
            "UNION ALL "
            "SELECT 2, 'invoiced', b.name, 'Plein tarif', 1 + i %% 3, b.price, 0, '', "
            "b.vat_rate, b.code, '{}'::jsonb, NULL::bigint, %s + i, b.id, NULL::bigint "
            f"FROM generate_series(0, %s - 1, 2) AS i JOIN {article_table} "
            "ON b.n = (i / 2) %% %s",
            [
                first_order,
                first_session,
                SESSIONS,
                ORDERS,
                SESSIONS,
                len(activities),
                first_order,
                ORDERS,
                len(articles),
            ],
        )
        cur.execute(
            f"UPDATE {_table(Session)} AS s SET sold = c.n, "  # noqa: S608
            "capacity = greatest(s.capacity, c.n) "
            f"FROM (SELECT session_id, count(*) AS n FROM {_table(OrderLine)} "
            "WHERE session_id IS NOT NULL GROUP BY session_id) AS c WHERE c.session_id = s.id"
        )
        log(f"  {ORDERS} commandes en {time.perf_counter() - started:.1f} s")
        # Invoices: one per order, issued when ordered, with its lines and VAT per rate.
        started = time.perf_counter()
        # VAT per rate as billing.money.vat_breakdown does it: base = total / (1 + rate),
        # rounded half up (PostgreSQL's round() on positive numerics), rates in order.
        cur.execute(
            "WITH per_rate AS (SELECT order_id, vat_rate, sum(unit_price * quantity - discount) "
            f"AS total FROM {_table(OrderLine)} WHERE order_id >= %s GROUP BY 1, 2), "  # noqa: S608
            "per_order AS (SELECT order_id, sum(total) AS total, jsonb_agg(jsonb_build_object("
            "'rate', vat_rate::text, 'base', round(total / (1 + vat_rate / 100), 2)::text, "
            "'vat', (total - round(total / (1 + vat_rate / 100), 2))::text, "
            "'total', total::text) ORDER BY vat_rate) AS vat FROM per_rate GROUP BY order_id) "
            f"INSERT INTO {_table(Document)} "
            "(kind, number, payer_id, seller, customer, issued_at, due_on, total, vat, note, "
            "actor_id, corrects_id, order_id) "
            "SELECT 'invoice', 'FA-' || %s || '-' || substr(o.number, 9), "
            "o.payer_id, %s::jsonb, jsonb_build_object('id', c.id, 'name', "
            "c.first_name || ' ' || c.last_name, 'email', c.email, 'address', '[]'::jsonb), "
            "o.ordered_at, (o.ordered_at AT TIME ZONE 'Europe/Paris')::date + 30, t.total, "
            "t.vat, '', NULL, NULL, o.id "
            f"FROM {_table(Order)} AS o JOIN {_table(Customer)} AS c ON c.id = o.payer_id "
            "JOIN per_order AS t ON t.order_id = o.id",
            [first_order, YEAR, seller],
        )
        cur.execute(
            f"INSERT INTO {_table(DocumentLine)} "  # noqa: S608
            "(position, label, quantity, unit_price, discount, total, vat_rate, "
            "accounting_code, document_id, order_line_id) "
            "SELECT l.position, l.label, l.quantity, l.unit_price, 0, l.unit_price * l.quantity, "
            "l.vat_rate, l.accounting_code, d.id, l.id "
            f"FROM {_table(OrderLine)} AS l "
            f"JOIN {_table(Document)} AS d ON d.order_id = l.order_id "
            "WHERE l.order_id >= %s",
            [first_order],
        )
        log(f"  {ORDERS} factures en {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cur.execute(
            f"INSERT INTO {_table(Payment)} "  # noqa: S608
            "(kind, method, amount, received_on, recorded_at, cheque_bank, cheque_number, "
            "cheque_issuer, reference, gateway_reference, actor_id, document_id, change_given) "
            "SELECT 'payment', m.method, "
            "CASE WHEN p.part = 1 THEN round(d.total / 2, 2) ELSE d.total - round(d.total / 2, 2) "
            "END, (d.issued_at AT TIME ZONE 'Europe/Paris')::date "
            "+ least(((d.id + p.part) %% 4)::int, "
            "(%s::date - (d.issued_at AT TIME ZONE 'Europe/Paris')::date)), "
            "d.issued_at + interval '5 minutes', "
            "CASE WHEN m.method = 'cheque' THEN (%s::text[])[1 + d.id %% 5] ELSE '' END, "
            "CASE WHEN m.method = 'cheque' THEN lpad((d.id * 2 + p.part)::text, 7, '0') "
            "ELSE '' END, "
            "CASE WHEN m.method = 'cheque' THEN d.customer->>'name' ELSE '' END, "
            "'', CASE WHEN m.method = 'online_card' THEN 'pi_bench_' || d.id || '_' || p.part "
            "ELSE '' END, NULL::bigint, d.id, 0 "
            f"FROM {_table(Document)} AS d CROSS JOIN (VALUES (1), (2)) AS p(part) "
            "JOIN (SELECT method, ordinality - 1 AS n FROM unnest(%s::text[]) "
            "WITH ORDINALITY AS method) AS m ON m.n = (d.id + p.part * 3) %% 6 "
            "WHERE d.order_id >= %s",
            [f"{YEAR}-12-31", list(BANKS), list(METHODS), first_order],
        )
        log(f"  {2 * ORDERS} paiements en {time.perf_counter() - started:.1f} s")
        cur.execute(
            f"INSERT INTO {_table(Counter)} (series, year, last) "  # noqa: S608
            "VALUES ('invoice', %s, %s), ('order', %s, %s) "
            "ON CONFLICT (series, year) DO UPDATE SET last = EXCLUDED.last",
            [YEAR, ORDERS, YEAR, ORDERS],
        )
        cur.execute("ANALYZE")


def big_structure(slug: str | None = None) -> BigStructure:
    """Create the big structure (see the module's docstring) and return what benchmarks need.
    Runs with Django set up on the bench database (tests/bench/run.py does it)."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from tenants.services import StructureData, structure_create

    slug = slug or f"compta{int(time.time())}"
    started = time.perf_counter()
    structure, owner = structure_create(
        data=StructureData(
            name="Centre nautique des grands comptes",
            slug=slug,
            owner_email=f"owner@{slug}.test",
            owner_first_name="Camille",
            owner_last_name="Marin",
            profile={"city": "Brest", "postal_code": "29200", "address_line1": "1 quai Est"},
        )
    )
    structure.siret = "12345678900012"
    structure.legal_name = "Centre nautique des grands comptes"
    structure.save(update_fields=["siret", "legal_name"])
    log(f"Structure {slug} : catalogue, {SESSIONS} séances, {ORDERS} commandes…")
    with schema_context(structure.schema_name), transaction.atomic():
        _sites, products = _catalogue()
        _insert_bulk(structure=structure, products=products)
    log(f"  données prêtes en {time.perf_counter() - started:.1f} s")
    return BigStructure(
        structure=structure,
        owner=owner,
        year=YEAR,
        start=dt.date(YEAR, 1, 1),
        end=dt.date(YEAR, 12, 31),
        orders=ORDERS,
        invoice_lines=ORDERS + ORDERS // 2,
        payments=2 * ORDERS,
        sessions=SESSIONS,
    )
