"""Accounting entries as plain typed values (CO-3): what every journal builder returns, what
the screen, the Excel export and the FEC read. Nothing here touches the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

ZERO = Decimal("0.00")
# A FEC covers an accounting year; a first year may last up to 24 months (C. com. L123-12).
MAX_PERIOD_DAYS = 731
EARLIEST_YEAR = 2000


class JournalError(Exception):
    """A journal that cannot be built: each message names the document or the setting that
    prevents it, in French (never an opaque "échec de la compilation")."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included (Europe/Paris days)."""

    start: dt.date
    end: dt.date

    @classmethod
    def checked(cls, start: dt.date | None, end: dt.date | None) -> Period:
        """The period, or a ValueError with a French message for a missing, inverted or
        absurd range."""
        if start is None or end is None:
            raise ValueError(_("Indiquez la date de début et la date de fin de la période."))
        if start > end:
            raise ValueError(
                _("La date de fin (%(end)s) précède la date de début (%(start)s).")
                % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
            )
        if start.year < EARLIEST_YEAR:
            raise ValueError(
                _("La période commence avant %(year)s : vérifiez la date de début.")
                % {"year": EARLIEST_YEAR}
            )
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(
                _(
                    "La période dépasse 24 mois : un exercice comptable dure au plus 24 mois. "
                    "Choisissez une période plus courte."
                )
            )
        return cls(start=start, end=end)

    def text(self) -> str:
        return _("du %(start)s au %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One line of an entry: an account debited or credited. `aux_number` / `aux_label`:
    the customer's auxiliary account on customer lines (411, 419), empty elsewhere."""

    account: str
    account_label: str
    label: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    aux_number: str = ""
    aux_label: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One balanced accounting entry (écriture): a document or a payment.

    `date` is the accounting date (EcritureDate), `piece_ref` / `piece_date` the supporting
    document (invoice number, deposit slip number), `valid_date` the day the entry became
    final (the document issued, the payment recorded)."""

    journal_key: str
    journal_code: str
    journal_label: str
    date: dt.date
    piece_ref: str
    piece_date: dt.date
    valid_date: dt.date
    label: str
    lines: tuple[EntryLine, ...]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


def line(
    account: str,
    account_label: str,
    label: str,
    amount: Decimal,
    *,
    aux: tuple[str, str] = ("", ""),
) -> EntryLine:
    """A line of `amount`: positive is a debit, negative a credit (an amount that turns
    negative, such as a negative free line, lands on the other side)."""
    debit, credit = (amount, ZERO) if amount >= 0 else (ZERO, -amount)
    return EntryLine(
        account=account,
        account_label=account_label,
        label=label,
        debit=debit,
        credit=credit,
        aux_number=aux[0],
        aux_label=aux[1],
    )


@dataclass(frozen=True)
class Totals:
    entries: int
    debit: Decimal
    credit: Decimal


def totals_of(entries: list[Entry]) -> Totals:
    return Totals(
        entries=len(entries),
        debit=sum((e.debit for e in entries), ZERO),
        credit=sum((e.credit for e in entries), ZERO),
    )
