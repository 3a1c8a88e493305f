"""Roster imports as casework stores them (issue 13).

- `roster_imports` (an aggregate with its outbox): one job per (region, source, file content), its progress
  counters, the chunk it works on next and, when done, whether people absent from the file were marked;
- `roster_chunks`: the file's rows staged in chunks, each chunk ONE document holding its rows as one
  encrypted token (the rows carry ID numbers), the blind indexes of its ID numbers, and — once processed —
  each row's outcome with masked name and number (the row-by-row report);
- `roster_mappings`: the column mapping a region saved for a source.
"""
from __future__ import annotations

import contextlib

from pymongo.errors import DuplicateKeyError

from services.common.scope import Scope
from services.common.storage import AggregateStore, Page, all_of, scope_filter

ROSTER_IMPORTS, ROSTER_CHUNKS, ROSTER_MAPPINGS = "roster_imports", "roster_chunks", "roster_mappings"


def chunk_id(import_id: str, number: int) -> str:
    return f"{import_id}:{number:05d}"


class RosterImports(AggregateStore):
    def by_ids(self, import_ids: list[str]) -> list[dict]:
        return self.find({"_id": {"$in": list(import_ids)}})

    def page_in(self, scope: Scope, source: str | None, after: str | None, limit: int) -> Page:
        return self.page(all_of(scope_filter(scope),
                                {"source": source} if source else None), after, limit)

    def running(self, limit: int) -> list[dict]:
        """Jobs with chunks left, oldest first (the background worker's queue)."""
        return self.find({"status": "running"}, sort=[("created_at", 1)], limit=limit)


class RosterChunks:
    def __init__(self, db):
        self.collection = db[ROSTER_CHUNKS]

    def stage(self, chunks: list[dict]) -> None:
        """Write the chunks of a new job; chunks already there (an upload retried) stay as they are."""
        for chunk in chunks:
            with contextlib.suppress(DuplicateKeyError):
                self.collection.insert_one(chunk)

    def get(self, import_id: str, number: int) -> dict | None:
        return self.collection.find_one({"_id": chunk_id(import_id, number)})

    def record_outcomes(self, import_id: str, number: int, outcomes: list[dict], at) -> None:
        self.collection.update_one({"_id": chunk_id(import_id, number)},
                                   {"$set": {"outcomes": outcomes, "processed_at": at}})

    def of_import(self, import_id: str, count: int, fields: tuple[str, ...]) -> list[dict]:
        """The job's chunks in order, with only `fields` (by `_id`: the store answers from its index)."""
        ids = [chunk_id(import_id, n) for n in range(count)]
        found = {d["_id"]: d for d in self.collection.find({"_id": {"$in": ids}}, {f: 1 for f in fields})}
        return [found[i] for i in ids if i in found]


class RosterMappings:
    def __init__(self, db):
        self.collection = db[ROSTER_MAPPINGS]

    def saved(self, region_code: str, source: str) -> dict | None:
        return self.collection.find_one({"_id": f"{region_code}:{source}"})

    def save(self, region_code: str, source: str, doc: dict) -> None:
        self.collection.replace_one({"_id": f"{region_code}:{source}"},
                                    {**doc, "_id": f"{region_code}:{source}", "region_code": region_code,
                                     "source": source}, upsert=True)
