"""Evaluators' scores beside the computed scorecards: one review aggregate per evaluation and subject (a
station or a contract), its indicator scores and their history inside it; each score goes out as an event."""
from __future__ import annotations

from services.common.storage import AggregateStore, Index, outbox_indexes, page_key_indexes

REVIEWS = "scorecard_reviews"

REVIEW_INDEXES = [
    Index(REVIEWS, (("subject_id", 1),)),
    *outbox_indexes(REVIEWS),
    *page_key_indexes(REVIEWS),
]


def review_id(evaluation_id: str, subject_id: str) -> str:
    return f"rev-{evaluation_id}-{subject_id}"


class ReviewRepository:
    def __init__(self, db):
        self.store = AggregateStore(db, REVIEWS, "scorecard review")

    def get(self, evaluation_id: str, subject_id: str) -> dict | None:
        return self.store.get(review_id(evaluation_id, subject_id))

    def of_subject(self, subject_id: str, evaluation_ids: list[str] | None) -> list[dict]:
        """The reviews of a station or contract, of the named evaluations only (None: of every evaluation)."""
        reviews = self.store.find({"subject_id": subject_id}, sort=[("_id", 1)])
        return [r for r in reviews if evaluation_ids is None or r["evaluation_id"] in evaluation_ids]

    def add(self, review: dict, events=()) -> dict:
        return self.store.insert(review, events, duplicate_message=f"review {review['_id']} exists already")

    def change(self, doc_id: str, expected_version: int, changes: dict, events=()) -> int:
        return self.store.update(doc_id, expected_version, changes, events)
