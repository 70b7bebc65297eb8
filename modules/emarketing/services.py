"""EM-1 writes: campaigns (draft, schedule, send now, cancel), consent, unsubscribe.

Sending itself is in `delivery.py` (run by the tasks of `tasks.py`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import nh3
from django.core import signing
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.emarketing import segments
from modules.emarketing.events import publish_progress
from modules.emarketing.models import Campaign, Consent, Recipient, Unsubscribe
from ponton.customers.models import Customer

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "emarketing.unsubscribe"
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "h2", "h3", "div"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
MAX_BODY = 100_000


class CampaignError(ValueError):
    """A refused action; the message is French, for the user."""


@dataclass(frozen=True)
class CampaignData:
    name: str
    sender_name: str
    subject: str
    body: str
    audience: str
    audience_emails: str = ""
    audience_search: str = ""
    audience_rules: dict | None = None


def sanitize_body(html: str) -> str:
    """The body as it will be sent: only simple formatting and http(s)/mailto links survive
    (scripts, styles, event handlers and other tags are removed by nh3)."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def body_text(html: str) -> str:
    """Plain-text version of a sanitised body (the text/plain part)."""
    import html as html_lib
    import re

    text = re.sub(r"<br\s*/?>|</p>|</li>|</h[23]>|</div>", "\n", html)
    text = re.sub(r"<li>", "- ", text)
    text = re.sub(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", text)
    text = nh3.clean(text, tags=set())
    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _audience(data: CampaignData) -> segments.Audience:
    return segments.Audience(
        mode=data.audience,
        emails=data.audience_emails,
        search=data.audience_search,
        rules=data.audience_rules,
    )


def _check(data: CampaignData) -> str:
    errors = []
    if not data.name.strip():
        errors.append(_("Donnez un nom à la campagne."))
    if not data.sender_name.strip():
        errors.append(_("Indiquez le nom de l'expéditeur."))
    if not data.subject.strip():
        errors.append(_("L'objet de l'email est vide."))
    if len(data.body or "") > MAX_BODY:
        errors.append(_("Le message est trop long."))
    body = sanitize_body(data.body)
    if not body_text(body):
        errors.append(_("Le message est vide."))
    try:
        segments.audience_customers(_audience(data))
    except segments.SegmentError as exc:
        errors.append(str(exc))
    if errors:
        raise CampaignError(" ".join(errors))
    return body


def campaign_save(
    *, data: CampaignData, campaign: Campaign | None = None, user_id: int | None = None
) -> Campaign:
    """Create or update a draft (only a draft is edited)."""
    body = _check(data)
    if campaign is not None and campaign.state != Campaign.State.DRAFT:
        raise CampaignError(_("Seule une campagne en brouillon se modifie."))
    campaign = campaign or Campaign(created_by_id=user_id)
    campaign.name = data.name.strip()
    campaign.sender_name = data.sender_name.strip()
    campaign.subject = data.subject.strip()
    campaign.body_html = body
    campaign.audience = data.audience
    campaign.audience_emails = data.audience_emails if data.audience == "emails" else ""
    campaign.audience_search = data.audience_search if data.audience == "search" else ""
    campaign.audience_rules = (data.audience_rules or {}) if data.audience == "rules" else {}
    campaign.save()
    return campaign


def campaign_audience(campaign: Campaign) -> segments.Audience:
    return segments.Audience(
        mode=campaign.audience,
        emails=campaign.audience_emails,
        search=campaign.audience_search,
        rules=campaign.audience_rules,
    )


def _require_recipients(campaign: Campaign) -> None:
    try:
        count = segments.audience_count(campaign_audience(campaign))
    except segments.SegmentError as exc:
        raise CampaignError(str(exc)) from None
    if count == 0:
        raise CampaignError(
            _(
                "Aucun destinataire : personne ne correspond (seuls les clients qui ont accepté "
                "les emails marketing et ne se sont pas désinscrits les reçoivent)."
            )
        )


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, when: dt.datetime) -> Campaign:
    """Programme a draft for `when` (aware). A date in the past is refused."""
    if campaign.state != Campaign.State.DRAFT:
        raise CampaignError(_("Seule une campagne en brouillon peut être programmée."))
    if timezone.is_naive(when):
        raise CampaignError(_("Indiquez une date et une heure."))
    if when <= timezone.now():
        raise CampaignError(_("La date d'envoi est passée : choisissez une date à venir."))
    _require_recipients(campaign)
    updated = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.DRAFT).update(
        state=Campaign.State.SCHEDULED, scheduled_at=when
    )
    if not updated:
        raise CampaignError(_("Seule une campagne en brouillon peut être programmée."))
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """A scheduled campaign is cancelled (it will not start); its recipients are not frozen."""
    updated = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SCHEDULED).update(
        state=Campaign.State.CANCELLED
    )
    if not updated:
        raise CampaignError(_("Seule une campagne programmée peut être annulée."))
    campaign.refresh_from_db()
    return campaign


