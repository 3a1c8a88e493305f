"""Batch answers in the shape a DataLoader needs: one entry per requested key, in the order asked.

A batched RPC answers "records of these parents" as a mapping parent key -> records (JSON objects
cross the broker); the loader must hand back a list aligned with its keys. Both halves live here so
every service and every loader builds and reads that shape the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from operator import itemgetter
from typing import Any, TypeVar

Key = TypeVar("Key", bound=Hashable)
Item = TypeVar("Item")


def group_by(records: Iterable[Any], key: str | Callable[[Any], Key],
             keys: Iterable[Key] = ()) -> dict:
    """Records under their key (a field name or a function), each of `keys` present even when empty.

    Records keep their order within a group; a record whose key is not among `keys` still gets its
    own group (callers that filter pass only the records they mean to show).
    """
    key_of = key if callable(key) else itemgetter(key)
    groups: dict = {wanted: [] for wanted in keys}
    for record in records:
        groups.setdefault(key_of(record), []).append(record)
    return groups


def grouped(by_key: Mapping[Key, list[Item] | None], keys: Iterable[Key]) -> list[list[Item]]:
    """One list per key, in the order of `keys`; an absent key (or None) is an empty list."""
    return [list(by_key.get(wanted) or []) for wanted in keys]


def in_order(by_key: Mapping[Key, Item], keys: Iterable[Key]) -> list[Item | None]:
    """One value per key, in the order of `keys`; None where nothing was found."""
    return [by_key.get(wanted) for wanted in keys]
