"""The plugin manager, and `hooks_for(structure)`: the only way core calls module hooks.

A module is switched on per structure (public schema, `tenants.ModuleSubscription`).
`hooks_for` builds a hook relay with only the plugins of modules that are on (as
`tenants.selectors.enabled_module_labels` says, the source "Mes modules" shows too), so a
module that is off is never called.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, cast

import pluggy
from django.conf import settings

from ponton.plugins import hookspecs
from ponton.plugins.types import ModuleInfo

ENTRY_POINT_GROUP = "ponton.modules"


def _plugin_paths() -> list[str]:
    paths = [f"{ep.value}.plugin" for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(paths) + list(getattr(settings, "EXTRA_MODULE_PLUGINS", []))


@cache
def get_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("ponton")
    pm.add_hookspecs(hookspecs)
    for path in _plugin_paths():
        module = importlib.import_module(path)
        info: ModuleInfo = module.ponton_module_info()
        pm.register(module, name=info.label)
    return pm


@cache
def all_modules() -> dict[str, ModuleInfo]:
    """Every installed module's metadata, by label, in a stable order."""
    pm = get_plugin_manager()
    infos: dict[str, ModuleInfo] = {}
    for name, plugin in sorted(pm.list_name_plugin()):
        infos[name] = cast(ModuleType, plugin).ponton_module_info()
    return infos


class HookRelay:
    """`hooks_for(structure).ponton_manager_menu(...)`: calls only the modules that are on."""

    def __init__(self, pm: pluggy.PluginManager, enabled: set[str], structure: Any = None):
        self._pm = pm
        self.structure = structure
        # Every registered plugin that is not a module ON for the structure is left out,
        # whether it is a module that is off or a plugin no module metadata describes: what
        # is called is exactly what "Mes modules" shows on.
        self._removed = [plugin for name, plugin in pm.list_name_plugin() if name not in enabled]

    def __getattr__(self, name: str) -> Any:
        hook = getattr(self._pm.hook, name)
        if not self._removed:
            return hook
        return self._pm.subset_hook_caller(name, remove_plugins=self._removed)

    def implemented(self, name: str) -> bool:
        """Whether a module that is on implements hook `name` (e.g. `ponton_send_sms`)."""
        return bool(getattr(self, name).get_hookimpls())


def hooks_for(structure: Any) -> HookRelay:
    from tenants.selectors import enabled_module_labels

    return HookRelay(
        get_plugin_manager(), enabled_module_labels(structure=structure), structure=structure
    )


def modules_implementing(name: str) -> list[ModuleInfo]:
    """The installed modules (on or off) that implement hook `name`, in label order."""
    pm = get_plugin_manager()
    labels = {pm.get_name(impl.plugin) for impl in getattr(pm.hook, name).get_hookimpls()}
    return [info for label, info in all_modules().items() if label in labels]


def hooks_for_connection() -> HookRelay:
    """`hooks_for` the structure whose schema the database connection is on (services that
    are not given their structure, such as the basket's checks): the request's structure
    when there is one, else the structure of that schema name. On the public schema, or
    when no module implements anything, no module is called."""
    from django.db import connection

    from tenants.models import Structure

    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Structure):
        schema_name = getattr(connection, "schema_name", "")
        tenant = Structure.objects.filter(schema_name=schema_name).first() if schema_name else None
        if tenant is None:
            return HookRelay(get_plugin_manager(), set())
    return hooks_for(tenant)
