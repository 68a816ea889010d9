"""The package's own imports form no cycle: every module of src/jobsub_compat is parsed
with ast, each `import`/`from ... import` of a jobsub_compat module (at module level or
inside a function; not under `if TYPE_CHECKING:`, which never runs) is an edge, and a
cycle fails the test, printed module by module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "jobsub_compat"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path) -> set[str]:
    """The jobsub_compat modules `name` imports (a `from P import X` is P.X when that is a
    module, else P)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _run_time(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = (f"{base}.{node.module}" if node.module else base) if node.level \
                else node.module or ""
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


def _run_time(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (the type checker's imports)."""
    found: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def graph() -> dict[str, set[str]]:
    return {name: imports(name, path) for name, path in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module (Tarjan), as one cycle
    through it (shortest from its first module back to itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(edges[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    found = []
    for component in components:
        start = min(component)
        paths = {start: [start]}
        frontier = [start]
        cycle: list[str] | None = None
        while frontier and cycle is None:
            nxt = []
            for node in frontier:
                for after in sorted(edges[node] & component):
                    if after == start:
                        cycle = [*paths[node], start]
                        break
                    if after not in paths:
                        paths[after] = [*paths[node], after]
                        nxt.append(after)
                if cycle:
                    break
            frontier = nxt
        found.append(cycle or sorted(component))
    return found


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize(("edges", "expected"), [
    pytest.param({"a": {"b"}, "b": {"c"}, "c": set()}, [], id="chain"),
    pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c", "a"]], id="three"),
    pytest.param({"a": {"b", "d"}, "b": {"a"}, "d": {"e"}, "e": {"d"}},
                 [["d", "e", "d"], ["a", "b", "a"]], id="two"),
])
def test_cycles_are_found(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected


def test_imports_are_read_at_every_level() -> None:
    """Function-level and relative imports count; the type checker's do not."""
    found = graph()
    assert found["jobsub_compat.commands"] == set()  # the registry: plan for types only
    assert "jobsub_compat.plan" in found["jobsub_compat.commands.q"]
    assert "jobsub_compat.backend" in found["jobsub_compat.cli"]  # inside entry()
    assert "jobsub_compat.commands.common" in found["jobsub_compat.commands.rm"]
