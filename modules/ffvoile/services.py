"""FF-1 writes: the club's account, the licence option of a product, the licensee's sex, the
licences owed to invoiced lines, and the call to the federation (claimed by one worker, logged,
recorded whole or not at all)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.ffvoile import client as federation
from modules.ffvoile.models import (
    Call,
    FederationAccount,
    Licence,
    LicenceKind,
    LicenceProduct,
    LicenseeIdentity,
)
from ponton.customers.models import Customer
from ponton.plugins.types import Refusal

logger = logging.getLogger("ponton.ffvoile")

NOTIFICATION_KIND = "ffvoile.licence_not_delivered"
# A claim older than this is a worker that died mid-call: the licence may be claimed again
# (the same request_id is sent, the federation answers the same licence).
STALE_CLAIM = dt.timedelta(minutes=10)


class FFVoileError(Exception):
    """A refused action of the module, with a French message."""


# The club's account -------------------------------------------------------------------------


def account_get() -> FederationAccount:
    account = FederationAccount.objects.order_by("pk").first()
    return account or FederationAccount.objects.create()


@transaction.atomic
def account_update(*, club_number: str, login: str, password: str = "") -> FederationAccount:
    """The club's number and credentials; an empty password keeps the one sealed already."""
    account = FederationAccount.objects.select_for_update().get(pk=account_get().pk)
    account.club_number = club_number.strip()
    account.login = login.strip()
    fields = ["club_number", "login", "updated_at"]
    if password:
        account.password = password
        fields.append("password")
    account.save(update_fields=fields)
    return account


# The product option ---------------------------------------------------------------------------


def licence_product_set(*, product, kind: str) -> LicenceProduct | None:
    """Mark `product` as a licence of `kind`, or (empty kind) as no licence any more."""
    if not kind:
        LicenceProduct.objects.filter(product=product).delete()
        return None
    if kind not in LicenceKind.values:
        raise FFVoileError(_("Type de licence inconnu."))
    row, _created = LicenceProduct.objects.update_or_create(
        product=product, defaults={"kind": kind}
    )
    return row


# The licensee's identity ----------------------------------------------------------------------


def identity_set(*, customer: Customer, sex: str) -> LicenseeIdentity:
    if sex not in ("F", "M"):
        raise FFVoileError(_("Choisissez le sexe : femme ou homme."))
    row, _created = LicenseeIdentity.objects.update_or_create(
        customer=customer, defaults={"sex": sex}
    )
    return row


@dataclass(frozen=True)
class IdentityCheck:
    licensee: federation.Licensee | None
    missing: list[str]


def identity_check(*, customer: Customer, payer: Customer | None = None) -> IdentityCheck:
    """The licensee as the federation asks for them, or what is missing (French words). A
    minor's email may be the payer's (their parent's)."""
    missing = []
    if not customer.last_name.strip():
        missing.append(_("nom"))
    if not customer.first_name.strip():
        missing.append(_("prénom"))
    if customer.birth_date is None:
        missing.append(_("date de naissance"))
    identity = LicenseeIdentity.objects.filter(customer=customer).first() if customer.pk else None
    if identity is None:
        missing.append(_("sexe"))
    address = customer.addresses.order_by("id").first() if customer.pk else None
    if address is None:
        missing.append(_("adresse"))
    email = customer.email or (payer.email if payer is not None else "")
    if not email and customer.payer_id and customer.pk:
        email = Customer.objects.filter(pk=customer.payer_id).values_list("email", flat=True)[0]
    if not email:
        missing.append(_("email"))
    if missing:
        return IdentityCheck(None, missing)
    assert customer.birth_date is not None and identity is not None and address is not None
    return IdentityCheck(
        federation.Licensee(
            last_name=customer.last_name.strip(),
            first_name=customer.first_name.strip(),
            birth_date=customer.birth_date,
            sex=identity.sex,
            address_line1=address.line1,
            address_line2=address.line2,
            postal_code=address.postal_code,
            city=address.city,
            country=address.country,
            email=email,
        ),
        [],
    )


