"""inbound: casework follows the registry's stations and staff and records the volunteers' deliveries."""
from __future__ import annotations

import pytest

from services.casework.usecases import case_reads, households, inbound
from services.common.errors import NotFound, RuleViolation, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import WORKER, assessed, casework, opened, registered


def test_a_closed_station_takes_no_new_households_and_an_older_event_does_not_reopen_it():
    cw = casework()
    update = {"station_id": fx.STATION, "region_code": fx.TOWNSHIP, "changed": ["status"]}
    inbound.record_station_updated(cw, {**update, "status": "closed"}, "2030-01-02T00:00:00.000000Z")
    inbound.record_station_updated(cw, {**update, "status": "operating"}, "2030-01-01T00:00:00.000000Z")
    with pytest.raises(RuleViolation):
        households.register_household(cw, WORKER, fx.elderly_household())


def test_a_worker_who_left_can_no_longer_be_assigned():
    cw = casework()
    household = registered(cw)
    inbound.record_staff_left(cw, {"staff_id": fx.WORKER, "station_id": fx.STATION, "employment_end": "2021-01-01"})
    with pytest.raises(ValidationFailed):
        opened(cw, household)


def test_a_delivery_goes_to_the_open_case_of_its_domain_once():
    cw = casework()
    household = registered(cw)
    need_id = assessed(cw, household)["needs"][0]["need_id"]
    case = opened(cw, household)
    delivered = fx.service_delivered_event(household["id"], need_id)
    assert inbound.record_service_delivered(cw, delivered["payload"], delivered["id"]) == case["id"]
    assert inbound.record_service_delivered(cw, delivered["payload"], delivered["id"]) == "already recorded"
    assert case_reads.get_cases(cw, WORKER, [case["id"]])[0]["version"] == case["version"] + 1
    with pytest.raises(NotFound):
        inbound.record_service_delivered(cw, {**delivered["payload"], "household_id": "hh_none"}, "ev-2")


def test_without_an_open_case_a_delivery_stays_on_the_household():
    cw = casework()
    household = registered(cw)
    need_id = assessed(cw, household)["needs"][0]["need_id"]
    delivered = fx.service_delivered_event(household["id"], need_id, domain="disability")
    assert inbound.record_service_delivered(cw, delivered["payload"], delivered["id"]) == household["id"]
