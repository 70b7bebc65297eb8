"""Forms of the online basket and checkout: they parse input only; every sales rule is the
selling path's (`ponton.selling`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.sales.forms import BasketLineForm


class AddForm(forms.Form):
    """ "Réserver" / "Ajouter au panier": ids only; the server reads prices itself."""

    product = forms.IntegerField(min_value=1, max_value=2**62)
    session = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    rate = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, max_value=100, initial=1)


class IdentityForm(forms.Form):
    """Who orders, when nobody is logged in (MP-3: an account is created for a new email)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)

    def clean_mobile(self) -> str:
        digits = "".join(c for c in self.cleaned_data["mobile"] if c.isdigit() or c == "+")
        if len(digits.lstrip("+")) < 9:
            raise forms.ValidationError(_("Indiquez un numéro de mobile valide."))
        return digits


NEW_PERSON = "new"


class ParticipantForm(forms.Form):
    """One participant of a line whose consumer is required: someone of the family (or the
    payer), or a new person."""

    who = forms.ChoiceField(label=_("Participant"))
    first_name = forms.CharField(label=_("Prénom du participant"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Nom du participant"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, family: list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(c.pk), c.full_name) for c in family]
        choices.append((NEW_PERSON, str(_("Une autre personne"))))
        who = self.fields["who"]
        assert isinstance(who, forms.ChoiceField)
        who.choices = choices
        self.fields["who"].initial = choices[0][0]

    def clean(self):
        data = super().clean()
        if data.get("who") == NEW_PERSON and not (
            (data.get("first_name") or "").strip() and (data.get("last_name") or "").strip()
        ):
            raise forms.ValidationError(_("Indiquez le prénom et le nom du participant."))
        return data


class AnswersForm(BasketLineForm):
    """The custom fields of a product (CA-7), asked as in the Club Manager, every type (files
    included), with the same French messages; without quantity nor rate (the basket has them)."""

    def __init__(self, *args, product, custom_fields, **kwargs):
        super().__init__(*args, product=product, rates=[], custom_fields=custom_fields, **kwargs)
        del self.fields["quantity"]


class CgvForm(forms.Form):
    accept = forms.BooleanField(
        label=_("J'ai lu et j'accepte les conditions générales de vente"),
        error_messages={
            "required": _("Acceptez les conditions générales de vente pour commander.")
        },
    )
