"""The structure figures of docs/architecture.md, measured on a checkout.

`python scripts/architecture_figures.py [DIR]` prints them.

Largest module and class under services/ and gateway/, MongoDB operators outside storage modules and the kernel,
hand-written RPC wrappers (an `@rpc` method whose body only forwards), hand-typed consumer names (`Inbox(...)` in a
service's entrypoints), and package-level import cycles. Static reading only (ast); nothing is imported or run.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

OPERATOR = re.compile(r"""["']\$(?!ref\b|schema\b|id\b)[a-zA-Z]+["']""")
PACKAGES = ("services.registry", "services.casework", "services.volunteers", "services.funding",
            "services.supervision", "services.common", "services.contracts", "shegong", "gateway")


def python_files(root: Path, *folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (root / folder).glob("**/*.py"))


def largest_module(root: Path, folder: str) -> tuple[int, str]:
    return max((len(p.read_text(encoding="utf-8").splitlines()), str(p.relative_to(root)))
               for p in python_files(root, folder))


def largest_class(root: Path, folder: str) -> tuple[int, str]:
    best = (0, "")
    for path in python_files(root, folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                best = max(best, (size, f"{path.relative_to(root)}:{node.name}"))
    return best


def operators_outside_storage(root: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in python_files(root, "services"):
        relative = path.relative_to(root)
        if relative.parts[1] == "common" or "storage" in relative.parts[-1] or "storage" in relative.parts[:-1]:
            continue
        found = len(OPERATOR.findall(path.read_text(encoding="utf-8")))
        if found:
            counts[str(relative)] = found
    return counts


def _is_rpc(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "rpc"


def forwarding_rpc_wrappers(root: Path) -> int:
    count = 0
    for path in root.glob("services/*/service.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(_is_rpc(d) for d in node.decorator_list):
                body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
                if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Call):
                    count += 1
    return count


def hand_typed_consumer_names(root: Path) -> int:
    return sum(len(re.findall(r"\bInbox\(", p.read_text(encoding="utf-8")))
               for p in root.glob("services/*/service.py"))


def package_of(module: str) -> str | None:
    return next((p for p in PACKAGES if module == p or module.startswith(p + ".")), None)


def import_cycles(root: Path) -> list[str]:
    edges: dict[str, set[str]] = {}
    for path in python_files(root, "services", "shegong", "gateway"):
        source = package_of(".".join(path.relative_to(root).with_suffix("").parts))
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                target = package_of(name)
                if target and target != source:
                    edges.setdefault(source, set()).add(target)

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    return sorted(p for p in PACKAGES if p in reaches(p))


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    operators = operators_outside_storage(root)
    print(f"largest module, services/: {largest_module(root, 'services')}")
    print(f"largest module, gateway/: {largest_module(root, 'gateway')}")
    print(f"largest class, services/: {largest_class(root, 'services')}")
    print(f"largest class, gateway/: {largest_class(root, 'gateway')}")
    print(f"MongoDB operators outside storage and the kernel: {sum(operators.values())} in {len(operators)} files")
    for file, found in sorted(operators.items(), key=lambda item: -item[1])[:10]:
        print(f"    {found:4d} {file}")
    print(f"hand-written forwarding @rpc wrappers: {forwarding_rpc_wrappers(root)}")
    print(f"hand-typed consumer names (Inbox(...) in service.py): {hand_typed_consumer_names(root)}")
    print(f"packages on an import cycle: {import_cycles(root) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
