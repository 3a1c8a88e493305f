"""What the roll-up's new "volunteer hours approved" costs (services/supervision/usecases/rollups.py, hours.py,
domain/activity.py): a roll-up needs the volunteer_hours read model (one document, not sharded) summed for
the region and each child region.

Data: N approvals folded through the real fold (scorecard_folds.hours_approved) over Jiangsu's shape (13 cities,
91 counties, 1,274 townships with a station each), stored as the projection stores it on nx-27017. Measured
per roll-up of the province with its 13 cities:
- naive: the document read and summed once per region (14 passes), what a first version did;
- cold: the document read and summed in one pass (usecases/hours.py after an approval was folded);
- warm: the position read and the sums found in memory (no approval since the last roll-up).
Baseline in the same run: reading the five heads of the sharded read models, which every warm roll-up
already reads (a few hundred bytes each).

    python -m bench.bench_activity [--approvals 10000,50000] [--repeat 20]
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import date
from types import SimpleNamespace

import bson

from bench.common import private_platform, summary_ms
from services.common import storage
from services.common.projections import PROJECTIONS
from services.supervision import projections
from services.supervision.domain import activity, scorecard_folds
from services.supervision.domain.access import FigureScope
from services.supervision.domain.periods import period_of
from services.supervision.domain.regions import region_key
from services.supervision.storage import SupervisionRepository
from services.supervision.usecases.hours import ApprovedHours

TODAY = date(2026, 6, 30)
TOWNSHIPS = [f"32{city:02d}{county:02d}{town:03d}" for city in range(1, 14) for county in range(1, 8)
             for town in range(1, 15)]
ROLLED_UP = (projections.STATIONS, projections.STAFF, projections.HOUSEHOLDS, projections.CASES,
             projections.VISITS)


def hours_state(approvals: int) -> dict:
    state: dict = {}
    for n in range(approvals):
        township = TOWNSHIPS[n % len(TOWNSHIPS)]
        scorecard_folds.hours_approved(state, SimpleNamespace(
            id=f"evt-{n:07d}", occurred_at=f"2026-0{1 + n % 6}-1{n % 10}T02:00:00Z",
            payload={"station_id": "ST" + township, "township_code": township, "volunteer_id": f"vol-{n % 9000}",
                     "hours": 1.5 + n % 3}))
    return state


def measure(repo: SupervisionRepository, repeat: int) -> dict[str, list[float]]:
    regions = [region_key("32"), *(region_key(c) for c in sorted({t[:4] for t in TOWNSHIPS}))]
    period, scope = period_of(TODAY), FigureScope()
    samples: dict[str, list[float]] = {"baseline: five heads": [], "naive (14 passes)": [],
                                       "cold (read, one pass)": [], "warm (position only)": []}
    warm = ApprovedHours()
    warm.by_region(repo, regions, scope, period)
    for _ in range(repeat):
        started = time.perf_counter()
        repo.heads(ROLLED_UP, {"positions": 1, "generation": 1})
        samples["baseline: five heads"].append(time.perf_counter() - started)
        started = time.perf_counter()
        hours = repo.volunteer_hours()
        for region in regions:
            activity.volunteer_hours(hours, region, scope, period)
        samples["naive (14 passes)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        ApprovedHours().by_region(repo, regions, scope, period)
        samples["cold (read, one pass)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        warm.by_region(repo, regions, scope, period)
        samples["warm (position only)"].append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", default="10000,50000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with private_platform():
        db = storage.database("supervision")
        repo = SupervisionRepository(db)
        for name in ROLLED_UP:  # heads as small as a warm sharded read model's
            db[PROJECTIONS].insert_one({"_id": name, "sharded": True, "generation": 1, "positions": {"casework": 1}})
        for approvals in (int(a) for a in args.approvals.split(",")):
            state = hours_state(approvals)
            db[PROJECTIONS].replace_one({"_id": projections.HOURS},
                                        {"_id": projections.HOURS, "positions": {"volunteers": approvals},
                                         "state": state}, upsert=True)
            size = len(bson.encode(db[PROJECTIONS].find_one({"_id": projections.HOURS})))
            print(f"{approvals} approvals: document {size / 1024 / 1024:.1f} MiB")
            samples = measure(repo, args.repeat)
            base = sorted(samples["baseline: five heads"])[len(samples["baseline: five heads"]) // 2]
            for label, values in samples.items():
                median = sorted(values)[len(values) // 2]
                print(f"  {label:<26} {summary_ms(values)}  ({median / base:.1f}× the baseline's p50)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
