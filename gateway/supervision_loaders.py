"""Per-request DataLoaders for the supervision service (see gateway/loaders.py for how they batch)."""
from __future__ import annotations

from .dataloader import BatchQueue, DataLoader


class SupervisionLoaders:
    """Supervisors by id: a page of sessions names its supervisors with one call."""

    def __init__(self, supervision, batches: BatchQueue):
        self._supervision = supervision
        self.supervisors = DataLoader(self.load_supervisors, batches)

    def load_supervisors(self, ids: list[str]) -> list[dict | None]:
        return self._supervision.get_supervisors(list(ids))
