"""The supervision service's batched reads (gateway/loaders.py): supervisors by id, so a page of
sessions names its supervisors with one call."""
from __future__ import annotations

from gateway.loaders import batch_loader


@batch_loader("supervision", "supervisors")
def supervisors(supervision, ids: list[str]) -> list[dict | None]:
    return supervision.get_supervisors(ids)
