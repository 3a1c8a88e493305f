"""A station's scorecard (issue 11: scorecards computed from data) over county-sized read models.

Builds read models of S stations (5 staff, 200 households with two assessments, 1,000 visits and 200 cases
each), then times the scorecard of one station (domain/scorecard.py, pure CPU, no store) two ways: every
computation scanning the whole read models, and the subject's records taken once first
(indicators.of_stations, what usecases/scorecards.py does). Both must give the same total.

    python -m bench.bench_scorecards [--stations S] [--repeat R]
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date

from bench.common import summary_ms
from services.supervision.domain import scorecard as cards
from services.supervision.domain.figures import ReadModels
from services.supervision.domain.indicators import Facts, of_stations

AS_OF = date(2026, 11, 20)


def read_models(count: int) -> tuple[ReadModels, list[str]]:
    rng = random.Random(1)
    stations = [f"ST321181{n:03d}" for n in range(count)]
    models = ReadModels()
    models.stations = {s: {"township": s[2:], "status": "operating", "registered_on": "2024-01-01"} for s in stations}
    models.staff = {f"stf-{i}": {"station": stations[i % count], "role": "social_worker", "professional": i % 2 == 0,
                                 "joined": "2025-01-01", "left": None, "training": {"2026": 12},
                                 "training_on": {"2026-03-01": 12}} for i in range(5 * count)}
    models.households = {f"hh-{i:08d}": {"station": stations[i % count], "registered_on": "2025-01-01",
                                         "assessed_on": ["2025-06-01", "2026-05-01"]} for i in range(200 * count)}
    models.visits = {f"vis-{i}": {"station": stations[i % count], "household": f"hh-{i % (200 * count):08d}",
                                  "case": None, "visited_on": f"2026-{rng.randint(1, 11):02d}-10"}
                     for i in range(1000 * count)}
    models.cases = {f"cas-{i}": {"station": stations[i % count], "household": "hh-1", "domain": "elderly",
                                 "stage": "intake", "opened_on": "2026-02-01",
                                 "closed_on": "2026-06-01" if i % 3 else None} for i in range(200 * count)}
    return models, stations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    models, stations = read_models(args.stations)
    mine = frozenset({stations[0]})
    subject = {"kind": "station", "id": stations[0], "region_code": stations[0][2:], "station_ids": [stations[0]]}
    version = cards.scheme_in_force(None, AS_OF)
    totals = {}
    for label, narrow in (("scan every read model", False), ("subject's records first", True)):
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            facts = Facts(of_stations(models, mine) if narrow else models, mine, AS_OF)
            totals[label] = cards.scorecard(subject, version, facts, {}, True)["total"]
            samples.append(time.perf_counter() - started)
        print(f"{label}: {summary_ms(samples)}")
    assert len(set(totals.values())) == 1, totals
    print(f"stations={args.stations} total={totals}")


if __name__ == "__main__":
    main()
