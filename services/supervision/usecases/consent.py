"""A withdrawn consent (casework's `consent.withdrawn`) takes the person's household out of supervision's
records at once. The read models fold the event themselves (domain/folds.py: consent_withdrawn); this is
the effect on the alerts, the records listed one by one: an alert about the household, or about one of its
needs, keeps its rule, station, dates and status (the feed's counts stay) but shows the household's
pseudonym instead of its id, drops what was said about the household (need type, severity, the reason
matching found nobody) and is marked `withdrawn`. Applying it twice changes nothing more.
"""
from __future__ import annotations

from services.common.errors import ConcurrentModification

from ..domain.folds import PSEUDONYM_PREFIX, is_withdrawn, pseudonym_of
from . import Supervision

PERSONAL_EVIDENCE = ("need_type", "severity", "last_unmet_reason")
ATTEMPTS = 3


def purge_withdrawn_household(supervision: Supervision, household_id: str, event_id: str) -> int:
    """The alerts about `household_id` purged; returns how many were changed."""
    # The same pseudonym the read models give the household on this event (a first withdrawal).
    alias = pseudonym_of({}, household_id, event_id)
    changed = 0
    for alert in supervision.repo.alerts.about_household(household_id):
        for _ in range(ATTEMPTS):  # the alert timer may change the alert's evidence meanwhile
            try:
                supervision.repo.alerts.change(alert["_id"], alert["_version"], purged(alert, household_id, alias))
                changed += 1
                break
            except ConcurrentModification:
                alert = supervision.repo.alerts.get(alert["_id"]) or alert
    return changed


def purged(alert: dict, household_id: str, alias: str) -> dict:
    evidence = {key: (None if key in PERSONAL_EVIDENCE else value) for key, value in alert["evidence"].items()}
    if evidence.get("household_id") == household_id or is_withdrawn(evidence.get("household_id")):
        evidence["household_id"] = alias
    changes: dict = {"evidence": {**evidence, "withdrawn": True}, "withdrawn": True}
    if alert["subject_type"] == "household" and not alert["subject_id"].startswith(PSEUDONYM_PREFIX):
        changes["subject_id"] = alias
    return changes
