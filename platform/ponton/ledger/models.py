"""The structure's inalterable ledger (tenant schema), PO-7 / OR-11.

Every financial event (invoice, credit note, payment, refund, till ticket, cash movement,
closing) is appended as one `LedgerEntry`: its canonical content (`payload`: amounts, lines,
VAT, methods, references), its effect on the two perpetual totals (sales documents and
money received), and a SHA-256 hash over the previous entry's hash and its own canonical
form (see `ponton.ledger.canonical`). Positions run 1, 2, 3… without gaps: the single
`LedgerHead` row is locked while an entry is appended, so appends are serialised per
structure and the head always holds the last position, hash and totals. The first append
of a new day first records the closings of the days, months and years that ended since the
last entry, so closings need no scheduler.

The database refuses UPDATE, DELETE and TRUNCATE on entries (trigger, migration 0002): a
correction is a new entry, never a change. `manage.py verify_ledger` recomputes the chain,
checks each entry's keyed signature and compares the chain with its anchors, kept outside the
structure's schema (`tenants.LedgerAnchor`, docs/adr/0013).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")
        RECEIPT = "receipt", _("Reçu")
        PAYMENT = "payment", _("Paiement")
        REFUND = "refund", _("Remboursement")
        TILL_TICKET = "till_ticket", _("Ticket de caisse")
        CASH_MOVEMENT = "cash_movement", _("Mouvement de caisse")
        TILL_REPRINT = "till_reprint", _("Réimpression de ticket")
        TILL_CLOSING = "till_closing", _("Clôture de caisse (Z)")
        CLOSING_DAY = "closing_day", _("Clôture journalière")
        CLOSING_MONTH = "closing_month", _("Clôture mensuelle")
        CLOSING_YEAR = "closing_year", _("Clôture annuelle")

    position = models.PositiveBigIntegerField(_("numéro"), unique=True)
    recorded_at = models.DateTimeField(_("enregistré le"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("référence"), max_length=64, blank=True)
    payload = models.JSONField(_("contenu"))
    sales_amount = models.DecimalField(_("effet sur les ventes"), max_digits=14, decimal_places=2)
    payments_amount = models.DecimalField(
        _("effet sur les encaissements"), max_digits=14, decimal_places=2
    )
    sales_total = models.DecimalField(
        _("total perpétuel des ventes"), max_digits=16, decimal_places=2
    )
    payments_total = models.DecimalField(
        _("total perpétuel des encaissements"), max_digits=16, decimal_places=2
    )
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)
    # HMAC-SHA256 of `hash` under the structure's key derived from SECRET_KEY (ledger.keys):
    # a chain rebuilt by someone without the key has hashes that match and signatures that do not.
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        ordering = ["position"]
        verbose_name = _("écriture du journal")
        verbose_name_plural = _("écritures du journal")
        indexes = [models.Index(fields=["kind", "recorded_at"], name="ledger_entry_kind_time")]

    def __str__(self) -> str:
        return f"#{self.position} {self.kind} {self.reference}"


class LedgerHead(models.Model):
    """The single row that states where the chain ends; locked by every append."""

    singleton = models.BooleanField(primary_key=True, default=True)
    position = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    sales_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    payments_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # The local day of the last entry: the first append of a later day closes what ended.
    last_day = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="ledger_head_single")
        ]

    def __str__(self) -> str:
        return f"head #{self.position}"
