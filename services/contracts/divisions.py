"""The administrative divisions the platform ships (GB/T 2260 and the demo city's townships), as public reference
data every service may read: the registry loads them as its region tree, the volunteers service names places in the
HSDS directory with them."""
from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

DIVISION_FILES = ("jiangsu_divisions.csv", "demo_townships.csv")


def reference_text(file_name: str) -> str:
    """One shipped reference file (services/contracts/reference/), as text."""
    return resources.files(__package__).joinpath("reference", file_name).read_text(encoding="utf-8-sig")


@cache
def division_names() -> dict[str, str]:
    """Division code → name, for every shipped division."""
    names: dict[str, str] = {}
    for file_name in DIVISION_FILES:
        names.update({row["code"]: row["name"] for row in csv.DictReader(io.StringIO(reference_text(file_name)))})
    return names
