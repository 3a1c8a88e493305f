"""Names of administrative divisions, for the public resource directory.

HSDS addresses and service areas carry place names (city, state_province, a service area's name),
not codes. The names are public reference data (GB/T 2260 and the township list) that the
registry ships as package files; they are read here as files, as the demo seeder does: no
registry module is imported and no registry database is read. A division not listed (another
province, a community) has no name here, and the directory then says so instead of guessing.
"""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "registry" / "reference"
FILES = ("jiangsu_divisions.csv", "demo_townships.csv")


@cache
def division_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for file_name in FILES:
        path = REFERENCE / file_name
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig") as handle:
            names.update({row["code"]: row["name"] for row in csv.DictReader(handle)})
    return names
