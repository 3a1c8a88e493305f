"""What other services tell casework: the registry's stations and staff, the volunteers' delivered services."""
from __future__ import annotations

from services.common import clock
from services.common.errors import NotFound
from services.common.ids import new_id

from .. import domain
from .context import Casework
from .visits import protected_notes


def record_station(casework: Casework, payload: dict, at: str | None = None) -> None:
    repo = casework.repo
    repo.record_station(domain.station_registered(repo.station(payload["station_id"]), payload, at))


def record_station_updated(casework: Casework, payload: dict, at: str) -> None:
    """The registry's station.updated: casework follows the station's status (a closed station
    takes no new households). Order-insensitive: an older event never overwrites a newer status."""
    repo = casework.repo
    repo.record_station(domain.station_updated(repo.station(payload["station_id"]), payload, at))


def record_staff_joined(casework: Casework, payload: dict) -> None:
    casework.repo.record_staff_joined({"_id": payload["staff_id"], "station_id": payload["station_id"],
                                       "region_code": payload["region_code"], "name": payload["name"],
                                       "role": payload["role"], "professional": payload["professional"],
                                       "employment_start": payload["employment_start"]})


def record_staff_left(casework: Casework, payload: dict) -> None:
    casework.repo.record_staff_left(payload["staff_id"], payload["station_id"], payload["employment_end"])


def record_service_delivered(casework: Casework, payload: dict, event_id: str) -> str:
    """A service a volunteer, resource or charity delivered, recorded on the household's open case
    in the same domain, or — when no such case is open — on the household's own service record.
    Returns where it went. Idempotent by the delivery's task id."""
    repo = casework.repo
    household = repo.households.get(payload["household_id"])
    if household is None:
        raise NotFound(f"service delivered for unknown household {payload['household_id']}")
    task_id = payload["task_id"]
    if task_id in household.get("service_task_ids", []) or repo.cases.task_recorded(task_id):
        return "already recorded"
    case = domain.case_for_delivery(repo.cases.of_households([household["_id"]]), payload, household)
    service = {"service_id": new_id("sv"), "source": "volunteers", "activity_type": payload["service_type"],
               "delivered_on": payload["delivered_on"], "hours": payload["hours"],
               "duration_minutes": round(payload["hours"] * 60), "delivered_by": payload["delivered_by"],
               "need_ids": [payload["need_id"]], "task_id": task_id, "match_id": payload["match_id"],
               "event_id": event_id, "recorded_at": clock.timestamp(casework.now())}
    if case is not None:
        service.update(protected_notes(casework, payload.get("notes"), domain.is_crisis_case(case)))
        repo.cases.update(case["_id"], case["_version"], domain.add_case_service(case, service))
        return case["_id"]
    service.update(protected_notes(casework, payload.get("notes"), False))
    repo.households.update(household["_id"], household["_version"], {
        "services": [*household.get("services", []), service],
        "service_task_ids": [*household.get("service_task_ids", []), task_id]})
    return household["_id"]
