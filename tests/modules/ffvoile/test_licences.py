"""FF-1: a licence line, once invoiced, is asked of the federation (emulated on loopback) after
commit, once per line; refusals and faults are logged and leave the line "à réessayer" or
"refusée", nothing half-written; the identity is checked before the order is confirmed."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from modules.ffvoile import services
from modules.ffvoile.models import Call, FederationAccount, Licence
from modules.ffvoile.tasks import licence_request_task, retry_countdown
from ponton import selling
from ponton.sales.models import Order
from realtime.models import Notification
from tenants.services import module_set_enabled
from tests.support import ffvoile_emulator
from tests.support.sales import STAFF

pytestmark = pytest.mark.django_db


def sell_and_commit(club, person, django_capture_on_commit_callbacks, product=None):
    with django_capture_on_commit_callbacks(execute=True):
        sale = club.sell(person, product)
    return sale


def licence_of(club, sale) -> Licence:
    with schema_context(club.structure.schema_name):
        return Licence.objects.get(order_line__order=sale.order)


def test_credentials_are_sealed_in_the_database(club):
    """FF-1: the federation password is stored sealed (like the Stripe secrets), read back
    clear by the model, and an empty password keeps the one already sealed."""
    with schema_context(club.structure.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT password, club_number FROM ffvoile_federationaccount")
            stored, number = cursor.fetchone()
        assert stored.startswith("sealed:") and ffvoile_emulator.PASSWORD not in stored
        assert number == "29012"
        assert FederationAccount.objects.get().password == ffvoile_emulator.PASSWORD
        services.account_update(club_number="29013", login="autre", password="")
        account = FederationAccount.objects.get()
        assert (account.club_number, account.login) == ("29013", "autre")
        assert account.password == ffvoile_emulator.PASSWORD


def test_an_invoiced_licence_is_delivered_after_commit_and_logged(
    club, django_capture_on_commit_callbacks
):
    """FF-1: the sale commits, then the task calls the federation with the consumer's identity;
    the number, season, validity and PDF link are kept, and the call is logged."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sale = club.sell(club.anne)
    licence = licence_of(club, sale)
    assert licence.state == Licence.State.PENDING and club.emulator.requests == []
    for callback in callbacks:  # what the commit would run
        callback()
    licence = licence_of(club, sale)
    assert club.emulator.errors == []
    assert len(club.emulator.requests) == 1
    sent = club.emulator.requests[0]["body"]
    season = licence.season
    assert sent == {
        "club_number": "29012",
        "request_id": str(licence.request_id),
        "licence_type": "licence_club_adulte",
        "season": season,
        "licensee": {
            "last_name": "Quéméner",
            "first_name": "Anne",
            "birth_date": "1990-05-17",
            "sex": "F",
            "address_line1": "12 rue de Siam",
            "address_line2": "",
            "postal_code": "29200",
            "city": "Brest",
            "country": "France",
            "email": "anne@exemple.fr",
        },
    }
    assert licence.state == Licence.State.DELIVERED
    assert licence.number == f"LA{season % 100:02d}000001"
    assert str(licence.valid_until) == f"{season}-12-31"
    assert licence.pdf_url == f"{club.emulator.base_url}/pdf/{licence.number}.pdf"
    with schema_context(club.structure.schema_name):
        call = Call.objects.get()
    assert (call.result, call.http_status, call.reason) == ("delivered", 200, "")
    assert call.request == sent and call.response["licence_number"] == licence.number
    assert call.order_line_id == licence.order_line_id and call.customer_id == club.anne.pk


def test_identity_is_checked_before_the_order_is_confirmed(club):
    """FF-1: a licence for a consumer without sex nor address is refused with a clear French
    message before anything is written; once completed, the same sale goes through."""
    with schema_context(club.structure.schema_name):
        before = Order.objects.count()
        with pytest.raises(selling.SaleError) as refused:
            club.sell(club.paul)
        assert str(refused.value) == (
            "La licence FF Voile « Licence club FFVoile adulte » de Paul Riou ne peut pas être "
            "demandée : complétez sa fiche client (date de naissance, sexe, adresse) — le sexe "
            "se renseigne dans la partie « FFVoile » de la fiche."
        )
        assert Order.objects.count() == before and Licence.objects.count() == 0
        # Online, the customer is told where to complete it in their space.
        with pytest.raises(selling.SaleError, match="renseignez-la dans votre espace client"):
            selling.basket_price(
                payer=club.paul,
                lines=[selling.LineRequest(product=club.licence, consumer=club.paul)],
                channel="online",
            )
        # A new person named at the online checkout (not yet a customer) is refused too.
        from ponton.customers.models import Customer

        newcomer = Customer(first_name="Léa", last_name="Riou", payer=club.anne)
        with pytest.raises(selling.SaleError, match="plutôt qu'une nouvelle personne"):
            selling.basket_price(
                payer=club.anne,
                lines=[selling.LineRequest(product=club.licence, consumer=newcomer)],
                channel="online",
            )


