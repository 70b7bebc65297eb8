"""The selling path's boundary (docs/adr/0011): no app reaches into another app's underscore
names, and the domain modules of the selling layers import only the layers below them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "platform" / "ponton", ROOT / "tenants", ROOT / "modules", ROOT / "realtime"]
# Entry points (views, API, forms, URLs, commands) may call any layer's public names; the
# layering rule is about the domain modules (models, services, selectors…).
ENTRY_POINTS = (
    "views",
    "api",
    "urls",
    "forms",
    "exports",
    "admin",
    "apps",
    "templatetags",
    "management",
)
# The selling path, lowest layer first: each imports only the layers before it.
LAYERS = ["customers", "catalogue", "planning", "sales", "billing", "payments", "selling", "shop"]
# The shared kernel below every layer: money arithmetic and the gapless numbering of orders and
# documents (one counter table, so that an order and its invoice are numbered in one statement).
KERNEL = ("ponton.billing.money", "ponton.billing.numbering")


def _app_of(module: str) -> str | None:
    if module.startswith(KERNEL):
        return "kernel"
    parts = module.split(".")
    if parts[0] == "ponton" and len(parts) > 1:
        return parts[1]
    if parts[0] == "modules" and len(parts) > 1:
        return f"modules.{parts[1]}"
    if parts[0] in ("tenants", "realtime"):
        return parts[0]
    return None


def _module_name(path: Path) -> str:
    for source in SOURCES:
        if path.is_relative_to(source):
            relative = path.relative_to(source.parent).with_suffix("")
            return ".".join(p for p in relative.parts if p != "__init__")
    raise ValueError(path)


def _python_files():
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _imports(tree: ast.AST, module: str):
    """(imported module, imported name or None, alias) for every import, nested ones too."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, alias.asname or alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                yield base, alias.name, alias.asname or alias.name


def _is_private(name: str) -> bool:
    """An underscore name, except dunders and Django's public `_meta`."""
    return name.startswith("_") and not name.startswith("__") and name != "_meta"


def test_no_app_imports_another_apps_underscore_names():
    offences = []
    for path in _python_files():
        module = _module_name(path)
        own = _app_of(module)
        tree = ast.parse(path.read_text(), str(path))
        module_aliases = {}
        for imported, name, alias in _imports(tree, module):
            target = _app_of(imported if name is None else f"{imported}.{name}")
            if name is not None and _is_private(name) and _app_of(imported) != own:
                offences.append(f"{module}: from {imported} import {name}")
            if target is not None and target != own:
                module_aliases[alias] = imported if name is None else f"{imported}.{name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _is_private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
            ):
                offences.append(f"{module}: {module_aliases[node.value.id]}.{node.attr}")
    assert offences == []


def _domain_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in _python_files():
        module = _module_name(path)
        if any(part.startswith(ENTRY_POINTS) for part in module.split(".")[2:]):
            continue
        own = _app_of(module)
        if own is None:
            continue
        for imported, name, _alias in _imports(ast.parse(path.read_text()), module):
            target = _app_of(imported if name is None else f"{imported}.{name}")
            if target and target != own:
                edges.setdefault(own, set()).add(target)
    return edges


@pytest.mark.parametrize("layer", LAYERS)
def test_each_selling_layer_imports_only_the_layers_below(layer):
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    assert _domain_edges().get(layer, set()) & above == set()


def test_the_selling_layers_form_no_circle():
    edges = _domain_edges()
    seen: set[str] = set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, " -> ".join((*path, app))
        if app in seen:
            return
        for target in sorted(edges.get(app, ())):
            if target in LAYERS:
                visit(target, (*path, app))
        seen.add(app)

    for app in LAYERS:
        visit(app, ())


def test_the_checker_sees_a_circle_and_an_underscore_import(tmp_path):
    """The two rules above would catch what issue 12 found (billing calling `sales._event`)."""
    tree = ast.parse("from ponton.sales import services as sales\nsales._event(order=None)\n")
    aliases = {
        alias: imported if name is None else f"{imported}.{name}"
        for imported, name, alias in _imports(tree, "ponton.billing.services.documents")
    }
    assert aliases == {"sales": "ponton.sales.services"}
    private = [
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and _is_private(n.attr)
    ]
    assert private == ["_event"]
