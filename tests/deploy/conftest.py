"""Fixtures for the offline deployment checks (deploy/check.py)."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def _load(name: str, path: Path):
    if str(DEPLOY) not in sys.path:
        sys.path.insert(0, str(DEPLOY))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def check():
    """deploy/check.py as a module."""
    return _load("shegong_deploy_check", DEPLOY / "check.py")


@pytest.fixture(scope="session")
def render(check):
    """deploy/render.py as a module (the one check.py uses)."""
    return check.render


class BrokenCopy:
    """A copy of deploy/ and docker-compose.yml in a temporary directory, to break on purpose."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(DEPLOY, root / "deploy", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(REPO / "docker-compose.yml", root / "docker-compose.yml")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def replace(self, relative: str, old: str, new: str, count: int = 1, last: bool = False) -> None:
        path = self.path(relative)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}: the test no longer matches the file"
        if last:
            head, _, tail = text.rpartition(old)
            text = head + new + tail
        else:
            text = text.replace(old, new, count)
        path.write_text(text, encoding="utf-8")

    def append(self, relative: str, text: str) -> None:
        path = self.path(relative)
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture
def broken(tmp_path) -> BrokenCopy:
    return BrokenCopy(tmp_path)