def campaign_send_now(*, campaign: Campaign) -> Campaign:
    """ "Envoyer maintenant": freeze the recipients and hand the batches to the workers."""
    if campaign.state != Campaign.State.DRAFT:
        raise CampaignError(_("Cette campagne a déjà été envoyée ou programmée."))
    _require_recipients(campaign)
    return campaign_start(campaign_id=campaign.pk, allowed=(Campaign.State.DRAFT,))


@transaction.atomic
def campaign_start(
    *, campaign_id: int, allowed: tuple[str, ...] = (Campaign.State.SCHEDULED,)
) -> Campaign:
    """Move the campaign to "en cours" (a conditional UPDATE: started once), freeze its
    recipients in one INSERT … SELECT of the segment, and enqueue its batches after commit."""
    now = timezone.now()
    updated = Campaign.objects.filter(pk=campaign_id, state__in=allowed).update(
        state=Campaign.State.SENDING, started_at=now, heartbeat_at=now
    )
    campaign = Campaign.objects.get(pk=campaign_id)
    if not updated:
        return campaign
    try:
        customers = segments.audience_customers(campaign_audience(campaign))
    except segments.SegmentError:
        customers = Customer.objects.none()
    rows = (
        customers.annotate(
            address=Lower("email"), fullname=Concat("first_name", Value(" "), "last_name")
        )
        .order_by("address", "pk")
        .distinct("address")
        .values_list("pk", "address", "fullname")
    )
    sql, params = rows.query.sql_with_params()
    table = Recipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (campaign_id, customer_id, email, name, state, message_id, '  # noqa: S608 - our own table and the ORM's SQL
            f"attempts, error) SELECT %s, s.pk, s.address, left(s.fullname, 201), %s, '', 0, '' "
            f"FROM ({sql}) AS s(pk, address, fullname) ORDER BY s.address",
            [campaign.pk, Recipient.State.PENDING, *params],
        )
    total = Recipient.objects.filter(campaign=campaign).count()
    Campaign.objects.filter(pk=campaign.pk).update(total=total)
    campaign.total = total
    from modules.emarketing import delivery

    if total == 0:
        delivery.campaign_finish_if_done(campaign_id=campaign.pk)
    else:
        delivery.enqueue_batches(campaign_id=campaign.pk)
    publish_progress(campaign_id=campaign.pk)
    return campaign


def campaigns_start_due(*, now: dt.datetime | None = None) -> list[int]:
    """Start this structure's scheduled campaigns whose time has come (the periodic check and
    the campaign list's lazy check)."""
    now = now or timezone.now()
    due = list(
        Campaign.objects.filter(state=Campaign.State.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    for campaign_id in due:
        campaign_start(campaign_id=campaign_id)
    return due


# Consent and unsubscribe -------------------------------------------------------------------


@transaction.atomic
def consent_set(*, customer: Customer, consented: bool, source: str) -> Consent:
    """Record the customer's email-marketing consent (date and source). Consenting again lifts
    an earlier unsubscribe of that address."""
    consent, _created = Consent.objects.update_or_create(
        customer=customer,
        defaults={"consented": consented, "source": source, "changed_at": timezone.now()},
    )
    if consented and customer.email:
        Unsubscribe.objects.filter(email=customer.email.lower()).delete()
    return consent


def unsubscribe_token(*, structure_id: int, campaign_id: int, email: str) -> str:
    return signing.dumps(
        {"s": structure_id, "c": campaign_id, "e": email.lower()},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


@dataclass(frozen=True)
class UnsubscribeRequest:
    campaign_id: int
    email: str


def unsubscribe_check(*, token: str, structure_id: int) -> UnsubscribeRequest:
    """The address a link names; a forged or foreign link is refused in French."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise CampaignError(
            _("Ce lien de désinscription n'est pas valide. Utilisez le lien reçu par email.")
        ) from None
    if not isinstance(data, dict) or data.get("s") != structure_id:
        raise CampaignError(
            _("Ce lien de désinscription n'est pas valide. Utilisez le lien reçu par email.")
        )
    return UnsubscribeRequest(campaign_id=int(data["c"]), email=str(data["e"]))


@transaction.atomic
def unsubscribe(*, request: UnsubscribeRequest) -> None:
    """Honoured at once: the address is suppressed (the batch task re-checks before each email)
    and every customer with that address loses the consent."""
    email = request.email.lower()
    Unsubscribe.objects.update_or_create(
        email=email,
        defaults={
            "campaign_id": Campaign.objects.filter(pk=request.campaign_id)
            .values_list("pk", flat=True)
            .first()
        },
    )
    now = timezone.now()
    customer_ids = list(
        Customer.objects.annotate(address=Lower("email"))
        .filter(address=email)
        .values_list("pk", flat=True)
    )
    for customer_id in customer_ids:
        Consent.objects.update_or_create(
            customer_id=customer_id,
            defaults={
                "consented": False,
                "source": Consent.Source.UNSUBSCRIBE,
                "changed_at": now,
            },
        )
    logger.info("emarketing unsubscribe in %s", connection.schema_name)  # type: ignore[attr-defined]


def unsubscribed(email: str) -> bool:
    return Unsubscribe.objects.filter(email=email.lower()).exists()
