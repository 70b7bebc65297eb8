"""Modules are pluggy plugins found through the "ponton.modules" entry points; core calls them
only through hooks_for(structure), which leaves out the modules that are off (EG-2)."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import pytest
from django.conf import settings

from ponton.plugins.manager import all_modules, get_plugin_manager, hooks_for
from tenants.services import StructureError, module_grant, module_set_enabled
from tests.support.testmodule import plugin as testmodule

REAL_MODULES = {
    # label: (app, French name, paid, default on)
    "emarketing": ("modules.emarketing", "Emarketing", True, False),
    "ffvoile": ("modules.ffvoile", "FF Voile", False, False),
    "forum": ("modules.forum", "Forum client", False, True),
    "pos": ("modules.pos", "Caisse", True, False),
    "sms": ("modules.sms", "SMS", True, False),
}


@pytest.fixture(autouse=True)
def _clear_calls():
    testmodule.CALLS.clear()
    yield
    testmodule.CALLS.clear()


def calls_for(structure) -> list[str]:
    return [hook for hook, schema in testmodule.CALLS if schema == structure.schema_name]


def menu_labels(structure, user) -> list[str]:
    results = hooks_for(structure).ponton_manager_menu(structure=structure, user=user)
    return sorted(item.label for items in results for item in items)


def test_the_five_modules_are_found_through_entry_points():
    """EG-2: the five real modules come from the "ponton.modules" entry points, each with its
    own metadata (label, French name, free or paid, default on/off)."""
    found = {ep.name: ep.value for ep in entry_points(group="ponton.modules")}
    assert found == {label: meta[0] for label, meta in REAL_MODULES.items()}
    for label, (app, name, paid, default_on) in REAL_MODULES.items():
        info = importlib.import_module(f"{app}.plugin").ponton_module_info()
        assert (info.label, info.name, info.paid, info.default_enabled, info.app_label) == (
            label,
            name,
            paid,
            default_on,
            app,
        )
        assert all_modules()[label] == info
        assert app in settings.TENANT_APPS


def test_forum_is_free_and_on_by_default(make_structure):
    """EG-2: "Forum client" is a free module, on for a new structure; paid ones are off."""
    forum = all_modules()["forum"]
    assert (forum.name, forum.paid, forum.default_enabled) == ("Forum client", False, True)
    structure, owner = make_structure()
    assert menu_labels(structure, owner) == ["Discussions"]


def test_every_registered_plugin_answers_module_info():
    """EG-2: ponton_module_info is asked of every module, on or off (the "Mes modules" list)."""
    pm = get_plugin_manager()
    assert sorted(name for name, _plugin in pm.list_name_plugin()) == [
        "emarketing",
        "ffvoile",
        "forum",
        "pos",
        "sms",
        "testmodule",
    ]
    infos = pm.hook.ponton_module_info()
    assert sorted(i.label for i in infos) == sorted(all_modules())
    assert list(all_modules()) == sorted(all_modules())


def test_hooks_for_leaves_out_modules_that_are_off(make_structure):
    """EG-2: a module that is off is never called; switched on, it is called at once."""
    structure, owner = make_structure()
    assert menu_labels(structure, owner) == ["Discussions"]
    widgets = hooks_for(structure).ponton_dashboard_widgets(structure=structure, user=owner)
    assert widgets == []
    assert calls_for(structure) == []

    module_set_enabled(structure=structure, label="testmodule", enabled=True)
    assert menu_labels(structure, owner) == ["Discussions", "Module de test"]
    widgets = hooks_for(structure).ponton_dashboard_widgets(structure=structure, user=owner)
    assert widgets == [["<p>Widget du module de test</p>"]]
    assert calls_for(structure) == ["menu", "dashboard"]

    module_set_enabled(structure=structure, label="forum", enabled=False)
    assert menu_labels(structure, owner) == ["Module de test"]

    testmodule.CALLS.clear()
    module_set_enabled(structure=structure, label="testmodule", enabled=False)
    assert menu_labels(structure, owner) == []
    assert calls_for(structure) == []


def test_hooks_for_is_per_structure(make_structure):
    """EG-2: switching a module on for one structure does not call it for another."""
    a, owner_a = make_structure(name="Club A")
    b, owner_b = make_structure(name="Club B")
    module_set_enabled(structure=a, label="testmodule", enabled=True)

    assert menu_labels(b, owner_b) == ["Discussions"]
    assert menu_labels(a, owner_a) == ["Discussions", "Module de test"]
    assert testmodule.CALLS == [("menu", a.schema_name)]


def test_switching_calls_enabled_and_disabled_after_commit(
    make_structure, django_capture_on_commit_callbacks
):
    """EG-2: ponton_module_enabled / ponton_module_disabled reach only the module switched,
    after the change is committed; switching to the current state calls nothing."""
    structure, _owner = make_structure()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        module_set_enabled(structure=structure, label="testmodule", enabled=True)
    assert calls_for(structure) == []  # not before commit
    for callback in callbacks:
        callback()
    assert calls_for(structure) == ["enabled"]

    with django_capture_on_commit_callbacks(execute=True):
        module_set_enabled(structure=structure, label="testmodule", enabled=True)
        module_set_enabled(structure=structure, label="testmodule", enabled=False)
        module_set_enabled(structure=structure, label="testmodule", enabled=False)
    assert calls_for(structure) == ["enabled", "disabled"]


def test_a_paid_module_is_not_called_until_granted(make_structure):
    """EG-2: a paid module cannot be switched on by the structure; once granted it is on."""
    structure, owner = make_structure()
    with pytest.raises(StructureError, match="Le module « SMS » est payant"):
        module_set_enabled(structure=structure, label="sms", enabled=True)
    assert menu_labels(structure, owner) == ["Discussions"]

    module_grant(structure=structure, label="sms")
    assert menu_labels(structure, owner) == ["Discussions", "SMS"]


def test_unknown_module_is_refused(make_structure):
    structure, _owner = make_structure()
    with pytest.raises(StructureError, match="Module inconnu."):
        module_set_enabled(structure=structure, label="inconnu", enabled=True)
