"""Escalation: a critical alert nobody acknowledged climbs one level up per policy period (county → city →
province), so that someone with authority over the county learns of it.

The county is where an alert is first handled (it sees its townships' stations); after
`critical_escalation_hours` without acknowledgement the alert escalates to the city, after twice that
to the province. Each step is recorded once, with the moment it fell due; acknowledging (or resolving)
the alert stops the climb. Pure: the alert, the hours and the moment go in.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.common.clock import parse_timestamp, timestamp

from .alerts import CRITICAL

CITY, PROVINCE = "city", "province"


def levels_above_county(township: str) -> list[tuple[str, str]]:
    """The levels an alert of `township` escalates to, in order, with their division codes."""
    return [(CITY, township[:4] + "00"), (PROVINCE, township[:2] + "0000")]


def escalations_due(alert: dict, hours: int, now: datetime) -> list[dict]:
    """The steps of the climb due by `now` and not recorded yet, oldest first."""
    if alert["severity"] != CRITICAL or alert["status"] != "open":
        return []
    recorded = len(alert.get("escalations") or [])
    first_seen = parse_timestamp(alert["first_seen"])
    due = []
    for step, (level, code) in enumerate(levels_above_county(alert["region_code"]), start=1):
        due_at = first_seen + timedelta(hours=hours * step)
        if step > recorded and due_at <= now:
            due.append({"level": level, "region_code": code, "due_at": timestamp(due_at),
                        "threshold_hours": hours})
    return due
