"""The gateway's modules import each other without a cycle, and its domains build on one another in
one direction (gateway/schema/__init__.py): read statically from every import statement, those inside
functions included, so a cycle cannot hide in a deferred import."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "gateway.schema"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(ROOT.glob("gateway/**/*.py"))}


def imported(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import loaders`
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if module.startswith(SCHEMA + ".") and len(parts) > 3 else None


def test_the_gateway_modules_form_no_import_cycle():
    assert not cycles(GRAPH), cycles(GRAPH)


def test_the_domains_build_on_one_another_in_one_direction():
    domains: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        source = domain_of(module)
        if source:
            domains.setdefault(source, set()).update(
                target for target in map(domain_of, targets) if target and target != source)
    assert not cycles(domains), cycles(domains)
    assert not domains["registry"], "the registry is the base every other domain builds on"
    assert domains["casework"] == {"registry"}


def test_the_analysis_sees_the_edges_between_domains():
    assert "gateway.schema.registry.types" in GRAPH["gateway.schema.casework.types.households"]
    assert "gateway.schema.registry.loaders" in GRAPH["gateway.schema.registry"]
    # the cycle finder finds one when there is one
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
