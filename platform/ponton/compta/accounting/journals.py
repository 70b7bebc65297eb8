"""The journals (CO-3): a small registry, one builder per journal.

A builder is `build(period, plan, problems) -> Iterator[Entry]`: it reads the period's
documents or payments in a few streamed queries and yields balanced `Entry` values **in date
order** (the selectors merge the journals by date and number the entries continuously). A
document or payment that cannot be posted is skipped and a French message naming it is
appended to `problems`; the caller refuses the whole build when there is any (nothing
half-exported).

Journals:
- sales (VE): invoices, credit notes and purchase receipts, one entry per document, dated
  the day it was issued. An invoice issued from a purchase receipt ("Facture" on a receipt,
  `billing.services.receipts.receipt_to_invoice`) is not posted: the receipt already posted
  that sale, and the ledger counts it once too (its entry has no sales effect). Invoices and
  receipts: debit 411 (customer's auxiliary account) the total incl. VAT, credit each sales
  account its share excl. VAT (the line's accounting code, else the default sales account),
  credit 4457x the VAT of each rate; credit notes: the reverse.
- one bank or cash journal per payment method (CA, CH, CB, CL, BQ, CV), one entry per
  payment or refund, dated the day received: a payment debits the method's account and
  credits 411; a refund the reverse. Change given back in cash is not posted (the payment's
  amount is what was kept).
- credit (OD): the "Avoir" method. A credit note "refunded by avoir" keeps the money as
  the customer's credit: debit 411, credit 419100 (credit to use); an invoice "paid by avoir"
  uses it: debit 419100, credit 411. Both lines carry the customer's auxiliary account.
- cheque deposits (RC): registered by the cheque-deposit part (see `DEPOSIT_BUILDER_SPEC`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Document, DocumentLine, Payment
from ponton.billing.money import cents, money
from ponton.compta.accounting.chart import AccountPlan, account_valid, customer_aux
from ponton.compta.accounting.entries import ZERO, Entry, EntryLine, Period, line

Builder = Callable[[Period, AccountPlan, list[str]], Iterator[Entry]]


@dataclass(frozen=True)
class Journal:
    key: str
    label: object  # a lazy French string (JournalLib)
    code: Callable[[AccountPlan], str]
    build: Builder


JOURNALS: dict[str, Journal] = {}


def journal_register(journal: Journal) -> Journal:
    """Add a journal (its key once); the order of registration is the order of the menus."""
    if journal.key in JOURNALS:
        raise ValueError(f"journal {journal.key} registered twice")
    JOURNALS[journal.key] = journal
    return journal


DEPOSIT_BUILDER_SPEC = """
Cheque deposits (RC), to register at merge with the ChequeDeposit models:

    journal_register(Journal("deposits", gettext_lazy("Remises de chèques"),
                             lambda plan: plan.deposit_journal, deposits_build))

