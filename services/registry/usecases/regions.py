"""Reference data: the division tree and the local average wages."""
from __future__ import annotations

from marshmallow import ValidationError

from services.common.auth import Viewer, region_prefix
from services.common.errors import ValidationFailed
from services.registry import schemas
from services.registry.regions import Region, RegionFileError, parse_region_csv

from .access import may_import_wage_of, require_region_importer, require_wage_importer
from .context import Registry


def regions(context: Registry, viewer: Viewer, parent_code: str | None = None) -> list[dict]:
    return [_region_view(r) for r in context.repo.child_regions(parent_code)]


def regions_under(context: Registry, viewer: Viewer, code: str) -> list[dict]:
    """Every region whose code starts with `code`'s prefix (32 → the province, its cities, counties, townships)."""
    return [_region_view(r) for r in context.repo.regions_under(region_prefix(code))]


def get_regions(context: Registry, viewer: Viewer, codes: list[str]) -> list[dict | None]:
    found = context.repo.regions_by_code(codes)
    return [_region_view(found[c]) if c in found else None for c in codes]


def import_regions(context: Registry, viewer: Viewer, csv_text: str) -> dict:
    require_region_importer(viewer)
    try:
        result = parse_region_csv(csv_text or "", context.repo.all_regions())
    except RegionFileError as exc:
        raise ValidationFailed.field("csv", str(exc)) from None
    context.repo.save_regions(result.accepted)
    return {"accepted": len(result.accepted), "unchanged": len(result.unchanged),
            "refused": [{"row": r.row_number, "field": r.field, "reason": r.reason} for r in result.refused]}


def import_average_wages(context: Registry, viewer: Viewer, rows: list[dict]) -> dict:
    require_wage_importer(viewer)
    accepted, refused = 0, []
    schema = schemas.WageSchema()
    for number, row in enumerate(rows or [], start=1):
        try:
            wage = schema.load(row)
        except ValidationError as exc:
            for field, reasons in ValidationFailed.from_marshmallow(exc.messages).details.items():
                refused.append({"row": number, "field": field, "reason": "; ".join(reasons)})
            continue
        if not may_import_wage_of(viewer, wage["region_code"]):
            refused.append({"row": number, "field": "region_code", "reason": "outside your region"})
            continue
        context.repo.save_wage(wage)
        accepted += 1
    return {"accepted": accepted, "refused": refused}


def _region_view(region: Region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code}
