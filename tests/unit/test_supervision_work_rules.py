"""Supervisors' work as pure rules: assignment periods, follow-up states, completing a follow-up."""
from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.supervision.domain import supervisors as rules
from services.supervision.domain.alerts import follow_up_conditions


def assignment(station="ST321181001", start="2026-01-01", end=None, assignment_id="a1"):
    return {"assignment_id": assignment_id, "station_id": station, "region_code": station[2:], "from": start, "to": end}


def test_assignment_periods_at_one_station_never_overlap():
    supervisor = {"assignments": [assignment(end="2026-03-31")]}
    assert len(rules.add_assignment(supervisor, assignment(start="2026-04-01", assignment_id="a2"))) == 2
    assert len(rules.add_assignment(supervisor, assignment("ST321181002", start="2026-02-01"))) == 2
    with pytest.raises(RuleViolation):
        rules.add_assignment(supervisor, assignment(start="2025-12-01", end="2026-01-01", assignment_id="a2"))
    with pytest.raises(ValidationFailed):
        rules.add_assignment(supervisor, assignment(start="2026-05-02", end="2026-05-01", assignment_id="a2"))
    assert rules.assigned_on(supervisor, "ST321181001", "2026-03-31")
    assert not rules.assigned_on(supervisor, "ST321181001", "2026-04-01")
    assert rules.current_station_ids({"assignments": [assignment()]}, date(2026, 6, 1)) == ["ST321181001"]
    ended = rules.end_assignment({"assignments": [assignment()]}, "a1", "2026-05-31")
    assert ended[0]["to"] == "2026-05-31" and rules.current_station_ids({"assignments": ended}, date(2026, 6, 1)) == []


def test_follow_ups_are_open_overdue_or_done():
    follow_up = {"follow_up_id": "f1", "due_on": "2026-06-10", "done_on": None, "owner": "王社工"}
    assert rules.follow_up_status(follow_up, date(2026, 6, 10)) == rules.OPEN
    assert rules.follow_up_status(follow_up, date(2026, 6, 11)) == rules.OVERDUE
    [done] = rules.complete([follow_up], "f1", "2026-06-12", "记录已补齐", "stf_1", "2026-06-01")
    assert rules.follow_up_status(done, date(2026, 7, 1)) == rules.DONE
    with pytest.raises(RuleViolation):
        rules.complete([done], "f1", "2026-06-13", "again", "stf_1", "2026-06-01")
    with pytest.raises(ValidationFailed):
        rules.complete([follow_up], "f1", "2026-05-31", "before the session", "stf_1", "2026-06-01")
    session = {"_id": "s1", "station_id": "ST321181001", "region_code": "321181001", "date": "2026-06-01",
               "supervisor_id": "sup_1", "follow_ups": [follow_up]}
    assert follow_up_conditions([session], date(2026, 6, 10)) == {}
    assert list(follow_up_conditions([session], date(2026, 6, 11))) == ["follow_up_overdue:f1"]
