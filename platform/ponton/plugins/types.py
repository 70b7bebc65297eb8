from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModuleInfo:
    """A module's own metadata, given by its `ponton_module_info` hook."""

    label: str
    name: str
    description: str
    paid: bool = False
    default_enabled: bool = False
    app_label: str = ""


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class Refusal:
    """A module's refusal of a basket (`ponton_basket_check`): a French message and the
    index of the refused line (None for the whole basket)."""

    message: str
    line: int | None = None
