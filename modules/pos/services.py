"""Writes of the till (PO-1..PO-8). Every sale goes through `ponton.selling` (channel `till`):
one order, purchase receipt, payment and ledger path with the Club Manager and the shop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from modules.pos import signing
from modules.pos.models import (
    CashMovement,
    Ticket,
    TicketRejection,
    TicketReprint,
    Till,
    TillClosing,
    TillDevice,
    TillPayment,
    TillSession,
)
from ponton import selling
from ponton.billing.models import Document, Payment
from ponton.billing.money import money
from ponton.catalogue.models import Product, Rate
from ponton.customers.models import Customer
from ponton.customers.services import customer_create
from ponton.ledger.models import LedgerEntry, LedgerHead
from ponton.ledger.services import ledger_anchor, ledger_append
from ponton.planning.models import Session
from ponton.sales.models import Order, OrderLine
from ponton.selling import Actor, LineRequest, PaymentData

CENT = Decimal("0.01")
AMOUNT_MAX = Decimal("100000.00")
SESSION_MAX_AGE = dt.timedelta(hours=24)
LATE_AFTER = dt.timedelta(minutes=2)  # a ticket arriving later than this was queued
QUANTITY_MAX = 999
SERVER_DEVICE = 0  # the device number of tickets made by the server (cancellations)


class TillError(Exception):
    """A refused till action, with a French message (and the form field it concerns)."""

    def __init__(self, message: str, *, field: str = "", code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def _amount(raw: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except (InvalidOperation, ValueError):
        raise TillError(
            _("Saisissez un montant en euros, par exemple 12,50."), field=field
        ) from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise TillError(_("Le montant s'exprime en euros et centimes."), field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise TillError(_("Le montant doit être supérieur à zéro."), field=field)
    if value > AMOUNT_MAX:
        raise TillError(_("Ce montant est trop élevé pour une caisse."), field=field)
    return value.quantize(CENT)


# Tills and devices ------------------------------------------------------------------------


@transaction.atomic
def till_create(*, name: str, site=None) -> Till:
    name = name.strip()
    if not name:
        raise TillError(_("Donnez un nom à la caisse."), field="name")
    walk_in = customer_create(first_name="Client", last_name="de passage")
    till = Till.objects.create(name=name[:100], site=site, walk_in_customer=walk_in)
    TillDevice.objects.create(
        till=till, number=SERVER_DEVICE, uid=uuid.uuid4(), label="Serveur", key=""
    )
    return till


@transaction.atomic
def device_register(*, till: Till, actor: Actor, label: str = "") -> tuple[TillDevice, str]:
    """A browser that will sell at `till`: its number and its signing key (returned once)."""
    Till.objects.select_for_update().get(pk=till.pk)
    number = (till.devices.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    key = signing.new_device_key()
    device = TillDevice.objects.create(
        till=till,
        number=number,
        uid=uuid.uuid4(),
        label=label[:200],
        key=key,
        registered_by_id=actor.account_id,
    )
    return device, key


# Sessions ----------------------------------------------------------------------------------


def open_session(till: Till) -> TillSession | None:
    return till.sessions.filter(closed_at__isnull=True).first()


@transaction.atomic
def session_open(*, till: Till, opening_float: Any, actor: Actor) -> TillSession:
    """Open the till with the counted float; a till has at most one open session."""
    amount = _amount(opening_float, field="opening_float", allow_zero=True)
    Till.objects.select_for_update().get(pk=till.pk)
    if not till.active:
        raise TillError(_("Cette caisse est désactivée."))
    if open_session(till) is not None:
        raise TillError(_("Cette caisse est déjà ouverte : une seule session à la fois."))
    number = (till.sessions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            return TillSession.objects.create(
                till=till,
                number=number,
                opened_at=timezone.now(),
                opened_by_id=actor.account_id,
                opened_by_name=actor.name,
                opening_float=amount,
            )
    except IntegrityError:
        raise TillError(_("Cette caisse est déjà ouverte : une seule session à la fois.")) from None


def _selling_session(till: Till, *, late: bool) -> TillSession:
    session = open_session(till)
    if session is None:
        raise TillError(
            _("La caisse est fermée : ouvrez-la (fond de caisse) avant de vendre."),
            code="closed",
        )
    if not late and timezone.now() - session.opened_at > SESSION_MAX_AGE:
        raise TillError(
            _(
                "La caisse est ouverte depuis plus de 24 h : faites la clôture (X->Z) "
                "avant de vendre à nouveau."
            ),
            code="too_old",
        )
    return session


# Tickets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    ticket: Ticket
    duplicate: bool  # already recorded (a retry, another tab): nothing was written again


def _int(value: Any, field: str, *, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TillError(_("Ticket mal formé (%(field)s).") % {"field": field}, code="malformed")
    return value


def _lines(payload: dict) -> list[LineRequest]:
    raw_lines = payload.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise TillError(_("Le panier est vide."))
    products = Product.objects.in_bulk(
        [line.get("product") for line in raw_lines if isinstance(line, dict)]
    )
    requests = []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            raise TillError(_("Ticket mal formé (lignes)."), code="malformed")
        quantity = _int(raw.get("quantity"), "quantity")
        if not quantity or quantity > QUANTITY_MAX:
            raise TillError(
                _("La quantité doit être comprise entre 1 et %(max)s.") % {"max": QUANTITY_MAX},
                field="quantity",
            )
        product = products.get(raw.get("product"))
        if product is None:
            raise TillError(_("Ce produit n'existe pas (ou plus) dans le catalogue."))
        session_id = _int(raw.get("session"), "session", required=False)
        rate_id = _int(raw.get("rate"), "rate", required=False)
        consumer_id = _int(raw.get("consumer"), "consumer", required=False)
        requests.append(
            LineRequest(
                product=product,
                session=Session.objects.filter(pk=session_id).first() if session_id else None,
                rate=Rate.objects.filter(pk=rate_id).first() if rate_id else None,
                consumer=Customer.objects.filter(pk=consumer_id).first() if consumer_id else None,
                quantity=quantity,
            )
        )
    return requests


def _payments(payload: dict) -> list[PaymentData]:
    raw_payments = payload.get("payments", [])
    if not isinstance(raw_payments, list):
        raise TillError(_("Ticket mal formé (paiements)."), code="malformed")
    allowed = set(Payment.Method.values) - {Payment.Method.ONLINE_CARD}
    payments = []
    for raw in raw_payments:
        if not isinstance(raw, dict) or raw.get("method") not in allowed:
            raise TillError(_("Choisissez un mode de paiement de la caisse."), field="method")
        payments.append(
            PaymentData(
                kind=Payment.Kind.PAYMENT,
                method=raw["method"],
                amount=_amount(raw.get("amount")),
                cheque_bank=str(raw.get("cheque_bank", ""))[:100],
                cheque_number=str(raw.get("cheque_number", ""))[:40],
                cheque_issuer=str(raw.get("cheque_issuer", ""))[:200],
            )
        )
    # Cash is counted last: the change is what it brings beyond the balance.
    payments.sort(key=lambda data: data.method == Payment.Method.CASH)
    return payments


def _sold_at(payload: dict) -> dt.datetime:
    value = payload.get("sold_at")
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise TillError(_("Ticket mal formé (date de vente)."), code="malformed")
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise TillError(_("La date de ce ticket est dans le futur : vérifiez l'horloge."))
    return moment


def _check_envelope(device: TillDevice, payload: dict, signature: str) -> uuid.UUID:
    if not signing.signature_ok(device.key, payload, signature):
        raise TillError(
            _(
                "Ticket refusé : sa signature ne correspond pas à son contenu (ticket modifié "
                "sur l'appareil ou appareil inconnu)."
            ),
            code="bad_signature",
        )
    try:
        key = uuid.UUID(str(payload.get("key")))
    except ValueError:
        raise TillError(_("Ticket mal formé (clé)."), code="malformed") from None
    if payload.get("till") != device.till_id or payload.get("device") != str(device.uid):
        raise TillError(_("Ce ticket n'est pas de cette caisse."), code="wrong_till")
    return key


def ticket_record(
    *, structure, device: TillDevice, payload: dict, signature: str, actor: Actor
) -> Recorded:
    """Record a ticket made and signed on `device` (PO-1, PO-8): once per idempotency key, in
    device order, whole or not at all. A ticket made offline whose seats are no longer free
    is honoured and flagged as overbooked."""
    if not isinstance(payload, dict):
        raise TillError(_("Ticket mal formé."), code="malformed")
    key = _check_envelope(device, payload, signature)
    digest = signing.content_sha256(payload)
    rejection: TicketRejection | None = None
    with transaction.atomic():
        # The device's row is the lock its tickets are recorded under, one at a time: a
        # retry or a second tab waits here, then finds the ticket already recorded.
        device = TillDevice.objects.select_for_update().get(pk=device.pk)
        existing = Ticket.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _duplicate(existing, digest)
        _refused_before(key, digest)
        if device.revoked_at is not None:
            raise TillError(_("Cet appareil a été retiré de la caisse."), code="revoked")
        sequence = _int(payload.get("sequence"), "sequence")
        if sequence != device.last_sequence + 1:
            raise TillError(
                _("Ticket n° %(found)s reçu avant le n° %(expected)s : envoi dans l'ordre.")
                % {"found": sequence, "expected": device.last_sequence + 1},
                code="out_of_order",
            )
        # A ticket made offline, or one that reaches the server well after it was made (the
        # connection dropped between the sale and its sending), is a sale that already
        # happened: it is recorded by the rules of its moment and honoured beyond capacity.
        sold_at = _sold_at(payload)
        late = bool(payload.get("offline")) or timezone.now() - sold_at > LATE_AFTER
        # No open session, or one open for more than 24 h: the ticket waits on the device
        # until the till is opened or closed (its sequence is not used).
        session = _selling_session(device.till, late=late)
        try:
            with transaction.atomic():
                ticket = _sell(
                    structure,
                    device,
                    session,
                    payload,
                    key,
                    digest,
                    signature,
                    actor,
                    sold_at=sold_at,
                    late=late,
                )
        except (TillError, selling.SaleError, selling.BillingError) as refused:
            rejection = _reject(
                structure, device, payload, key, digest, signature, refused, late=late
            )
        TillDevice.objects.filter(pk=device.pk).update(last_sequence=F("last_sequence") + 1)
    if rejection is not None:
        raise TillError(rejection.reason, code=rejection.code)
    return Recorded(ticket=ticket, duplicate=False)


REJECTED = "pos.rejected"


def _refused_before(key: uuid.UUID, digest: str) -> None:
    """A ticket already refused answers the same refusal again (a retry, another tab)."""
    rejection = TicketRejection.objects.filter(idempotency_key=key).first()
    if rejection is None:
        return
    if rejection.content_sha256 != digest:
        raise TillError(
            _("Ce ticket a déjà été reçu avec un autre contenu : clé réutilisée, refusé."),
            code="key_reused",
        )
    raise TillError(rejection.reason, code=rejection.code)


def _reject(
    structure,
    device: TillDevice,
    payload: dict,
    key: uuid.UUID,
    digest: str,
    signature: str,
    refused: Exception,
    *,
    late: bool,
) -> TicketRejection:
    """Keep a refused ticket, use its sequence (the device's next tickets go through) and tell
    the team: the sale happened at the counter and must be taken up by hand."""
    from django.urls import reverse

    from ponton.accounts.models import Role
    from realtime.services import notification_create

    reason = getattr(refused, "message", "") or str(refused)
    code = getattr(refused, "code", "") if isinstance(refused, TillError) else "sale_refused"
    try:
        total = _amount(payload.get("total"), allow_zero=True)
    except TillError:
        total = None
    sold_at = parse_datetime(str(payload.get("sold_at", "")))
    number = f"{device.till.code}-{device.number:02d}-{payload['sequence']:06d}"
    rejection = TicketRejection.objects.create(
        till=device.till,
        device=device,
        sequence=payload["sequence"],
        number=number,
        idempotency_key=key,
        content_sha256=digest,
        payload=payload,
        signature=signature.lower(),
        code=code or "refused",
        reason=reason,
        total=total,
        sold_at=sold_at if sold_at and sold_at.tzinfo else None,
        recorded_at=timezone.now(),
    )
    if not late:
        return rejection  # refused in front of the cashier, who sees why at once
    notification_create(
        structure=structure,
        kind=REJECTED,
        title=_("Ticket %(number)s refusé à la synchronisation") % {"number": number},
        body=reason,
        url=reverse("till:state"),
        roles=[Role.OWNER, Role.ADMIN, Role.STAFF],
    )
    return rejection


def _duplicate(existing: Ticket, digest: str) -> Recorded:
    if existing.content_sha256 != digest:
        raise TillError(
            _("Ce ticket a déjà été reçu avec un autre contenu : clé réutilisée, refusé."),
            code="key_reused",
        )
    return Recorded(ticket=existing, duplicate=True)


def _sell(
    structure,
    device: TillDevice,
    session: TillSession,
    payload: dict,
    key: uuid.UUID,
    digest: str,
    signature: str,
    actor: Actor,
    *,
    sold_at: dt.datetime,
    late: bool,
) -> Ticket:
    till = device.till
    customer_id = _int(payload.get("customer"), "customer", required=False)
    customer = (
        Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first()
        if customer_id
        else till.walk_in_customer
    )
    if customer is None:
        raise TillError(_("Ce client n'existe pas (ou plus)."), field="customer")
    lines = _lines(payload)
    place = _taken_at(session, device)
    payments = [dataclasses.replace(data, taken_at=place) for data in _payments(payload)]
    offline = bool(payload.get("offline"))
    expected_total = _amount(payload.get("total"), field="total", allow_zero=True)
    number = f"{till.code}-{device.number:02d}-{payload['sequence']:06d}"
    sale = selling.sale_complete(
        structure=structure,
        payer=customer,
        lines=lines,
        payments=payments,
        actor=actor,
        note=_("Ticket %(number)s") % {"number": number},
        channel=Order.Channel.TILL,
        document_kind=Document.Kind.RECEIPT,
        sold_at=sold_at if late else None,
        overbook=late,
    )
    # Every line is priced by the server from the catalogue; the device's total must match
    # (the caller's savepoint rolls the sale back otherwise: the ticket is kept as refused).
    if sale.invoice.total != expected_total:
        raise TillError(
            _(
                "Le total du ticket (%(ticket)s €) ne correspond plus aux prix du catalogue "
                "(%(catalogue)s €) : rechargez la caisse et refaites la vente."
            )
            % {"ticket": money(expected_total), "catalogue": money(sale.invoice.total)},
            code="price_changed",
        )
    now = timezone.now()
    ticket = Ticket.objects.create(
        till=till,
        device=device,
        session=session,
        sequence=payload["sequence"],
        number=number,
        idempotency_key=key,
        content_sha256=digest,
        signature=signature.lower(),
        payload=payload,
        order=sale.order,
        document=sale.invoice,
        customer=customer,
        total=sale.invoice.total,
        change_given=sum((p.change_given for p in sale.payments), Decimal("0.00")),
        sold_at=sold_at,
        recorded_at=now,
        offline=offline,
        overbooked_sessions=sorted(sale.overbooked),
        actor_id=actor.account_id,
        actor_name=actor.name,
    )
    _till_payments(session, sale.payments, ticket)
    _ticket_ledger(ticket, sale.payments)
    if sale.overbooked:
        _overbooked_history(structure, ticket, actor)
    return ticket


def _taken_at(session: TillSession, device: TillDevice | None) -> dict[str, Any]:
    """Where a payment was taken, as the ledger records it with the payment."""
    place: dict[str, Any] = {"till": session.till_id, "session": session.number}
    if device is not None:
        place["device"] = device.number
    return place


def _till_payments(session: TillSession, payments: list[Payment], ticket: Ticket | None) -> None:
    TillPayment.objects.bulk_create(
        TillPayment(
            session=session,
            payment=payment,
            ticket=ticket,
            kind=payment.kind,
            method=payment.method,
            amount=payment.amount,
            change_given=payment.change_given,
            recorded_at=payment.recorded_at or timezone.now(),
        )
        for payment in payments
    )


def _ticket_ledger(ticket: Ticket, payments: list[Payment]) -> None:
    """The ticket in the chain, with its till, device and session. The receipt it issued is
    already counted as a sale (its own entry): no second sales effect here."""
    ledger_append(
        kind=LedgerEntry.Kind.TILL_TICKET,
        reference=ticket.number,
        payload={
            "ticket": ticket.number,
            "till": ticket.till_id,
            "device": ticket.device.number,
            "session": ticket.session.number,
            "sequence": ticket.sequence,
            "sold_at": ticket.sold_at,
            "offline": ticket.offline,
            "order": ticket.order.number if ticket.order else "",
            "document": ticket.document.number if ticket.document else "",
            "total": ticket.total,
            "payments": [
                {"method": p.method, "kind": p.kind, "amount": p.amount, "change": p.change_given}
                for p in payments
            ],
            "device_signature": ticket.signature,
            "overbooked_sessions": ticket.overbooked_sessions,
            "cancels": ticket.cancels.number if ticket.cancels else "",
        },
    )


OVERBOOKED = "pos.overbooked"


def _overbooked_history(structure, ticket: Ticket, actor: Actor) -> None:
    """An offline ticket sold seats that were gone when it arrived: the order's history says
    so and the team gets a notification (never silently dropped, never silently oversold)."""
    from django.urls import reverse

    from ponton.accounts.models import Role
    from ponton.sales.services import history_add
    from realtime.services import notification_create

    assert ticket.order is not None
    sessions = Session.objects.filter(pk__in=ticket.overbooked_sessions).select_related("product")
    names = ", ".join(
        f"{session.product.name} {timezone.localtime(session.starts_at):%d/%m/%Y %H:%M}"
        for session in sessions
    )
    message = _(
        "Ticket %(number)s vendu hors ligne : séance complète à sa réception, en "
        "surréservation (%(sessions)s). À vérifier."
    ) % {"number": ticket.number, "sessions": names}
    history_add(order=ticket.order, actor=actor, action="overbooked", message=message)
    notification_create(
        structure=structure,
        kind=OVERBOOKED,
        title=_("Surréservation : ticket %(number)s") % {"number": ticket.number},
        body=message,
        url=reverse("manager:order", kwargs={"order_id": ticket.order.pk}),
        roles=[Role.OWNER, Role.ADMIN, Role.STAFF],
    )


# Payments taken later at the till (PO-4, PO-5) ------------------------------------------------


@transaction.atomic
def till_payment_add(
    *, session: TillSession, document: Document, data: PaymentData, actor: Actor
) -> Payment:
    """ "Ajouter un paiement" (or a refund) from the till on any document of an order, counted
    in the session's X report: a cash refund comes out of the drawer."""
    session = TillSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_open:
        raise TillError(_("Cette session de caisse est clôturée."))
    if data.method == Payment.Method.ONLINE_CARD:
        raise TillError(_("« CB en ligne » ne s'utilise pas à la caisse."), field="method")
    data = dataclasses.replace(data, taken_at=_taken_at(session, None))
    payment = selling.pay(document=document, data=data, actor=actor)
    _till_payments(session, [payment], None)
    return payment


# Cash in / cash out (PO-2) ------------------------------------------------------------------


@transaction.atomic
def cash_move(
    *, session: TillSession, kind: str, amount: Any, reason: str, actor: Actor
) -> CashMovement:
    if kind not in CashMovement.Kind.values:
        raise TillError(_("Choisissez un apport ou un retrait."), field="kind")
    value = _amount(amount)
    reason = reason.strip()
    if not reason:
        raise TillError(_("Indiquez le motif."), field="reason")
    session = TillSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_open:
        raise TillError(_("Cette session de caisse est clôturée."))
    if kind == CashMovement.Kind.OUT:
        from modules.pos.selectors import session_report

        in_drawer = session_report(session).expected_cash
        if value > in_drawer:
            raise TillError(
                _("Le retrait (%(amount)s €) dépasse les espèces en caisse (%(cash)s €).")
                % {"amount": value, "cash": in_drawer},
                field="amount",
            )
    movement = CashMovement.objects.create(
        session=session,
        kind=kind,
        amount=value,
        reason=reason[:200],
        recorded_at=timezone.now(),
        actor_id=actor.account_id,
        actor_name=actor.name,
    )
    ledger_append(
        kind=LedgerEntry.Kind.CASH_MOVEMENT,
        reference=f"{session.till.code}-S{session.number}",
        payload={
            "till": session.till_id,
            "session": session.number,
            "kind": kind,
            "amount": value,
            "reason": movement.reason,
            "actor": actor.name,
        },
    )
    return movement


# Reprints and cancellations (PO-4, PO-7) -------------------------------------------------


@transaction.atomic
def ticket_reprint(*, ticket: Ticket, actor: Actor) -> TicketReprint:
    Ticket.objects.select_for_update().get(pk=ticket.pk)
    count = ticket.reprints.filter(count__gt=0).count() + 1  # count 0: the original print
    reprint = TicketReprint.objects.create(
        ticket=ticket,
        count=count,
        recorded_at=timezone.now(),
        actor_id=actor.account_id,
        actor_name=actor.name,
    )
    ledger_append(
        kind=LedgerEntry.Kind.TILL_REPRINT,
        reference=ticket.number,
        payload={"ticket": ticket.number, "reprint": count, "actor": actor.name},
    )
    return reprint


@transaction.atomic
def ticket_print(*, ticket: Ticket, actor: Actor, original: bool) -> int:
    """A print of the ticket, recorded: 0 for the original, else the duplicate's count.

    The original is the print the selling screen asks for right after the sale
    (`original=True`), once: it is recorded as print number 0 (the unique (ticket, count)
    constraint holds it to one). Any other print, or a second "original", is a DUPLICATA,
    counted and chained by `ticket_reprint`."""
    Ticket.objects.select_for_update().get(pk=ticket.pk)
    if original and not ticket.reprints.exists():
        TicketReprint.objects.create(
            ticket=ticket,
            count=0,
            recorded_at=timezone.now(),
            actor_id=actor.account_id,
            actor_name=actor.name,
        )
        ledger_append(
            kind=LedgerEntry.Kind.TILL_REPRINT,
            reference=ticket.number,
            payload={"ticket": ticket.number, "reprint": 0, "actor": actor.name},
        )
        return 0
    return ticket_reprint(ticket=ticket, actor=actor).count


@transaction.atomic
def ticket_cancel(*, structure, ticket: Ticket, session: TillSession, actor: Actor) -> Ticket:
    """Cancel a ticket: its lines cancelled (credit note), its payments refunded in the same
    methods at this till (cash out of the drawer), and a cancelling ticket that says so."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("order", "till")
        .get(pk=ticket.pk)
    )
    if Ticket.objects.filter(cancels=ticket).exists():
        raise TillError(_("Ce ticket est déjà annulé."))
    if ticket.cancels_id is not None:
        raise TillError(_("Un ticket d'annulation ne s'annule pas."))
    if session.till_id != ticket.till_id:
        raise TillError(_("Un ticket s'annule à la caisse qui l'a fait."))
    assert ticket.order is not None
    lines = list(ticket.order.lines.exclude(state=OrderLine.State.CANCELLED))
    credit_notes = []
    for line in lines:
        credit_note = selling.line_cancel(
            structure=structure,
            line=line,
            actor=actor,
            note=_("Annulation du ticket %(number)s") % {"number": ticket.number},
        )
        if credit_note is not None:
            credit_notes.append(credit_note)
    refunds = _refund_ticket(ticket, credit_notes, actor, session)
    server = TillDevice.objects.select_for_update().get(till=ticket.till, number=SERVER_DEVICE)
    sequence = server.last_sequence + 1
    TillDevice.objects.filter(pk=server.pk).update(last_sequence=sequence)
    number = f"{ticket.till.code}-{SERVER_DEVICE:02d}-{sequence:06d}"
    payload = {"cancels": ticket.number, "number": number}
    total = -sum((note.total for note in credit_notes), Decimal("0.00"))
    cancelling = Ticket.objects.create(
        till=ticket.till,
        device=server,
        session=session,
        sequence=sequence,
        number=number,
        idempotency_key=uuid.uuid4(),
        content_sha256=signing.content_sha256(payload),
        signature="",
        payload=payload,
        order=ticket.order,
        document=credit_notes[0] if credit_notes else None,
        customer=ticket.customer,
        total=total,
        sold_at=timezone.now(),
        recorded_at=timezone.now(),
        cancels=ticket,
        actor_id=actor.account_id,
        actor_name=actor.name,
    )
    _till_payments(session, refunds, cancelling)
    _ticket_ledger(cancelling, refunds)
    return cancelling


def _refund_ticket(
    ticket: Ticket, credit_notes: list[Document], actor: Actor, session: TillSession
) -> list[Payment]:
    """Refund on the credit notes what the ticket's receipt received, method by method."""
    from ponton.billing.selectors import document_balance

    if not credit_notes or ticket.document is None:
        return []
    paid: dict[str, Decimal] = {}
    for payment in ticket.document.payments.all():
        sign = 1 if payment.kind == Payment.Kind.PAYMENT else -1
        paid[payment.method] = paid.get(payment.method, Decimal("0.00")) + sign * payment.amount
    refunds = []
    for note in credit_notes:
        due = document_balance(document=note).due
        for method in sorted(paid, key=lambda m: m != Payment.Method.CASH):
            amount = min(due, paid[method])
            if amount <= 0 or method == Payment.Method.ONLINE_CARD:
                continue
            refunds.append(
                selling.pay(
                    document=note,
                    data=PaymentData(
                        kind=Payment.Kind.REFUND,
                        method=method,
                        amount=amount,
                        taken_at=_taken_at(session, None),
                    ),
                    actor=actor,
                )
            )
            paid[method] -= amount
            due -= amount
    return refunds


# X -> Z (PO-3) ----------------------------------------------------------------------------


@transaction.atomic
def session_close(*, session: TillSession, counted: dict[str, Any], actor: Actor) -> TillClosing:
    """ "X->Z": the counted amounts per method against the expected ones, the closing and the
    till's perpetual grand totals recorded (and chained in the ledger), the session closed.
    The caller has checked the user's password."""
    from modules.pos.selectors import session_report

    session = TillSession.objects.select_for_update().select_related("till").get(pk=session.pk)
    if not session.is_open:
        raise TillError(_("Cette session de caisse est déjà clôturée."))
    report = session_report(session)
    counted_amounts = {
        method: _amount(counted.get(method, "0"), field=f"counted_{method}", allow_zero=True)
        for method in report.expected
    }
    difference = sum(
        (counted_amounts[m] - report.expected[m] for m in report.expected), Decimal("0.00")
    )
    previous = session.till.closings.order_by("-number").first()
    number = (previous.number if previous else 0) + 1
    grand_sales = (previous.grand_total_sales if previous else Decimal("0.00")) + report.sales
    grand_payments = (
        previous.grand_total_payments if previous else Decimal("0.00")
    ) + report.net_received
    now = timezone.now()
    entry = ledger_append(
        kind=LedgerEntry.Kind.TILL_CLOSING,
        reference=f"{session.till.code}-Z{number}",
        payload={
            "till": session.till_id,
            "session": session.number,
            "closing": number,
            "report": report.as_json(),
            "counted": counted_amounts,
            "difference": difference,
            "grand_total_sales": grand_sales,
            "grand_total_payments": grand_payments,
        },
    )
    head = LedgerHead.objects.get(pk=True)
    closing = TillClosing.objects.create(
        session=session,
        till=session.till,
        number=number,
        closed_at=now,
        actor_id=actor.account_id,
        actor_name=actor.name,
        report=report.as_json(),
        counted={m: str(v) for m, v in counted_amounts.items()},
        difference=difference,
        sales_total=report.sales,
        grand_total_sales=grand_sales,
        grand_total_payments=grand_payments,
        ledger_position=entry.position if entry else head.position,
        ledger_hash=entry.hash if entry else head.hash,
    )
    TillSession.objects.filter(pk=session.pk).update(closed_at=now)
    _anchor()
    return closing


def _anchor() -> None:
    """The chain's head anchored outside the structure's schema at each Z (docs/adr/0013)."""
    ledger_anchor(reason="till_closing")


@transaction.atomic
def till_set_active(*, till: Till, active: bool) -> Till:
    """Deactivate a till (it keeps its data; it no longer sells) or reactivate it. An open
    session must be closed (Z) first."""
    if not active and open_session(till) is not None:
        raise TillError(
            _("Faites d'abord la clôture (X->Z) de la session ouverte de cette caisse.")
        )
    Till.objects.filter(pk=till.pk).update(active=active)
    till.active = active
    return till
