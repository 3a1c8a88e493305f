"""Roll-ups from township tallies kept in memory against the shards' version tokens.

A roll-up of a region counts the records of every township under it. The sharded read models
(services/common/sharded_projections.py) give each township's records one document with a version token
in its read model's head, so the tally of a township (domain/figures.py: township_tallies, the same
counting code as `rollup`) stays valid while the tokens of its shards stay, and a region's tally (its
children's merged) while its children's stay. A roll-up therefore reads the heads (a few small
documents), reads and recounts only the shards written since it last looked, and merges only the regions
above them. Exact by construction: the same counting, merged (counts added, sets joined, the days to close
side by side, training hours as exact fractions). Kept per (period, day): a new period, a new day or a
restarted service counts every township once (bench/bench_province.py measures both).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from services.common.sharded_projections import kept_states, shards_under

from .. import projections
from ..domain.figures import ReadModels, Tally, merged, township_tallies
from ..domain.periods import Period

ROLLED_UP = (projections.STATIONS, projections.STAFF, projections.HOUSEHOLDS, projections.CASES,
             projections.VISITS)
NEXT_LEVEL = {2: 4, 4: 6, 6: 9}
TOWNSHIP_CODE_LENGTH = 9
KEPT_PERIODS = 6
HEAD_FIELDS = {"sharded": 1, "instance": 1, "generation": 1, "writes": 1}
TOKEN_FIELDS = {"shards": 1, "mixed": 1}


def shard_states(repo, head: dict, keys: list[str]) -> dict[str, dict]:
    """The states of a read model's shards: the copies the writer of this process holds at the version its
    head names (a shard written a moment ago is then not read back from the store), the others read."""
    states = kept_states(head, keys)
    rest = [key for key in keys if key not in states]
    if rest:
        states.update(repo.shard_states(head, rest))
    return states


def _models_of(name: str, state: dict) -> ReadModels:
    """One read model's records alone, so its township tallies count only them."""
    section = {projections.STATIONS: "stations", projections.STAFF: "staff", projections.HOUSEHOLDS: "households",
               projections.VISITS: "visits"}
    if name == projections.CASES:
        return ReadModels(cases=state.get("cases", {}), crisis=state.get("crisis", {}))
    return ReadModels(**{section[name]: state.get(section[name], {})})


class TallyCache:
    """Per (period, day): each shard's township tallies and each region's merged tally, with their keys."""

    def __init__(self, kept_periods: int = KEPT_PERIODS):
        self._groups: OrderedDict[tuple, dict] = OrderedDict()
        self._kept = kept_periods
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[tuple, dict]] = {}  # read model → (its head's write mark, shards and mixed)

    def _group(self, period: Period, today: date) -> dict:
        with self._lock:
            key = (period.start, period.end, today)
            group = self._groups.pop(key, None) or {}
            self._groups[key] = group
            while len(self._groups) > self._kept:
                self._groups.popitem(last=False)
            return group

    def tally_function(self, repo, prefix: str, period: Period, today: date):
        """`prefix → Tally` for every prefix under `prefix`, or None when a read model is not sharded
        (then the caller counts the records themselves)."""
        heads = repo.heads(ROLLED_UP, HEAD_FIELDS)
        if any(not head.get("sharded") for head in heads.values()):
            return None
        # The shard tokens are most of a head's size: read again only when a shard was written since.
        for name, head in heads.items():
            mark = (id(repo.db), head["instance"], head["generation"], head.get("writes", 0))
            known = self._tokens.get(name)
            if known is None or known[0] != mark:
                known = self._tokens[name] = (mark, repo.heads((name,), TOKEN_FIELDS).get(name) or {})
            head.update(known[1])
        group = self._group(period, today)
        marks = tuple(sorted((name, head["instance"], head["generation"], head.get("writes", 0))
                             for name, head in heads.items()))
        remembered = group.get(("answer", prefix))
        if remembered is not None and remembered[0] == marks:
            return remembered[1]  # no shard written since: the same tallies
        leaves: dict[str, list[tuple[tuple, Tally]]] = {}
        for name, head in heads.items():
            wanted = shards_under(head, prefix)
            tokens = head.get("shards", {})
            cache_key = {key: (head["instance"], head["generation"], name, key) for key in wanted}
            stale = [key for key in wanted if group.get(cache_key[key], (None,))[0] != tokens[key]]
            if stale:
                states = shard_states(repo, head, stale)
                for key in stale:
                    group[cache_key[key]] = (tokens[key], township_tallies(_models_of(name, states.get(key, {})),
                                                                           period, today))
            for key in wanted:
                token, by_township = group[cache_key[key]]
                for township, tally in by_township.items():
                    if township.startswith(prefix):
                        leaves.setdefault(township, []).append(((name, key, token), tally))
        if any(len(code) != TOWNSHIP_CODE_LENGTH for code in leaves):
            return None  # a record naming no township code: only the record-by-record count places it
        children: dict[str, set[str]] = {}
        for code in leaves:
            for length, child_length in NEXT_LEVEL.items():
                children.setdefault(code[:length], set()).add(code[:child_length])
        answers: dict[str, Tally] = {}

        def tally_of(region_prefix: str) -> Tally:
            if region_prefix not in answers:
                answers[region_prefix] = self._merged(group, region_prefix, leaves, children)[1]
            return answers[region_prefix]

        group[("answer", prefix)] = (marks, tally_of)
        return tally_of

    def _merged(self, group: dict, prefix: str, leaves: dict, children: dict) -> tuple[tuple, Tally]:
        key: tuple
        if len(prefix) >= TOWNSHIP_CODE_LENGTH:
            parts = leaves.get(prefix, [])
            key = tuple(part_key for part_key, _ in parts)
            tallies = [t for _, t in parts]
        else:
            below = sorted(children.get(prefix, ()))
            found = [self._merged(group, child, leaves, children) for child in below]
            key = tuple((child, child_key) for child, (child_key, _) in zip(below, found, strict=True))
            tallies = [t for _, t in found]
        cached = group.get(("region", prefix))
        if cached is None or cached[0] != key:
            cached = group[("region", prefix)] = (key, merged(tallies))
        return cached


TALLIES = TallyCache()
