"""CO-2 "Participants": who takes part in the sessions, across sessions — one row per order
line booked on a session, still ordered or invoiced (as the participants list of one session,
PL-4); a line without a consumer is its payer's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.catalogue.models import Product
from ponton.compta.lists.base import (
    MONEY,
    Field,
    ListDefinition,
    ListFilters,
    label_of,
    moment_range,
    site_field,
    words_filter,
)
from ponton.planning.models import Session
from ponton.sales.models import Order, OrderLine
from ponton.web.spreadsheets import Column

BOOKED = [OrderLine.State.ORDERED, OrderLine.State.INVOICED]


class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return timezone.localtime(obj.starts_at).strftime("%d/%m/%Y %H:%M")


class ParticipantFilters(ListFilters):
    product = forms.ModelChoiceField(
        label=gettext_lazy("Activité"),
        required=False,
        empty_label=gettext_lazy("Toutes"),
        queryset=Product.objects.filter(kind=Product.Kind.ACTIVITY).order_by("name", "pk"),
    )
    session = SessionChoice(
        label=gettext_lazy("Séance"),
        required=False,
        empty_label=gettext_lazy("Toutes"),
        queryset=Session.objects.none(),
        help_text=gettext_lazy("Choisissez une activité puis « Appliquer » pour voir ses séances."),
    )
    site = site_field()
    state = forms.ChoiceField(
        label=gettext_lazy("État"),
        required=False,
        choices=[
            ("", gettext_lazy("Tous")),
            *[c for c in OrderLine.State.choices if c[0] in BOOKED],
        ],
    )
    customer = forms.CharField(
        label=gettext_lazy("Participant ou payeur"), required=False, max_length=100, strip=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product_id = str((self.data or {}).get("product") or "")
        if product_id.isdigit() and len(product_id) < 12:
            session = self.fields["session"]
            session.queryset = Session.objects.filter(product_id=int(product_id)).order_by(
                "starts_at", "pk"
            )
            session.help_text = ""

    def clean(self):
        data = super().clean()
        session, product = data.get("session"), data.get("product")
        if session is not None and product is not None and session.product_id != product.pk:
            self.add_error("session", _("Cette séance n'est pas une séance de l'activité choisie."))
        return data


def _name(prefix: str) -> Concat:
    return Concat(
        f"{prefix}__first_name", Value(" "), f"{prefix}__last_name", output_field=CharField()
    )


class ParticipantList(ListDefinition):
    slug = "participants"
    title = gettext_lazy("Participants")
    description = gettext_lazy(
        "Les participants des séances : activité, séance, site, payeur, tarif et montant."
    )
    form_class = ParticipantFilters
    default_sort = "session"
    total_labels = [
        ("count", gettext_lazy("Lignes"), "integer"),
        ("places", gettext_lazy("Places"), "integer"),
        ("amount", gettext_lazy("Montant"), "money"),
    ]

    def fields(self) -> list[Field]:
        state = label_of(OrderLine.State.choices)
        return [
            Field(
                "session",
                Column(_("Séance"), "datetime", lambda r: r["session__starts_at"], width=17),
                ("session__starts_at", "session_id"),
            ),
            Field(
                "activity",
                Column(_("Activité"), "text", lambda r: r["session__product__name"], width=26),
                ("session__product__name",),
            ),
            Field(
                "site",
                Column(_("Site"), "text", lambda r: r["session__site__name"], width=18),
                ("session__site__name",),
            ),
            Field(
                "participant",
                Column(_("Participant"), "text", lambda r: r["participant_name"], width=26),
                ("participant_last", "participant_first"),
            ),
            Field(
                "payer",
                Column(_("Payeur"), "text", lambda r: r["payer_name"], width=26),
                ("order__payer__last_name", "order__payer__first_name"),
            ),
            Field("rate", Column(_("Tarif"), "text", lambda r: r["rate_name"], width=16)),
            Field(
                "places",
                Column(_("Places"), "integer", lambda r: r["quantity"]),
                ("quantity",),
                total="places",
            ),
            Field(
                "amount",
                Column(_("Montant"), "money", lambda r: r["line_total"]),
                ("line_total",),
                total="amount",
            ),
            Field(
                "order",
                Column(_("Commande"), "text", lambda r: r["order__number"], width=16),
                ("order__number",),
            ),
            Field("state", Column(_("État"), "text", lambda r: state(r["state"])), ("state",)),
            Field("email", Column(_("Email"), "text", lambda r: r["contact_email"], width=28)),
            Field("mobile", Column(_("Mobile"), "text", lambda r: r["contact_mobile"], width=16)),
        ]

    def values(self) -> list[str]:
        return [
            "pk",
            "session__starts_at",
            "session__product__name",
            "session__site__name",
            "participant_name",
            "payer_name",
            "rate_name",
            "quantity",
            "line_total",
            "order__number",
            "state",
            "contact_email",
            "contact_mobile",
        ]

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        lines = OrderLine.objects.filter(
            session__isnull=False, state__in=BOOKED, order__status=Order.Status.ORDER
        ).annotate(
            line_total=F("unit_price") * F("quantity") - F("discount"),
        )
        lines = lines.filter(
            moment_range("session__starts_at", filters.get("start"), filters.get("end"))
        )
        if filters.get("product") is not None:
            lines = lines.filter(session__product=filters["product"])
        if filters.get("session") is not None:
            lines = lines.filter(session=filters["session"])
        if filters.get("site") is not None:
            lines = lines.filter(session__site=filters["site"])
        if filters.get("state"):
            lines = lines.filter(state=filters["state"])
        if filters.get("customer"):
            lines = lines.filter(words_filter(filters["customer"], "consumer", "order__payer"))
        if filters.get("amount_min") is not None:
            lines = lines.filter(line_total__gte=filters["amount_min"])
        if filters.get("amount_max") is not None:
            lines = lines.filter(line_total__lte=filters["amount_max"])
        return lines

    def for_rows(self, queryset: QuerySet) -> QuerySet:
        alone = Q(consumer__isnull=True)
        return queryset.annotate(
            payer_name=_name("order__payer"),
            participant_name=Case(
                When(alone, then=_name("order__payer")),
                default=_name("consumer"),
                output_field=CharField(),
            ),
            participant_last=Coalesce("consumer__last_name", "order__payer__last_name"),
            participant_first=Coalesce("consumer__first_name", "order__payer__first_name"),
            contact_email=Coalesce(NullIf("consumer__email", Value("")), "order__payer__email"),
            contact_mobile=Coalesce(NullIf("consumer__mobile", Value("")), "order__payer__mobile"),
        )

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        return queryset.aggregate(
            count=Count("pk"),
            places=Sum("quantity", default=0),
            amount=Sum("line_total", output_field=MONEY, default=0),
        )
