"""The worker inbox in supervision, on the in-memory store (services/supervision/usecases/inbox.py): the viewer's
supervision follow-ups and open alerts, and supervisors' reminders, affirmations and comments on any item."""
from __future__ import annotations

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.contracts.inbox import item_key
from services.supervision.inbox_storage import INBOX_NOTES, note_id
from services.supervision.usecases import access, alerts, inbox, sessions, supervisors
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    WORKER,
    days_ago,
    events_of,
    seed_stations,
    supervision,
)

CASE_ITEM = {"source": "casework", "kind": "case_follow_up", "item_id": "cs-1", "station_id": STATION,
             "owner_id": WORKER.user_id}
CASE_KEY = item_key("casework", "case_follow_up", "cs-1")


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context)
    return context


@pytest.fixture
def supervisor(context) -> Viewer:
    registered = supervisors.register_supervisor(context, COUNTY, {
        "name": "王督导", "kind": "expert", "organisation": {"name": "督导中心"}, "region_code": "321181"})
    supervisors.assign_supervisor(context, COUNTY, registered["id"],
                                  {"station_id": STATION, "from": days_ago(60).isoformat()})
    return Viewer(registered["id"], "supervisor", station_ids=(STATION,))


def _session_with_overdue_follow_up(context, supervisor) -> dict:
    return sessions.record_session(context, supervisor, {
        "supervisor_id": supervisor.user_id, "station_id": STATION, "date": days_ago(10).isoformat(),
        "form": "on_site", "duration_minutes": 90, "topics": ["services"], "problems": ["个案记录不完整"],
        "follow_ups": [{"description": "补齐个案记录", "owner": "刘社工", "due_on": days_ago(1).isoformat()},
                       {"description": "更新需求档案", "owner": "刘社工", "due_on": days_ago(-5).isoformat()}]})


def test_follow_ups_and_open_alerts_wait_for_the_supervisor_the_station_and_the_county(context, supervisor):
    session = _session_with_overdue_follow_up(context, supervisor)
    alerts.evaluate_alerts(context, ADMIN)

    items = inbox.inbox_items(context, supervisor)["items"]
    assert [(i["kind"], i["status"]) for i in items] == [("supervision_follow_up", "overdue"), ("alert", "overdue"),
                                                         ("supervision_follow_up", "due")]
    assert items[0]["link"] == {"type": "SupervisionSession", "id": session["id"]}
    assert items[0]["id"] == session["follow_ups"][0]["follow_up_id"] and "补齐个案记录" in items[0]["title"]
    assert items[1]["link"]["type"] == "Alert" and items[1]["station_id"] == STATION
    for viewer in (WORKER, COUNTY):
        assert {i["key"] for i in inbox.inbox_items(context, viewer)["items"]} == {i["key"] for i in items}
    for viewer in (OTHER_COUNTY, EVALUATOR, Viewer("sup-2", "supervisor", station_ids=(OTHER_STATION,))):
        assert inbox.inbox_items(context, viewer)["items"] == []

    # An acknowledged alert is being handled: it leaves the inbox; a completed follow-up too.
    [alert] = alerts.list_alerts(context, COUNTY, {"status": "open"})["items"]
    alerts.acknowledge_alert(context, COUNTY, alert["id"], {"expected_version": alert["version"], "note": "已安排"})
    sessions.complete_follow_up(context, WORKER, session["id"], session["follow_ups"][0]["follow_up_id"],
                                {"expected_version": session["version"], "done_on": clock.today().isoformat(),
                                 "evidence": "记录已补齐"})
    assert [i["kind"] for i in inbox.inbox_items(context, WORKER)["items"]] == ["supervision_follow_up"]


def test_a_supervisors_reminder_and_comment_show_on_the_item_for_its_owner(context, supervisor):
    with FrozenClock(clock.utcnow()) as frozen:
        reminded = inbox.remind_inbox_item(context, supervisor, {"item": CASE_ITEM})
        at = clock.timestamp(clock.utcnow())
        frozen.advance(minutes=5)
        inbox.comment_inbox_item(context, supervisor, {"item": CASE_ITEM, "note": "请本周内完成探访"})
        inbox.affirm_inbox_item(context, COUNTY, {"item": CASE_ITEM})
    assert reminded["key"] == CASE_KEY and [a["action"] for a in reminded["actions"]] == ["remind"]

    shown = inbox.inbox_items(context, WORKER, {"items": [{"key": CASE_KEY, "station_id": STATION}]})["actions"]
    remind, comment, affirm = shown[CASE_KEY]
    assert (remind["action"], remind["by"], remind["by_name"], remind["at"]) == ("remind", supervisor.user_id,
                                                                                  "王督导", at)
    assert (comment["action"], comment["note"]) == ("comment", "请本周内完成探访")
    assert (affirm["action"], affirm["by_role"], affirm["by_name"]) == ("affirm", "county", None)
    assert [e["type"] for e in events_of(context, INBOX_NOTES, note_id(CASE_KEY, STATION))] == [
        "inbox_item.reminded", "inbox_item.commented", "inbox_item.affirmed"]
    [event] = events_of(context, INBOX_NOTES, note_id(CASE_KEY, STATION))[:1]
    assert event["payload"]["owner_id"] == WORKER.user_id and "note" not in event["payload"]

    # An evaluator reads supervisors' names masked; another county and another station see no actions.
    masked = inbox.inbox_items(context, EVALUATOR, {"items": [{"key": CASE_KEY, "station_id": STATION}]})
    assert masked["actions"][CASE_KEY][0]["by_name"] != "王督导"
    for viewer in (OTHER_COUNTY, Viewer("w-2", "station_staff", station_ids=(OTHER_STATION,))):
        assert inbox.inbox_items(context, viewer, {"items": [{"key": CASE_KEY, "station_id": STATION}]})[
            "actions"] == {}
    # The same key claimed at another station is another item: the actions stay on their own station's.
    assert inbox.inbox_items(context, ADMIN, {"items": [{"key": CASE_KEY, "station_id": OTHER_STATION}]})[
        "actions"] == {}


def test_only_the_stations_current_supervisors_and_its_county_act_on_its_items(context, supervisor):
    for outsider in (Viewer("sup-2", "supervisor", station_ids=(OTHER_STATION,)), OTHER_COUNTY, WORKER,
                     Viewer("city-1", "city", "321100"), EVALUATOR):
        with pytest.raises(PermissionDenied):
            inbox.remind_inbox_item(context, outsider, {"item": CASE_ITEM})
    with pytest.raises(NotFound):
        inbox.remind_inbox_item(context, supervisor, {"item": {**CASE_ITEM, "station_id": "ST321181999"}})
    with pytest.raises(ValidationFailed):
        inbox.comment_inbox_item(context, supervisor, {"item": CASE_ITEM})
    with pytest.raises(ValidationFailed):
        inbox.remind_inbox_item(context, supervisor, {"item": {**CASE_ITEM, "kind": "gossip"}})

    # Ending the assignment ends the right, whatever stations the supervisor's token still names.
    registered = supervisors.get_supervisors(context, COUNTY, [supervisor.user_id])[0]
    supervisors.end_supervisor_assignment(context, COUNTY, supervisor.user_id, {
        "expected_version": registered["version"], "assignment_id": registered["assignments"][0]["assignment_id"],
        "to": days_ago(1).isoformat()})
    with pytest.raises(PermissionDenied):
        inbox.remind_inbox_item(context, access.current_viewer(context, supervisor), {"item": CASE_ITEM})
    assert inbox.inbox_items(context, OTHER_COUNTY)["actions"] == {}