def basket_refusals(*, payer, lines, channel: str = "") -> list[Refusal]:
    """`ponton_basket_check`: a licence line needs its consumer's complete identity."""
    product_ids = {line.product.pk for line in lines if line.product is not None}
    if not product_ids:
        return []
    licences = dict(
        LicenceProduct.objects.filter(product_id__in=product_ids).values_list("product_id", "kind")
    )
    refusals = []
    for index, line in enumerate(lines):
        if line.product is None or line.product.pk not in licences:
            continue
        person = line.consumer or payer
        if person.pk is None:
            refusals.append(
                Refusal(
                    _(
                        "« %(product)s » est une licence FF Voile : choisissez pour "
                        "%(name)s une personne déjà inscrite (votre famille), dont la fiche "
                        "est complète, plutôt qu'une nouvelle personne."
                    )
                    % {"product": line.product.name, "name": person.full_name},
                    index,
                )
            )
            continue
        check = identity_check(customer=person, payer=payer)
        if check.missing and channel == "online":
            refusals.append(
                Refusal(
                    _(
                        "La licence FF Voile « %(product)s » de %(name)s demande une identité "
                        "complète (%(missing)s) : renseignez-la dans votre espace client "
                        "(Mon profil, Ma famille et « Mes licences FF Voile » pour le sexe)."
                    )
                    % {
                        "product": line.product.name,
                        "name": person.full_name,
                        "missing": ", ".join(check.missing),
                    },
                    index,
                )
            )
        elif check.missing:
            refusals.append(
                Refusal(
                    _(
                        "La licence FF Voile « %(product)s » de %(name)s ne peut pas être "
                        "demandée : complétez sa fiche client (%(missing)s) — le sexe se "
                        "renseigne dans la partie « FFVoile » de la fiche."
                    )
                    % {
                        "product": line.product.name,
                        "name": person.full_name,
                        "missing": ", ".join(check.missing),
                    },
                    index,
                )
            )
    return refusals


# Licences owed to invoiced lines ----------------------------------------------------------------


def season_of(day: dt.date) -> int:
    """The federation's season is the calendar year (to be confirmed: ADR 0021)."""
    return day.year


def licences_create(*, structure, order, lines) -> list[Licence]:
    """`ponton_lines_invoiced`: one licence row per invoiced licence line (never two: the
    row is unique per line), and the call scheduled after commit."""
    product_ids = {line.product_id for line in lines if line.product_id}
    if not product_ids:
        return []
    kinds = dict(
        LicenceProduct.objects.filter(product_id__in=product_ids).values_list("product_id", "kind")
    )
    if not kinds:
        return []
    season = season_of(timezone.localdate())
    rows = [
        Licence(
            order_line=line,
            customer_id=line.consumer_id or order.payer_id,
            kind=kinds[line.product_id],
            season=season,
        )
        for line in lines
        if line.product_id in kinds
    ]
    created = Licence.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(Licence.objects.filter(order_line_id__in=[row.order_line_id for row in created]))
    for licence in created:
        _schedule(structure=structure, licence_id=licence.pk)
    return created


def _schedule(*, structure, licence_id: int, by: str = "Ponton") -> None:
    from modules.ffvoile.tasks import licence_request_task

    transaction.on_commit(
        partial(
            licence_request_task.delay,
            schema_name=structure.schema_name,
            licence_id=licence_id,
            by=by,
        )
    )


@transaction.atomic
def licence_retry(*, structure, licence: Licence, by: str) -> None:
    """ "Réessayer" on a licence that was not delivered: asked again after commit."""
    stuck = Q(state=Licence.State.CALLING, claimed_at__lt=timezone.now() - STALE_CLAIM)
    updated = (
        Licence.objects.filter(pk=licence.pk)
        .filter(Q(state__in=[Licence.State.RETRY, Licence.State.REFUSED]) | stuck)
        .update(state=Licence.State.PENDING, reason="")
    )
    if not updated:
        raise FFVoileError(_("Cette licence est déjà délivrée ou en cours de demande."))
    logger.info("licence %s retried by %s", licence.pk, by)
    _schedule(structure=structure, licence_id=licence.pk, by=by)


