"""Candidate retrieval for matching: an in-memory index of volunteers and resources, kept fresh.

Scoring every volunteer of a city for every need does not scale (100,000 volunteers, thousands
of needs at once), and the development document store reads about 15,000 documents a second, so
even an indexed query per need is slow. The index holds a compact summary of each active
volunteer and resource, bucketed by (place, tag) at community, township and county level, where
tags are the domains, skills and need types it offers. A need reads the buckets of its own
community first, then its township, then its county, for its domain, skills and type; the
ranking stops reading farther tiers once they cannot change the result (matching.Tier).

Freshness: writes through this process mark the index dirty (the next match reloads what
changed first); writes by other replicas are picked up by an incremental read of documents whose
`_updated_at` is recent, every `refresh_seconds`, by a background green thread in the service
(`keep_fresh`) so no match waits for it. Each read starts `skew` before the previous read began,
which tolerates clock differences between replicas and writes still in flight; known (id,
version) pairs are skipped. A proposal is a suggestion: acceptance re-checks every hard
constraint against the current document.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from datetime import datetime, timedelta

from services.common import clock

from . import domain, matching
from .storage import RESOURCES, VOLUNTEERS, changed_since

log = logging.getLogger(__name__)

VOLUNTEER_FIELDS = {f: 1 for f in ("name", "community_code", "skills", "domains", "availability", "background_check",
                                   "open_tasks", "max_open_tasks", "status", "_version", "_updated_at")}
RESOURCE_FIELDS = {f: 1 for f in ("name", "kind", "township_code", "community_code", "services", "open_tasks",
                                  "status", "_version", "_updated_at")}


def volunteer_tags(candidate: matching.VolunteerCandidate) -> set[str]:
    return {f"d:{d}" for d in candidate.domains} | {f"s:{s}" for s in candidate.skills}


def resource_tags(candidate: matching.ResourceCandidate) -> set[str]:
    tags = set()
    for offer in candidate.services:
        tags.add(f"d:{offer.domain}")
        tags.update(f"t:{t}" for t in offer.need_types)
    return tags


def need_volunteer_tags(need: matching.Need) -> set[str]:
    return {f"d:{need.domain}"} | {f"s:{s}" for s in matching.skills_for(need)}


def need_resource_tags(need: matching.Need) -> set[str]:
    return {f"d:{need.domain}", f"t:{need.need_type}"}


class _Collection:
    """Summaries of one collection's active documents, bucketed by (place, tag) at three levels:
    community (12 digits), township (9) and county (6)."""

    def __init__(self, build, tags, places):
        self.build, self.tags, self.places = build, tags, places
        self.items: dict[str, object] = {}
        self.versions: dict[str, int] = {}
        self.buckets: dict[tuple[str, str], set[str]] = {}
        self.since: datetime | None = None  # the next incremental read starts here

    def _keys(self, item):
        return [(place, tag) for place in self.places(item) if place for tag in self.tags(item)]

    def apply(self, doc: dict) -> None:
        doc_id = doc["_id"]
        if self.versions.get(doc_id) == doc["_version"]:
            return
        self.versions[doc_id] = doc["_version"]
        old = self.items.pop(doc_id, None)
        if old is not None:
            for key in self._keys(old):
                self.buckets.get(key, set()).discard(doc_id)
        if doc.get("status") == "active":
            item = self.build(doc)
            self.items[doc_id] = item
            for key in self._keys(item):
                self.buckets.setdefault(key, set()).add(doc_id)

    def tiers(self, need: matching.Need, tags: set[str]) -> list[matching.Tier]:
        """Candidates nearest first: the need's community, the rest of its township, the rest of its county."""
        levels: list[tuple[str, str, str | None]] = (
            [("community", need.community_code, None)] if need.community_code else [])
        levels += [("township", need.township_code, need.community_code),
                   ("county", need.county_code, need.township_code)]

        def fetch(place: str, nearer: str | None):
            ids = set()
            for tag in tags:
                ids |= self.buckets.get((place, tag), set())
            items = (self.items[i] for i in sorted(ids))
            if nearer is None:
                return list(items)
            return [item for item in items if nearer not in self.places(item)]
        return [matching.Tier(matching.tier_ceiling(level), functools.partial(fetch, place, nearer))
                for level, place, nearer in levels]


class CandidateIndex:
    def __init__(self, db, refresh_seconds: float = 1.0, skew: timedelta = timedelta(seconds=5)):
        self.db = db
        self.refresh_seconds = refresh_seconds
        self.skew = skew
        self._lock = threading.Lock()
        self._dirty = True
        self._refreshed_at = 0.0
        self._kept_fresh = False
        self._loaded = False
        self._volunteers = _Collection(domain.volunteer_candidate, volunteer_tags,
                                       lambda v: (v.community_code, v.community_code[:9], v.community_code[:6]))
        self._resources = _Collection(domain.resource_candidate, resource_tags,
                                      lambda r: (r.community_code, r.township_code, r.township_code[:6]))

    def mark_dirty(self) -> None:
        self._dirty = True

    def refresh(self, force: bool = False) -> None:
        """Read what changed since the last read: always when forced or dirty, else when due."""
        def needed() -> bool:
            due = not self._kept_fresh and time.monotonic() - self._refreshed_at >= self.refresh_seconds
            return force or self._dirty or due or not self._loaded

        if not needed():
            return
        with self._lock:
            if not needed():  # another thread refreshed while this one waited (or finished the first load)
                return
            self._dirty = False  # a write landing during the read below marks it again
            self._refreshed_at = time.monotonic()
            for name, collection, fields in ((VOLUNTEERS, self._volunteers, VOLUNTEER_FIELDS),
                                             (RESOURCES, self._resources, RESOURCE_FIELDS)):
                started = clock.utcnow()
                for count, doc in enumerate(changed_since(self.db, name, collection.since, fields), start=1):
                    collection.apply(doc)
                    if count % 500 == 0:
                        time.sleep(0)  # a cold load takes seconds: let other green threads (heartbeats) run
                collection.since = started - self.skew
            self._loaded = True  # matching never runs against a half-loaded index

    def keep_fresh(self) -> None:
        """Run forever in a background green thread: load now, then read changes periodically.

        A failed read (the store busy or away) must not end the thread: in a nameko container that
        would kill the service. The index stays as it is and the next read catches up."""
        self._kept_fresh = True
        while True:
            try:
                self.refresh(force=True)
            except Exception:  # noqa: BLE001 — any store error: keep serving, read again shortly
                log.warning("candidate index refresh failed; retrying", exc_info=True)
            time.sleep(self.refresh_seconds)

    def volunteers_for(self, need: matching.Need) -> list[matching.Tier]:
        self.refresh()
        return self._volunteers.tiers(need, need_volunteer_tags(need))

    def resources_for(self, need: matching.Need) -> list[matching.Tier]:
        self.refresh()
        return self._resources.tiers(need, need_resource_tags(need))

    def size(self) -> dict:
        self.refresh()
        return {"volunteers": len(self._volunteers.items), "resources": len(self._resources.items)}
