"""Forms of the till's functions (PO-2..PO-5). They parse what the cashier typed (French
amounts "1 234,50", dates dd/mm/yyyy); the rules are the services' (`modules.pos.services`,
`ponton.selling`), whose French messages are shown next to the field they concern."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from modules.pos.selectors import XReport
from ponton.billing.models import Document, Payment

CENT = Decimal("0.01")
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"]
# "CB en ligne" is recorded only by the online payment's confirmation, never at the till.
TILL_METHODS = [
    (value, label) for value, label in Payment.Method.choices if value != Payment.Method.ONLINE_CARD
]


def parse_euros(raw: str) -> Decimal:
    """ "1 234,50", "1234.5", "12 €" -> Decimal("1234.50"); ValidationError in French."""
    text = (raw or "").strip().replace("€", "")
    for space in (" ", "\u00a0", "\u202f"):
        text = text.replace(space, "")
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Saisissez un montant en euros, par exemple 12,50.")) from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise ValidationError(_("Le montant s'exprime en euros et centimes."))
    return value.quantize(CENT)


class EurosField(forms.CharField):
    """An amount in euros as a French person types it; negative amounts refused."""

    MAX_LENGTH = 20

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "maxlength": str(self.MAX_LENGTH)}),
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > self.MAX_LENGTH:
            raise ValidationError(_("Saisissez un montant en euros, par exemple 12,50."))
        amount = parse_euros(text)
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise ValidationError(_("Le montant doit être supérieur à zéro."))
        return amount


class CashMoveForm(forms.Form):
    """ "Apport d'espèces" / "Retrait d'espèces" (PO-2)."""

    amount = EurosField(label=_("Montant (€)"))
    reason = forms.CharField(label=_("Motif"), max_length=200)


class ClosingForm(forms.Form):
    """ "X->Z" (PO-3): what was counted, method by method, and the user's password. Cash is
    left empty: the drawer must be counted; the other methods start at what is expected."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, report: XReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = [m for m in report.methods if m.method in report.expected]
        for totals in self.methods:
            name = f"counted_{totals.method}"
            self.fields[name] = EurosField(
                label=_("%(method)s : montant compté (€)") % {"method": totals.label},
                allow_zero=True,
                initial=(
                    None
                    if totals.method == Payment.Method.CASH
                    else _plain(report.expected[totals.method])
                ),
            )
        self.order_fields([f"counted_{m.method}" for m in self.methods] + ["password"])

    def counted(self) -> dict[str, Decimal]:
        return {m.method: self.cleaned_data[f"counted_{m.method}"] for m in self.methods}


def _plain(amount: Decimal) -> str:
    """An amount as a French person types it back: "1234,50"."""
    return f"{amount:.2f}".replace(".", ",")


class TicketSearchForm(forms.Form):
    """ "Recherche ticket" (PO-4): by number, date, amount, customer; all optional."""

    number = forms.CharField(label=_("Numéro du ticket"), max_length=40, required=False)
    day = forms.DateField(
        label=_("Date (jj/mm/aaaa)"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "jj/mm/aaaa"}),
    )
    amount = EurosField(label=_("Montant TTC (€)"), required=False, allow_zero=True)
    customer = forms.CharField(label=_("Client"), max_length=100, required=False)

    def has_criteria(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) not in (None, "") for name in self.fields)


class TillPaymentForm(forms.Form):
    """ "Ajouter un paiement" from the till (PO-4, PO-5): a payment, or a refund in the wrong
    method before the payment in the right one."""

    kind = forms.ChoiceField(
        label=_("Type"), choices=Payment.Kind.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(label=_("Mode de paiement"), choices=TILL_METHODS)
    amount = EurosField(label=_("Montant (€)"))
    cheque_bank = forms.CharField(label=_("Banque"), max_length=100, required=False)
    cheque_number = forms.CharField(label=_("Numéro du chèque"), max_length=40, required=False)
    cheque_issuer = forms.CharField(label=_("Émetteur"), max_length=200, required=False)

    def __init__(self, *args, document: Document, due: Decimal, **kwargs):
        credit_note = document.kind == Document.Kind.CREDIT_NOTE
        kwargs.setdefault(
            "initial",
            {
                "kind": Payment.Kind.REFUND if credit_note else Payment.Kind.PAYMENT,
                "amount": _plain(due) if due > 0 else None,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["cheque_bank"].help_text = _("Pour un chèque : banque, numéro et émetteur.")
        if not credit_note:
            self.fields["amount"].help_text = _(
                "En espèces, la somme remise par le client : au-delà du reste dû, la monnaie "
                "rendue est indiquée. Un remboursement en espèces sort du tiroir-caisse."
            )
