"""Volunteers: registration, their record (training, certificates, background check), unmasked reads."""
from __future__ import annotations

from marshmallow import ValidationError

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.protection import mask_id_number, mask_phone
from services.common.rpc import load
from services.common.validators import within_county
from services.contracts import volunteers as events

from .. import domain, schemas
from . import Volunteering, access


def register_volunteer(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.VolunteerInputSchema, data)
    township = access.require_station_write(viewer, data["station_id"])
    protected = {
        "id_number_encrypted": ctx.cipher.encrypt(data["id_number"]),
        "id_index": ctx.cipher.blind_index(data["id_number"]),
        "id_number_masked": mask_id_number(data["id_number"]),
        "phone_encrypted": ctx.cipher.encrypt(data["phone"]),
        "phone_masked": mask_phone(data["phone"]),
    }
    volunteer = domain.new_volunteer(data, new_id("vol"), protected, clock.today())
    registered = event_by(viewer, events.VOLUNTEER_REGISTERED, {
        "volunteer_id": volunteer["_id"], "station_id": volunteer["station_id"], "township_code": township,
        "community_code": volunteer["community_code"], "skills": volunteer["skills"],
        "domains": volunteer["domains"], "background_checked": False})
    ctx.repo.volunteers.insert(volunteer, [registered],
                               duplicate_message="this person is already registered as a volunteer")
    ctx.index.mark_dirty()
    return domain.volunteer_view(ctx.repo.volunteers.require(volunteer["_id"]), viewer)


def _edit(ctx: Volunteering, viewer: Viewer, volunteer_id: str, expected: int, changes: dict) -> dict:
    access.writable(ctx.repo.volunteers, volunteer_id, viewer)
    ctx.repo.volunteers.update(volunteer_id, expected, clock.jsonable(changes))
    ctx.index.mark_dirty()
    return domain.volunteer_view(ctx.repo.volunteers.require(volunteer_id), viewer)


def update_volunteer(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.VolunteerUpdateSchema, data)
    expected = data.pop("expected_version")
    if not data:
        raise ValidationFailed.field("_schema", "nothing to change")
    changes = dict(data)
    if "availability" in data:
        domain.check_slots(data["availability"], "availability")
    if "phone" in changes:
        phone = changes.pop("phone")
        changes.update(phone_encrypted=ctx.cipher.encrypt(phone), phone_masked=mask_phone(phone))
    if "community_code" in changes:
        station_id = access.visible(ctx.repo.volunteers, volunteer_id, viewer)["station_id"]
        try:
            within_county(changes["community_code"], domain.station_township(station_id))
        except ValidationError as exc:
            raise ValidationFailed.field("community_code", exc.messages[0]) from None
        changes.update(township_code=changes["community_code"][:9], county_code=changes["community_code"][:6])
    for key in ("skills", "domains"):
        if key in changes:
            changes[key] = sorted(set(changes[key]))
    return _edit(ctx, viewer, volunteer_id, expected, changes)


def record_volunteer_training(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.VolunteerTrainingSchema, data)
    if data["date"] > clock.today():
        raise ValidationFailed.field("date", "training cannot be recorded for a future date")
    volunteer = access.visible(ctx.repo.volunteers, volunteer_id, viewer)
    entry = {"id": new_id("vtr"), "date": data["date"], "topic": data["topic"], "hours": data["hours"],
             "provider": data["provider"]}
    return _edit(ctx, viewer, volunteer_id, data["expected_version"], {"training": [*volunteer["training"], entry]})


def record_volunteer_certificate(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.VolunteerCertificateSchema, data)
    if data.get("valid_until") and data["valid_until"] < data["issued_on"]:
        raise ValidationFailed.field("valid_until", "must not be before the issue date")
    volunteer = access.visible(ctx.repo.volunteers, volunteer_id, viewer)
    entry = {"id": new_id("vct"), **{k: v for k, v in data.items() if k != "expected_version"}}
    return _edit(ctx, viewer, volunteer_id, data["expected_version"],
                 {"certificates": [*volunteer["certificates"], entry]})


def record_background_check(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.BackgroundCheckSchema, data)
    if data["checked_on"] > clock.today():
        raise ValidationFailed.field("checked_on", "cannot be in the future")
    check = {k: v for k, v in data.items() if k != "expected_version"}
    check["recorded_by"] = viewer.user_id
    return _edit(ctx, viewer, volunteer_id, data["expected_version"], {
        "background_check": check,
        "background_valid_until": domain.background_valid_until({"background_check": check}) or ""})


def reveal_volunteer_identity(ctx: Volunteering, viewer: Viewer, volunteer_id: str, reason: str) -> dict:
    volunteer = access.visible(ctx.repo.volunteers, volunteer_id, viewer)
    access.require_reveal(viewer, volunteer)
    if not reason or len(reason.strip()) < 4:
        raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
    ctx.repo.access_log.record(viewer, subject_type="volunteer", subject_id=volunteer_id,
                               fields=["id_number", "phone"], reason=reason.strip(),
                               station_id=volunteer["station_id"], region_code=volunteer["region_code"])
    return {"id_number": ctx.cipher.decrypt(volunteer["id_number_encrypted"]),
            "phone": ctx.cipher.decrypt(volunteer["phone_encrypted"])}


def access_log(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> list[dict]:
    """The first page of the kernel's access log as a list (filters: services/common/accesslog.py)."""
    return ctx.repo.access_log.page(viewer, filters or {})["items"]


def list_volunteers(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.VolunteerFilterSchema, filters or {})
    page = ctx.repo.volunteers.listing(access.readable(viewer), f, clock.today(), f["after"], f["limit"])
    return {"items": [domain.volunteer_view(d, viewer) for d in page["docs"]],
            "next_cursor": page["next_cursor"], "total": page["total"]}


def get_volunteers(ctx: Volunteering, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_batch(ctx.repo.volunteers, viewer, ids)
    return [domain.volunteer_view(found[i], viewer) if i in found else None for i in ids]
