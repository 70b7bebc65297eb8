"""Module « Forum client »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="forum",
    name="Forum client",
    description="Discussions entre vos clients et votre structure, en temps réel.",
    paid=False,
    default_enabled=True,
    app_label="modules.forum",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="Discussions", url=reverse("forum:index"), icon="forum", order=50)]


@hookimpl
def ponton_section_links(structure, user, section) -> list[MenuItem]:
    """Clients > Discussions."""
    if section != "clients":
        return []
    return [MenuItem(label=_("Discussions"), url=reverse("forum:index"), icon="forum", order=20)]


@hookimpl
def ponton_customer_card_actions(structure, customer, user) -> list[MenuItem]:
    """The customer card's "Forum" button: the conversation with that customer."""
    return [
        MenuItem(label=_("Forum"), url=reverse("forum:customer", args=[customer.pk]), icon="forum")
    ]


@hookimpl
def ponton_customer_space_links(structure, user) -> list[MenuItem]:
    """ "Mes discussions" in the customer space (and on the platform-wide list)."""
    url = reverse("forum_compte:discussions", urlconf=settings.ROOT_URLCONF)
    return [MenuItem(label=_("Mes discussions"), url=url, icon="forum", order=10)]


@hookimpl
def ponton_websocket_routes() -> list:
    from django.urls import path

    from modules.forum.consumers import ConversationConsumer

    return [path("ws/forum/<int:conversation_id>/", ConversationConsumer.as_asgi())]
