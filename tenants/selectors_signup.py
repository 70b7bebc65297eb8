"""Reads of the signup wizard (EG-1): the draft of this browser, activation keys, contracts."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q

from tenants.models import ActivationKey, SignupDraft

SESSION_KEY = "signup_draft_id"
CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
CONTRACT_FILE_RE = re.compile(r"^contrat-(\d{4}-\d{2})\.txt$")


@dataclass(frozen=True)
class Contract:
    """One version of the subscription contract, exactly as shown to the signer."""

    version: str
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def contract_versions() -> list[str]:
    """Versions of the contract found in tenants/contracts/, oldest first."""
    found = (CONTRACT_FILE_RE.match(p.name) for p in CONTRACTS_DIR.iterdir())
    return sorted(m.group(1) for m in found if m)


def contract_get(*, version: str) -> Contract | None:
    if version not in contract_versions():
        return None
    return Contract(
        version=version, content=(CONTRACTS_DIR / f"contrat-{version}.txt").read_bytes()
    )


def contract_current() -> Contract:
    """The newest version: the one new structures sign."""
    versions = contract_versions()
    if not versions:
        raise RuntimeError(f"no contract-YYYY-MM.txt in {CONTRACTS_DIR}")
    contract = contract_get(version=versions[-1])
    assert contract is not None  # noqa: S101 - the version was just listed
    return contract


def signup_draft_of_session(session) -> SignupDraft | None:
    """The draft this browser is filling in (its id is kept in the session), or None."""
    raw = session.get(SESSION_KEY)
    if not raw:
        return None
    try:
        draft_id = uuid.UUID(str(raw))
    except ValueError:
        return None
    return (
        SignupDraft.objects.filter(pk=draft_id)
        .select_related("activation_key", "structure")
        .first()
    )


def _key_candidates(typed: str) -> set[str]:
    """What the person typed, and the same key written the way keys are issued (groups of 4
    separated by dashes), so "k7qf 2mzp 9xwd ht4c" finds "K7QF-2MZP-9XWD-HT4C"."""
    typed = typed.strip().upper()
    compact = re.sub(r"[\s\-]", "", typed)
    grouped = "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return {c for c in (typed, compact, grouped) if c}


def activation_key_find(*, typed: str) -> ActivationKey | None:
    """The activation key typed in the wizard (used or expired keys included), or None."""
    query = Q()
    for candidate in _key_candidates(typed):
        query |= Q(key__iexact=candidate)
    if not query:
        return None
    return ActivationKey.objects.filter(query).first()
