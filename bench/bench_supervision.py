"""Supervision roll-ups and the cost of its one-document read models (issue 11, first increments).

Builds Jiangsu-shaped read models through the real folds (13 cities, 91 counties, 1,274 townships with a
station each, N households with an archive, a case for every third, two visits each), then measures:
- the roll-up computation (domain/figures.py) for the province with its 13 cities and for one county
  with its townships: p50/p95, pure CPU, no store;
- the size of each read model document and what one live event costs the store with that design: the
  kernel Projection reads the document and writes it back whole for each event (find_one + update_one on
  nx-27017), against a baseline in the same run: the same round trip on a document of one record.

    python -m bench.bench_supervision [--households N] [--repeat R]
"""
from __future__ import annotations

import argparse
import time
from datetime import date

import bson

from bench.common import private_platform, summary_ms
from services.common import storage
from services.common.events import Envelope
from services.supervision.domain import folds
from services.supervision.domain.access import FigureScope
from services.supervision.domain.figures import ReadModels, rollup
from services.supervision.domain.periods import period_of
from services.supervision.domain.regions import region_key

TODAY = date(2026, 6, 30)
TOWNSHIPS = [f"32{city:02d}{county:02d}{town:03d}" for city in range(1, 14) for county in range(1, 8)
             for town in range(1, 15)]


def event(payload: dict, n: int) -> Envelope:
    return Envelope(id=f"e{n}", type="x", version=1, occurred_at="2026-01-05T02:00:00Z", producer="p",
                    correlation_id="c", causation_id=None, actor=None, payload=payload)


def build(households: int) -> tuple[ReadModels, dict[str, dict]]:
    stations, homes, cases, visits = {}, {}, {}, {}
    for n, township in enumerate(TOWNSHIPS):
        folds.station_registered(stations, event({"station_id": "ST" + township, "township_code": township,
                                                  "status": "operating"}, n))
        folds.compliance_changed(stations, event({"station_id": "ST" + township, "region_code": township,
                                                  "status": ("met", "not_met", "at_risk")[n % 3], "as_of": "2026-02-01",
                                                  "rules": {"venue_area": {"status": "met", "since": "x"}}}, n))
    for n in range(households):
        township = TOWNSHIPS[n % len(TOWNSHIPS)]
        base = {"household_id": f"hh{n}", "station_id": "ST" + township, "township_code": township}
        folds.household_registered(homes, event({**base, "registered_on": "2025-01-01"}, n))
        folds.needs_assessed(homes, event({**base, "assessed_on": ("2025-03-01", "2026-03-01")[n % 2]}, n))
        if n % 3 == 0:
            folds.case_opened(cases, event({**base, "case_id": f"c{n}", "domain": "elderly",
                                            "opened_on": "2026-02-01"}, n))
        for v in range(2):
            folds.visit_logged(visits, event({**base, "visit_id": f"v{n}.{v}", "case_id": None,
                                              "visited_on": "2026-04-0" + str(v + 1)}, n))
    models = ReadModels(stations=stations["stations"], households=homes["households"],
                        cases=cases.get("cases", {}), crisis={}, visits=visits["visits"])
    return models, {"stations": stations, "households": homes, "cases": cases, "visits": visits}


def time_rollups(models: ReadModels, repeat: int) -> dict[str, list[float]]:
    province, county = region_key("32"), region_key("320101")
    cities = sorted({t[:4] for t in TOWNSHIPS})
    county_towns = [t for t in TOWNSHIPS if t.startswith("320101")]
    samples: dict[str, list[float]] = {"province + 13 cities": [], "county + 14 townships": []}
    for _ in range(repeat):
        started = time.perf_counter()
        rollup(models, province, TOWNSHIPS, cities, period_of(TODAY), TODAY, FigureScope())
        samples["province + 13 cities"].append(time.perf_counter() - started)
        started = time.perf_counter()
        rollup(models, county, county_towns, county_towns, period_of(TODAY), TODAY, FigureScope(prefix="320101"))
        samples["county + 14 townships"].append(time.perf_counter() - started)
    return samples


def time_document_round_trips(states: dict[str, dict], repeat: int) -> None:
    with private_platform():
        collection = storage.database("supervision").projections
        small = {"_id": "one-record", "positions": {"casework": 1}, "state": {"households": {"hh0": {"x": 1}}}}
        collection.insert_one(small)
        for name, state in [("one-record", None), *states.items()]:
            if state is not None:
                collection.insert_one({"_id": name, "positions": {"casework": 0}, "state": state})
            samples = []
            for n in range(repeat):
                started = time.perf_counter()
                doc = collection.find_one({"_id": name})
                collection.update_one({"_id": name, "positions.casework": doc["positions"]["casework"]},
                                      {"$set": {"state": doc["state"], "positions.casework": n + 1}})
                samples.append(time.perf_counter() - started)
            size = len(bson.encode(collection.find_one({"_id": name})))
            print(f"  {name:<12} {size / 1024:>9.0f} KiB  read+write per live event: {summary_ms(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    models, states = build(args.households)
    print(f"read models built through the folds: {len(TOWNSHIPS)} stations, {args.households} households, "
          f"{len(models.cases)} cases, {len(models.visits)} visits in {time.perf_counter() - started:.1f} s")
    for label, samples in time_rollups(models, args.repeat).items():
        print(f"roll-up {label:<24} {summary_ms(samples)}")
    print("projection documents on nx-27017 (baseline: a document of one record):")
    time_document_round_trips(states, max(5, args.repeat // 4))


if __name__ == "__main__":
    main()
