"""What the demo structure of `make run` holds, so that every page has something to show:
activities with a few weeks of sessions, a shop item with its own stock, an undated ticket,
this year's membership, and a small family of customers. Created through the services, as a
member of staff would; called once, inside the demo structure's schema.

Its shop (MP-1) is open: CGV (a PDF drawn by Pillow, in the structure's private storage),
photos of the activities (drawn by Pillow too: no file to ship, a few milliseconds each), a
sailing initiation with its mandatory "Licence FFVoile journée", a shop item sold online."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ponton.catalogue.models import Category, Product, Promotion, Site
from ponton.catalogue.services import (
    ProductData,
    PromotionData,
    association_add,
    photo_add,
    product_create,
    product_publish,
    promotion_add,
    rate_add,
    stock_pool_create,
)
from ponton.customers.services import customer_create, customer_set_payer
from ponton.planning.models import Resource
from ponton.planning.services import sessions_add_recurrence
from ponton.planning.services_resources_settings import ResourceData, need_set, resource_create
from tenants.demo_history import fill_demo_history
from tenants.services import structure_update

DEMO_WEEKS = 6


def _category(domain: str, name: str) -> Category:
    return Category.objects.get(parent__name=domain, name=name)


def _published(kind: str, data: ProductData, rates: Sequence[tuple[str, str]] = ()) -> Product:
    product = product_create(kind=kind, data=data)
    for name, amount in rates:
        rate_add(product=product, name=name, amount=Decimal(amount))
    return product_publish(product=product)


def fill_demo_structure(*, structure, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo catalogue, planning, customers and a few sales; returns what was
    created, by kind."""
    today = today or timezone.localdate()
    site = Site.objects.order_by("pk").first()
    voile = _category("Sport", "Voile")
    stage = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Stage catamaran (5 demi-journées)",
            description="Initiation et perfectionnement sur catamaran, matériel fourni.",
            category=voile,
            price=Decimal("180.00"),
            consumer_required=True,
            site=site,
        ),
        rates=[("Adulte", "180.00"), ("Enfant (moins de 12 ans)", "150.00")],
    )
    promotion_add(
        product=stage,
        data=PromotionData(
            name="Tarif résident",
            kind=Promotion.Kind.PERCENT,
            value=Decimal("10"),
            condition="résidents",
        ),
    )
    paddle = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Balade en paddle",
            description="Une heure trente de paddle encadré dans la baie.",
            category=_category("Sport", "Nautisme"),
            price=Decimal("25.00"),
            site=site,
        ),
        rates=[("Adulte", "25.00"), ("Enfant", "18.00")],
    )
    visite = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Visite guidée du port",
            category=_category("Culture", "Visites guidées"),
            price=Decimal("8.00"),
            vat_rate=Decimal("10.00"),
            site=site,
        ),
    )
    resources = _demo_resources(site=site, stage=stage, paddle=paddle, visite=visite)
    monday = today - dt.timedelta(days=today.weekday())
    end = monday + dt.timedelta(weeks=DEMO_WEEKS) - dt.timedelta(days=1)
    sessions = 0
    for product, weekdays, times, capacity in (
        (stage, [0, 1, 2, 3, 4], [(dt.time(9, 30), dt.time(12, 30))], 8),
        (paddle, [2, 5, 6], [(dt.time(10), dt.time(11, 30)), (dt.time(14), dt.time(15, 30))], 10),
        (visite, [1, 3, 5], [(dt.time(15), dt.time(16, 30))], 25),
    ):
        sessions += len(
            sessions_add_recurrence(
                product=product,
                start_date=monday,
                end_date=end,
                weekdays=weekdays,
                times=times,
                capacity=capacity,
                site=site,
            )
        )
    shirt = _published(
        Product.Kind.SHOP_ITEM,
        ProductData(
            name="T-shirt de la base",
            category=_category("Boutique", "Vêtements"),
            price=Decimal("20.00"),
            counter_only=True,
            stock_pool=stock_pool_create(name="T-shirts", quantity=40),
        ),
    )
    _published(
        Product.Kind.TICKET,
        ProductData(
            name="Carte 10 sorties paddle",
            category=_category("Sport", "Nautisme"),
            price=Decimal("200.00"),
        ),
    )
    _published(
        Product.Kind.MEMBERSHIP,
        ProductData(
            name=f"Adhésion {today.year}",
            category=_category("Adhésions", "Adhésion annuelle"),
            price=Decimal("35.00"),
            vat_rate=Decimal("0.00"),
            # CO-4: a sports association's membership, exempt (art. 261-7-1° a du CGI).
            vat_exemption="cgi261_7_1a",
            valid_from=dt.date(today.year, 1, 1),
            valid_until=dt.date(today.year, 12, 31),
            sale_from=dt.date(today.year, 1, 1),
            sale_until=dt.date(today.year, 12, 31),
        ),
    )
    sessions += _demo_shop(
        structure=structure,
        today=today,
        site=site,
        photos={stage: 0, paddle: 1, visite: 2},
        resources=resources,
    )
    parent = customer_create(
        first_name="Claire",
        last_name="Le Goff",
        email="claire.legoff@demo.ponton.test",
        mobile="+33612345678",
        birth_date=dt.date(1984, 5, 12),
    )
    for first_name, birth in (("Louis", dt.date(2014, 7, 3)), ("Jeanne", dt.date(2016, 2, 21))):
        child = customer_create(first_name=first_name, last_name="Le Goff", birth_date=birth)
        customer_set_payer(customer=child, payer=parent)
    yann = customer_create(
        first_name="Yann",
        last_name="Kerbrat",
        email="yann.kerbrat@demo.ponton.test",
        mobile="+33698765432",
    )
    # The past first (the ledger is written in order of time), then today's sales.
    history = fill_demo_history(
        structure=structure, stage=stage, paddle=paddle, visite=visite, shirt=shirt, today=today
    )
    orders = _demo_sales(structure=structure, stage=stage, paddle=paddle, parent=parent, yann=yann)
    return {
        "products": Product.objects.count(),
        "sessions": sessions + history["sessions"],
        "customers": 4 + history["customers"],
        "orders": orders + history["orders"],
    }


