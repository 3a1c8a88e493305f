"""Alerts and their thresholds, on the in-memory store (services/supervision/usecases/alerts.py)."""
from __future__ import annotations

import pytest

from services.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.supervision.storage import ALERTS
from services.supervision.usecases import alerts
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    PUBLIC,
    STATION,
    WORKER,
    events_of,
    seed_stations,
    supervision,
)

NOT_MET = {"compliance": "not_met", "not_met_since": "2026-03-01", "compliance_as_of": "2026-03-01",
           "rules": {"venue_area": "met", "professional_staff": "not_met"}}


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context, **{STATION: NOT_MET})
    return context


def raised(context) -> dict:
    assert alerts.evaluate_alerts(context, ADMIN)["raised"] == 1
    [alert] = alerts.list_alerts(context, COUNTY)["items"]
    return alert


def test_an_evaluation_raises_one_alert_per_condition_and_says_so_once(context):
    alert = raised(context)

    assert alert["rule"] == "station_not_compliant" and alert["status"] == "open"
    assert alert["evidence"]["failing_rules"] == ["professional_staff"]
    [event] = events_of(context, ALERTS, alert["id"])
    assert event["type"] == "alert.raised" and event["payload"]["station_id"] == STATION
    assert alerts.evaluate_alerts(context, ADMIN) == {"conditions": 1, "raised": 0, "cleared": 0}


def test_a_condition_that_ended_is_noted_and_left_for_a_person_to_resolve(context):
    alert = raised(context)
    seed_stations(context)  # the station meets the rules again

    assert alerts.evaluate_alerts(context, ADMIN)["cleared"] == 1
    [again] = alerts.get_alerts(context, COUNTY, [alert["id"]])
    assert again is not None and again["condition_cleared_at"] and again["status"] == "open"


def test_alerts_are_seen_only_in_scope(context):
    alert = raised(context)

    assert alerts.list_alerts(context, OTHER_COUNTY)["total"] == 0
    assert alerts.list_alerts(context, WORKER, {"status": "active"})["total"] == 1
    assert alerts.get_alerts(context, OTHER_COUNTY, [alert["id"]]) == [None]
    with pytest.raises(PermissionDenied):
        alerts.list_alerts(context, PUBLIC)
    with pytest.raises(PermissionDenied):
        alerts.evaluate_alerts(context, COUNTY)


def test_acknowledge_then_resolve_with_who_when_and_note(context):
    alert = raised(context)

    acknowledged = alerts.acknowledge_alert(context, WORKER, alert["id"],
                                            {"expected_version": alert["version"], "note": "已联系站长"})
    resolved = alerts.resolve_alert(context, COUNTY, alert["id"],
                                    {"expected_version": acknowledged["version"], "note": "人员已补齐"})

    assert acknowledged["acknowledged"]["by"] == WORKER.user_id and resolved["status"] == "resolved"
    assert [e["type"] for e in events_of(context, ALERTS, alert["id"])] == [
        "alert.raised", "alert.acknowledged", "alert.resolved"]
    assert "note" not in events_of(context, ALERTS, alert["id"])[-1]["payload"]  # notes may name people
    with pytest.raises(Conflict):
        alerts.resolve_alert(context, COUNTY, alert["id"], {"expected_version": resolved["version"], "note": "再次"})


def test_acknowledging_is_refused_out_of_scope_read_only_or_with_bad_input(context):
    alert = raised(context)
    action = {"expected_version": alert["version"], "note": "收到"}

    with pytest.raises(NotFound):
        alerts.acknowledge_alert(context, OTHER_COUNTY, alert["id"], action)
    with pytest.raises(PermissionDenied):
        alerts.acknowledge_alert(context, EVALUATOR, alert["id"], action)
    with pytest.raises(ValidationFailed):
        alerts.acknowledge_alert(context, COUNTY, alert["id"], {"expected_version": alert["version"]})


def test_a_county_sets_its_own_thresholds_only(context):
    policy = {"region_code": "321181", "effective_from": "2026-01-01", "crisis_first_contact_hours": 12,
              "need_unmet_days": 20, "archive_review_months": 6, "source": "丹阳市民政局通知"}

    assert alerts.set_alert_policy(context, COUNTY, policy)["need_unmet_days"] == 20
    assert [p["region_code"] for p in alerts.alert_policies(context, WORKER)][-1] == "321181"
    with pytest.raises(PermissionDenied):
        alerts.set_alert_policy(context, OTHER_COUNTY, policy)
    with pytest.raises(ValidationFailed):
        alerts.set_alert_policy(context, COUNTY, {**policy, "crisis_first_contact_hours": 0})
    with pytest.raises(PermissionDenied):
        alerts.alert_policies(context, PUBLIC)
