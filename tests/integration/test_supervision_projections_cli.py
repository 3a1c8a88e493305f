"""`shegong projections check|rebuild NAME` against the real registry, casework and supervision services:
the check recomputes each read model from the source services over RPC and names every difference; a
rebuild replays the producers' histories and the read model agrees with the sources again."""
from __future__ import annotations

import pytest

from services.supervision.service import SupervisionService
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
        with running(SupervisionService, settings=own_port(isolated_settings)):
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
    assert out == "" and err.count('"differences": 0') == 5
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
