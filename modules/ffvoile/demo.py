"""The FF Voile module's demo data (`ponton_demo_fill`): the club's account on the federation
emulator, a licence and a passport product, four licensees with a complete identity, three
licences delivered and one refused ("déjà licencié"), each with its "Appel FF Voile"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from modules.ffvoile import client as federation
from modules.ffvoile import services
from modules.ffvoile.models import Call, Licence, LicenceKind
from ponton import selling
from ponton.catalogue.models import Category, Product
from ponton.catalogue.services import ProductData, product_create, product_publish
from ponton.customers.services import AddressData, customer_create

DEMO_PASSWORD = "demo-ffvoile"  # noqa: S105 - the emulator's demo credentials, not a secret
ACTOR = selling.Actor(account_id=None, name="Camille Marin")

PEOPLE = [
    ("Maëlle", "Le Bihan", dt.date(1988, 4, 12), "F", "maelle.lebihan@exemple.fr"),
    ("Yann", "Kerjean", dt.date(2011, 9, 3), "M", "famille.kerjean@exemple.fr"),
    ("Solène", "Guivarc'h", dt.date(1975, 1, 27), "F", "solene.guivarch@exemple.fr"),
    ("Erwan", "Le Floch", dt.date(1992, 6, 30), "M", "erwan.lefloch@exemple.fr"),
]


def _product(name: str, price: str, kind: str) -> Product:
    product = product_publish(
        product=product_create(
            kind=Product.Kind.MEMBERSHIP,
            data=ProductData(
                name=name,
                price=Decimal(price),
                consumer_required=True,
                category=Category.objects.filter(parent__isnull=False).first(),
                accounting_code="706300",
            ),
        )
    )
    services.licence_product_set(product=product, kind=kind)
    return product


def demo_fill(*, structure) -> None:
    services.account_update(club_number="29012", login="club-29012", password=DEMO_PASSWORD)
    adult = _product("Licence club FFVoile adulte", "62.00", LicenceKind.ADULT)
    youth = _product("Licence club FFVoile jeune", "32.00", LicenceKind.YOUTH)
    _product("Passeport voile", "11.50", LicenceKind.PASSPORT)
    people = []
    for first, last, born, sex, email in PEOPLE:
        person = customer_create(
            first_name=first,
            last_name=last,
            email=email,
            birth_date=born,
            address=AddressData(line1="3 rue de Siam", postal_code="29200", city="Brest"),
        )
        services.identity_set(customer=person, sex=sex)
        people.append(person)
    base = federation.base_url() or "http://127.0.0.1:8765"
    season = services.season_of(timezone.localdate())
    sold = [
        (people[0], adult),
        (people[1], youth),
        (people[2], adult),
        (people[0], adult),  # a second licence for the same season: refused
    ]
    first_number = ""
    for n, (person, product) in enumerate(sold, start=1):
        sale = selling.sale_complete(
            structure=structure,
            payer=person,
            lines=[selling.LineRequest(product=product, consumer=person)],
            payments=[selling.PaymentData(kind="payment", method="card", amount=product.price)],
            actor=ACTOR,
        )
        line = sale.order.lines.all()[0]
        licence = Licence.objects.select_related("customer").get(order_line_id=line.pk)
        check = services.identity_check(customer=person)
        assert check.licensee is not None
        body = federation.LicenceRequest(
            request_id=str(licence.request_id),
            licence_type=licence.kind,
            season=season,
            licensee=check.licensee,
        ).as_json(federation.Credentials("29012", "club-29012", DEMO_PASSWORD))
        if n < len(sold):
            prefix = "LJ" if licence.kind == LicenceKind.YOUTH else "LA"
            number = f"{prefix}{season % 100:02d}{n:06d}"
            first_number = first_number or number
            answer = {
                "status": "issued",
                "licence_number": number,
                "season": season,
                "valid_until": f"{season}-12-31",
                "pdf_url": f"{base}/pdf/{number}.pdf",
            }
            Licence.objects.filter(pk=licence.pk).update(
                state=Licence.State.DELIVERED,
                number=number,
                valid_until=dt.date(season, 12, 31),
                pdf_url=answer["pdf_url"],
                attempts=1,
                delivered_at=timezone.now(),
            )
            Call.objects.create(
                by="Ponton",
                licence=licence,
                order_line=line,
                customer=person,
                request=body,
                response=answer,
                http_status=201,
                result=Call.Result.DELIVERED,
                duration_ms=180,
            )
        else:
            reason = f"Déjà licencié pour la saison {season} (licence {first_number})."
            Licence.objects.filter(pk=licence.pk).update(
                state=Licence.State.REFUSED, reason=reason, attempts=1
            )
            Call.objects.create(
                by="Ponton",
                licence=licence,
                order_line=line,
                customer=person,
                request=body,
                response={"status": "refused", "reason": reason},
                http_status=409,
                result=Call.Result.REFUSED,
                reason=reason,
                duration_ms=150,
            )
