"""crisis: a crisis is worked on by its team only, and a missed 24-hour first contact is published once."""
from __future__ import annotations

import pytest

from services.casework.usecases import crisis, visits
from services.common import clock
from services.common.clock import FrozenClock
from services.common.errors import PermissionDenied, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import ADMIN, COLLEAGUE, WORKER, case_event_types, casework, opened, registered


def test_a_flagged_crisis_is_published_and_closed_to_colleagues():
    cw = casework()
    case = opened(cw, registered(cw))
    case = crisis.flag_crisis(cw, WORKER, case["id"], {"expected_version": case["version"], "notes": "独居老人跌倒"})
    assert case["crisis"]["state"] == "awaiting_contact"
    assert case_event_types(cw, case["id"])[-1] == "crisis.flagged"
    with pytest.raises(PermissionDenied):
        crisis.resolve_crisis(cw, COLLEAGUE, case["id"], {"expected_version": case["version"], "note": "已联系并安置"})
    with pytest.raises(ValidationFailed):
        crisis.flag_crisis(cw, WORKER, case["id"], {"expected_version": case["version"], "notes": ""})


def test_the_sweep_reports_a_missed_first_contact_once():
    cw = casework()
    with FrozenClock(clock.utcnow()) as frozen:
        case = opened(cw, registered(cw), crisis={"notes": "家暴求助"})
        assert crisis.sweep_crisis_contacts(cw, ADMIN) == []
        frozen.advance(hours=25)
        assert crisis.sweep_crisis_contacts(cw, ADMIN) == [case["id"]]
        assert crisis.sweep_crisis_contacts(cw, ADMIN) == []
    assert case_event_types(cw, case["id"]) == ["case.opened", "crisis.flagged", "crisis.contact_overdue"]


def test_a_late_first_contact_records_the_breach_itself_and_the_crisis_resolves():
    cw = casework()
    with FrozenClock(clock.utcnow()) as frozen:
        case = opened(cw, registered(cw), crisis={"notes": "家暴求助"})
        frozen.advance(hours=30)
        visits.log_case_visit(cw, WORKER, case["id"], fx.visit(case["version"], clock.today().isoformat()))
        assert case_event_types(cw, case["id"])[-2:] == ["visit.logged", "crisis.contact_overdue"]
        assert crisis.sweep_crisis_contacts(cw, ADMIN) == []
        resolved = crisis.resolve_crisis(cw, WORKER, case["id"], {"expected_version": case["version"] + 1,
                                                                  "note": "已联系并安置"})
    assert resolved["crisis"]["state"] == "resolved"
