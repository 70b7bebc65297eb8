"""Forms of the billing pages: "Ajouter un paiement" / "Ajouter un remboursement" (OR-6).
They parse input only; `billing.services.payment_record` checks every rule."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponton.billing.models import Document, Payment

# "CB en ligne" is recorded only by the online payment's confirmation, never typed in.
STAFF_METHODS = [
    (value, label) for value, label in Payment.Method.choices if value != Payment.Method.ONLINE_CARD
]


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=Payment.Kind.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(label=_("Mode de paiement"), choices=STAFF_METHODS)
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=12, decimal_places=2)
    received_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    cheque_bank = forms.CharField(label=_("Banque"), max_length=100, required=False)
    cheque_number = forms.CharField(label=_("Numéro du chèque"), max_length=40, required=False)
    cheque_issuer = forms.CharField(label=_("Émetteur"), max_length=200, required=False)
    reference = forms.CharField(label=_("Référence"), max_length=200, required=False)

    def __init__(self, *args, document: Document, due, **kwargs):
        credit_note = document.kind == Document.Kind.CREDIT_NOTE
        kwargs.setdefault(
            "initial",
            {
                "kind": Payment.Kind.REFUND if credit_note else Payment.Kind.PAYMENT,
                "amount": due if due > 0 else None,
                "received_on": timezone.localdate(),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["cheque_bank"].help_text = _("Pour un chèque : banque, numéro et émetteur.")
