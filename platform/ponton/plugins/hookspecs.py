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


@hookspec
def ponton_websocket_routes() -> list[Any]:  # type: ignore[empty-body]
    """Websocket URL patterns (channels `path(...)`) the module serves under /ws/.

    Collected once at start-up from every installed module; each route is wrapped so that a
    connection to a structure where the module is off is refused before the consumer runs.
    """


@hookspec
def ponton_section_links(structure: Any, user: Any, section: str) -> list[MenuItem]:  # type: ignore[empty-body]
    """Pages the module adds to a Club Manager section page (section slug: "clients",
    "gerer", …), e.g. the forum's Clients > Discussions."""


@hookspec
def ponton_customer_card_actions(structure: Any, customer: Any, user: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Buttons the module adds to a customer card (e.g. the forum's "Forum")."""


@hookspec
def ponton_customer_card_sections(  # type: ignore[empty-body]
    structure: Any, customer: Any, user: Any, request: Any
) -> list[str]:
    """HTML sections (already escaped, safe to insert) the module adds to a customer card,
    after its core sections (e.g. the e-marketing consent with its date and source)."""


@hookspec
def ponton_customer_space_links(structure: Any, user: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Pages the module adds to a customer's space for this structure (e.g. the forum's
    "Mes discussions"): shown on /compte/ on the structure's domain and, next to the
    structure's name, on the platform-wide list of the person's structures."""


@hookspec
def ponton_send_sms(structure: Any, to: str, body: str, key: str) -> bool:  # type: ignore[empty-body]
    """Send one SMS for the structure (the SMS module, with its quota): `to` is the mobile
    number as typed on the customer card, `body` the French text, `key` the sending task's id:
    a second call with the same key sends nothing more (the task ran again after a crash).
    Core uses it for Click & Pay requests by SMS and refuses them when no module that is on
    implements it."""


@hookspec
def ponton_demo_fill(structure: Any) -> None:
    """Called once when `seed_demo` creates the demo structure, after core's demo data, for
    the modules that are on: a module adds its own demo data (the till its tills and a day of
    tickets) inside the structure's schema."""


@hookspec
def ponton_participants_actions(structure: Any, session: Any, user: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Buttons the module adds to a session's participants list (e.g. the SMS module's
    "Envoyer un sms"): each submits the list's form, with the ticked rows (`selected`, the
    order line ids), to `item.url` by POST."""


@hookspec
def ponton_order_card_actions(structure: Any, order: Any, user: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Links the module adds to an order card, under the payer's email (e.g. the SMS
    module's "Envoyer un SMS")."""


@hookspec
def ponton_console_urls() -> list[Any]:  # type: ignore[empty-body]
    """URL patterns of the module's platform-console pages (each view `operator_view`),
    mounted under /console/m/<label>/ with namespace `console:<label>`. Collected once at
    start-up from every installed module, on or off (the operator grants modules that are
    off)."""


@hookspec
def ponton_console_structure_links(structure: Any) -> list[MenuItem]:  # type: ignore[empty-body]
    """Links the module adds to its row of the console's structure page (e.g. the SMS
    module's quota: grant with a number of SMS, top up). Called on every installed module,
    on or off, for platform operators only."""


@hookspec
def ponton_product_edit_sections(  # type: ignore[empty-body]
    structure: Any, product: Any, user: Any, request: Any
) -> list[str]:
    """HTML sections (already escaped) the module adds to a product's edit page, after the
    core sections: an option of the product that the module keeps in its own tables (e.g.
    the FF Voile module's "Licence FF Voile" with its type), each with its own form posting
    to the module's own view."""


@hookspec
def ponton_basket_check(  # type: ignore[empty-body]
    structure: Any, payer: Any, lines: list[Any], channel: str
) -> list[Any]:
    """Refusals the module adds to the checks of a basket before an order is confirmed, on
    every channel: a list of `ponton.plugins.types.Refusal(message, line)` (French message,
    index of the refused line or None); an empty list to accept. The first refusal stops the
    sale with that message, nothing written."""


@hookspec
def ponton_lines_invoiced(structure: Any, order: Any, lines: list[Any]) -> None:
    """Order lines just became "facturé" (an invoice or a purchase receipt of any channel),
    inside the transaction that wrote the document: the module records what it owes these
    lines and schedules its side effects with `transaction.on_commit` (never a network call
    here)."""


@hookspec
def ponton_order_line_markers(  # type: ignore[empty-body]
    structure: Any, order: Any, lines: list[Any], user: Any
) -> dict[int, list[str]]:
    """Markers (HTML, already escaped) the module shows on the lines of an order card, by
    order line id: e.g. the FF Voile module's licence logo, red with the reason and a
    "Réessayer" button when the licence was not delivered."""
