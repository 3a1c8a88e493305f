"""The supervision service's batched reads (gateway/loaders.py): supervisors by id, so a page of
sessions names its supervisors with one call; and roll-ups, so that a dashboard asking the roll-up and
the protected roll-up in one request makes one call (`rollups`), a refused one failing only its field."""
from __future__ import annotations

from nameko.exceptions import deserialize

from gateway.loaders import batch_loader


@batch_loader("supervision", "supervisors")
def supervisors(supervision, ids: list[str]) -> list[dict | None]:
    return supervision.get_supervisors(ids)


def rollup_key(kind: str, region: str, period: dict | None, volunteers: bool = False) -> tuple:
    """A roll-up question as a loader key (hashable): the kind, the region, the period's items and whether
    the volunteer hours approved are asked for."""
    return kind, region, tuple(sorted(period.items())) if period else None, volunteers


def _request(region: str, period: tuple | None, volunteers: bool) -> dict:
    return {"region": region, "volunteers": volunteers, **({"period": dict(period)} if period else {})}


@batch_loader("supervision", "rollups")
def rollups(supervision, keys: list[tuple]) -> list:
    questions = [{"kind": kind, "request": _request(region, period, volunteers)}
                 for kind, region, period, volunteers in keys]
    return [deserialize(answer["error"]) if "error" in answer else answer["result"]
            for answer in supervision.rollups(questions)]
