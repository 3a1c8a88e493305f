"""Station staff: members joining and leaving, their qualifications and training, their identity on request."""
from __future__ import annotations

from datetime import date

from services.common import clock, storage
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import ValidationFailed
from services.common.events import Envelope, event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import registry as events
from services.contracts.qualifications import is_professional
from services.registry import compliance as rules
from services.registry import domain, schemas

from .access import require_reveal, visible_by_id, visible_station, writable_station
from .compliance import save_station
from .context import Registry


def add_staff(context: Registry, viewer: Viewer, station_id: str, data: dict) -> dict:
    data = load(schemas.StaffInputSchema, data)
    # Adding a member commutes with any other change to the station: retried, not refused.
    return storage.retry_commuting(lambda: _add_member(context, viewer, station_id, data))


def _add_member(context: Registry, viewer: Viewer, station_id: str, data: dict) -> dict:
    station = writable_station(context, viewer, station_id)
    today = clock.today()
    if data["employment_start"] > today.replace(year=today.year + 1):
        raise ValidationFailed.field("employment_start", "more than a year in the future")
    cipher = context.cipher
    member = domain.new_staff_member(station, data, new_id("stf"), cipher.encrypt(data["id_number"]),
                                     cipher.blind_index(data["id_number"]), cipher.encrypt(data["phone"]))
    joined = event_by(viewer, events.STAFF_JOINED, {
        "staff_id": member["staff_id"], "station_id": station_id, "region_code": station["region_code"],
        "name": member["name"], "role": member["role"], "professional": is_professional(member, today),
        "employment_start": member["employment_start"]})
    change_events = [joined]
    if member.get("qualification"):
        change_events.append(_qualification_event(viewer, station, member))
    return save_station(context, viewer, station, station["_version"], {"staff": [*station["staff"], member]},
                        change_events)


def _qualification_event(viewer: Viewer, station: dict, member: dict) -> Envelope:
    return event_by(viewer, events.QUALIFICATION_RECORDED, {
        "staff_id": member["staff_id"], "station_id": station["_id"], "kind": member["qualification"]["kind"],
        "level": member["qualification"]["level"], "professional": is_professional(member, clock.today())})


def _member_for_write(context: Registry, viewer: Viewer, station_id: str, staff_id: str) -> tuple[dict, dict]:
    station = writable_station(context, viewer, station_id)
    return station, domain.find_staff(station, staff_id)


def update_staff(context: Registry, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
    data = load(schemas.StaffUpdateSchema, data)
    station, member = _member_for_write(context, viewer, station_id, staff_id)
    expected = data.pop("expected_version")
    effective_on = domain.effective_date(data.pop("effective_on", None), clock.today())
    if "phone" in data:
        phone = data.pop("phone")
        data["phone_encrypted"] = context.cipher.encrypt(phone)
        data["phone_masked"] = domain.mask_phone(phone)
    history = domain.dated_history(member, data, rules.DATED_STAFF_FIELDS, effective_on)
    updated = {**member, **data, **({"history": history} if history is not None else {})}
    return save_station(context, viewer, station, expected, {"staff": domain.replace_staff(station, updated)}, [],
                        effective_on)


def record_staff_left(context: Registry, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
    data = load(schemas.StaffLeftSchema, data)
    station, member = _member_for_write(context, viewer, station_id, staff_id)
    updated = domain.end_employment(member, data["employment_end"], data.get("reason"))
    left = event_by(viewer, events.STAFF_LEFT, {"staff_id": staff_id, "station_id": station_id,
                                                "region_code": station["region_code"],
                                                "employment_end": updated["employment_end"]})
    return save_station(context, viewer, station, data["expected_version"],
                        {"staff": domain.replace_staff(station, updated)}, [left])


def record_qualification(context: Registry, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
    data = dict(data or {})
    expected = data.pop("expected_version", None)
    if not isinstance(expected, int):
        raise ValidationFailed.field("expected_version", "required: the station version you read")
    qualification = jsonable(load(schemas.QualificationSchema, data))
    station, member = _member_for_write(context, viewer, station_id, staff_id)
    updated = {**member, "qualification": qualification}
    return save_station(context, viewer, station, expected, {"staff": domain.replace_staff(station, updated)},
                        [_qualification_event(viewer, station, updated)])


def record_training(context: Registry, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
    data = load(schemas.TrainingSchema, data)
    # A training adds to the member's record whatever else changed since the client read the
    # station: the version it names is only the first attempt's, a race is retried.
    versions = iter([data.pop("expected_version")])  # then None: the rerun reads the current version
    return storage.retry_commuting(
        lambda: _add_training(context, viewer, station_id, staff_id, data, next(versions, None)))


def _add_training(context: Registry, viewer: Viewer, station_id: str, staff_id: str, data: dict,
                  expected_version: int | None) -> dict:
    station, member = _member_for_write(context, viewer, station_id, staff_id)
    trained_on: date = data["date"]
    updated = domain.add_training(member, data, new_id("trn"), clock.today())
    recorded = event_by(viewer, events.TRAINING_RECORDED, {
        "staff_id": staff_id, "station_id": station_id, "date": trained_on, "hours": data["hours"],
        "year_total_hours": domain.training_hours_in_year(updated, trained_on.year)})
    version = station["_version"] if expected_version is None else expected_version
    return save_station(context, viewer, station, version, {"staff": domain.replace_staff(station, updated)},
                        [recorded])


def staff_for_stations(context: Registry, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
    found = visible_by_id(context, viewer, station_ids)
    today = clock.today()
    return {sid: [domain.staff_view(m, sid, today) for m in found[sid].get("staff", [])] if sid in found else []
            for sid in station_ids}


def reveal_staff_identity(context: Registry, viewer: Viewer, station_id: str, staff_id: str, reason: str) -> dict:
    station = visible_station(context, viewer, station_id)
    stated = require_reveal(viewer, station_id, station["region_code"], reason)
    member = domain.find_staff(station, staff_id)
    context.repo.access_log.record(viewer, subject_type="staff", subject_id=staff_id, fields=["id_number", "phone"],
                                   reason=stated, station_id=station_id, region_code=station["region_code"])
    return {"id_number": context.cipher.decrypt(member["id_number_encrypted"]),
            "phone": context.cipher.decrypt(member["phone_encrypted"])}
