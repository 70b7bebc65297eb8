"""Forms of the billing pages: "Ajouter un paiement" / "Ajouter un remboursement" (OR-6).
They parse input only; `billing.services.payment_record` checks every rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponton.billing.models import Document, Payment
from ponton.billing.selectors import OpenCreditNote
from ponton.web.formats import money_text

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

    credit_note = forms.ChoiceField(label=_("Avoir à utiliser"), required=False)

    def __init__(
        self,
        *args,
        document: Document,
        due,
        open_credit_notes: Sequence[OpenCreditNote] = (),
        credit=None,
        **kwargs,
    ):
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
        self._set_credit_notes(
            credit_note=credit_note, notes=list(open_credit_notes), credit=credit
        )
        self.order_fields(["kind", "method", "credit_note", "amount", "received_on"])
        self.fields["cheque_bank"].help_text = _("Pour un chèque : banque, numéro et émetteur.")
        if not credit_note:
            self.fields["amount"].help_text = _(
                "En espèces, la somme remise par le client : au-delà du reste dû, la monnaie "
                "rendue est indiquée."
            )

    def _set_credit_notes(self, *, credit_note: bool, notes: list[OpenCreditNote], credit) -> None:
        """With "Avoir", which of the customer's open credit notes pays (by number, with what
        is left on it); "" is the credit the customer already holds, if any."""
        if credit_note or not notes:
            del self.fields["credit_note"]
            self.credit_notes: dict[str, Document] = {}
            return
        self.credit_notes = {str(note.document.pk): note.document for note in notes}
        choices = []
        if credit:
            choices.append(
                (
                    "",
                    _("Avoir déjà disponible du client (%(credit)s)")
                    % {"credit": money_text(credit)},
                )
            )
        choices += [
            (
                str(note.document.pk),
                _("%(number)s – reste %(due)s (commande %(order)s)")
                % {
                    "number": note.document.number,
                    "due": money_text(note.due),
                    "order": note.document.order.number,
                },
            )
            for note in notes
        ]
        field = cast(forms.ChoiceField, self.fields["credit_note"])
        field.choices = choices
        field.help_text = _(
            "Mode « Avoir » : l'avoir choisi est remboursé en avoir et la facture payée du "
            "même montant, en une fois."
        )

    def clean_credit_note(self) -> Document | None:
        value = self.cleaned_data.get("credit_note") or ""
        if (
            not value
            or self.cleaned_data.get("method") != Payment.Method.CREDIT
            or self.cleaned_data.get("kind") != Payment.Kind.PAYMENT
        ):
            return None
        return self.credit_notes[value]  # one of the choices: the field checked it