def licence_claim(*, licence_id: int, attempt: int | None = None) -> bool:
    """Take the licence for one call: a conditional UPDATE, so that of two workers running
    the same task only one calls the federation. `attempt`: the number of calls made when the
    retry was scheduled; a copy of that retry arriving after another copy called (Redis hands
    a waiting retry's message out again past its visibility timeout, ADR 0027) finds more
    calls made and does nothing."""
    now = timezone.now()
    claimable = Q(state__in=[Licence.State.PENDING, Licence.State.RETRY]) | Q(
        state=Licence.State.CALLING, claimed_at__lt=now - STALE_CLAIM
    )
    if attempt is not None:
        claimable &= Q(attempts=attempt)
    return bool(
        Licence.objects.filter(claimable, pk=licence_id).update(
            state=Licence.State.CALLING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


@dataclass(frozen=True)
class Outcome:
    state: str  # a Licence.State, or "skipped" when another worker has it
    retry: bool = False
    reason: str = ""


def licence_call(
    *, structure, licence_id: int, by: str = "Ponton", attempt: int | None = None
) -> Outcome:
    """Call the federation for one licence, once per claim (`attempt`: see `licence_claim`);
    the answer, the licence's new state and the log line are written together. No transaction
    is open during the call."""
    if not licence_claim(licence_id=licence_id, attempt=attempt):
        return Outcome("skipped")
    licence = Licence.objects.select_related("customer", "order_line__order__payer").get(
        pk=licence_id
    )
    order = licence.order_line.order
    check = identity_check(customer=licence.customer, payer=order.payer)
    account = account_get()
    body: dict = {}
    started = time.monotonic()
    try:
        if check.licensee is None:
            raise federation.FederationUnavailableError(
                _("Identité incomplète de %(name)s : %(missing)s.")
                % {"name": licence.customer.full_name, "missing": ", ".join(check.missing)}
            )
        if not account.configured:
            raise federation.FederationUnavailableError(
                _(
                    "Le numéro de club et les identifiants FF Voile ne sont pas renseignés "
                    "(Gérer > FF Voile > Réglages)."
                )
            )
        request = federation.LicenceRequest(
            request_id=str(licence.request_id),
            licence_type=licence.kind,
            season=licence.season,
            licensee=check.licensee,
        )
        credentials = federation.Credentials(account.club_number, account.login, account.password)
        body = request.as_json(credentials)
        issued = federation.FederationClient(credentials=credentials).licence_issue(request)
    except federation.FederationRefusedError as exc:
        _record_failure(licence, by=by, body=body, exc=exc, started=started, refused=True)
        _notify(structure=structure, licence=licence, reason=exc.reason)
        return Outcome(Licence.State.REFUSED, reason=exc.reason)
    except federation.FederationError as exc:
        _record_failure(licence, by=by, body=body, exc=exc, started=started, refused=False)
        return Outcome(Licence.State.RETRY, retry=True, reason=exc.reason)
    _record_delivery(licence, by=by, body=body, issued=issued, started=started)
    return Outcome(Licence.State.DELIVERED)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


@transaction.atomic
def _record_delivery(licence: Licence, *, by, body, issued, started) -> None:
    Licence.objects.filter(pk=licence.pk).update(
        state=Licence.State.DELIVERED,
        number=issued.number,
        season=issued.season,
        valid_until=issued.valid_until,
        pdf_url=issued.pdf_url,
        reason="",
        delivered_at=timezone.now(),
    )
    Call.objects.create(
        by=by,
        licence=licence,
        order_line_id=licence.order_line_id,
        customer_id=licence.customer_id,
        request=body,
        response=issued.raw,
        http_status=200,
        result=Call.Result.DELIVERED,
        duration_ms=_ms(started),
    )


@transaction.atomic
def _record_failure(licence: Licence, *, by, body, exc, started, refused: bool) -> None:
    state = Licence.State.REFUSED if refused else Licence.State.RETRY
    Licence.objects.filter(pk=licence.pk).update(state=state, reason=exc.reason)
    raw = exc.raw
    if raw is not None and not isinstance(raw, dict | list):
        raw = {"texte": str(raw)}
    Call.objects.create(
        by=by,
        licence=licence,
        order_line_id=licence.order_line_id,
        customer_id=licence.customer_id,
        request=body,
        response=raw,
        http_status=exc.status,
        result=Call.Result.REFUSED if refused else Call.Result.ERROR,
        reason=exc.reason,
        duration_ms=_ms(started),
    )


def _notify(*, structure, licence: Licence, reason: str) -> None:
    """Tell the team a licence was not delivered (the notification centre, NO-1)."""
    from ponton.accounts.models import Role
    from realtime.services import notification_create

    line = licence.order_line
    notification_create(
        structure=structure,
        kind=NOTIFICATION_KIND,
        title=_("Licence FF Voile non délivrée : %(name)s (commande %(number)s)")
        % {"name": licence.customer.full_name, "number": line.order.number},
        body=reason,
        url=reverse("manager:order", args=[line.order_id]),
        roles=[Role.OWNER, Role.ADMIN, Role.STAFF],
    )


def licence_gave_up(*, structure, licence_id: int, reason: str) -> None:
    """The task's retries are spent: the licence stays "à réessayer"; the team is told."""
    licence = Licence.objects.select_related("customer", "order_line__order").get(pk=licence_id)
    _notify(structure=structure, licence=licence, reason=reason)
