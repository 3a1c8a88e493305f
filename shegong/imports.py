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


def import_roster(source: str, path: str, region: str, *, background: bool = False, report: str | None = None,
                  progress=None) -> dict:
    """`shegong import roster SOURCE FILE --region CODE`: stage the file through casework's use cases, then
    (unless `background`) apply its chunks here, printing progress; the same file again is the same job."""
    import base64
    import sys

    from services.casework.storage import CaseworkRepository
    from services.casework.usecases import Casework, access, roster_imports, roster_rows
    from services.common.auth import Viewer

    casework = Casework(CaseworkRepository(storage.database("casework")))
    viewer = Viewer(user_id="shegong-cli", role="admin", region=None)
    region = access.roster_region(viewer, region)
    job = roster_imports.stage_import(casework, viewer, region, source, Path(path).name, Path(path).read_bytes())
    stored = casework.repo.roster_imports.require(job["id"])
    while not background and stored["status"] == "running":
        stored = roster_rows.process_next_chunk(casework, stored)
        stored = casework.repo.roster_imports.require(job["id"])
        (progress or (lambda line: print(line, file=sys.stderr)))(
            f"{stored['counts']['rows_read']}/{stored['total_rows']} rows")
    if report:
        file = roster_imports.roster_import_report(casework, viewer, job["id"])
        Path(report).write_bytes(base64.b64decode(file["content"]))
    return roster_imports.import_view(stored)