def test_the_task_is_idempotent_per_line(club, django_capture_on_commit_callbacks):
    """FF-1: the task run twice for the same line (a redelivery) calls the federation once."""
    sale = sell_and_commit(club, club.anne, django_capture_on_commit_callbacks)
    licence = licence_of(club, sale)
    again = licence_request_task.delay(
        schema_name=club.structure.schema_name, licence_id=licence.pk
    )
    assert again.get() == "skipped"
    assert len(club.emulator.requests) == 1
    with schema_context(club.structure.schema_name):
        assert Call.objects.count() == 1
        assert Licence.objects.get().attempts == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("500", "Le service de la FF Voile est en panne (erreur 500)."),
        ("timeout", "Le service de la FF Voile n'a pas répondu à temps (délai dépassé)."),
        (
            "malformed",
            "Réponse illisible du service de la FF Voile (ce n'est pas du JSON).",
        ),
        (
            "incomplete",
            "Réponse incomplète du service de la FF Voile (numéro, saison, validité ou lien du "
            "PDF manquant ou invalide).",
        ),
    ],
)
def test_a_fault_leaves_the_line_to_retry_with_its_reason(
    club, django_capture_on_commit_callbacks, fault, reason
):
    """FF-1: a 500, a timeout or a malformed answer: nothing half-written, the licence is
    "à réessayer", the log says why; "Réessayer" then delivers it with the same request id
    (the federation issues it once)."""
    club.emulator.faults = [fault]
    sale = sell_and_commit(club, club.anne, django_capture_on_commit_callbacks)
    licence = licence_of(club, sale)
    assert (licence.state, licence.reason, licence.number) == ("retry", reason, "")
    with schema_context(club.structure.schema_name):
        call = Call.objects.get()
        assert (call.result, call.reason) == ("error", reason)
        with django_capture_on_commit_callbacks(execute=True):
            services.licence_retry(structure=club.structure, licence=licence, by="test")
        licence.refresh_from_db()
        assert licence.state == "delivered" and licence.attempts == 2
        assert Call.objects.filter(result="delivered").count() == 1
    ids = {r["body"]["request_id"] for r in club.emulator.requests}
    assert ids == {str(licence.request_id)} and club.emulator.errors == []
    # The timeout's call was decided by the federation: the retry got the same licence.
    assert len(club.emulator.issued) == 1
    assert licence.number != "LA26999999"  # nothing of the incomplete answer was kept


