"""Supervisors' actions on worker inbox items: one aggregate per item and station (its id says which), holding
the reminders, affirmations and comments in the order they were made."""
from __future__ import annotations

from services.common.storage import AggregateStore, Index, outbox_indexes, page_key_indexes

INBOX_NOTES = "inbox_notes"

INBOX_INDEXES = [
    Index(INBOX_NOTES, (("station_id", 1),)),
    *outbox_indexes(INBOX_NOTES),
    *page_key_indexes(INBOX_NOTES),
]


def note_id(item_key: str, station_id: str) -> str:
    """The station is part of the id: an action names the station of its item, and only that item shows it."""
    return f"{item_key}@{station_id}"


class InboxNoteRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, INBOX_NOTES, "inbox item note")

    def get(self, item_key: str, station_id: str) -> dict | None:
        return self.store.get(note_id(item_key, station_id))

    def of_items(self, items: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The notes of these (item key, station id) pairs that exist, by pair."""
        found = self.store.find({"_id": {"$in": [note_id(key, station) for key, station in items]}})
        return {(d["item_key"], d["station_id"]): d for d in found}

    def add(self, note: dict, events=()) -> dict:
        return self.store.insert(note, events, duplicate_message=f"inbox item note {note['_id']} exists already")

    def change(self, item_key: str, station_id: str, expected_version: int, changes: dict, events=()) -> int:
        return self.store.update(note_id(item_key, station_id), expected_version, changes, events)
