"""Computed roll-up answers kept in memory, so that an unchanged query is a dict lookup (issue 11).

A warm province dashboard spent most of its time in the service recomputing the same answer: 14 regions'
figures from tallies that had not changed (rollup_of_tallies, then suppression). An answer is kept under
what was asked (which answer, the region, the period, children or not, the "as of" day, the caller's
scope, and for a protected answer its threshold and who counts as inside the area) together with the
inputs it was computed from, compared by identity:
- the tally function the tally cache handed out (usecases/tallies.py hands out the same one while none
  of the region's shards was written, a new one as soon as one was: a changed record gives a new answer);
- the region tree (regiontree.py keeps one list per prefix and reads a new one when it expires).
The entry holds those objects, so their identities cannot be reused while it lives. Answers are stored
as JSON and decoded on every hit: each caller gets dicts of its own to change (reports add to them).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import orjson

KEPT_ANSWERS = 256  # regions × periods × scopes asked within a day; each about 30–45 KB of JSON


class AnswerCache:
    def __init__(self, size: int = KEPT_ANSWERS):
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[tuple, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def answer(self, key: Hashable, inputs: tuple, compute: Callable[[], dict]) -> dict:
        """The answer kept under `key` if it was computed from these very `inputs`, else `compute()`'s."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and len(found[0]) == len(inputs) and all(
                    kept is given for kept, given in zip(found[0], inputs, strict=True)):
                self._entries.move_to_end(key)
                self.hits += 1
                return orjson.loads(found[1])
        self.misses += 1
        answer = compute()
        with self._lock:
            self._entries[key] = (inputs, orjson.dumps(answer))
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


ANSWERS = AnswerCache()
