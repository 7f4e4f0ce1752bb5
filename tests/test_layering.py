"""Imports in regform/ only run down the layers, and no module imports itself through others.

The layers, lowest first. A module may import from its own layer's package and from any lower
layer, never from a higher one (``TYPE_CHECKING`` and function-level imports count too).
docs/architecture.md draws the same list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "regform"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("regform.errors", "regform.version", "regform.model", "regform.plan", "regform.files"),
    ("regform.lifecycle",),
    ("regform.documents",),
    ("regform.registry_settings",),
    ("regform.providers",),
    ("regform.config",),
    ("regform.planning",),
    ("regform.workflows",),
    ("regform.credentials",),
    ("regform.render",),
    ("regform.cli",),
    ("regform", "regform.__main__"),
)

#: the modules allowed at regform/'s top level.
MAX_TOP_LEVEL_MODULES = 6


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, source: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, module) of every regform module that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import submodule`` depends on the submodule itself
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "regform" or target.startswith("regform."):
                yield node.lineno, target


GRAPH = {
    name: sorted({t for _, t in imported(name, path) if t != name})
    for name, path in MODULES.items()
}


def layer_of(name: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, layer in enumerate(LAYERS):
        for unit in layer:
            if name == unit or name.startswith(unit + "."):
                candidate = (len(unit), index)
                best = candidate if best is None or candidate > best else best
    assert best is not None, f"{name} belongs to no layer: add it to LAYERS"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def upward_imports(name: str, path: Path, source: str | None = None) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {name} (layer {layer_of(name)}) imports "
        f"{target} (layer {layer_of(target)})"
        for line, target in imported(name, path, source)
        if layer_of(target) > layer_of(name)
    ]


def test_imports_only_run_down() -> None:
    assert [line for name, path in MODULES.items() for line in upward_imports(name, path)] == []


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in graph:
                continue
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_imports_name_existing_modules() -> None:
    """A renamed module leaves no import behind (the layer check would not see it)."""
    missing = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if target not in MODULES
    ]
    assert missing == []


def test_top_level_stays_small() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_the_checks_see_an_upward_import_and_a_cycle() -> None:
    path = PACKAGE / "lifecycle" / "engine.py"
    source = "from regform.workflows.plan_apply import make_plan\nfrom regform.model import Image\n"
    assert upward_imports("regform.lifecycle.engine", path, source) == [
        "regform/lifecycle/engine.py:1: regform.lifecycle.engine (layer 1) imports "
        "regform.workflows.plan_apply (layer 7)"
    ]
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert cycles(graph) == [["a", "b", "c"]]
