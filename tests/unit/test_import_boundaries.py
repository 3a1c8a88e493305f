"""What may import what (docs/architecture.md): read statically from every module's import statements.

A service imports only the kernel (`services.common`) and the contracts (`services.contracts`); the
contracts import only the kernel; the kernel imports no service. The gateway, like a service, imports only
the kernel and the contracts. The command package may use the services, never the other way round, so the
packages form no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "casework", "volunteers", "funding", "supervision", "identity", "webhooks")
PACKAGES = [f"services.{s}" for s in SERVICES] + ["services.common", "services.contracts", "shegong", "gateway"]


def package_of(module: str) -> str | None:
    return next((p for p in PACKAGES if module == p or module.startswith(p + ".")), None)


def imports_between_packages() -> dict[str, dict[str, set[str]]]:
    """{importing package: {imported package: {file, ...}}}"""
    edges: dict[str, dict[str, set[str]]] = {}
    for path in sorted(ROOT.glob("services/**/*.py")) + sorted(ROOT.glob("shegong/**/*.py")) + sorted(
            ROOT.glob("gateway/**/*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        source = package_of(module)
        if source is None:  # services/__init__.py: the namespace, not a package of its own
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            for name in names:
                target = package_of(name)
                if target and target != source:
                    edges.setdefault(source, {}).setdefault(target, set()).add(str(path.relative_to(ROOT)))
    return edges


EDGES = imports_between_packages()


def test_a_service_imports_only_the_kernel_and_the_contracts():
    allowed = {"services.common", "services.contracts"}
    for service in SERVICES:
        wrong = {target: files for target, files in EDGES.get(f"services.{service}", {}).items()
                 if target not in allowed}
        assert not wrong, f"services.{service} imports {wrong}"


def test_the_contracts_import_only_the_kernel_and_the_kernel_no_service():
    assert set(EDGES.get("services.contracts", {})) <= {"services.common"}
    assert not EDGES.get("services.common"), EDGES.get("services.common")


def test_the_command_package_is_imported_by_nothing_it_drives():
    importers = sorted(package for package, targets in EDGES.items() if "shegong" in targets)
    assert importers == [], f"{importers} import the command package; it may import them, not the reverse"


def test_the_packages_form_no_import_cycle():
    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for target in EDGES.get(stack.pop(), {}):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    cycles = [package for package in PACKAGES if package in reachable(package)]
    assert not cycles, f"packages on an import cycle: {cycles}"


def test_the_gateway_imports_only_the_kernel_and_the_contracts():
    # its enums derive from the vocabularies in services/contracts, never from a service's modules
    allowed = {"services.common", "services.contracts"}
    wrong = {target: files for target, files in EDGES.get("gateway", {}).items() if target not in allowed}
    assert not wrong, f"gateway imports {wrong}"


def test_the_analysis_sees_the_imports_it_forbids():
    # the command package does use the services: an analysis that saw no edge at all would pass vacuously
    assert "services.registry" in EDGES["shegong"]
    assert "services.contracts" in EDGES["services.casework"]
    assert "services.contracts" in EDGES["gateway"]
