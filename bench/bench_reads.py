"""Reads that do not scan (issue 10): counts and pages of 100,000 households on the document store.

Every list query of the services ends in `AggregateStore.page` (one page cut on the page key, and
`count` for `totalCount`). Three paths on the same collection in the same run:
- "before": `count_documents` and an `_id $gt` cursor under `$and` (how every list query read until issue 10);
- "page key": `AggregateStore` as issue 10's first step left it (`$count`, pages cut on `_key`);
- "now": the store as the casework households repository builds it, with `one_valued=("station_id",)` (an
  `$in` of stations is asked one indexed equality per station) and the compound key (status, region_code).
For each query shape the first page and the last page are timed, so a cost that grows with the page's
position shows; the bench asserts every path returns the same page and total.

    python -m bench.bench_reads [--households N] [--repeat R] [--skip-before]
"""
from __future__ import annotations

import argparse
import time

from bench.common import percentile, private_platform
from services.common import storage
from services.common.storage import AggregateStore, all_of

TOWNSHIPS = [f"3211{county:02d}{town:03d}" for county in (2, 11, 12, 81, 82, 83) for town in range(1, 11)]


def households(count: int):
    for n in range(count):
        township = TOWNSHIPS[n % len(TOWNSHIPS)]
        yield storage.aggregate_document({
            "_id": f"hh_{n:07d}", "station_id": f"ST{township}", "region_code": township + "001",
            "status": "active" if n % 10 else "moved", "risk_level": ("low", "medium", "high")[n % 3],
            "head_name": "张三", "members": [{"person_id": f"p{n}", "name_masked": "张*"}]})


def _old_page(store: AggregateStore, query: dict, after: str | None, limit: int):
    total = store.collection.count_documents(query)
    if after:
        query = {"$and": [query, {"_id": {"$gt": after}}]} if query else {"_id": {"$gt": after}}
    docs = store.find(query, sort=[("_id", 1)], limit=limit + 1)
    return docs[:limit], total


def _new_page(store: AggregateStore, query: dict, after: str | None, limit: int):
    page = store.page(query, after, limit)
    return page.docs, page.total


def _before(store: AggregateStore, query: dict, last: str, repeat: int) -> tuple[float, float, float]:
    count = _timed(lambda: store.collection.count_documents(query), max(1, repeat // 2))
    first = _timed(lambda: store.find(query, sort=[("_id", 1)], limit=51), repeat)
    last_ms = _timed(lambda: store.find({"$and": [query, {"_id": {"$gt": last}}]} if query else {"_id": {"$gt": last}},
                                        sort=[("_id", 1)], limit=51), max(1, repeat // 2))
    return count, first, last_ms


def _through(store: AggregateStore, query: dict, last: str, repeat: int) -> tuple[float, float, float]:
    return (_timed(lambda: store.count(query), repeat), _timed(lambda: store.page_documents(query, None, 50), repeat),
            _timed(lambda: store.page_documents(query, last, 50), repeat))


def _timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-before", action="store_true",
                        help="time only the page-key and current paths (the old counts take seconds each)")
    args = parser.parse_args()
    with private_platform():
        db = storage.database("casework")
        key = storage.CompoundKey("households", ("status", "region_code"))
        storage.ensure_indexes(db, [storage.Index("households", (("region_code", 1),)),
                                    storage.Index("households", (("station_id", 1),)),
                                    *storage.compound_key_indexes(key), *storage.page_key_indexes("households")])
        plain = AggregateStore(db, "households", "household")
        store = AggregateStore(db, "households", "household", one_valued=("station_id",), compound_keys=(key,))
        started, batch = time.perf_counter(), []
        for doc in households(args.households):
            batch.append(doc)
            if len(batch) == 5000:
                store.insert_many(batch)
                batch = []
        store.insert_many(batch)
        print(f"loaded {args.households} households in {time.perf_counter() - started:.1f} s")
        last = f"hh_{args.households - 30:07d}"
        county = "321181"
        two_stations = {"$in": [f"ST{TOWNSHIPS[0]}", f"ST{TOWNSHIPS[7]}"]}
        shapes = {
            "province (no filter)": {},
            "county (prefix range) + active": all_of({"region_code": {"$gte": county, "$lt": county + "\uffff"}},
                                                     {"status": "active"}),
            # no household of these two stations is high risk: every document of the range is read to find none
            "two stations ($in) + risk high": all_of({"station_id": two_stations}, {"risk_level": "high"}),
            "two stations ($in) + risk medium": all_of({"station_id": two_stations}, {"risk_level": "medium"}),
        }
        print(f"{'query shape':34s} {'path':8s} {'count ms':>9s} {'first page':>11s} {'last page':>10s} "
              f"{'last/first':>10s}")
        for label, query in shapes.items():
            expected = _old_page(plain, query, last, 50)
            assert _new_page(plain, query, last, 50) == expected == _new_page(store, query, last, 50)
            assert _new_page(store, query, None, 50) == _new_page(plain, query, None, 50)
            paths = [] if args.skip_before else [("before", _before(plain, query, last, args.repeat))]
            paths += [("page key", _through(plain, query, last, args.repeat)),
                      ("now", _through(store, query, last, args.repeat))]
            for path, (count, first, last_ms) in paths:
                print(f"{label:34s} {path:8s} {count:9.1f} {first:11.1f} {last_ms:10.1f} {last_ms / first:10.2f}")


if __name__ == "__main__":
    main()
