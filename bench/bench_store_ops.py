"""What each store operation of one pipeline batch costs on the document store, per document.

The batched relay and consumer (bench_kernel (b)) make a fixed number of round trips per batch, so their
pace is set by what the store spends on each document inside those round trips. This times each of those
operations, in the shape the kernel writes it and in the alternatives considered, on a fresh private
store holding `--background` documents per collection besides the batch (indexes as the kernel declares
them). Each figure is the median of `--repeat` runs, as microseconds per document: the time the call
took, and the CPU time the store process spent on it (what bounds the pipeline when the store is the
busiest process; it moves less with the machine's load than the time does).

    python -m bench.bench_store_ops [--batch 1000] [--background 20000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pymongo import MongoClient, UpdateOne

from bench.common import private_platform
from services.common import eventlog, storage
from services.common.consumers import Inbox

ENVELOPE = {"id": str(uuid.uuid4()), "type": "bench.pinged", "version": 1, "producer": "bench_producer",
            "occurred_at": "2026-12-04T18:00:00.000000+00:00", "correlation_id": "c" * 32, "causation_id": None,
            "actor": None, "payload": {"n": 1}}


def timed(operation: Callable[[], object], store_pid: int) -> tuple[float, float]:
    started, cpu_before = time.perf_counter(), cpu_seconds(store_pid)
    operation()
    return time.perf_counter() - started, cpu_seconds(store_pid) - cpu_before


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Round:
    """One batch's documents in a fresh set of collections, so every operation sees the same state."""

    def __init__(self, db, batch: int, background: int, number: int):
        self.db, self.batch, self.tag = db, batch, f"r{number}"
        self.aggregates = db[f"pings_{self.tag}"]
        self.inbox = db[f"processed_{self.tag}"]
        self.log = db[f"log_{self.tag}"]
        self.effects = db[f"effects_{self.tag}"]
        self.records = db[f"records_{self.tag}"]
        self.aggregates.create_index([(storage.OUTBOX_PENDING, 1)])
        self.inbox.create_index([(key, 1) for key, _ in Inbox.indexes[0].keys], unique=True)
        for index in eventlog.INDEXES:
            self.log.create_index(list(index.keys), unique=index.unique)
        for start in range(0, background, 5000):  # the rest of the store: settled aggregates, old claims
            self.aggregates.insert_many([{"_id": f"old{n}", storage.VERSION: 3, storage.OUTBOX: {},
                                          storage.OUTBOX_PENDING: False, storage.OUTBOX_LEASE: 0}
                                         for n in range(start, min(background, start + 5000))])
            self.inbox.insert_many([{"_id": f"c:old{n}", "consumer": "c", "event_id": f"old{n}", "state": "done"}
                                    for n in range(start, min(background, start + 5000))])
        self.ids = [f"p{n}" for n in range(batch)]
        self.keys = [f"c:e{n}" for n in range(batch)]
        self.in_flight = [f"f{n}" for n in range(batch)]  # the relay's batch before, pending until confirmed

    def pending(self) -> None:
        self.aggregates.insert_many([{"_id": doc_id, storage.VERSION: 1, storage.OUTBOX_PENDING: True,
                                      storage.OUTBOX_LEASE: 0, "region_code": "321181001",
                                      storage.OUTBOX: {f"e{n}": {"order": 1000, "envelope": ENVELOPE}}}
                                     for n, doc_id in enumerate(self.in_flight + self.ids)])


