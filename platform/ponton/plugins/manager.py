"""The plugin manager, and `hooks_for(structure)`: the only way core calls module hooks.

A module is switched on per structure (public schema, `tenants.ModuleSubscription`).
`hooks_for` builds a hook relay without the plugins of modules that are off, so a module
that is off is never called.
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

    def __init__(self, pm: pluggy.PluginManager, disabled: set[str]):
        self._pm = pm
        self._removed = [pm.get_plugin(label) for label in disabled if pm.get_plugin(label)]

    def __getattr__(self, name: str) -> Any:
        hook = getattr(self._pm.hook, name)
        if not self._removed:
            return hook
        return self._pm.subset_hook_caller(name, remove_plugins=self._removed)


def hooks_for(structure: Any) -> HookRelay:
    from tenants.selectors import enabled_module_labels

    enabled = enabled_module_labels(structure=structure)
    disabled = set(all_modules()) - enabled
    return HookRelay(get_plugin_manager(), disabled)