`deposits_build(period, plan, problems)` yields, in `deposited_on` order, one entry per
ChequeDeposit deposited in the period and not cancelled (a deposit cancelled later than the
period's end is still posted for the period; its cancellation is a reversing entry dated
`cancelled_at`'s local day, piece "<number>", label "Annulation remise <number>"):
    date = piece_date = deposited_on, valid_date = local day of the deposit's creation,
    piece_ref = deposit.number, label "Remise de chèques <number>",
    debit deposit.bank_account (else plan.bank_account) = deposit.total,
    credit plan.method_accounts["cheque"] (511200) = the sum of its lines' amounts.
Test expectations: a deposit of two cheques 120,00 + 35,50 on 10/03 gives one RC entry of
two lines (512000 D 155,50 / 511200 C 155,50), balanced; a cancelled deposit adds the
reversing entry; a deposit whose bank account is not a PCG account (`account_valid`) is
refused with "La remise <number> a le compte bancaire « <x> » …" naming it; the deposit
entries appear in the FEC with the RC journal code and continuous EcritureNum.
"""


# --- helpers ------------------------------------------------------------------------------


def day_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes [start, end[ in the current time zone (Europe/Paris)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


DOCUMENT_NAMES: dict[str, object] = {
    Document.Kind.INVOICE: gettext_lazy("La facture %(number)s"),
    Document.Kind.CREDIT_NOTE: gettext_lazy("L'avoir %(number)s"),
    Document.Kind.RECEIPT: gettext_lazy("Le justificatif d'achat %(number)s"),
}
ENTRY_LABELS: dict[str, object] = {
    Document.Kind.INVOICE: gettext_lazy("Facture %(number)s - %(customer)s"),
    Document.Kind.CREDIT_NOTE: gettext_lazy("Avoir %(number)s - %(customer)s"),
    Document.Kind.RECEIPT: gettext_lazy("Justificatif %(number)s - %(customer)s"),
}


@dataclass(frozen=True)
class _Words:
    """The translated words of a build, looked up once (not once per entry)."""

    document_names: dict[str, str]
    entry_labels: dict[str, str]
    sales_journal: str

    @classmethod
    def now(cls) -> _Words:
        return cls(
            document_names={k: str(v) for k, v in DOCUMENT_NAMES.items()},
            entry_labels={k: str(v) for k, v in ENTRY_LABELS.items()},
            sales_journal=str(JOURNALS["sales"].label),
        )


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",")


# --- sales (VE) -------------------------------------------------------------------------


@dataclass
class _SaleDocument:
    pk: int
    kind: str
    number: str
    day: dt.date  # issued, local day
    total: Decimal
    vat: list
    payer_id: int
    customer: str
    lines: list[tuple[str, Decimal, Decimal, str]]  # label, total, vat rate, accounting code


def invoices_from_receipts(period: Period) -> set[int]:
    """Invoices issued in the period from a purchase receipt: their sale is the receipt's."""
    start, end = day_bounds(period)
    return set(
        DocumentLine.objects.filter(
            document__kind=Document.Kind.INVOICE,
            document__issued_at__gte=start,
            document__issued_at__lt=end,
            order_line__document_lines__document__kind=Document.Kind.RECEIPT,
        )
        .values_list("document_id", flat=True)
        .distinct()
    )


def _sale_documents(period: Period) -> Iterator[_SaleDocument]:
    """The period's documents with their lines: two streamed queries in the same order
    (issue time, id), joined as they are read (each document's JSON decoded once)."""
    start, end = day_bounds(period)
    skipped = invoices_from_receipts(period)
    documents = (
        Document.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .annotate(
            day=TruncDate("issued_at", tzinfo=timezone.get_current_timezone()),
            customer_name=KeyTextTransform("name", "customer"),
        )
        .order_by("issued_at", "id")
        .values_list("id", "kind", "number", "day", "total", "vat", "payer_id", "customer_name")
        .iterator(chunk_size=5000)
    )
    lines = (
        DocumentLine.objects.filter(document__issued_at__gte=start, document__issued_at__lt=end)
        .order_by("document__issued_at", "document_id", "position")
        .values_list("document_id", "label", "total", "vat_rate", "accounting_code")
        .iterator(chunk_size=10000)
    )
    pending = next(lines, None)
    for pk, kind, number, day, total, vat, payer_id, customer in documents:
        document = _SaleDocument(pk, kind, number, day, total, vat, payer_id, customer or "", [])
        while pending is not None and pending[0] == pk:
            document.lines.append(pending[1:])
            pending = next(lines, None)
        if pk not in skipped:
            yield document


def _sales_account(document: _SaleDocument, label: str, code: str, plan: AccountPlan):
    """The account of a line, or the French message that names what is missing."""
    account = code.strip().upper() or plan.sales_account
    if account and (account == plan.sales_account or account_valid(account)):
        return account, None
    name = str(DOCUMENT_NAMES[document.kind]) % {"number": document.number}
    if not account:
        return None, _(
            "%(document)s (ligne « %(line)s ») n'a pas de compte de produit : renseignez le "
            "code comptable du produit ou le compte de ventes par défaut."
        ) % {"document": name, "line": label}
    if not account_valid(account):
        return None, _(
            "%(document)s (ligne « %(line)s ») a le code comptable « %(code)s », qui n'est "
            "pas un compte du plan comptable (trois chiffres d'abord, par exemple 706100) : "
            "corrigez le code comptable du produit."
        ) % {"document": name, "line": label, "code": code}
    return account, None


def _allocate(base: Decimal, shares: dict[str, Decimal], rate: Decimal) -> dict[str, Decimal]:
    """Split a rate's base (excl. VAT, rounded once for the rate: `billing.money`) between
    the sales accounts in proportion to their amounts incl. VAT; the rounding cent goes to
    the largest amount, so the parts add up exactly to the base."""
    parts = {account: cents(ttc / (1 + rate / 100)) for account, ttc in shares.items()}
    difference = base - sum(parts.values(), ZERO)
    if difference:
        largest = max(shares, key=lambda account: abs(shares[account]))
        parts[largest] += difference
    return parts


def sale_entry(
    document: _SaleDocument, plan: AccountPlan, problems: list[str], words: _Words | None = None
) -> Entry | None:
    words = words or _Words.now()
    name = words.document_names[document.kind] % {"number": document.number}
    by_rate: dict[Decimal, dict[str, Decimal]] = {}
    failed = False
    for label, total, rate, code in document.lines:
        account, problem = _sales_account(document, label, code, plan)
        if problem is not None:
            problems.append(problem)
            failed = True
            continue
        shares = by_rate.setdefault(Decimal(rate).quantize(Decimal("0.01")), {})
        shares[account] = shares.get(account, ZERO) + total
    vat_rows = {Decimal(row["rate"]): row for row in document.vat}
    if failed:
        return None
    if set(vat_rows) != set(by_rate) or any(
        Decimal(vat_rows[rate]["total"]) != sum(by_rate[rate].values(), ZERO) for rate in by_rate
    ):
        problems.append(
            _(
                "%(document)s a un récapitulatif de TVA qui ne correspond pas à ses lignes : "
                "signalez-le au support avec ce numéro."
            )
            % {"document": name}
        )
        return None
    sign = Decimal(-1) if document.kind == Document.Kind.CREDIT_NOTE else Decimal(1)
    label = words.entry_labels[document.kind] % {
        "number": document.number,
        "customer": document.customer,
    }
    aux = customer_aux(document.payer_id, document.customer)
    lines: list[EntryLine] = [
        line(
            plan.customers_account,
            plan.label(plan.customers_account),
            label,
            sign * document.total,
            aux=aux,
        )
    ]
    for rate in sorted(by_rate, reverse=True):
        row = vat_rows[rate]
        base, vat = Decimal(row["base"]), Decimal(row["vat"])
        for account, part in _allocate(base, by_rate[rate], rate).items():
            if part:
                lines.append(line(account, plan.label(account), label, -sign * part))
        if vat:
            vat_account = plan.vat_accounts.get(rate, "")
            if not vat_account:
                problems.append(
                    _(
                        "%(document)s a de la TVA à %(rate)s %% (%(vat)s €) : renseignez le "
                        "compte de TVA collectée de ce taux dans les paramètres comptables."
                    )
                    % {"document": name, "rate": _rate_text(rate), "vat": money(vat)}
                )
                return None
            lines.append(line(vat_account, plan.label(vat_account), label, -sign * vat))
    if document.total == 0 and all(not (x.debit or x.credit) for x in lines):
        return None  # nothing to post (a free document)
    day = document.day
    return Entry(
        journal_key="sales",
        journal_code=plan.sales_journal,
        journal_label=words.sales_journal,
        date=day,
        piece_ref=document.number,
        piece_date=day,
        valid_date=day,
        label=label,
        lines=tuple(x for x in lines if x.debit or x.credit),
    )


def sales_build(period: Period, plan: AccountPlan, problems: list[str]) -> Iterator[Entry]:
    words = _Words.now()
    for document in _sale_documents(period):
        entry = sale_entry(document, plan, problems, words)
        if entry is not None:
            yield entry


# --- payments: one journal per method, and the credit journal ---------------------------

PAYMENT_FIELDS = (
    "kind",
    "amount",
    "received_on",
    "valid_day",
    "cheque_number",
    "document__number",
    "document__payer_id",
    "customer_name",
)


def _payment_labels(method: str) -> dict[str, str]:
    """The entry label templates of a method, by payment kind (translated once)."""
    if method == Payment.Method.CREDIT:
        return {
            Payment.Kind.PAYMENT: _("Règlement par avoir %(number)s - %(customer)s"),
            Payment.Kind.REFUND: _("Avoir %(number)s conservé - %(customer)s"),
        }
    method_label = str(Payment.Method(method).label)
    return {
        Payment.Kind.PAYMENT: _("Paiement %(method)s %(number)s - %(customer)s")
        % {"method": method_label, "number": "%(number)s", "customer": "%(customer)s"},
        Payment.Kind.REFUND: _("Remboursement %(method)s %(number)s - %(customer)s")
        % {"method": method_label, "number": "%(number)s", "customer": "%(customer)s"},
        "cheque": " - " + _("chèque n° %(cheque)s"),
    }


def payments_build(
    period: Period,
    plan: AccountPlan,
    problems: list[str],
    *,
    method: str,
    key: str,
) -> Iterator[Entry]:
    if method == Payment.Method.CREDIT:
        account, code = plan.credit_account, plan.credit_journal
    else:
        account, code = plan.method_accounts.get(method, ""), plan.method_journals.get(method, "")
    journal_label = str(JOURNALS[key].label)
    labels = _payment_labels(method)
    rows = (
        Payment.objects.filter(method=method, received_on__range=(period.start, period.end))
        .annotate(
            valid_day=TruncDate("recorded_at", tzinfo=timezone.get_current_timezone()),
            customer_name=KeyTextTransform("name", "document__customer"),
        )
        .order_by("received_on", "recorded_at", "id")
        .values_list(*PAYMENT_FIELDS)
        .iterator(chunk_size=5000)
    )
    refused = False
    customers, customers_label = plan.customers_account, plan.label(plan.customers_account)
    account_label = plan.label(account) if account else ""
    aux_on_method_line = method == Payment.Method.CREDIT
    plus, minus = Decimal(1), Decimal(-1)
    for kind, amount, received_on, valid_day, cheque, number, payer_id, customer in rows:
        if not account_valid(account) or not code:
            if not refused:
                problems.append(
                    _(
                        "Le mode de paiement « %(method)s » (paiement sur %(number)s du "
                        "%(day)s) n'a pas de compte ou de journal valable : renseignez-les "
                        "dans les paramètres comptables."
                    )
                    % {
                        "method": Payment.Method(method).label,
                        "number": number,
                        "day": received_on.strftime("%d/%m/%Y"),
                    }
                )
                refused = True
            continue
        customer = customer or ""
        label = labels[kind] % {"number": number, "customer": customer}
        if cheque:
            label += labels["cheque"] % {"cheque": cheque}
        aux = customer_aux(payer_id, customer)
        sign = plus if kind == Payment.Kind.PAYMENT else minus
        method_line = line(
            account,
            account_label,
            label,
            sign * amount,
            aux=aux if aux_on_method_line else ("", ""),
        )
        customer_line = line(customers, customers_label, label, -sign * amount, aux=aux)
        yield Entry(
            journal_key=key,
            journal_code=code,
            journal_label=journal_label,
            date=received_on,
            piece_ref=number,
            piece_date=received_on,
            valid_date=valid_day,
            label=label,
            # The debit first: the method's account for a payment, the customer's for a refund.
            lines=(method_line, customer_line) if sign > 0 else (customer_line, method_line),
        )


journal_register(
    Journal("sales", gettext_lazy("Ventes"), lambda plan: plan.sales_journal, sales_build)
)
for _method, _label in (
    (Payment.Method.CASH, gettext_lazy("Caisse (espèces)")),
    (Payment.Method.CHEQUE, gettext_lazy("Chèques reçus")),
    (Payment.Method.CARD, gettext_lazy("Cartes bancaires")),
    (Payment.Method.ONLINE_CARD, gettext_lazy("CB en ligne")),
    (Payment.Method.TRANSFER, gettext_lazy("Virements")),
    (Payment.Method.HOLIDAY_VOUCHER, gettext_lazy("Chèques-vacances")),
):
    journal_register(
        Journal(
            str(_method),
            _label,
            partial(lambda plan, method: plan.method_journals[method], method=str(_method)),
            partial(payments_build, method=str(_method), key=str(_method)),
        )
    )
journal_register(
    Journal(
        "credit",
        gettext_lazy("Avoirs clients"),
        lambda plan: plan.credit_journal,
        partial(payments_build, method=Payment.Method.CREDIT, key="credit"),
    )
)
