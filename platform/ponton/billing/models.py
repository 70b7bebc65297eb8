"""Invoices, credit notes, receipts and payments (tenant schema), OR-3 to OR-8, OR-11.

A document is issued whole, in the transaction that numbers it, and never changes again:
the database refuses UPDATE and DELETE on documents, their lines and payments (triggers,
migration 0002). A correction is a credit note; a wrong payment method is corrected by a
refund in that method and a new payment. Every document and payment is also appended to
the ledger (`ponton.ledger`) in the same transaction."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponton.catalogue import vat
from ponton.sales.models import Order, OrderLine


class Counter(models.Model):
    class Series(models.TextChoices):
        INVOICE = "invoice", _("Factures")
        CREDIT_NOTE = "credit_note", _("Avoirs")
        RECEIPT = "receipt", _("Justificatifs d'achat")
        ORDER = "order", _("Commandes")
        QUOTE = "quote", _("Devis")

    series = models.CharField(max_length=20, choices=Series.choices)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="billing_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Document(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")
        RECEIPT = "receipt", _("Justificatif d'achat")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("numéro"), max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="documents")
    payer_id = models.PositiveBigIntegerField()
    # What the document says, frozen at issue: seller and customer identity, addresses.
    seller = models.JSONField(_("vendeur"))
    customer = models.JSONField(_("client"))
    issued_at = models.DateTimeField(_("émise le"))
    due_on = models.DateField(_("échéance"))
    total = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2)
    vat = models.JSONField(_("TVA par taux"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("facture corrigée"),
    )
    note = models.TextField(blank=True)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("document de facturation")
        # CO-2: the lists filter and sort documents by date (and type), a customer's by payer.
        indexes = [
            models.Index(fields=["issued_at", "id"], name="billing_document_issued"),
            models.Index(fields=["kind", "issued_at"], name="billing_document_kind_day"),
            models.Index(fields=["payer_id"], name="billing_document_payer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="billing_document_total"),
            models.CheckConstraint(
                condition=Q(kind="credit_note", corrects__isnull=False)
                | (~Q(kind="credit_note") & Q(corrects__isnull=True)),
                name="billing_credit_note_corrects_an_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="document_lines"
    )
    position = models.PositiveIntegerField()
    label = models.CharField(_("désignation"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantité"))
    unit_price = models.DecimalField(_("prix unitaire TTC"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("remise"), max_digits=10, decimal_places=2)
    total = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("taux de TVA"), max_digits=4, decimal_places=2)
    # CO-4: the exemption reason frozen at issue (`ponton.catalogue.vat`); "" when VAT applies.
    vat_exemption = models.CharField(
        _("exonération de TVA"), max_length=vat.EXEMPTION_MAX_LENGTH, blank=True, default=""
    )
    accounting_code = models.CharField(_("code comptable"), max_length=20, blank=True)

    class Meta:
        ordering = ["document", "position"]

    def __str__(self) -> str:
        return f"{self.document} · {self.label}"


class Payment(models.Model):
    """A payment received on an invoice, or a refund paid out on a credit note or an
    invoice. Amounts are positive; `kind` says the direction."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Paiement")
        REFUND = "refund", _("Remboursement")

    class Method(models.TextChoices):
        CASH = "cash", _("Espèces")
        CHEQUE = "cheque", _("Chèque")
        CARD = "card", _("Carte bancaire")
        ONLINE_CARD = "online_card", _("CB en ligne")
        TRANSFER = "transfer", _("Virement")
        HOLIDAY_VOUCHER = "holiday_voucher", _("Chèques-vacances")
        CREDIT = "credit", _("Avoir")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("mode de paiement"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    received_on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    cheque_bank = models.CharField(_("banque"), max_length=100, blank=True)
    cheque_number = models.CharField(_("numéro du chèque"), max_length=40, blank=True)
    cheque_issuer = models.CharField(_("émetteur"), max_length=200, blank=True)
    reference = models.CharField(_("référence"), max_length=200, blank=True)
    gateway_reference = models.CharField(max_length=200, blank=True)
    # Cash handed over beyond the balance due and given back ("Rendu"); `amount` is what was
    # kept, never more than the balance.
    change_given = models.DecimalField(_("rendu"), max_digits=12, decimal_places=2, default=0)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("paiement")
        # CO-2: the payments list filters by date and method and sorts by date.
        indexes = [
            models.Index(fields=["received_on", "id"], name="billing_payment_received"),
            models.Index(fields=["method", "received_on"], name="billing_payment_method_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount"),
            models.CheckConstraint(
                condition=Q(change_given__gte=0)
                & (Q(change_given=0) | Q(method="cash", kind="payment")),
                name="billing_payment_change_cash_only",
            ),
            models.UniqueConstraint(
                fields=["gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="billing_payment_gateway_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.kind} {self.amount}"
