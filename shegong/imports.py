"""`shegong import regions|wages FILE`: operators' reference data, through the registry's use cases."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from services.common import storage
from services.common.auth import SYSTEM
from services.registry.storage import RegistryRepository
from services.registry.usecases import Registry


def import_file(kind: str, path: str) -> dict:
    text = Path(path).read_text(encoding="utf-8-sig")
    registry = Registry(RegistryRepository(storage.database("registry")))
    if kind == "regions":
        return registry.import_regions(SYSTEM, text)
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({key: _number(value) if key in ("year", "monthly_wage_fen") else value
                     for key, value in row.items() if key})
    return registry.import_average_wages(SYSTEM, rows)


def _number(value: str):
    """CSV cells are text; whole numbers become ints, anything else is left for the schema to refuse."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
