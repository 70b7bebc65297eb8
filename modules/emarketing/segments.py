"""EM-1 recipients: typed emails, a simple search, or rules combined with and/or, evaluated in SQL.

Rules (`Campaign.audience_rules`, also what the count endpoint receives)::

    {"combine": "and" | "or", "rules": [
        {"type": "age_under", "years": 18},
        {"type": "age_between", "min": 18, "max": 25},
        {"type": "bought_product", "product": 3, "from": "2026-01-01", "to": "2026-12-31"},
        {"type": "bought_category", "category": 2, "from": "", "to": ""},
        {"type": "member"},                       # a membership valid today
        {"type": "attended", "product": 4},       # a session of that activity, already begun
        {"type": "site", "site": 1},
        {"type": "postal_code", "prefix": "29"},
        {"type": "has_email"},
        {"type": "created_after", "date": "2026-01-01"}]}

Each rule is one `Q` (uncorrelated `IN (subquery)` for orders, sessions and addresses, which
PostgreSQL hashes once): the whole segment is a single SQL query, whatever the number of
customers. Only customers with an email, not
erased, who consented and did not unsubscribe can be recipients (`eligible_customers`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.emarketing.models import Consent, Unsubscribe
from ponton.catalogue.models import Product
from ponton.customers.models import Customer, SearchText
from ponton.sales.models import OrderLine

MAX_RULES = 20
HELD = (OrderLine.State.ORDERED, OrderLine.State.INVOICED)

RULE_TYPES = {
    "age_under": gettext_lazy("Âge inférieur à"),
    "age_between": gettext_lazy("Âge entre"),
    "bought_product": gettext_lazy("A acheté le produit"),
    "bought_category": gettext_lazy("A acheté dans la catégorie"),
    "member": gettext_lazy("Adhérent cette année"),
    "attended": gettext_lazy("A participé à une séance de"),
    "site": gettext_lazy("Site"),
    "postal_code": gettext_lazy("Code postal"),
    "has_email": gettext_lazy("A un email"),
    "created_after": gettext_lazy("Client créé après le"),
}


class SegmentError(ValueError):
    """A rule that cannot be evaluated: the message is French, for the user."""


@dataclass(frozen=True)
class Audience:
    mode: str  # "emails" | "search" | "rules"
    emails: str = ""
    search: str = ""
    rules: dict | None = None


def eligible_customers() -> QuerySet[Customer]:
    """Customers a campaign may reach: an email, not erased, consenting, not unsubscribed."""
    consents = Consent.objects.filter(customer=OuterRef("pk"), consented=True)
    unsubscribed = Unsubscribe.objects.filter(email=Lower(OuterRef("email")))
    return (
        Customer.objects.filter(erased_at__isnull=True)
        .exclude(email="")
        .filter(Exists(consents))
        .exclude(Exists(unsubscribed))
    )


def _int(rule: dict, key: str, label: str) -> int:
    try:
        value = int(rule.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SegmentError(_("Règle « %s » : indiquez un nombre.") % label) from None
    if value < 0 or value > 150:
        raise SegmentError(_("Règle « %s » : le nombre doit être entre 0 et 150.") % label)
    return value


def _date(rule: dict, key: str, label: str, *, required: bool) -> dt.date | None:
    raw = (rule.get(key) or "").strip() if isinstance(rule.get(key) or "", str) else ""
    if not raw:
        if required:
            raise SegmentError(_("Règle « %s » : indiquez une date.") % label)
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise SegmentError(_("Règle « %s » : la date n'est pas valide.") % label) from None


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _held_lines() -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(state__in=HELD)


def _customers_of(lines: QuerySet[OrderLine]) -> Q:
    """Customers of those lines: the consumer, or the payer of a line without one. Two
    uncorrelated `IN (subquery)`: PostgreSQL computes each once (a hash), whatever the number
    of customers, where a correlated EXISTS with that OR would be run for every customer."""
    return Q(pk__in=lines.filter(consumer__isnull=False).values("consumer_id")) | Q(
        pk__in=lines.filter(consumer__isnull=True).values("order__payer_id")
    )


def _period(lines: QuerySet[OrderLine], rule: dict, label: str) -> QuerySet[OrderLine]:
    start = _date(rule, "from", label, required=False)
    end = _date(rule, "to", label, required=False)
    if start and end and end < start:
        raise SegmentError(_("Règle « %s » : la fin de la période précède son début.") % label)
    # Bounds as instants (midnight in the structure's time zone): a plain comparison on
    # ordered_at, no per-row date conversion.
    if start:
        lines = lines.filter(order__ordered_at__gte=_midnight(start))
    if end:
        lines = lines.filter(order__ordered_at__lt=_midnight(end + dt.timedelta(days=1)))
    return lines


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def rule_q(rule: dict, *, today: dt.date) -> Q:
    kind = rule.get("type") if isinstance(rule, dict) else None
    if kind not in RULE_TYPES:
        raise SegmentError(_("Règle inconnue : choisissez un critère dans la liste."))
    label = str(RULE_TYPES[kind])
    if kind == "age_under":
        years = _int(rule, "years", label)
        return Q(birth_date__gt=_years_ago(today, years))
    if kind == "age_between":
        low, high = _int(rule, "min", label), _int(rule, "max", label)
        if high < low:
            raise SegmentError(_("Règle « %s » : l'âge maximum précède l'âge minimum.") % label)
        # Aged `low` or more (born on or before today - low years) and at most `high`.
        return Q(birth_date__lte=_years_ago(today, low), birth_date__gt=_years_ago(today, high + 1))
    if kind == "bought_product":
        product = _int_id(rule, "product", label)
        return _customers_of(_period(_held_lines().filter(product_id=product), rule, label))
    if kind == "bought_category":
        category = _int_id(rule, "category", label)
        lines = _held_lines().filter(
            Q(product__category_id=category) | Q(product__category__parent_id=category)
        )
        return _customers_of(_period(lines, rule, label))
    if kind == "member":
        lines = _held_lines().filter(product__kind=Product.Kind.MEMBERSHIP)
        lines = lines.filter(
            Q(product__valid_from__isnull=True) | Q(product__valid_from__lte=today),
            Q(product__valid_until__isnull=True) | Q(product__valid_until__gte=today),
        )
        return _customers_of(lines)
    if kind == "attended":
        product = _int_id(rule, "product", label)
        lines = _held_lines().filter(
            session__product_id=product, session__starts_at__lte=timezone.now()
        )
        return _customers_of(lines)
    if kind == "site":
        site = _int_id(rule, "site", label)
        lines = _held_lines().filter(Q(session__site_id=site) | Q(product__site_id=site))
        return _customers_of(lines)
    if kind == "postal_code":
        prefix = str(rule.get("prefix") or "").strip()
        if not re.fullmatch(r"\d{1,5}", prefix):
            raise SegmentError(
                _("Règle « %s » : indiquez 1 à 5 chiffres (ex. 29 ou 29200).") % label
            )
        from ponton.customers.models import Address

        return Q(
            pk__in=Address.objects.filter(postal_code__startswith=prefix).values("customer_id")
        )
    if kind == "has_email":
        return ~Q(email="")
    # created_after
    date = _date(rule, "date", label, required=True)
    if date is None:  # required: _date raised already
        raise SegmentError(_("Règle « %s » : indiquez une date.") % label)
    return Q(created_at__gte=_midnight(date + dt.timedelta(days=1)))


def _int_id(rule: dict, key: str, label: str) -> int:
    try:
        return int(rule.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SegmentError(_("Règle « %s » : faites un choix dans la liste.") % label) from None


def rules_q(rules: dict | None, *, today: dt.date | None = None) -> Q:
    if not isinstance(rules, dict) or not isinstance(rules.get("rules"), list):
        raise SegmentError(_("Ajoutez au moins une règle."))
    items = rules["rules"]
    if not items:
        raise SegmentError(_("Ajoutez au moins une règle."))
    if len(items) > MAX_RULES:
        raise SegmentError(_("Au plus %d règles.") % MAX_RULES)
    combine = rules.get("combine", "and")
    if combine not in ("and", "or"):
        raise SegmentError(_("Combinez les règles avec « et » ou « ou »."))
    today = today or timezone.localdate()
    q = Q()
    for rule in items:
        part = rule_q(rule, today=today)
        q = (q & part) if combine == "and" or not q else (q | part)
    return q


def parse_emails(text: str) -> list[str]:
    """Typed addresses (one per line, or separated by commas/semicolons/spaces), lower-cased,
    deduplicated; an invalid one is refused by name."""
    emails: list[str] = []
    for raw in re.split(r"[\s,;]+", text or ""):
        if not raw:
            continue
        address = raw.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            raise SegmentError(_("Adresse email non valide : %s") % raw) from None
        if address not in emails:
            emails.append(address)
    return emails


def audience_customers(audience: Audience) -> QuerySet[Customer]:
    """The eligible customers of an audience, as one SQL query (one row per distinct email)."""
    base = eligible_customers()
    qs: QuerySet[Customer]
    if audience.mode == "emails":
        emails = parse_emails(audience.emails)
        if not emails:
            raise SegmentError(_("Saisissez au moins une adresse email."))
        qs = base.alias(email_lower=Lower("email")).filter(email_lower__in=emails)
    elif audience.mode == "search":
        words = [w.lower() for w in (audience.search or "").split() if w]
        if not words:
            raise SegmentError(_("Saisissez un nom, un email ou un numéro à rechercher."))
        qs = base.alias(search_text=SearchText())
        for word in words:
            qs = qs.filter(search_text__contains=word)
    elif audience.mode == "rules":
        qs = base.filter(rules_q(audience.rules))
    else:
        raise SegmentError(_("Choisissez comment désigner les destinataires."))
    return qs


def audience_count(audience: Audience) -> int:
    """How many distinct addresses the audience reaches now."""
    return (
        audience_customers(audience)
        .annotate(address=Lower("email"))
        .values("address")
        .distinct()
        .count()
    )
