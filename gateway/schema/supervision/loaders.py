"""The supervision service's batched reads (gateway/loaders.py): supervisors by id, so a page of
sessions names its supervisors with one call; and roll-ups, so that a dashboard asking the roll-up and
the protected roll-up in one request makes one call (`rollups`), a refused one failing only its field."""
from __future__ import annotations

from nameko.exceptions import deserialize

from gateway.loaders import batch_loader


@batch_loader("supervision", "supervisors")
def supervisors(supervision, ids: list[str]) -> list[dict | None]:
    return supervision.get_supervisors(ids)


def rollup_key(kind: str, region: str, period: dict | None) -> tuple:
    """A roll-up question as a loader key (hashable): the kind, the region and the period's items."""
    return kind, region, tuple(sorted(period.items())) if period else None


@batch_loader("supervision", "rollups")
def rollups(supervision, keys: list[tuple]) -> list:
    questions = [{"kind": kind, "request": {"region": region, **({"period": dict(period)} if period else {})}}
                 for kind, region, period in keys]
    return [deserialize(answer["error"]) if "error" in answer else answer["result"]
            for answer in supervision.rollups(questions)]
