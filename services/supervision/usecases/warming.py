"""The current year's tallies counted in the background, so that no dashboard query pays for them.

The first roll-up of a period on a day counts every township's shards (tallies.py): seconds at the size
of the province (bench/bench_province.py), paid after a service start, on every new day (the "as of" day
changes) and after a burst of events. The service's timer calls `warm_current_tallies` every few
seconds: on a start or a new day it counts county by county, handing the event loop back between
counties (a county is a few dozen shards), then merges every city and the province; otherwise it only
recounts what was written since (usually little) and merges again. The default period of a roll-up, this
year, is the one warmed: other periods are counted when first asked.

After a full pass the process's objects, the tallies and the read models' records among them, are
moved out of the collector's generations (gc.freeze): they live until replaced, and a full collection
walking millions of them took hundreds of milliseconds of some query's time.
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from datetime import date

from services.common import clock

from ..domain.periods import period_of
from ..domain.regions import region_key
from . import Supervision
from .tallies import ROLLED_UP, TALLIES

PROVINCE = "32"  # the platform's province (its region tree's root)


@dataclass
class Warmth:
    """What the last pass warmed: its day, and how long it took (seconds)."""
    day: date | None = None
    passes: int = 0
    seconds: float = 0.0
    full_passes: list[float] = field(default_factory=list)


WARMTH = Warmth()


def _pause() -> None:
    """Let other green threads (events, queries) run: time.sleep is eventlet's under the service."""
    time.sleep(0)


def warm_current_tallies(supervision: Supervision, warmth: Warmth = WARMTH) -> bool:
    """Count this year's tallies of every region under the province for today; False when the read models
    are not sharded (nothing to warm: roll-ups are then counted record by record)."""
    heads = supervision.repo.heads(ROLLED_UP, {"sharded": 1})
    if len(heads) < len(ROLLED_UP) or not all(head.get("sharded") for head in heads.values()):
        return False  # before the first event, or whole-document read models: nothing is tallied
    started, today = time.perf_counter(), clock.today()
    period = period_of(today)
    tree = supervision.regions.under(PROVINCE)
    levels = {level: [region_key(r.code).prefix for r in tree if r.level == level]
              for level in ("county", "city", "province")}
    full = warmth.day != today
    for level in ("county", "city", "province"):
        if level != "province" and not full:
            continue  # a warm day: the province's call recounts the few shards written since
        for prefix in levels[level]:
            tally_of = TALLIES.tally_function(supervision.repo, prefix, period, today)
            if tally_of is None:
                return False
            tally_of(prefix)
            if level == "province":  # its children merged now, not at the first query
                for child in levels["city"]:
                    tally_of(child)
            _pause()
    warmth.day, warmth.passes = today, warmth.passes + 1
    warmth.seconds = time.perf_counter() - started
    if full:
        warmth.full_passes.append(warmth.seconds)
        gc.freeze()
    return True
