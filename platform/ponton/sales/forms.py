"""Forms of the Club Manager's sales pages (OR-1 to OR-5): they parse input only; every sales
rule is checked by the services (`sales.services`, `billing.services`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponton.billing.money import money
from ponton.catalogue import vat
from ponton.catalogue.models import VAT_RATES, CustomField, Product, Rate
from ponton.planning.models import Session
from ponton.web.bounds import NOTE_MAX_LENGTH

VAT_CHOICES = [
    (rate, label)
    for rate, label in zip(
        VAT_RATES, (_("20 %"), _("10 %"), _("5,5 %"), _("2,1 %"), _("0 %")), strict=True
    )
]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher (numéro, client)"), required=False, max_length=100)


class RateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Rate) -> str:
        return f"{obj.name} ({money(obj.amount)} €)"


class SessionSaleForm(forms.Form):
    """ "Ajout panier" on a session: the rate and the number of places."""

    rate = RateChoiceField(label=_("Tarif"), queryset=Rate.objects.none(), empty_label=None)
    quantity = forms.IntegerField(label=_("Nombre de places"), min_value=1, initial=1)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        rates = session.product.rates.all()
        cast(RateChoiceField, self.fields["rate"]).queryset = rates
        if not rates:
            del self.fields["rate"]


class ProductSaleForm(forms.Form):
    """ "Vendre" on a product of the catalogue."""

    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, initial=1)


def custom_field_name(field: CustomField) -> str:
    return f"cf_{field.pk}"


def custom_field_label(field: CustomField) -> str:
    return f"{field.label} ({field.get_asked_for_display().lower()})"


class BasketLineForm(forms.Form):
    """One line of the basket: quantity, rate, and the answers to the product's custom fields
    (CA-7), each asked for the consumer or the payer. The consumer is chosen apart."""

    quantity = forms.IntegerField(label=_("Quantité"), min_value=1)

    def __init__(self, *args, product: Product | None, rates, custom_fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_fields = list(custom_fields)
        if rates:
            rate = RateChoiceField(
                label=_("Tarif"), queryset=Rate.objects.filter(pk__in=[r.pk for r in rates])
            )
            rate.empty_label = None
            self.fields["rate"] = rate
        for field in self.custom_fields:
            name = custom_field_name(field)
            label = custom_field_label(field)
            if field.kind == CustomField.Kind.NUMBER:
                self.fields[name] = forms.DecimalField(label=label, required=False)
            elif field.kind == CustomField.Kind.YES_NO:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—"), ("oui", _("Oui")), ("non", _("Non"))],
                )
            elif field.kind == CustomField.Kind.CHOICE:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—"), *((c, c) for c in field.choice_list)],
                )
            elif field.kind == CustomField.Kind.TEXT:
                self.fields[name] = forms.CharField(label=label, required=False, max_length=500)
            elif field.kind == CustomField.Kind.FILE:
                self.fields[name] = forms.FileField(
                    label=label, required=False, validators=[validate_answer_file]
                )

    def answers(self) -> dict[str, str]:
        """The typed answers by custom field id, as kept in the basket (files apart)."""
        result = {}
        for field in self.custom_fields:
            name = custom_field_name(field)
            if field.kind == CustomField.Kind.FILE:
                continue
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, ""):
                result[str(field.pk)] = str(self.cleaned_data[name])
        return result

    def uploads(self) -> dict[str, UploadedFile]:
        """The files sent for "file" custom fields, by custom field id."""
        return {
            str(field.pk): self.cleaned_data[custom_field_name(field)]
            for field in self.custom_fields
            if field.kind == CustomField.Kind.FILE
            and self.cleaned_data.get(custom_field_name(field))
        }


def validate_answer_file(upload) -> None:
    """A file answer (a medical certificate, a licence…) within the upload size limit."""
    limit = settings.MAX_PDF_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de %(max)s Mo.")
            % {"max": limit // (1024 * 1024)}
        )


class FreeLineForm(forms.Form):
    """OR-8 free line: its own label, amount, VAT rate and accounting code; CO-4: its VAT
    exemption reason (an exempt line is at 0 %)."""

    label = forms.CharField(label=_("Désignation"), max_length=255)
    unit_price = forms.DecimalField(
        label=_("Montant TTC (€)"), max_digits=10, decimal_places=2, min_value=Decimal("0")
    )
    vat_rate = forms.ChoiceField(label=_("Taux de TVA"), choices=VAT_CHOICES, initial="20.00")
    vat_exemption = forms.ChoiceField(
        label=_("Exonération de TVA"),
        choices=[("", _("Aucune : la TVA s'applique")), *vat.LINE_CHOICES],
        required=False,
        help_text=vat.HELP_LINE,
    )
    accounting_code = forms.CharField(label=_("Code comptable"), max_length=20, required=False)
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, initial=1)

    def clean(self):
        cleaned = super().clean()
        rate = cleaned.get("vat_rate")
        if cleaned.get("vat_exemption") and rate is not None and Decimal(rate) != 0:
            self.add_error("vat_exemption", vat.RATE_REFUSED)
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (facultatif)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SessionChoiceField(forms.ModelChoiceField):
    current_id: int | None = None  # the replaced line's session, named as such in the list

    def label_from_instance(self, obj: Session) -> str:
        starts = timezone.localtime(obj.starts_at)
        label = f"{obj.product.name} – {starts:%d/%m/%Y %H:%M} ({obj.free})"
        if obj.pk == self.current_id:
            return str(_("%(session)s – séance actuelle") % {"session": label})
        return label


def _rate_with_product(rate: Rate) -> str:
    return f"{rate.product.name} – {rate.name} ({money(rate.amount)} €)"


class ReplaceForm(NoteForm):
    """OR-5 "Remplacer": another date or another product, and "Ajouter une promotion libre"."""

    AMOUNT = "amount"
    PERCENT = "percent"

    session = SessionChoiceField(
        label=_("Nouvelle séance"),
        queryset=Session.objects.none(),
        required=False,
        help_text=_(
            "Entre parenthèses : les places libres. Laissez vide pour garder la séance actuelle "
            "(par exemple pour ajouter une promotion libre)."
        ),
    )
    product = forms.ModelChoiceField(
        label=_("Ou nouveau produit"), queryset=Product.objects.none(), required=False
    )
    rate = RateChoiceField(label=_("Tarif"), queryset=Rate.objects.none(), required=False)
    add_discount = forms.BooleanField(label=_("Ajouter une promotion libre"), required=False)
    discount_kind = forms.ChoiceField(
        label=_("La promotion est"),
        choices=[(AMOUNT, _("un montant (€)")), (PERCENT, _("un pourcentage (%)"))],
        initial=AMOUNT,
        required=False,
    )
    discount_value = forms.DecimalField(
        label=_("Montant ou pourcentage de la promotion"),
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    discount_description = forms.CharField(
        label=_("Description de la promotion"), max_length=200, required=False
    )

    field_order = [
        "session",
        "product",
        "rate",
        "add_discount",
        "discount_kind",
        "discount_value",
        "discount_description",
        "note",
    ]

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        now = timezone.now()
        # OR-5: the line's own session is offered too ("la même activité … à la même période"),
        # first, to add a "promotion libre" after the fact; the service checks it as any other.
        current = Session.objects.filter(pk=line.session_id or 0)
        others = Session.objects.filter(
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=366),
            product__status=Product.Status.PUBLISHED,
        )
        session_field = cast(SessionChoiceField, self.fields["session"])
        session_field.current_id = line.session_id
        session_field.queryset = (
            (current | others)
            .select_related("product")
            .order_by(
                Case(When(pk=line.session_id or 0, then=0), default=1),
                "product__name",
                "starts_at",
                "pk",
            )
        )
        self.fields["product"].queryset = (
            Product.objects.filter(status=Product.Status.PUBLISHED)
            .exclude(kind=Product.Kind.ACTIVITY)
            .order_by("name", "pk")
        )
        self.fields["rate"].queryset = Rate.objects.select_related("product").order_by(
            "product__name", "position", "pk"
        )
        self.fields["rate"].label_from_instance = _rate_with_product

    def clean(self):
        data = super().clean()
        if data.get("session") is None and data.get("product") is None:
            # Nothing chosen: the same session (or product), e.g. to add a "promotion libre".
            if self.line.session_id is not None:
                data["session"] = self.line.session
            elif self.line.product_id is not None:
                data["product"] = self.line.product
            else:
                self.add_error("session", _("Choisissez la nouvelle séance ou le nouveau produit."))
        elif data.get("session") is not None and data.get("product") is not None:
            self.add_error("product", _("Choisissez une séance ou un produit, pas les deux."))
        return data
