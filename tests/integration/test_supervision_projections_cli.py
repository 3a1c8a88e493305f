"""`shegong projections check|rebuild NAME` against the real registry, casework and supervision services:
the check recomputes each read model from the source services over RPC and names every difference; a
rebuild replays the producers' histories and the read model agrees with the sources again."""
from __future__ import annotations

import pytest

from services.funding.service import FundingService
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from shegong.cli import main
from tests.integration.test_supervision_rollups import casework_history
from tests.support.containers import running
from tests.support.supervision_fixtures import (
    ADMIN,
    COUNTY,
    STATION,
    household_input,
    own_port,
    producers_running,
    read_model_states,
    replace_read_model_state,
    wait_until_caught_up,
)
from tests.support.waiting import wait_for


@pytest.fixture
def platform(isolated_settings):
    with producers_running(isolated_settings) as (client, workers):
        casework_history(client, workers)
        # funding and volunteers answer the checks of the read models their events feed (none here: 0 = 0)
        with running(FundingService, settings=own_port(isolated_settings)), \
                running(VolunteersService, settings=own_port(isolated_settings)), \
                running(SupervisionService, settings=own_port(isolated_settings)):
            wait_until_caught_up()
            yield client, workers


def edit_state(name, change):
    state = read_model_states()[name]
    change(state)
    replace_read_model_state(name, state)


def test_check_finds_every_difference_and_a_rebuild_clears_them(platform, capsys):
    client, workers = platform
    assert main(["projections", "check", "all"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.count('"differences": 0') == 9  # every read model, needs too
    figures = client.supervision.rollup(ADMIN, {"region": COUNTY})

    households = read_model_states()["households"]["households"]
    moved, dropped = sorted(households)[:2]

    def damage(state):
        state["households"][moved]["registered_on"] = "1999-01-01"
        del state["households"][dropped]
        state["households"]["hh_ghost"] = {**state["households"][moved], "assessed_on": []}

    edit_state("households", damage)
    edit_state("cases", lambda state: state["cases"].clear())
    assert main(["projections", "check", "households"]) == 1
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3
    assert any(line.startswith(f"households {moved}.registered_on: read model \"1999-01-01\" != source \"")
               for line in lines)
    assert any(line.startswith(f"households {dropped}: read model null != source {{") for line in lines)
    assert any(line.startswith("households hh_ghost: read model {") and line.endswith("!= source null")
               for line in lines)
    assert main(["projections", "check", "cases"]) == 1
    assert capsys.readouterr().out.count("read model null") == 2  # both cases are missing

    assert main(["projections", "rebuild", "households"]) == 0
    assert main(["projections", "rebuild", "cases"]) == 0
    capsys.readouterr()
    assert main(["projections", "check", "all"]) == 0
    assert capsys.readouterr().out == ""
    assert client.supervision.rollup(ADMIN, {"region": COUNTY}) == figures

    # After a rebuild the read model still follows live events.
    client.casework.register_household(workers[STATION], household_input(STATION, 9))
    wait_for(lambda: client.supervision.rollup(ADMIN, {"region": COUNTY})["region"]["households"]["registered"]
             == figures["region"]["households"]["registered"] + 1)


def test_unknown_read_models_and_services_are_refused(platform, capsys):
    assert main(["projections", "check", "nonsense"]) == 2
    assert "no read model" in capsys.readouterr().err
    assert main(["projections", "rebuild", "nonsense"]) == 2
    assert main(["projections", "check", "stations", "--service", "Bad-Name"]) == 2


def approved_hours(volunteers, staff: dict) -> dict:
    """A volunteer matched to a household's need, the task done (2.5 hours) and the hours approved."""
    from tests.support.volunteers_fixtures import COMMUNITY, need, volunteer_input

    home = volunteers.register_volunteer(staff, volunteer_input(station_id=STATION))
    request = volunteers.request_matching(staff, {**need("need-cli"), "household_id": "hh-cli",
                                                  "station_id": STATION, "community_code": COMMUNITY})
    proposal = next(p for p in request["proposals"] if p["candidate_id"] == home["id"])
    accepted = volunteers.accept_proposal(staff, "need-cli", proposal["proposal_id"],
                                          {"expected_version": request["version"]})
    volunteers.complete_task(staff, "need-cli", accepted["tasks"][0]["task_id"], {
        "expected_version": accepted["version"], "started_at": "2026-05-04T09:00:00+08:00",
        "ended_at": "2026-05-04T11:30:00+08:00", "notes": "陪同就医"})
    entries = [e["entry_id"] for e in volunteers.hours_for_volunteers(staff, [home["id"]])[home["id"]]]
    version = volunteers.get_volunteers(staff, [home["id"]])[0]["version"]
    return volunteers.approve_hours(staff, home["id"], {"expected_version": version, "entry_ids": entries})


def test_volunteer_hours_are_checked_against_the_volunteers_service(platform, capsys):
    client, workers = platform
    volunteer = approved_hours(client.volunteers, workers[STATION])
    assert volunteer["approved_hours"] == 2.5
    wait_until_caught_up()
    report = client.supervision.check_read_model(ADMIN, "volunteer_hours")
    assert report["records"] == {"read_model": 1, "source": 1} and report["differences"] == []

    edit_state("volunteer_hours", lambda state: next(iter(state["hours"].values())).update(hours=9))
    assert main(["projections", "check", "volunteer_hours"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"volunteer_hours {volunteer['id']}.approved_hours: read model 9.0 != source 2.5"]
    assert main(["projections", "rebuild", "volunteer_hours"]) == 0
    assert main(["projections", "check", "volunteer_hours"]) == 0


def test_needs_are_checked_against_casework_archives_and_volunteers_deliveries(platform, capsys):
    client, workers = platform
    approved_hours(client.volunteers, workers[STATION])  # need-cli: asked for in volunteers, delivered on 4 May
    wait_until_caught_up()
    report = client.supervision.check_read_model(ADMIN, "needs")
    assert report["records"] == {"read_model": 1, "source": 1} and report["differences"] == []

    edit_state("needs", lambda state: state["needs"]["need-cli"].update(delivered_on="2020-01-01"))
    assert main(["projections", "check", "needs"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        'needs need-cli.delivered_on: read model "2020-01-01" != source "2026-05-04"']
    assert main(["projections", "rebuild", "needs"]) == 0
    assert main(["projections", "check", "needs"]) == 0
