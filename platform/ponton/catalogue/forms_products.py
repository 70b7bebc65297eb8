"""Forms of Club Manager > Offre (CA-1, CA-2, CA-4)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ponton.catalogue import selectors, vat
from ponton.catalogue.models import (
    Category,
    CustomField,
    Product,
    Promotion,
    Season,
    Site,
    StockPool,
)

COMMON_FIELDS = [
    "name",
    "description",
    "category",
    "price",
    "vat_rate",
    "vat_exemption",
    "accounting_code",
    "site",
    "consumer_required",
    "counter_only",
    "associated_only",
    "online_from",
    "min_quantity",
    "include_in_mandate_sale",
    "operating_number",
    "barcode",
]
ACTIVITY_FIELDS = ["min_participants", "booking_opens_before_hours", "booking_closes_before_hours"]
MEMBERSHIP_FIELDS = ["valid_from", "valid_until", "sale_from", "sale_until"]
DATE_FIELDS = ["online_from", *MEMBERSHIP_FIELDS]


def fields_for_kind(kind: str) -> list[str]:
    names = list(COMMON_FIELDS)
    if kind == Product.Kind.ACTIVITY:
        names += ACTIVITY_FIELDS
    if kind == Product.Kind.MEMBERSHIP:
        names += MEMBERSHIP_FIELDS
    return names


class ProductForm(forms.Form):
    """The fields of a product of one kind; the service checks the rules and saves."""

    def __init__(self, *args, kind: str, product: Product | None = None, **kwargs):
        names = fields_for_kind(kind)
        if product is not None and "initial" not in kwargs:
            kwargs["initial"] = forms.model_to_dict(product, fields=names)
        super().__init__(*args, **kwargs)
        widgets: dict[str, type[forms.Widget] | forms.Widget] = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for name in DATE_FIELDS
        }
        widgets["description"] = forms.Textarea(attrs={"rows": 4})
        self.fields.update(forms.fields_for_model(Product, fields=names, widgets=widgets))
        category = cast(forms.ModelChoiceField, self.fields["category"])
        # The sub-domains in the taxonomy's order, as the Offre filter lists them.
        category.queryset = selectors.category_list()
        category.empty_label = _("— Aucune —")
        cast(forms.ModelChoiceField, self.fields["site"]).empty_label = _("— Aucun —")
        self.fields["name"].error_messages["required"] = _("Indiquez le nom du produit.")
        self.fields["price"].error_messages["required"] = _("Indiquez le prix affiché.")
        self.fields["price"].help_text = _("Prix TTC affiché dans la boutique, en euros.")
        self.fields["accounting_code"].help_text = _("6 à 8 chiffres commençant par 7, ex. 706000.")
        exemption = cast(forms.ChoiceField, self.fields["vat_exemption"])
        exemption.choices = [("", _("Aucune : la TVA s'applique")), *vat.LINE_CHOICES]


class RateForm(forms.Form):
    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["season"]).queryset = product.seasons.all()

    name = forms.CharField(
        label=_("Nom du tarif"),
        max_length=100,
        error_messages={"required": _("Donnez un nom au tarif (ex. Adulte).")},
    )
    amount = forms.DecimalField(
        label=_("Montant TTC"),
        max_digits=10,
        decimal_places=2,
        error_messages={"required": _("Indiquez le montant du tarif.")},
    )
    season = forms.ModelChoiceField(
        label=_("Saison"),
        required=False,
        queryset=Season.objects.none(),
        empty_label=_("Toute l'année"),
    )


class SeasonForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la saison"),
        max_length=100,
        error_messages={"required": _("Donnez un nom à la saison (ex. Haute saison).")},
    )
    starts_on = forms.DateField(
        label=_("Début de saison"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez le début de la saison.")},
    )
    ends_on = forms.DateField(
        label=_("Fin de saison"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la fin de la saison.")},
    )


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un produit"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous"))] + Product.Kind.choices
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous"))] + Product.Status.choices
    )
    category = forms.ModelChoiceField(
        label=_("Catégorie"),
        required=False,
        queryset=Category.objects.select_related("parent").order_by(
            Coalesce("parent__position", "position"),
            F("parent").asc(nulls_first=True),
            "position",
            "name",
        ),
        empty_label=_("Toutes"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.all(), empty_label=_("Tous")
    )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Ajouter une photo"),
        help_text=_("JPEG, PNG, GIF ou WebP."),
        error_messages={"required": _("Choisissez une photo.")},
    )


class PromotionForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la promotion"),
        max_length=100,
        error_messages={"required": _("Donnez un nom à la promotion (ex. Tarif résident).")},
    )
    kind = forms.ChoiceField(label=_("Type de réduction"), choices=Promotion.Kind.choices)
    value = forms.DecimalField(
        label=_("Valeur de la réduction"),
        max_digits=10,
        decimal_places=2,
        help_text=_("En % ou en euros selon le type."),
        error_messages={"required": _("Indiquez la valeur de la réduction.")},
    )
    condition = forms.CharField(
        label=_("Pour qui"),
        max_length=100,
        required=False,
        help_text=_("Ex. résidents, étudiants."),
    )
    starts_on = forms.DateField(
        label=_("Active du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=_("Active jusqu'au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReasonSelect(forms.Select):
    """A select whose refused options stay visible, disabled, with their reason (CA-6)."""

    def __init__(self, *args, reasons: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons = reasons or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = getattr(value, "value", value)
        reason = self.reasons.get(str(key)) if key not in ("", None) else None
        if reason:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} — {reason}"
        return option


class AssociationForm(forms.Form):
    """Add an associated product; every candidate shown, the refused ones disabled (CA-6)."""

    def __init__(self, *args, product: Product, **kwargs):
        from ponton.catalogue import selectors, services

        super().__init__(*args, **kwargs)
        candidates = selectors.association_candidates(product=product)
        reasons = {}
        for candidate in candidates:
            reason = services.association_refusal(product=product, associated=candidate)
            if reason:
                reasons[str(candidate.pk)] = reason
        field = cast(forms.ModelChoiceField, self.fields["associated"])
        field.queryset = candidates
        field.widget = ReasonSelect(reasons=reasons)
        field.widget.choices = field.choices
        field.label_from_instance = lambda p: f"{p.name} ({p.get_kind_display()})"  # type: ignore[method-assign, assignment]

    associated = forms.ModelChoiceField(
        label=_("Produit à associer"),
        queryset=Product.objects.none(),
        empty_label=_("— Choisir —"),
        error_messages={"required": _("Choisissez le produit à associer.")},
    )
    starts_on = forms.DateField(
        label=_("Associé à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la date de début de l'association.")},
    )
    ends_on = forms.DateField(
        label=_("Associé jusqu'au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    mandatory = forms.BooleanField(
        label=_("Obligatoire (ajouté automatiquement au panier)"), required=False
    )


class DuplicateMembershipForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la nouvelle adhésion"),
        max_length=200,
        error_messages={"required": _("Indiquez le nom de la nouvelle adhésion.")},
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class DuplicateActivityForm(forms.Form):
    """CA-5: the new activity's name, and whether its planning is copied from a new start."""

    name = forms.CharField(
        label=_("Nom de la nouvelle activité"),
        max_length=200,
        error_messages={"required": _("Indiquez le nom de la nouvelle activité.")},
    )
    with_planning = forms.BooleanField(
        label=_("Copier le planning"),
        required=False,
        help_text=_(
            "Toutes les séances sont recopiées, décalées pour que la première tombe à la "
            "nouvelle date de début (mêmes horaires, mêmes places, aucune place vendue)."
        ),
    )
    new_start = forms.DateField(
        label=_("Nouvelle date de début"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("La date de la première séance de la nouvelle activité."),
    )


class StockForm(forms.Form):
    """CA-3: no stock, a stock dedicated to the product, or a stock shared with others."""

    NONE, DEDICATED, SHARED = "none", "dedicated", "shared"

    def __init__(self, *args, product: Product, **kwargs):
        pool = product.stock_pool
        if "initial" not in kwargs:
            if pool is None:
                kwargs["initial"] = {"mode": self.NONE}
            elif pool.shared:
                kwargs["initial"] = {"mode": self.SHARED, "shared_pool": pool.pk}
            else:
                kwargs["initial"] = {"mode": self.DEDICATED, "quantity": pool.quantity}
        super().__init__(*args, **kwargs)
        shared_pool = cast(forms.ModelChoiceField, self.fields["shared_pool"])
        shared_pool.queryset = StockPool.objects.filter(shared=True)

    mode = forms.ChoiceField(
        label=_("Type de stock"),
        choices=[
            (NONE, _("Aucun stock (quantité illimitée)")),
            (DEDICATED, _("Stock dédié")),
            (SHARED, _("Stock partagé")),
        ],
    )
    quantity = forms.IntegerField(
        label=_("Quantité en stock"),
        required=False,
        min_value=0,
        help_text=_("Pour un stock dédié : le nombre d'unités à vendre."),
    )
    shared_pool = forms.ModelChoiceField(
        label=_("Stock partagé"),
        required=False,
        queryset=StockPool.objects.none(),
        empty_label=_("— Choisir —"),
        help_text=_("Pour un stock partagé : le stock commun à plusieurs produits."),
    )


class CustomFieldForm(forms.Form):
    label = forms.CharField(
        label=_("Libellé"),
        max_length=200,
        error_messages={"required": _("Indiquez le libellé du champ.")},
    )
    kind = forms.ChoiceField(label=_("Type de champ"), choices=CustomField.Kind.choices)
    choices = forms.CharField(
        label=_("Choix possibles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pour un choix multiple : un choix par ligne."),
    )
    asked_for = forms.ChoiceField(label=_("Demandé au"), choices=CustomField.AskedFor.choices)
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("Produits concernés"),
        required=False,
        queryset=Product.objects.exclude(status=Product.Status.ARCHIVED).order_by("name", "pk"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
