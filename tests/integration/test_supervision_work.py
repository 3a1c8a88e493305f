"""Supervisors' work (督导) over the real broker and store: supervisors and their assignments, sessions
with problems and follow-ups tracked to closure (open, overdue, done), the overdue follow-up alert, and
who sees and does what (the station, its county, its supervisor)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.supervision.service import SupervisionService
from tests.support.containers import running
from tests.support.platform_client import PlatformClient
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    OTHER_STATION,
    STATION,
    county_official,
    own_port,
    producers_running,
    wait_until_caught_up,
)
from tests.support.waiting import wait_for

UNIVERSITY = {"name": "张教授", "kind": "university",
              "organisation": {"name": "江苏大学社会工作系", "credit_code": None}, "region_code": COUNTY}


@pytest.fixture
def platform(isolated_settings):
    with FrozenClock(clock.utcnow()) as frozen, producers_running(isolated_settings) as (client, workers), \
            running(SupervisionService, settings=own_port(isolated_settings)):
        wait_until_caught_up()
        yield client, workers, frozen


def day(offset: int = 0) -> str:
    return (clock.today() + timedelta(days=offset)).isoformat()


def session_input(supervisor_id, **overrides):
    return {"supervisor_id": supervisor_id, "station_id": STATION, "date": day(), "form": "on_site",
            "duration_minutes": 120, "topics": ["services", "management"],
            "problems": ["个案记录不完整", "需求档案更新滞后"],
            "follow_ups": [{"description": "补齐三个个案的服务记录", "owner": "王社工", "due_on": day(7)}], **overrides}


def test_supervisors_assignments_sessions_and_follow_ups_to_closure(platform):
    client, workers, frozen = platform
    supervision, county = client.supervision, county_official()
    supervisor = supervision.register_supervisor(county, UNIVERSITY)
    assert supervisor["name"] == "张教授" and supervisor["current_station_ids"] == []
    with pytest.raises(PermissionDenied):
        supervision.register_supervisor(county_official("321102"), UNIVERSITY)
    assert supervision.get_supervisors(county_official("321102"), [supervisor["id"]]) == [None]

    with pytest.raises(NotFound):  # a station of another county is not this county's to assign
        supervision.assign_supervisor(county, supervisor["id"], {"station_id": OTHER_STATION, "from": day(-30)})
    supervisor = supervision.assign_supervisor(county, supervisor["id"], {"station_id": STATION, "from": day(-30)})
    assert supervisor["current_station_ids"] == [STATION]
    with pytest.raises(RuleViolation):
        supervision.assign_supervisor(county, supervisor["id"], {"station_id": STATION, "from": day(-5),
                                                                 "to": day(30)})
    me = Viewer(supervisor["id"], "supervisor", None, (STATION,)).to_dict()
    someone_else = Viewer("sup_other", "supervisor", None, (STATION,)).to_dict()

    with pytest.raises(PermissionDenied):
        supervision.record_session(someone_else, session_input(supervisor["id"]))
    with pytest.raises(PermissionDenied):
        supervision.record_session(workers[STATION], session_input(supervisor["id"]))
    with pytest.raises(PermissionDenied):  # before the assignment began
        supervision.record_session(me, session_input(supervisor["id"], date=day(-31)))
    with pytest.raises(ValidationFailed):
        supervision.record_session(me, session_input(supervisor["id"], date=day(1)))
    session = supervision.record_session(me, session_input(supervisor["id"]))
    assert session["region_code"] == STATION[2:] and session["topics"] == ["management", "services"]
    [follow_up] = session["follow_ups"]
    assert follow_up["status"] == "open" and follow_up["owner"] == "王社工"

    # The station, its county and its supervisor see it; another station and another county do not.
    for viewer in (workers[STATION], county, me, ADMIN):
        assert [s["id"] for s in supervision.list_sessions(viewer, {})["items"]] == [session["id"]]
    for viewer in (workers[OTHER_STATION], county_official("321102")):
        assert supervision.list_sessions(viewer, {})["items"] == []
    evaluator = supervision.list_sessions(Viewer("e", "evaluator", "321100").to_dict(), {})["items"][0]
    assert evaluator["problems"] is None and evaluator["follow_ups"][0]["description"] is None
    assert evaluator["follow_ups"][0]["owner"] != "王社工"

    frozen.advance(days=8)
    [pending] = supervision.list_sessions(county, {"open_follow_ups": True})["items"]
    assert pending["follow_ups"][0]["status"] == "overdue"
    supervision.evaluate_alerts(ADMIN)
    [alert] = supervision.list_alerts(county, {"rule": "follow_up_overdue"})["items"]
    assert alert["subject_id"] == follow_up["follow_up_id"] and alert["evidence"]["due_on"] == day(-1)
    assert alert["station_id"] == STATION and alert["severity"] == "medium"

    with pytest.raises(NotFound):
        supervision.complete_follow_up(workers[OTHER_STATION], session["id"], follow_up["follow_up_id"],
                                       {"expected_version": 1, "done_on": day(), "evidence": "已补齐"})
    done = supervision.complete_follow_up(workers[STATION], session["id"], follow_up["follow_up_id"],
                                          {"expected_version": session["version"], "done_on": day(),
                                           "evidence": "三个个案的服务记录已补齐，督导已抽查"})
    assert done["follow_ups"][0]["status"] == "done" and done["follow_ups"][0]["done_by"] == workers[STATION]["user_id"]
    with pytest.raises(RuleViolation):
        supervision.complete_follow_up(me, session["id"], follow_up["follow_up_id"],
                                       {"expected_version": done["version"], "done_on": day(), "evidence": "再次"})
    assert supervision.list_sessions(county, {"open_follow_ups": True})["items"] == []
    supervision.evaluate_alerts(ADMIN)
    assert supervision.list_alerts(county, {"rule": "follow_up_overdue"})["items"][0]["condition_cleared_at"]

    # Ending the assignment ends the supervisor's right to record sessions there.
    supervisor = supervision.get_supervisors(county, [supervisor["id"]])[0]
    ended = supervision.end_supervisor_assignment(county, supervisor["id"], {
        "expected_version": supervisor["version"], "assignment_id": supervisor["assignments"][0]["assignment_id"],
        "to": day(-1)})
    assert ended["current_station_ids"] == [] and ended["assignments"][0]["to"] == day(-1)
    # The station has left the supervisor's scope with it (the token still names it): as if unknown.
    with pytest.raises(NotFound):
        supervision.record_session(me, session_input(supervisor["id"]))
    assert supervision.list_sessions(me, {})["items"] == []
    assert [s["id"] for s in supervision.list_supervisors(county, {})["items"]] == [supervisor["id"]]
    assert supervision.list_supervisors(workers[OTHER_STATION], {})["items"] == []
    # The relay appends to the event log after the write commits: wait for it, within a bound.
    expected = {"supervisor.assigned", "supervision_session.recorded", "supervision_follow_up.completed"}

    def published() -> set[str]:
        return {i["envelope"]["type"] for i in supervision.events_since(ADMIN, 0, 500)["items"]}

    wait_for(lambda: expected <= published(), timeout=15)
    assert expected <= published()


SESSIONS = """{ supervisionSessions(first: 10) {
               totalCount items { date form topics station { id } supervisor { name kind }
               followUps { status owner dueOn } } } }"""


def test_the_gateway_lists_sessions_with_their_supervisor_and_station(platform, isolated_settings):
    from gateway.service import GatewayService
    from tests.support.infrastructure import wait_for_port

    client, _, _ = platform
    county = county_official()
    supervisor = client.supervision.register_supervisor(county, UNIVERSITY)
    client.supervision.assign_supervisor(county, supervisor["id"], {"station_id": STATION, "from": day(-30)})
    client.supervision.record_session(county, session_input(supervisor["id"]))
    client.supervision.record_session(county, session_input(supervisor["id"], form="remote", date=day(-1)))
    gateway = own_port(isolated_settings)
    with running(GatewayService, settings=gateway):
        wait_for_port(gateway.http_port)
        county = PlatformClient(f"http://127.0.0.1:{gateway.http_port}/graphql", settings=isolated_settings)
        body = county.gql(SESSIONS, token=county.mint("county", "county", "official", region=COUNTY))
        assert "errors" not in body, body
        page = body["data"]["supervisionSessions"]
        assert page["totalCount"] == 2 and {s["form"] for s in page["items"]} == {"ON_SITE", "REMOTE"}
        assert all(s["supervisor"] == {"name": "张教授", "kind": "UNIVERSITY"} and s["station"]["id"] == STATION
                   for s in page["items"])
        assert body["extensions"]["rpcCalls"] <= 3  # the page, one supervisors batch, one stations batch
