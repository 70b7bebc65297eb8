"""Every hook a module can implement. Each one is documented in docs/hooks.md (a test checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ponton.plugins.types import MenuItem, ModuleInfo

hookspec = pluggy.HookspecMarker("ponton")
hookimpl = pluggy.HookimplMarker("ponton")


@hookspec
def ponton_module_info() -> ModuleInfo:  # type: ignore[empty-body]
    """Describe the module: label, French name, description, free or paid, default on/off.

    Called on every registered module, whether on or off (the "Mes modules" page lists them all).
    """


@hookspec
def ponton_manager_menu(structure: Any, user: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Entries the module adds to the Club Manager's main navigation for this user."""


@hookspec
def ponton_dashboard_widgets(structure: Any, user: Any) -> list[str]:  # type: ignore[empty-body]
    """HTML fragments (already escaped) the module shows on the Club Manager dashboard."""


@hookspec
def ponton_module_enabled(structure: Any) -> None:
    """Called after the switch-on of the module for a structure is committed (its data is there
    again)."""


@hookspec
def ponton_module_disabled(structure: Any) -> None:
    """Called after the switch-off of the module for a structure is committed. Its data stays:
    nothing may be deleted."""