def operations(round_: Round) -> list[tuple[str, Callable[[], object]]]:
    """In pipeline order; each runs once on the round's state, after the ones before it."""
    a, ids, keys, token = round_.aggregates, round_.ids, round_.keys, "holder/token"
    projection = {"_id": 1, storage.OUTBOX_LEASE: 1, storage.OUTBOX_CLAIM: 1}
    whole = {storage.OUTBOX: 1, storage.VERSION: 1, storage.OUTBOX_LEASE: 1, storage.OUTBOX_CLAIM: 1,
             **eventlog.SCOPE_PROJECTION}
    in_flight, batch = round_.in_flight, round_.batch
    return [
        ("relay: find pending ids, unlimited cursor (first pass)",
         lambda: [doc for _, doc in zip(ids, a.find({storage.OUTBOX_PENDING: True}, projection)
                                        .batch_size(batch), strict=False)]),
        ("relay: find pending ids, limit batch + in flight (second)",
         lambda: list(a.find({storage.OUTBOX_PENDING: True}, projection).limit(2 * batch))),
        ("relay: find pending whole, $nin in flight, limit (now)",
         lambda: list(a.find({storage.OUTBOX_PENDING: True, "_id": {"$nin": in_flight}}, whole)
                      .limit(batch).batch_size(batch))),
        ("relay: claim, update_many _id $in (second)",
         lambda: a.update_many({"_id": {"$in": ids}, storage.OUTBOX_LEASE: {"$lt": 1}},
                               {"$set": {storage.OUTBOX_LEASE: 2.0, storage.OUTBOX_CLAIM: token}})),
        ("relay: claim on the version read, _id $in (now)",
         lambda: a.update_many({"_id": {"$in": ids}, storage.VERSION: 1, storage.OUTBOX_PENDING: True,
                                storage.OUTBOX_CLAIM: token},
                               {"$set": {storage.OUTBOX_LEASE: 3.0, storage.OUTBOX_CLAIM: token}})),
        ("relay: read the claimed batch back, find _id $in (second)",
         lambda: list(a.find({"_id": {"$in": ids}, storage.OUTBOX_CLAIM: token}, whole))),
        ("relay: history append, insert_many (2 indexes)",
         lambda: round_.log.insert_many([{"_id": n, "event_id": f"e{n}", "type": "bench.pinged",
                                          "aggregate_id": doc_id, "content": "x" * 600, "digest": "d" * 64,
                                          "prev_hash": "h" * 64, "hash": "h" * 64, "station_ids": []}
                                         for n, doc_id in enumerate(ids)])),
        ("relay: clear, one update by key each (before)",
         lambda: a.bulk_write([UpdateOne({"_id": doc_id, storage.VERSION: 1},
                                         {"$set": {storage.OUTBOX_PENDING: False, storage.OUTBOX_LEASE: 0},
                                          "$unset": {f"{storage.OUTBOX}.e{n}": ""}})
                               for n, doc_id in enumerate(ids)], ordered=True)),
        ("relay: clear, update_many _id $in + claim (now)",
         lambda: a.update_many({"_id": {"$in": ids}, storage.OUTBOX_CLAIM: token},
                               {"$set": {storage.OUTBOX: {}, storage.OUTBOX_PENDING: False, storage.OUTBOX_LEASE: 0,
                                         storage.OUTBOX_CLAIM: None}})),
        ("consumer: inbox claim, insert_many unordered",
         lambda: round_.inbox.insert_many([{"_id": key, "consumer": "c", "event_id": key[2:], "state": "claimed",
                                            "holder": "h", "lease_until": 1} for key in keys], ordered=False)),
        ("consumer: effect, bulk upsert unordered",
         lambda: round_.effects.bulk_write([UpdateOne({"_id": key}, {"$set": {"n": 1}}, upsert=True)
                                            for key in keys], ordered=False)),
        ("consumer: done mark, one update by key each (before)",
         lambda: round_.inbox.bulk_write([UpdateOne({"_id": key}, {"$set": {"state": "done"}}) for key in keys],
                                         ordered=False)),
        ("consumer: done mark, update_many _id $in (second)",
         lambda: round_.inbox.update_many({"_id": {"$in": keys}}, {"$set": {"state": "done", "done_at": 1}})),
        ("consumer: the effect as its own inbox record, insert_many (now)",
         lambda: round_.records.insert_many([{"_id": f"e{n}", "n": 1} for n in range(batch)], ordered=False)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--background", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with private_platform() as settings:
        db = MongoClient(settings.mongo_uri)[f"{settings.database_prefix}_ops"]
        samples: dict[str, list[tuple[float, float]]] = {}
        store_pid = server_pid(settings.mongo_uri)
        for number in range(args.repeat):
            round_ = Round(db, args.batch, args.background, number)
            round_.pending()
            for label, operation in operations(round_):
                samples.setdefault(label, []).append(timed(operation, store_pid))
        print(f"{'operation':<62} us/document: time, store CPU")
        for label, measured in samples.items():
            seconds = statistics.median(wall for wall, _ in measured)
            cpu = statistics.median(cpu for _, cpu in measured)
            print(f"{label:<62} {seconds / args.batch * 1e6:6.0f} {cpu / args.batch * 1e6:6.0f}")


def server_pid(uri: str) -> int:
    """The nx-27017 process this benchmark started (its pid file is named by its port)."""
    port = uri.rsplit(":", 1)[1].strip("/")
    return int(Path(f"/tmp/nx-test-{port}.pid").read_text().strip())


if __name__ == "__main__":
    main()