def test_retry_backoff_doubles_up_to_an_hour(settings):
    """FF-1: the task's retries wait base, 2×base, 4×base… never more than an hour."""
    settings.FFVOILE_RETRY_BASE_SECONDS = 30
    assert [retry_countdown(n) for n in range(8)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_a_refusal_is_logged_notified_and_never_retried_by_itself(
    club, django_capture_on_commit_callbacks
):
    """FF-1: "déjà licencié pour la saison": the licence is refused with the federation's
    reason, the call logged, the team notified."""
    sell_and_commit(club, club.anne, django_capture_on_commit_callbacks)
    sale = sell_and_commit(club, club.anne, django_capture_on_commit_callbacks)
    licence = licence_of(club, sale)
    first = f"LA{licence.season % 100:02d}000001"
    expected = f"Déjà licencié pour la saison {licence.season} (licence {first})."
    assert (licence.state, licence.reason) == ("refused", expected)
    with schema_context(club.structure.schema_name):
        call = Call.objects.filter(result="refused").get()
        assert (call.http_status, call.reason) == (409, expected)
        notification = Notification.objects.get(user_id=club.owner.pk)
        assert notification.kind == services.NOTIFICATION_KIND
        assert notification.title == (
            f"Licence FF Voile non délivrée : Anne Quéméner (commande {sale.order.number})"
        )
        assert notification.body == expected
        assert notification.url == f"/manager/commandes/{sale.order.pk}/"
    again = licence_request_task.delay(
        schema_name=club.structure.schema_name, licence_id=licence.pk
    )
    assert again.get() == "skipped" and len(club.emulator.requests) == 2


def test_wrong_credentials_are_a_refusal_that_says_what_to_check(
    club, django_capture_on_commit_callbacks
):
    """FF-1: credentials the federation does not know: refused, the reason names them."""
    with schema_context(club.structure.schema_name):
        services.account_update(club_number="29012", login="club-29012", password="faux")
    sale = sell_and_commit(club, club.anne, django_capture_on_commit_callbacks)
    licence = licence_of(club, sale)
    assert licence.state == "refused"
    assert licence.reason.startswith("Identifiants FF Voile refusés")


def test_a_module_that_is_off_asks_nothing(club, django_capture_on_commit_callbacks):
    """FF-1: with the module off, a licence product sells as any product: no licence row,
    no call, no identity check."""
    module_set_enabled(structure=club.structure, label="ffvoile", enabled=False)
    club.structure.__dict__.pop("_enabled_modules", None)
    sell_and_commit(club, club.paul, django_capture_on_commit_callbacks)
    with schema_context(club.structure.schema_name):
        assert Licence.objects.count() == 0
    assert club.emulator.requests == []


def test_the_emulator_refuses_a_request_that_is_not_right(club):
    """FF-1: the emulator checks each field: a wrong one is answered 400 and recorded."""
    import httpx

    body = {
        "club_number": "29012",
        "request_id": str(uuid.uuid4()),
        "licence_type": "licence_inconnue",
        "season": 2026,
        "licensee": {"last_name": "X"},
    }
    response = httpx.post(
        club.emulator.base_url + "/v1/licences",
        json=body,
        auth=(ffvoile_emulator.LOGIN, ffvoile_emulator.PASSWORD),
        headers={"Idempotency-Key": body["request_id"]},
    )
    assert response.status_code == 400
    assert club.emulator.errors == ["licence_type 'licence_inconnue'", "licensee fields"]


def test_a_till_receipt_also_asks_for_the_licence(club, django_capture_on_commit_callbacks):
    """FF-1: the till sells with a purchase receipt: its licence lines are asked too."""
    from ponton.billing.models import Document

    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(club.structure.schema_name):
            selling.sale_complete(
                structure=club.structure,
                payer=club.anne,
                lines=[selling.LineRequest(product=club.passport, consumer=club.anne)],
                payments=[
                    selling.PaymentData(kind="payment", method="cash", amount=club.passport.price)
                ],
                actor=STAFF,
                channel="till",
                document_kind=Document.Kind.RECEIPT,
            )
    with schema_context(club.structure.schema_name):
        licence = Licence.objects.get()
    assert (licence.kind, licence.state) == ("passeport_voile", "delivered")
    assert licence.number.startswith("PV")


def test_lost_tasks_and_dead_workers_are_picked_up_by_the_periodic_check(
    club, django_capture_on_commit_callbacks
):
    """FF-1 nothing lost: a licence whose task never ran (lost at commit) and one whose worker
    died mid-call are asked again by the periodic check; a fresh one is left to its task."""
    import datetime as dt

    from django.utils import timezone

    from modules.ffvoile.tasks import licences_due_task

    with django_capture_on_commit_callbacks(execute=False):  # the tasks are lost
        lost = licence_of(club, club.sell(club.anne))
        dead = licence_of(club, club.sell(club.anne, club.passport))
        fresh = licence_of(club, club.sell(club.anne, club.passport))
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    with schema_context(club.structure.schema_name):
        Licence.objects.filter(pk=lost.pk).update(created_at=long_ago)
        Licence.objects.filter(pk__in=[dead.pk, fresh.pk]).update(
            state="calling", claimed_at=long_ago, attempts=1
        )
        Licence.objects.filter(pk=fresh.pk).update(claimed_at=timezone.now())
    assert licences_due_task.delay().get() == 2
    with schema_context(club.structure.schema_name):
        states = dict(Licence.objects.values_list("pk", "state"))
    assert states == {lost.pk: "delivered", dead.pk: "delivered", fresh.pk: "calling"}
    assert len(club.emulator.requests) == 2
