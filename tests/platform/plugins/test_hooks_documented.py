"""Every hook a module can implement is documented: a docstring in hookspecs.py and a
`## `name`` section in docs/hooks.md (architecture: "a test fails when a hookspec is
undocumented")."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from ponton.plugins import hookspecs

DOC = Path(__file__).resolve().parents[3] / "docs" / "hooks.md"
HEADING = re.compile(r"^## `(\w+)`\s*$", re.MULTILINE)


def declared_hooks() -> dict[str, object]:
    """Every function of hookspecs.py that carries pluggy's hookspec marker."""
    marker = f"{hookspecs.hookspec.project_name}_spec"
    return {
        name: fn
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, marker)
    }


def documented_hooks() -> list[str]:
    return HEADING.findall(DOC.read_text(encoding="utf-8"))


def test_the_hookspecs_are_found():
    assert {
        "ponton_module_info",
        "ponton_manager_menu",
        "ponton_dashboard_widgets",
        "ponton_module_enabled",
        "ponton_module_disabled",
    } <= set(declared_hooks())


def test_every_hookspec_has_a_docstring():
    undocumented = [name for name, fn in declared_hooks().items() if not inspect.getdoc(fn)]
    assert undocumented == []


def test_every_hookspec_has_a_section_in_docs_hooks_md():
    missing = sorted(set(declared_hooks()) - set(documented_hooks()))
    assert missing == [], f"add a '## `name`' section to docs/hooks.md for: {missing}"


def test_docs_hooks_md_documents_no_hook_that_does_not_exist():
    documented = documented_hooks()
    assert sorted(set(documented) - set(declared_hooks())) == []
    assert len(documented) == len(set(documented)), "a hook has two sections"
