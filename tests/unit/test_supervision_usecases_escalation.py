"""Escalation of critical alerts nobody acknowledged, on the in-memory store with a frozen clock
(services/supervision/usecases/escalation.py, domain/escalation.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import UTC, FrozenClock
from services.common.errors import PermissionDenied
from services.supervision.storage import ALERTS
from services.supervision.usecases import alerts, escalation
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    STATION,
    TOWNSHIP,
    events_of,
    seed_read_model,
    seed_stations,
    supervision,
)

CITY = Viewer("zhenjiang-official", "city", "321100")
PROVINCE = Viewer("jiangsu-official", "province", "320000")
FLAGGED = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    # The crisis was flagged at 01:00; with the 24-hour first-contact threshold it alerts from 01:00 next day.
    with FrozenClock(datetime(2026, 5, 2, 1, 30, tzinfo=UTC)) as frozen:
        yield frozen


@pytest.fixture
def context(frozen):
    context = supervision()
    seed_stations(context)
    seed_read_model(context, "cases", {"cases": {}, "crisis": {"case-1": [{
        "township": TOWNSHIP, "station": STATION, "domain": "marriage_family",
        "flagged_at": clock.timestamp(FLAGGED), "due_at": "2026-05-02T01:00:00.000000Z",
        "first_contact_at": None}]}})
    assert alerts.evaluate_alerts(context, ADMIN)["raised"] == 1
    return context


def the_alert(context, viewer=COUNTY) -> dict:
    [alert] = alerts.list_alerts(context, viewer)["items"]
    return alert


def test_an_unacknowledged_critical_alert_climbs_to_the_city_then_the_province(context, frozen):
    assert escalation.escalate_alerts(context, ADMIN) == {"escalated": 0}
    frozen.advance(hours=4)
    assert escalation.escalate_alerts(context, ADMIN) == {"escalated": 1}
    alert = the_alert(context)
    assert alert["escalation"]["level"] == "city" and alert["escalation"]["region_code"] == "321100"
    assert escalation.escalate_alerts(context, ADMIN) == {"escalated": 0}  # recorded once

    [city_feed] = alerts.list_alerts(context, CITY, {"escalated": True})["items"]
    assert city_feed["id"] == alert["id"]
    assert alerts.list_alerts(context, CITY, {"escalated": False})["items"] == []

    frozen.advance(hours=4)
    escalation.escalate_alerts(context, ADMIN)
    alert = the_alert(context, PROVINCE)
    assert [e["level"] for e in alert["escalations"]] == ["city", "province"]
    escalated = [e for e in events_of(context, ALERTS, alert["id"]) if e["type"] == "alert.escalated"]
    assert [(e["payload"]["level"], e["payload"]["escalated_to"]) for e in escalated] == [
        ("city", "321100"), ("province", "320000")]


def test_an_acknowledged_alert_does_not_escalate(context, frozen):
    alert = the_alert(context)
    alerts.acknowledge_alert(context, COUNTY, alert["id"], {"expected_version": alert["version"],
                                                            "note": "已电话联系当事人"})
    frozen.advance(hours=10)

    assert escalation.escalate_alerts(context, ADMIN) == {"escalated": 0}
    assert the_alert(context)["escalation"] is None


def test_the_escalation_time_is_policy_data_with_an_effective_date(context, frozen):
    alerts.set_alert_policy(context, COUNTY, {
        "region_code": "321181", "effective_from": "2026-01-01", "crisis_first_contact_hours": 24,
        "need_unmet_days": 30, "archive_review_months": 12, "critical_escalation_hours": 1,
        "source": "丹民〔2026〕1号"})
    frozen.advance(minutes=70)  # the alert was first seen when evaluated, 70 minutes ago

    assert escalation.escalate_alerts(context, ADMIN) == {"escalated": 1}
    assert the_alert(context)["escalation"]["threshold_hours"] == 1


def test_only_the_service_or_an_administrator_escalates(context):
    with pytest.raises(PermissionDenied):
        escalation.escalate_alerts(context, COUNTY)