# Sky, sea and sail colours of the three drawn photos.
PHOTO_COLOURS = [
    ((135, 190, 230), (20, 90, 150), (250, 250, 245)),
    ((250, 200, 150), (30, 120, 160), (240, 90, 60)),
    ((190, 215, 235), (60, 110, 140), (200, 160, 90)),
]


def _photo(index: int) -> SimpleUploadedFile:
    """A small landscape (sky, sea, a sail) as a JPEG upload."""
    from PIL import Image, ImageDraw

    sky, sea, sail = PHOTO_COLOURS[index % len(PHOTO_COLOURS)]
    image = Image.new("RGB", (960, 600), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 960, 600), fill=sea)
    draw.ellipse((700, 60, 820, 180), fill=(255, 230, 120))
    x = 260 + 160 * index
    draw.polygon([(x, 120), (x, 360), (x + 150, 360)], fill=sail)
    draw.polygon([(x - 70, 370), (x + 190, 370), (x + 150, 410), (x - 40, 410)], fill=(80, 50, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{index}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _cgv_pdf(structure) -> bytes:
    """A one-page PDF of demonstration CGV."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    title, body = ImageFont.load_default(size=40), ImageFont.load_default(size=24)
    draw.text((120, 140), "Conditions générales de vente", font=title, fill="black")
    lines = [
        structure.display_title,
        "Document de démonstration : il n'engage personne.",
        "1. Les réservations en ligne sont confirmées à réception du paiement.",
        "2. Une séance annulée par la structure est remboursée.",
        "3. Le matériel de sécurité est fourni pour chaque activité nautique.",
    ]
    for i, line in enumerate(lines):
        draw.text((120, 260 + 60 * i), line, font=body, fill="black")
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150)
    return buffer.getvalue()


def _demo_resources(*, site, stage: Product, paddle: Product, visite: Product) -> dict:
    """RE-1: the club's instructors and guide, its boats (counted) and a room, and what each
    activity needs per session; the sessions planned next book them (the past weeks of the
    history too). People never overlap: the catamaran course (Marie and the motor boat), the
    paddle (Léo), the guided tour (Anne and the briefing room), the initiation (Paul and one
    Laser per participant, in `_demo_shop`)."""
    made = {}
    for kind, name, quantity, hours in (
        (Resource.Kind.PERSON, "Marie Le Floch", 1, (dt.time(8), dt.time(19))),
        (Resource.Kind.PERSON, "Paul Kervella", 1, (dt.time(8), dt.time(19))),
        (Resource.Kind.PERSON, "Léo Guével", 1, (None, None)),
        (Resource.Kind.PERSON, "Anne Morvan", 1, (None, None)),
        (Resource.Kind.EQUIPMENT, "Laser", 6, (None, None)),
        (Resource.Kind.EQUIPMENT, "Optimist", 8, (None, None)),
        (Resource.Kind.EQUIPMENT, "Bateau à moteur", 1, (None, None)),
        (Resource.Kind.ROOM, "Salle de briefing", 1, (None, None)),
    ):
        made[name] = resource_create(
            data=ResourceData(
                kind=kind,
                name=name,
                site=site,
                quantity=quantity,
                available_from=hours[0],
                available_until=hours[1],
            )
        )
    for product, name in (
        (stage, "Marie Le Floch"),
        (stage, "Bateau à moteur"),
        (paddle, "Léo Guével"),
        (visite, "Anne Morvan"),
        (visite, "Salle de briefing"),
    ):
        need_set(product=product, resource=made[name], quantity=1, per_participant=False)
    return made


def _demo_shop(
    *, structure, today: dt.date, site, photos: dict[Product, int], resources: dict
) -> int:
    """The shop's extras: CGV (so it opens), photos, a sailing initiation with a mandatory
    associated licence, a shop item sold online. Returns the sessions created."""
    structure_update(
        structure=structure,
        fields={"cgv": ContentFile(_cgv_pdf(structure), name="cgv-demo.pdf")},
    )
    for product, index in photos.items():
        photo_add(product=product, upload=_photo(index))
    initiation = _published(
        Product.Kind.ACTIVITY,
        ProductData(
            name="Initiation voile (demi-journée)",
            description="Trois heures sur dériveur avec un moniteur : gréer, naviguer, revenir.",
            category=_category("Sport", "Voile"),
            price=Decimal("45.00"),
            site=site,
            booking_closes_before_hours=12,
            booking_opens_before_hours=24 * 30,
        ),
        rates=[("Adulte", "45.00"), ("Jeune (moins de 18 ans)", "38.00")],
    )
    photo_add(product=initiation, upload=_photo(3))
    need_set(
        product=initiation, resource=resources["Paul Kervella"], quantity=1, per_participant=False
    )
    need_set(product=initiation, resource=resources["Laser"], quantity=1, per_participant=True)
    licence = _published(
        Product.Kind.TICKET,
        ProductData(
            name="Licence FFVoile journée",
            description="Assurance et licence d'un jour, obligatoire pour naviguer.",
            category=_category("Sport", "Voile"),
            price=Decimal("15.00"),
            vat_rate=Decimal("0.00"),
            associated_only=True,
        ),
    )
    association_add(product=initiation, associated=licence, starts_on=today, mandatory=True)
    _published(
        Product.Kind.SHOP_ITEM,
        ProductData(
            name="Gourde de la base",
            description="Gourde inox de 50 cl aux couleurs de la base.",
            category=_category("Boutique", "Souvenirs"),
            price=Decimal("12.00"),
            stock_pool=stock_pool_create(name="Gourdes", quantity=25),
        ),
    )
    monday = today - dt.timedelta(days=today.weekday())
    return len(
        sessions_add_recurrence(
            product=initiation,
            start_date=monday,
            end_date=monday + dt.timedelta(weeks=DEMO_WEEKS) - dt.timedelta(days=1),
            weekdays=[2, 5],
            times=[(dt.time(9), dt.time(12)), (dt.time(14), dt.time(17))],
            capacity=6,
            site=site,
        )
    )


def _demo_sales(*, structure, stage, paddle, parent, yann) -> int:
    """An order for two children, invoiced and half paid by cheque (its balance and the
    "Demande de C & P" are there to try), and a quote for two paddle outings."""
    from ponton import selling
    from ponton.selling import Actor, LineRequest, PaymentData

    actor = Actor(account_id=None, name="Démonstration")
    soon = timezone.now() + dt.timedelta(days=1)
    stage_session = stage.sessions.filter(starts_at__gt=soon).order_by("starts_at").first()
    paddle_sessions = list(paddle.sessions.filter(starts_at__gt=soon).order_by("starts_at")[:2])
    child_rate = stage.rates.get(name__startswith="Enfant")
    order = selling.order_place(
        payer=parent,
        lines=[
            LineRequest(product=stage, session=stage_session, rate=child_rate, consumer=child)
            for child in parent.consumers.order_by("first_name")
        ],
        actor=actor,
    )
    invoice = selling.invoice(
        structure=structure,
        order=order,
        line_ids=list(order.lines.values_list("pk", flat=True)),
        actor=actor,
    )
    selling.pay(
        document=invoice,
        data=PaymentData(
            kind="payment",
            method="cheque",
            amount=Decimal("150.00"),
            cheque_bank="Crédit Maritime",
            cheque_number="0004512",
            cheque_issuer="Claire Le Goff",
        ),
        actor=actor,
    )
    selling.order_place(
        payer=yann,
        lines=[LineRequest(product=paddle, session=s) for s in paddle_sessions],
        actor=actor,
        quote=True,
    )
    return 2
