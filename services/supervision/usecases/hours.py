"""Volunteer hours approved per region for the roll-ups, kept in memory against the read model's position.

The volunteer_hours read model is one document that grows with every approval (megabytes at a province's
size: bench/bench_activity.py), and the roll-up is the dashboard's hot path. So a roll-up reads only the
document's positions (a few bytes) and reads the whole document again only when an approval was folded
since; the sums are kept per (position, period, scope, regions). Sound because folding is deterministic: the
same positions mean the same state, also after a rebuild. A document without positions (never written by
the projection) is read every time.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from ..domain import activity
from ..domain.access import FigureScope
from ..domain.periods import Period
from ..domain.regions import RegionKey

KEPT = 64


class ApprovedHours:
    def __init__(self):
        self._lock = threading.Lock()
        self._read: tuple | None = None  # (key, hours) of the last document read
        self._sums: OrderedDict[tuple, dict[str, float]] = OrderedDict()

    def by_region(self, repo, regions: list[RegionKey], scope: FigureScope, period: Period) -> dict[str, float]:
        positions = repo.volunteer_hours_positions()
        key = (id(repo.db), tuple(sorted(positions.items()))) if positions else None
        wanted = (key, period, scope, tuple(r.prefix for r in regions))
        with self._lock:
            if key is not None and wanted in self._sums:
                self._sums.move_to_end(wanted)
                return self._sums[wanted]
            cached = self._read if key is not None and self._read and self._read[0] == key else None
        hours = cached[1] if cached else repo.volunteer_hours()
        sums = activity.volunteer_hours_by_region(hours, regions, scope, period)
        if key is not None:
            with self._lock:
                self._read = (key, hours)
                self._sums[wanted] = sums
                while len(self._sums) > KEPT:
                    self._sums.popitem(last=False)
        return sums


APPROVED_HOURS = ApprovedHours()
