"""VAT exemption reasons (CO-4): the closed list a product, a free line or the whole structure
can carry, each with its legal mention (printed on invoices, credit notes, receipts and till
tickets) and its VATEX code (Factur-X, BT-121). docs/adr/0017-vat-exemptions.md says why these
codes.

The stored value of a reason is its key (`VatExemption`); the key of an issued line never
changes meaning: a mention is corrected by adding a new key, never by editing an old one
(issued documents are rendered from their frozen keys). An exempt line has a VAT rate of 0 %
and the VAT category "E" in Factur-X.

This module is plain data (no model): the catalogue, the sales, billing and the public schema's
structure settings read it alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class VatExemption(models.TextChoices):
    FRANCHISE = "franchise", _("Franchise en base de TVA (art. 293 B du CGI)")
    MEMBERS = (
        "cgi261_7_1a",
        _(
            "Services sportifs, culturels, éducatifs ou sociaux rendus aux membres d'une "
            "association (art. 261-7-1° a du CGI)"
        ),
    )
    SOCIAL = (
        "cgi261_7_1b",
        _(
            "Opérations d'un organisme sans but lucratif à caractère social ou philanthropique "
            "(art. 261-7-1° b du CGI)"
        ),
    )
    CHARITY_EVENT = (
        "cgi261_7_1c",
        _("Manifestation de bienfaisance ou de soutien, six par an (art. 261-7-1° c du CGI)"),
    )
    EDUCATION = (
        "cgi261_4_4a",
        _("Enseignement scolaire, universitaire ou formation professionnelle (art. 261-4-4° a)"),
    )
    PRIVATE_LESSONS = (
        "cgi261_4_4b",
        _("Cours donnés par une personne physique payée par ses élèves (art. 261-4-4° b du CGI)"),
    )
    CIVIC_MEMBERS = (
        "cgi261_4_9",
        _(
            "Services aux membres d'un organisme civique, syndical ou philosophique "
            "(art. 261-4-9° du CGI)"
        ),
    )


@dataclass(frozen=True)
class ExemptionRule:
    mention: str  # the legal mention, in French, printed as is on every document
    vatex: str  # CEF VATEX code (Factur-X BT-121)


RULES: dict[str, ExemptionRule] = {
    VatExemption.FRANCHISE: ExemptionRule(
        "TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE"
    ),
    VatExemption.MEMBERS: ExemptionRule(
        "Exonération de TVA, article 261-7-1° a du CGI", "VATEX-FR-CGI261-7"
    ),
    VatExemption.SOCIAL: ExemptionRule(
        "Exonération de TVA, article 261-7-1° b du CGI", "VATEX-FR-CGI261-7"
    ),
    VatExemption.CHARITY_EVENT: ExemptionRule(
        "Exonération de TVA, article 261-7-1° c du CGI", "VATEX-FR-CGI261-7"
    ),
    VatExemption.EDUCATION: ExemptionRule(
        "Exonération de TVA, article 261-4-4° a du CGI", "VATEX-FR-CGI261-4"
    ),
    VatExemption.PRIVATE_LESSONS: ExemptionRule(
        "Exonération de TVA, article 261-4-4° b du CGI", "VATEX-FR-CGI261-4"
    ),
    VatExemption.CIVIC_MEMBERS: ExemptionRule(
        "Exonération de TVA, article 261-4-9° du CGI", "VATEX-FR-CGI261-4"
    ),
}

# A product or a free line carries an exemption of what it sells; the franchise en base is the
# status of the whole structure (its settings), never of one product.
LINE_CHOICES = [(value, label) for value, label in VatExemption.choices if value != "franchise"]
STRUCTURE_CHOICES = VatExemption.choices

EXEMPTION_MAX_LENGTH = 20
HELP_LINE = _(
    "Laissez vide si la TVA s'applique. Une ligne exonérée a un taux de TVA de 0 % et les "
    "documents portent la mention légale de l'exonération."
)
HELP_STRUCTURE = _(
    "Laissez vide si la structure facture la TVA. En franchise en base (art. 293 B du CGI) ou "
    "si toutes ses ventes sont exonérées, chaque facture, avoir et ticket est émis sans TVA "
    "avec la mention légale correspondante."
)
RATE_REFUSED = _("Une vente exonérée de TVA a un taux de TVA de 0 %.")


def rule(code: str) -> ExemptionRule | None:
    """The mention and VATEX code of an exemption key; None for "" (VAT applies)."""
    return RULES.get(code) if code else None


def mentions(codes) -> list[str]:
    """The legal mentions of `codes`, once per distinct reason, in the order first met."""
    seen: list[str] = []
    for code in codes:
        found = rule(code)
        if found is not None and found.mention not in seen:
            seen.append(found.mention)
    return seen
