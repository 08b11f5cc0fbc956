"""The package layout of docs/contracts.md §1: every import points down, and no module cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the packages of ours it may import (docs/contracts.md §1)
MAY_IMPORT = {
    "core": set(),
    "spiders": {"core"},
    "preprocess": {"core"},
    "training": {"core"},
    "share": {"core", "preprocess"},
    "replicas": {"core", "preprocess", "spiders"},
    "flows": {"core", "spiders", "preprocess", "training", "share", "replicas"},
    "benchmarks": {"core", "spiders", "preprocess", "training", "share", "replicas", "flows"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module of ours that `path` imports, at top level or inside a function."""
    name, found = module_name(path), set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            # `from pkg import module` imports pkg.module when it is one
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in MAY_IMPORT}


def import_graph() -> dict[str, set[str]]:
    files = [p for package in MAY_IMPORT for p in (ROOT / package).rglob("*.py")]
    modules = {module_name(p) for p in files}
    graph = {}
    for path in files:
        name, edges = module_name(path), set()
        for target in imported_modules(path):
            # importing a.b.c runs a and a.b first: those count too, unless they contain `name`
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                step = ".".join(parts[:i])
                if step in modules and step != name and not name.startswith(step + "."):
                    edges.add(step)
        graph[name] = edges
    return graph


def test_every_import_points_down_the_layers():
    back = sorted(f"{source} -> {target}" for source, targets in import_graph().items()
                  for target in targets
                  if target.split(".")[0] != source.split(".")[0]
                  and target.split(".")[0] not in MAY_IMPORT[source.split(".")[0]])
    assert back == []


def test_no_import_cycle():
    graph = import_graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_the_top_level_packages_exist(package):
    assert (ROOT / package / "__init__.py").is_file()


def test_the_checker_sees_a_back_arrow_and_a_cycle(tmp_path, monkeypatch):
    """The two checks above can fail: a planted back arrow and a planted cycle are found."""
    for package, body in {"core": "import spiders.a\n", "spiders": "from core import b\n"}.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / ("b.py" if package == "core" else "a.py")).write_text(body)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    graph = {k: v for k, v in import_graph().items() if v}
    assert graph == {"core.b": {"spiders", "spiders.a"}, "spiders.a": {"core", "core.b"}}
    with pytest.raises(AssertionError):
        test_every_import_points_down_the_layers()
    with pytest.raises(AssertionError):
        test_no_import_cycle()


def test_no_flows_module_shadows_a_package():
    """A served flow runs with flows/ on sys.path: flows/share.py would hide the share package."""
    shadowing = sorted(p.stem for p in (ROOT / "flows").glob("*.py") if p.stem in MAY_IMPORT)
    assert shadowing == []
