"""The volunteers service's use cases: validate, apply the domain rules, store state with its events.

Every write is one single-document change (with its outbox) checked against a version: the
caller's `expected_version` for user edits, the version just read for arithmetic on shared
records (stock, a volunteer's hours and load), which is then retried on a concurrent change so
the rule is re-checked against the newer state. Where one action touches two aggregates
(accepting a proposal reserves the volunteer, then records the task on the need), the first step
is keyed by an id derived from the proposal, so a retry after a failure lands on the same record,
and a failed second step undoes the first.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from marshmallow import ValidationError

from services.common import clock
from services.common.auth import PUBLIC, Viewer, region_prefix
from services.common.config import settings
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from services.common.events import Envelope, new_event
from services.common.filters import prefix_range
from services.common.ids import new_id
from services.common.observability import current_correlation_id
from services.common.protection import FieldCipher, mask_id_number, mask_name, mask_phone
from services.common.rpc import load
from services.common.scope import load_for_write, load_in_scope
from services.common.storage import all_of
from services.common.validators import within_county
from services.contracts import volunteers as events
from services.contracts.vocabulary import DOMAINS

from . import certificates, directory, domain, matching, places, schemas
from .candidates import CandidateIndex
from .storage import VolunteersRepository

RETRIES = 8


def retrying(operation):
    """Run a read-check-write on a shared aggregate until no concurrent writer got in between."""
    for _ in range(RETRIES):
        try:
            return operation()
        except ConcurrentModification:
            continue
    raise ConcurrentModification("the record is changing too fast; try again")


class Volunteering:
    def __init__(self, repository: VolunteersRepository, index: CandidateIndex | None = None,
                 cipher: FieldCipher | None = None):
        self.repo = repository
        self.index = index or CandidateIndex(repository.db)
        self.cipher = cipher or FieldCipher()
        self.certificate_key = certificates.certificate_key(settings().token_secret)

    # --- helpers ------------------------------------------------------------------------
    def _event(self, contract, payload: dict, viewer: Viewer) -> Envelope:
        return new_event(contract, domain.jsonable(payload), correlation_id=current_correlation_id(),
                         actor={"user_id": viewer.user_id, "role": viewer.role})

    @staticmethod
    def _scope(viewer: Viewer) -> dict:
        return viewer.station_filter(region_field="region_code", id_field="station_id")

    @staticmethod
    def _region_query(region: str | None) -> dict:
        if not region:
            return {}
        if len(region) == 12:
            return {"community_code": region}
        return {"region_code": prefix_range(region_prefix(region))}

    @staticmethod
    def _visible(store, doc_id: str, viewer: Viewer) -> dict:
        return load_in_scope(viewer, store.get(doc_id) if isinstance(doc_id, str) else None, store.label, doc_id)

    @staticmethod
    def _require_write(viewer: Viewer, doc: dict) -> None:
        viewer.require_write(station_id=doc["station_id"], region_code=doc["region_code"])

    def _batch(self, store, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
        docs = store.find({"_id": {"$in": [i for i in ids if isinstance(i, str)]}})
        return {d["_id"]: d for d in docs if viewer.sees_station(d["station_id"], d["region_code"])}

    @staticmethod
    def _check_version(doc: dict, expected: int) -> None:
        """Before side effects on other aggregates: a stale caller fails early, with nothing done."""
        if doc["_version"] != expected:
            raise ConcurrentModification(f"{doc['_id']} was changed by someone else (expected version {expected}, "
                                         f"now {doc['_version']}); read it again and retry")

    # === volunteers =====================================================================
    def register_volunteer(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.VolunteerInputSchema, data)
        township = domain.station_township(data["station_id"])
        viewer.require_write(station_id=data["station_id"], region_code=township)
        protected = {
            "id_number_encrypted": self.cipher.encrypt(data["id_number"]),
            "id_index": self.cipher.blind_index(data["id_number"]),
            "id_number_masked": mask_id_number(data["id_number"]),
            "phone_encrypted": self.cipher.encrypt(data["phone"]),
            "phone_masked": mask_phone(data["phone"]),
        }
        volunteer = domain.new_volunteer(data, new_id("vol"), protected, clock.today())
        registered = self._event(events.VOLUNTEER_REGISTERED, {
            "volunteer_id": volunteer["_id"], "station_id": volunteer["station_id"], "township_code": township,
            "community_code": volunteer["community_code"], "skills": volunteer["skills"],
            "domains": volunteer["domains"], "background_checked": False}, viewer)
        self.repo.volunteers.insert(volunteer, [registered],
                                    duplicate_message="this person is already registered as a volunteer")
        self.index.mark_dirty()
        return self._volunteer_view(viewer, self.repo.volunteers.require(volunteer["_id"]))

    def _volunteer_view(self, viewer: Viewer, doc: dict) -> dict:
        return domain.volunteer_view(doc, viewer)

    def _edit_volunteer(self, viewer: Viewer, volunteer_id: str, expected: int, changes: dict,
                        change_events=()) -> dict:
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        self._require_write(viewer, volunteer)
        self.repo.volunteers.update(volunteer_id, expected, domain.jsonable(changes), list(change_events))
        self.index.mark_dirty()
        return self._volunteer_view(viewer, self.repo.volunteers.require(volunteer_id))

    def update_volunteer(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.VolunteerUpdateSchema, data)
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        changes = dict(data)
        if "availability" in data:
            domain.check_slots(data["availability"], "availability")
        if "phone" in changes:
            phone = changes.pop("phone")
            changes.update(phone_encrypted=self.cipher.encrypt(phone), phone_masked=mask_phone(phone))
        if "community_code" in changes:
            station_id = self._visible(self.repo.volunteers, volunteer_id, viewer)["station_id"]
            try:
                within_county(changes["community_code"], domain.station_township(station_id))
            except ValidationError as exc:
                raise ValidationFailed.field("community_code", exc.messages[0]) from None
            changes.update(township_code=changes["community_code"][:9], county_code=changes["community_code"][:6])
        for key in ("skills", "domains"):
            if key in changes:
                changes[key] = sorted(set(changes[key]))
        return self._edit_volunteer(viewer, volunteer_id, expected, changes)

    def record_volunteer_training(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.VolunteerTrainingSchema, data)
        if data["date"] > clock.today():
            raise ValidationFailed.field("date", "training cannot be recorded for a future date")
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        entry = {"id": new_id("vtr"), "date": data["date"], "topic": data["topic"], "hours": data["hours"],
                 "provider": data["provider"]}
        return self._edit_volunteer(viewer, volunteer_id, data["expected_version"],
                                    {"training": [*volunteer["training"], entry]})

    def record_volunteer_certificate(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.VolunteerCertificateSchema, data)
        if data.get("valid_until") and data["valid_until"] < data["issued_on"]:
            raise ValidationFailed.field("valid_until", "must not be before the issue date")
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        entry = {"id": new_id("vct"), **{k: v for k, v in data.items() if k != "expected_version"}}
        return self._edit_volunteer(viewer, volunteer_id, data["expected_version"],
                                    {"certificates": [*volunteer["certificates"], entry]})

    def record_background_check(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.BackgroundCheckSchema, data)
        if data["checked_on"] > clock.today():
            raise ValidationFailed.field("checked_on", "cannot be in the future")
        check = {k: v for k, v in data.items() if k != "expected_version"}
        check["recorded_by"] = viewer.user_id
        return self._edit_volunteer(viewer, volunteer_id, data["expected_version"], {
            "background_check": check,
            "background_valid_until": domain.background_valid_until({"background_check": check})
            or ""})

    def reveal_volunteer_identity(self, viewer: Viewer, volunteer_id: str, reason: str) -> dict:
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        if not viewer.may_reveal_personal_data(volunteer["station_id"], volunteer["region_code"]):
            raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
        if not reason or len(reason.strip()) < 4:
            raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
        self.repo.access_log.record(viewer, subject_type="volunteer", subject_id=volunteer_id,
                                    fields=["id_number", "phone"], reason=reason.strip(),
                                    station_id=volunteer["station_id"], region_code=volunteer["region_code"])
        return {"id_number": self.cipher.decrypt(volunteer["id_number_encrypted"]),
                "phone": self.cipher.decrypt(volunteer["phone_encrypted"])}

    def access_log(self, viewer: Viewer, filters: dict | None) -> list[dict]:
        f = load(schemas.AccessLogFilterSchema, filters or {})
        return self.repo.access_log.entries(viewer, subject_id=f.get("subject_id"), user_id=f.get("user_id"),
                                            limit=f["limit"])

    def list_volunteers(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.VolunteerFilterSchema, filters or {})
        conditions = [self._scope(viewer), self._region_query(f["region"])]
        if f["station_id"]:
            conditions.append({"station_id": f["station_id"]})
        if f["skill"]:
            conditions.append({"skills": {"$in": [f["skill"]]}})
        if f["domain"]:
            conditions.append({"domains": {"$in": [f["domain"]]}})
        if f["status"]:
            conditions.append({"status": f["status"]})
        if f["background_checked"] is not None:
            today = clock.today().isoformat()
            conditions.append({"background_valid_until": {"$gte" if f["background_checked"] else "$lt": today}})
        page = self.repo.page(self.repo.volunteers, all_of(*conditions), f["after"], f["limit"])
        return {"items": [self._volunteer_view(viewer, d) for d in page["docs"]],
                "next_cursor": page["next_cursor"], "total": page["total"]}

    def get_volunteers(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._batch(self.repo.volunteers, viewer, ids)
        return [self._volunteer_view(viewer, found[i]) if i in found else None for i in ids]

    def hours_for_volunteers(self, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
        found = self._batch(self.repo.volunteers, viewer, volunteer_ids)
        return {vid: [domain.hours_view(found[vid], e) for e in found[vid]["hours"]] if vid in found else []
                for vid in volunteer_ids}

    # === hours and certificates =========================================================
    def log_hours(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.LogHoursSchema, data)
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        self._require_write(viewer, volunteer)
        need = self.repo.needs.get(data["need_id"])
        task = next((t for t in (need or {}).get("tasks", []) if t["task_id"] == data["task_id"]), None)
        if task is None or task["kind"] != "volunteer" or task["candidate_id"] != volunteer_id:
            raise ValidationFailed.field("task_id", "not a task of this volunteer")
        entry = self._hours_entry(new_id("hrs"), need, task, data["started_at"], data["ended_at"], data["activity"],
                                  viewer)
        self._record_hours(volunteer_id, entry, release_task_id=None)
        return domain.hours_view(self.repo.volunteers.require(volunteer_id), entry)

    @staticmethod
    def _hours_entry(entry_id, need, task, started_at, ended_at, activity, viewer) -> dict:
        start, end = domain.local_iso(started_at), domain.local_iso(ended_at)
        if end <= start:
            raise ValidationFailed.field("ended_at", "must be after the start")
        if domain.as_aware(ended_at) > clock.utcnow():
            raise ValidationFailed.field("ended_at", "hours are logged after the service, not in advance")
        return {"entry_id": entry_id, "task_id": task["task_id"], "need_id": need["_id"],
                "station_id": need["station_id"], "start": start, "end": end,
                "hours": domain.hours_between(started_at, ended_at), "activity": activity, "status": "pending",
                "logged_by": viewer.user_id, "logged_at": clock.iso(clock.utcnow()), "decided_by": None,
                "decided_at": None, "reason": None}

    def _record_hours(self, volunteer_id: str, entry: dict, release_task_id: str | None) -> None:
        def write():
            volunteer = self.repo.volunteers.require(volunteer_id)
            changes = {"hours": domain.log_hours(volunteer, entry)}
            if release_task_id:
                changes["open_tasks"] = domain.release_task(volunteer, release_task_id)
            if changes["hours"] is volunteer["hours"] and changes.get("open_tasks", volunteer["open_tasks"]) \
                    == volunteer["open_tasks"]:
                return  # already recorded by an earlier attempt
            self.repo.volunteers.update(volunteer_id, volunteer["_version"], changes)
        retrying(write)
        self.index.mark_dirty()

    def _decide_hours(self, viewer: Viewer, volunteer_id: str, data: dict, approve: bool) -> dict:
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        self._require_write(viewer, volunteer)
        if not approve and not data.get("reason"):
            raise ValidationFailed.field("reason", "say why the hours are rejected")
        hours, moved, total = domain.decide_hours(volunteer, data["entry_ids"], approve, viewer.user_id,
                                                  clock.iso(clock.utcnow()), data.get("reason"))
        change_events = []
        if approve:
            change_events.append(self._event(events.HOURS_APPROVED, {
                "volunteer_id": volunteer_id, "station_id": volunteer["station_id"],
                "township_code": volunteer["region_code"], "entry_ids": sorted(data["entry_ids"]), "hours": moved,
                "total_approved_hours": total}, viewer))
        self.repo.volunteers.update(volunteer_id, data["expected_version"], {"hours": hours, "approved_hours": total},
                                    change_events)
        return self._volunteer_view(viewer, self.repo.volunteers.require(volunteer_id))

    def approve_hours(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        return self._decide_hours(viewer, volunteer_id, load(schemas.DecideHoursSchema, data), approve=True)

    def reject_hours(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        return self._decide_hours(viewer, volunteer_id, load(schemas.DecideHoursSchema, data), approve=False)

    def issue_certificate(self, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
        data = load(schemas.CertificateRequestSchema, data)
        volunteer = self._visible(self.repo.volunteers, volunteer_id, viewer)
        self._require_write(viewer, volunteer)
        start, end = data["period_from"].isoformat(), data["period_to"].isoformat()
        entries = [e for e in volunteer["hours"] if e["status"] == "approved" and start <= e["start"][:10] <= end]
        if not entries:
            raise RuleViolation(f"no approved service hours between {start} and {end}",
                                {"from": ["no approved hours in this period"]})
        certificate_id = new_id("cert")
        content = certificates.build_content(certificate_id, volunteer, entries, (start, end),
                                             clock.today().isoformat(), volunteer["station_id"])
        code = certificates.verification_code(self.certificate_key, content)
        self.repo.certificates.insert({
            "_id": certificate_id, "volunteer_id": volunteer_id, "station_id": volunteer["station_id"],
            "region_code": volunteer["region_code"], "content": content, "verification_code": code,
            "issued_by": viewer.user_id, "issued_at": clock.iso(clock.utcnow())})
        return {"certificate_id": certificate_id, "content": content, "verification_code": code,
                "text": certificates.render_text(content, code)}

    def verify_certificate(self, viewer: Viewer, data: dict) -> dict:
        """Anyone holding a certificate may check it: the code must fit the content, and the
        platform must have issued exactly that document."""
        data = load(schemas.VerifyCertificateSchema, data)
        content, code = data["content"], data["verification_code"].strip().upper()
        if not certificates.verify(self.certificate_key, content, code):
            return {"valid": False, "reason": "the verification code does not match this content"}
        stored = self.repo.certificates.find({"verification_code": code}, limit=1)
        if not stored or stored[0]["content"] != content:
            return {"valid": False, "reason": "no certificate with this code was issued"}
        if stored[0].get("revoked"):
            return certificates.revoked_answer(stored[0])
        return {"valid": True, "reason": None, "certificate_id": stored[0]["_id"],
                "volunteer_name": mask_name(content["volunteer"]["name"]), "total_hours": content["total_hours"],
                "issued_on": content["issued_on"], "issued_by": content["issued_by"]}

    def revoke_certificate(self, viewer: Viewer, certificate_id: str, data: dict) -> dict:
        """Revoke an issued certificate (issued in error, hours later rejected …): verifying it then
        answers that it was revoked, when and why. Publishes certificate.revoked."""
        data = load(schemas.RevokeCertificateSchema, data)
        certificate = self._visible(self.repo.certificates, certificate_id, viewer)
        self._require_write(viewer, certificate)
        at = clock.iso(clock.utcnow())
        changes = certificates.revoke(certificate, data["reason"], viewer.user_id, at, clock.today().isoformat())
        revoked = self._event(events.CERTIFICATE_REVOKED, {
            "certificate_id": certificate_id, "volunteer_id": certificate["volunteer_id"],
            "station_id": certificate["station_id"], "reason": data["reason"], "revoked_at": at}, viewer)
        self.repo.certificates.update(certificate_id, certificate["_version"], changes, [revoked])
        return {"certificate_id": certificate_id, "revoked": True, "revoked_on": changes["revoked"]["on"],
                "reason": data["reason"]}

    # === teams ==========================================================================
    def _check_members(self, viewer: Viewer, station_id: str, leader_id: str, member_ids: list[str]) -> list[str]:
        members = sorted(set(member_ids) | {leader_id})
        found = self._batch(self.repo.volunteers, viewer, members)
        unknown = [m for m in members if m not in found]
        if unknown:
            raise ValidationFailed.field("member_ids", f"unknown volunteer(s): {', '.join(unknown)}")
        elsewhere = [m for m in members if found[m]["station_id"] != station_id]
        if elsewhere:
            raise ValidationFailed.field("member_ids", f"registered at another station: {', '.join(elsewhere)}")
        return members

    def create_team(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.TeamInputSchema, data)
        township = domain.station_township(data["station_id"])
        viewer.require_write(station_id=data["station_id"], region_code=township)
        members = self._check_members(viewer, data["station_id"], data["leader_id"], data["member_ids"])
        team = {"_id": new_id("team"), "station_id": data["station_id"], "region_code": township,
                "name": data["name"], "domains": sorted(set(data["domains"])), "leader_id": data["leader_id"],
                "member_ids": members, "status": "active", "training_sessions": [], "supervision_records": []}
        self.repo.teams.insert(team)
        return domain.team_view(self.repo.teams.require(team["_id"]))

    def _edit_team(self, viewer: Viewer, team_id: str, expected: int, build) -> dict:
        team = self._visible(self.repo.teams, team_id, viewer)
        self._require_write(viewer, team)
        self.repo.teams.update(team_id, expected, domain.jsonable(build(team)))
        return domain.team_view(self.repo.teams.require(team_id))

    def update_team(self, viewer: Viewer, team_id: str, data: dict) -> dict:
        data = load(schemas.TeamUpdateSchema, data)
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")

        def build(team):
            changes = dict(data)
            if "leader_id" in data or "member_ids" in data:
                changes["leader_id"] = data.get("leader_id", team["leader_id"])
                changes["member_ids"] = self._check_members(viewer, team["station_id"], changes["leader_id"],
                                                            data.get("member_ids", team["member_ids"]))
            return changes
        return self._edit_team(viewer, team_id, expected, build)

    def record_team_training(self, viewer: Viewer, team_id: str, data: dict) -> dict:
        data = load(schemas.TeamTrainingSchema, data)
        if data["date"] > clock.today():
            raise ValidationFailed.field("date", "training cannot be recorded for a future date")

        def build(team):
            outsiders = sorted(set(data["attendee_ids"]) - set(team["member_ids"]))
            if outsiders:
                raise ValidationFailed.field("attendee_ids", f"not members of the team: {', '.join(outsiders)}")
            session = {"session_id": new_id("tss"), **{k: v for k, v in data.items() if k != "expected_version"}}
            return {"training_sessions": [*team["training_sessions"], session]}
        return self._edit_team(viewer, team_id, data["expected_version"], build)

    def record_supervision(self, viewer: Viewer, team_id: str, data: dict) -> dict:
        data = load(schemas.SupervisionSchema, data)
        if data["date"] > clock.today():
            raise ValidationFailed.field("date", "cannot be in the future")

        def build(team):
            record = {"record_id": new_id("sup"), "recorded_by": viewer.user_id,
                      **{k: v for k, v in data.items() if k != "expected_version"}}
            return {"supervision_records": [*team["supervision_records"], record]}
        return self._edit_team(viewer, team_id, data["expected_version"], build)

    def list_teams(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.TeamFilterSchema, filters or {})
        query = all_of(self._scope(viewer), {"station_id": f["station_id"]} if f["station_id"] else {})
        page = self.repo.page(self.repo.teams, query, f["after"], f["limit"])
        return {"items": [domain.team_view(d) for d in page["docs"]], "next_cursor": page["next_cursor"],
                "total": page["total"]}

    def get_teams(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._batch(self.repo.teams, viewer, ids)
        return [domain.team_view(found[i]) if i in found else None for i in ids]

    def teams_for_volunteers(self, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
        docs = self.repo.teams.find(all_of(self._scope(viewer), {"member_ids": {"$in": list(volunteer_ids)}}))
        result: dict[str, list[dict]] = {vid: [] for vid in volunteer_ids}
        for team in docs:
            for vid in team["member_ids"]:
                if vid in result:
                    result[vid].append(domain.team_view(team))
        return result

    # === resource library ===============================================================
    def register_resource(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.ResourceInputSchema, data)
        township = domain.station_township(data["station_id"])
        viewer.require_write(station_id=data["station_id"], region_code=township)
        resource = domain.new_resource(data, new_id("res"), [new_id("svc") for _ in data["services"]], clock.today())
        registered = self._event(events.RESOURCE_REGISTERED, {
            "resource_id": resource["_id"], "kind": resource["kind"], "category": resource["category"],
            "name": resource["name"], "credit_code": resource["credit_code"], "station_id": resource["station_id"],
            "township_code": resource["township_code"], "community_code": resource["community_code"],
            "domains": resource["domains"], "next_review_due": resource["next_review_due"]}, viewer)
        self.repo.resources.insert(resource, [registered])
        self.index.mark_dirty()
        return domain.resource_view(self.repo.resources.require(resource["_id"]), clock.today())

    def update_resource(self, viewer: Viewer, resource_id: str, data: dict) -> dict:
        data = load(schemas.ResourceUpdateSchema, data)
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        resource = self._visible(self.repo.resources, resource_id, viewer)
        self._require_write(viewer, resource)
        changes = dict(data)
        if "services" in data:
            # A service keeps its id when its name stays, so tasks it holds still point at it.
            ids_by_name = {s["name"]: s["service_id"] for s in resource["services"]}
            services = []
            for service in data["services"]:
                domain.check_slots(service["opening_hours"], "services.opening_hours")
                services.append({**service, "service_id": ids_by_name.get(service["name"]) or new_id("svc")})
            held = {t["service_id"] for t in resource["open_tasks"]} - {s["service_id"] for s in services}
            if held:
                raise RuleViolation("a service with open tasks cannot be removed; complete its tasks first",
                                    {"services": ["a removed service still holds tasks"]})
            changes["services"] = services
            changes["domains"] = sorted({s["domain"] for s in services})
        self.repo.resources.update(resource_id, expected, domain.jsonable(changes))
        self.index.mark_dirty()
        return domain.resource_view(self.repo.resources.require(resource_id), clock.today())

    def review_resource(self, viewer: Viewer, resource_id: str, data: dict) -> dict:
        data = load(schemas.ReviewSchema, data)
        resource = self._visible(self.repo.resources, resource_id, viewer)
        self._require_write(viewer, resource)
        changes = domain.review(resource, data["reviewed_on"], data["outcome"], data.get("notes"), clock.today())
        reviewed = self._event(events.RESOURCE_REVIEWED, {
            "resource_id": resource_id, "station_id": resource["station_id"],
            "township_code": resource["township_code"], "reviewed_on": changes["reviewed_on"],
            "outcome": data["outcome"], "next_review_due": changes["next_review_due"]}, viewer)
        self.repo.resources.update(resource_id, data["expected_version"], changes, [reviewed])
        self.index.mark_dirty()
        return domain.resource_view(self.repo.resources.require(resource_id), clock.today())

    def _resource_query(self, viewer: Viewer, f: dict) -> dict:
        # The resource library is public information: the public sees active entries everywhere.
        scope = {"status": "active"} if viewer.role == PUBLIC else self._scope(viewer)
        conditions = [scope, self._region_query(f.get("region"))]
        if f.get("station_id"):
            conditions.append({"station_id": f["station_id"]})
        if f.get("kind"):
            conditions.append({"kind": f["kind"]})
        if f.get("domain"):
            conditions.append({"domains": {"$in": [f["domain"]]}})
        if f.get("status"):
            conditions.append({"status": f["status"]})
        if f.get("review_overdue") is not None:
            today = clock.today().isoformat()
            conditions.append({"status": "active", "next_review_due": {"$lt": today}} if f["review_overdue"]
                              else {"$or": [{"status": "closed"}, {"next_review_due": {"$gte": today}}]})
        return all_of(*conditions)

    def _resource_visible(self, viewer: Viewer, doc: dict) -> bool:
        if viewer.role == PUBLIC:
            return doc["status"] == "active"
        return viewer.sees_station(doc["station_id"], doc["region_code"])

    def list_resources(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.ResourceFilterSchema, filters or {})
        page = self.repo.page(self.repo.resources, self._resource_query(viewer, f), f["after"], f["limit"])
        today = clock.today()
        return {"items": [domain.resource_view(d, today) for d in page["docs"]], "next_cursor": page["next_cursor"],
                "total": page["total"]}

    def get_resources(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        docs = self.repo.resources.find({"_id": {"$in": [i for i in ids if isinstance(i, str)]}})
        found = {d["_id"]: d for d in docs if self._resource_visible(viewer, d)}
        today = clock.today()
        return [domain.resource_view(found[i], today) if i in found else None for i in ids]

    def overdue_reviews(self, viewer: Viewer, filters: dict | None) -> dict:
        """Entries not reviewed for 12 months, per station and per county (the yearly update is late)."""
        f = load(schemas.RegionFilterSchema, filters or {})
        today = clock.today()
        docs = self.repo.resources.find(self._resource_query(viewer, {**f, "review_overdue": True}),
                                        sort=[("next_review_due", 1), ("_id", 1)])
        by_station: dict[str, list] = {}
        for doc in docs:
            by_station.setdefault(doc["station_id"], []).append({
                "id": doc["_id"], "name": doc["name"], "kind": doc["kind"], "reviewed_on": doc["reviewed_on"],
                "next_review_due": doc["next_review_due"],
                "days_overdue": (today - date.fromisoformat(doc["next_review_due"])).days})
        by_county = Counter(doc["county_code"] for doc in docs)
        return {"as_of": today.isoformat(), "total": len(docs),
                "by_station": [{"station_id": sid, "count": len(items), "items": items}
                               for sid, items in sorted(by_station.items())],
                "by_region": [{"region_code": code, "count": n} for code, n in sorted(by_county.items())]}

    def export_directory(self, viewer: Viewer, filters: dict | None) -> dict:
        """The resource library as an HSDS 3.0 resource directory (see directory.py)."""
        f = load(schemas.RegionFilterSchema, filters or {})
        docs = self.repo.resources.find(self._resource_query(viewer, {**f, "status": "active"}), sort=[("_id", 1)])
        return directory.hsds_directory(docs, clock.utcnow(), places.division_names())

    # === charity ========================================================================
    def receive_donation(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.DonationInputSchema, data)
        township = domain.station_township(data["station_id"])
        viewer.require_write(station_id=data["station_id"], region_code=township)
        if data["received_on"] > clock.today():
            raise ValidationFailed.field("received_on", "cannot be in the future")
        restrictions = data["restrictions"]
        if restrictions.get("region_code") and not (restrictions["region_code"].startswith(township[:6])
                                                    or township.startswith(restrictions["region_code"])):
            raise ValidationFailed.field("restrictions.region_code", "must lie within or contain the station's county")
        if data["kind"] == "money":
            category, item, unit, quantity = "money", "善款", "fen", data["amount_fen"]
        else:
            goods = data["goods"]
            category, item, unit, quantity = (goods["category"], goods["name"].strip(), goods["unit"].strip(),
                                              goods["quantity"])
        donor = data["donor"]
        donation = {**data, "donor_view": {
            "kind": donor["kind"], "name": None if donor["kind"] == "anonymous" else donor.get("name"),
            "credit_code": donor.get("credit_code"), "phone": mask_phone(donor.get("phone")),
            "phone_encrypted": self.cipher.encrypt(donor.get("phone"))}}
        donation_id = new_id("don")
        lot = domain.new_lot(donation, donation_id, quantity)
        stock_id = domain.stock_id_for(data["station_id"], category, item, unit)
        received = self._event(events.DONATION_RECEIVED, {
            "donation_id": donation_id, "stock_id": stock_id, "station_id": data["station_id"],
            "township_code": township, "kind": data["kind"], "item": item, "unit": unit, "quantity": quantity,
            "donor_kind": donor["kind"], "restrictions": lot["restrictions"], "received_on": data["received_on"]},
            viewer)
        movement = {"movement_id": donation_id, "type": "donation", "quantity": quantity,
                    "on": lot["received_on"], "by": viewer.user_id}

        def write():
            stock = self.repo.stock.get(stock_id)
            if stock is None:
                try:
                    self.repo.stock.insert({
                        "_id": stock_id, "station_id": data["station_id"], "region_code": township,
                        "township_code": township, "kind": data["kind"], "category": category, "item": item,
                        "unit": unit, "lots": [lot], "movements": [movement], "households": []}, [received])
                    return
                except Conflict:  # another donation created the line first: add to it
                    raise ConcurrentModification("stock line created concurrently") from None
            self.repo.stock.update(stock_id, stock["_version"], {"lots": [*stock["lots"], lot],
                                                                 "movements": [*stock["movements"], movement]},
                                   [received])
        retrying(write)
        return {"donation_id": donation_id, "stock": domain.stock_view(self.repo.stock.require(stock_id), viewer)}

    def distribute(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.DistributionInputSchema, data)
        stock = self._visible(self.repo.stock, data["stock_id"], viewer)
        self._require_write(viewer, stock)
        if data["distributed_on"] > clock.today():
            raise ValidationFailed.field("distributed_on", "cannot be in the future")
        distribution_id = data.get("distribution_id") or new_id("dst")
        movement = self._distribute(viewer, data["stock_id"], distribution_id, data)
        return {"distribution": movement, "stock": domain.stock_view(self.repo.stock.require(data["stock_id"]), viewer)}

    def _distribute(self, viewer: Viewer, stock_id: str, distribution_id: str, request: dict) -> dict:
        """Take stock for a household; a repeated distribution id returns the first result."""
        def write():
            stock = self.repo.stock.require(stock_id)
            for movement in stock["movements"]:
                if movement["movement_id"] == distribution_id:
                    return movement
            taken, lots = domain.allocate(stock, request["quantity"], request["domain"], request["region_code"],
                                          frozenset(request.get("beneficiary_groups") or ()))
            movement = domain.jsonable({
                "movement_id": distribution_id, "type": "distribution", "quantity": request["quantity"],
                "household_id": request["household_id"], "need_id": request.get("need_id"), "lots": taken,
                "on": request["distributed_on"], "by": viewer.user_id})
            after = sum(lot["remaining"] for lot in lots)
            made = self._event(events.DISTRIBUTION_MADE, {
                "distribution_id": distribution_id, "stock_id": stock_id, "station_id": stock["station_id"],
                "township_code": stock["township_code"], "household_id": request["household_id"],
                "need_id": request.get("need_id"), "item": stock["item"], "unit": stock["unit"],
                "quantity": request["quantity"], "on_hand_after": after, "lots": taken,
                "distributed_on": movement["on"]}, viewer)
            households = sorted(set(stock["households"]) | {request["household_id"]})
            self.repo.stock.update(stock_id, stock["_version"], {
                "lots": lots, "movements": [*stock["movements"], movement], "households": households}, [made])
            return movement
        return retrying(write)

    def _return_distribution(self, viewer: Viewer, stock_id: str, distribution_id: str) -> None:
        """Undo a distribution whose match could not be recorded: the goods go back to their lots."""
        def write():
            stock = self.repo.stock.require(stock_id)
            movement = next((m for m in stock["movements"] if m["movement_id"] == distribution_id), None)
            if movement is None or any(m.get("returns") == distribution_id for m in stock["movements"]):
                return
            back = {t["donation_id"]: t["quantity"] for t in movement["lots"]}
            lots = [{**lot, "remaining": lot["remaining"] + back.get(lot["donation_id"], 0)} for lot in stock["lots"]]
            returned = {"movement_id": new_id("ret"), "type": "return", "returns": distribution_id,
                        "quantity": movement["quantity"], "on": clock.today().isoformat(), "by": viewer.user_id}
            self.repo.stock.update(stock_id, stock["_version"], {"lots": lots,
                                                                 "movements": [*stock["movements"], returned]})
        retrying(write)

    def list_stock(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.StockFilterSchema, filters or {})
        conditions = [self._scope(viewer)]
        if f["station_id"]:
            conditions.append({"station_id": f["station_id"]})
        if f["category"]:
            conditions.append({"category": f["category"]})
        page = self.repo.page(self.repo.stock, all_of(*conditions), f["after"], f["limit"])
        return {"items": [domain.stock_view(d, viewer) for d in page["docs"]], "next_cursor": page["next_cursor"],
                "total": page["total"]}

    def get_stock(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._batch(self.repo.stock, viewer, ids)
        return [domain.stock_view(found[i], viewer) if i in found else None for i in ids]

    def donations_for_stock(self, viewer: Viewer, stock_ids: list[str]) -> dict[str, list[dict]]:
        found = self._batch(self.repo.stock, viewer, stock_ids)
        return {sid: [{"stock_id": sid, "item": found[sid]["item"], "unit": found[sid]["unit"],
                       **domain.lot_view(lot, viewer)}
                      for lot in found[sid]["lots"]] if sid in found else [] for sid in stock_ids}

    def distributions_for_households(self, viewer: Viewer, household_ids: list[str]) -> dict[str, list[dict]]:
        docs = self.repo.stock.find(all_of(self._scope(viewer), {"households": {"$in": list(household_ids)}}))
        result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
        for stock in docs:
            returned = {m["returns"] for m in stock["movements"] if m["type"] == "return"}
            for movement in stock["movements"]:
                if movement["type"] == "distribution" and movement["household_id"] in result \
                        and movement["movement_id"] not in returned:
                    result[movement["household_id"]].append({
                        "stock_id": stock["_id"], "station_id": stock["station_id"], "item": stock["item"],
                        "unit": stock["unit"], **movement})
        return result

    # === needs and matching =============================================================
    def record_assessment(self, viewer: Viewer, payload: dict) -> list[str]:
        """casework's needs.assessed: match every need; a repeated need id never duplicates proposals."""
        for need in payload["needs"]:
            self._record_need(viewer, need, payload, source="needs.assessed")
        if payload.get("supersedes"):
            self._withdraw_dropped(viewer, payload["supersedes"], {n["need_id"] for n in payload["needs"]})
        return [n["need_id"] for n in payload["needs"]]

    def request_matching(self, viewer: Viewer, data: dict) -> dict:
        """An explicit request: a need that did not come from a casework assessment."""
        data = load(schemas.NeedRequestSchema, data)
        township = domain.station_township(data["station_id"])
        viewer.require_write(station_id=data["station_id"], region_code=township)
        if data["community_code"] and data["community_code"][:9] != township:
            raise ValidationFailed.field("community_code", "must lie in the station's township")
        need = {**data, "need_id": data["need_id"] or new_id("need")}
        context = {"household_id": data["household_id"], "station_id": data["station_id"], "township_code": township,
                   "community_code": data["community_code"], "assessment_id": None,
                   "assessed_on": clock.today().isoformat()}
        existing = self.repo.needs.get(need["need_id"])
        if existing is not None:
            # The need's own station decides, not the station stated beside its id.
            load_for_write(viewer, existing, "need", need["need_id"], field="need_id")
            if existing["household_id"] != data["household_id"] or existing["station_id"] != data["station_id"]:
                raise Conflict(f"need id {need['need_id']} belongs to another household or station")
        self._record_need(viewer, need, context, source="request")
        return domain.need_view(self.repo.needs.require(need["need_id"]), viewer)

    def _rank(self, need_doc: dict) -> matching.Ranking:
        need = domain.matching_need(need_doc)
        stocks = []
        if matching.item_categories_for(need):
            stocks = [domain.stock_candidate(d) for d in self.repo.stock.find({"station_id": need_doc["station_id"]})]
        return matching.rank(need, self.index.volunteers_for(need), self.index.resources_for(need), stocks,
                             clock.today())

    def _run_matching(self, viewer: Viewer, need: dict) -> tuple[dict, list[Envelope]]:
        """The changes and events of one matching run over `need` (new or stored)."""
        ranking = self._rank(need)
        proposals, added = domain.merge_proposals(need, ranking.proposals, clock.iso(clock.utcnow()))
        state = {**need, "proposals": proposals, "matching_runs": need.get("matching_runs", 0) + 1}
        run_events = []
        if added:
            state["unmet"] = None
            run_events.append(self._event(events.MATCH_PROPOSED, {
                "need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
                "township_code": need["township_code"], "domain": need["domain"], "need_type": need["need_type"],
                "proposals": [{"proposal_id": p["proposal_id"], "candidate_kind": p["kind"],
                               "candidate_id": p["candidate_id"], "rank": p["rank"], "score": p["score"],
                               "breakdown": p["breakdown"], "reasons": p["reasons"]} for p in added]}, viewer))
        elif domain.status_of({**state, "unmet": None}) == "open":
            reason = ranking.unmet_reason()
            if (need.get("unmet") or {}).get("reason") != reason:
                state["unmet"] = {"reason": reason, "refusals": dict(ranking.refusals),
                                  "since": clock.today().isoformat()}
                run_events.append(self._unmet_event(viewer, need, reason, dict(ranking.refusals)))
        state["status"] = domain.status_of(state)
        return {k: state[k] for k in ("proposals", "matching_runs", "unmet", "status")}, run_events

    def _unmet_event(self, viewer: Viewer, need: dict, reason: str, refusals: dict) -> Envelope:
        return self._event(events.NEED_UNMET, {
            "need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
            "township_code": need["township_code"], "county_code": need["county_code"], "domain": need["domain"],
            "need_type": need["need_type"], "severity": need["severity"], "reason": reason, "refusals": refusals},
            viewer)

    def _record_need(self, viewer: Viewer, need_input: dict, context: dict, source: str) -> None:
        for _ in range(RETRIES):
            existing = self.repo.needs.get(need_input["need_id"])
            if existing is None:
                need = domain.new_need(need_input, context, source)
                changes, run_events = self._run_matching(viewer, need)
                try:
                    self.repo.needs.insert({**need, **changes}, run_events)
                    return
                except Conflict:  # the same need arrived through another delivery meanwhile
                    continue
            fresh = domain.new_need(need_input, context, source)
            details = {k: fresh[k] for k in ("severity", "description", "beneficiary_groups", "child_related",
                                             "needed_by", "community_code")}
            if fresh["assessment_id"]:
                details.update(assessment_id=fresh["assessment_id"], assessed_on=fresh["assessed_on"])
            state = {**existing, **details}
            if existing["status"] == "withdrawn":
                state["status"] = "open"  # a later assessment names the need again
            changes, run_events = dict(details), []
            if state["status"] in ("open", "proposed", "unmet"):
                run_changes, run_events = self._run_matching(viewer, state)
                changes.update(run_changes)
            try:
                self.repo.needs.update(existing["_id"], existing["_version"], changes, run_events)
                return
            except ConcurrentModification:
                continue
        raise ConcurrentModification(f"need {need_input['need_id']} is changing too fast; try again")

    def withdraw_for_consent(self, viewer: Viewer, payload: dict) -> list[str]:
        """casework's consent.withdrawn: needs the person no longer lets go to matching leave it. A need
        already matched keeps its task (the station cancels it with cancel_task if it must stop)."""
        withdrawn = []
        for need_id in payload.get("matching_need_ids") or []:
            for _ in range(RETRIES):
                need = self.repo.needs.get(need_id)
                if need is None or need["status"] not in ("open", "proposed", "unmet"):
                    break
                proposals = [{**p, "state": "withdrawn"} if p["state"] == "proposed" else p for p in need["proposals"]]
                try:
                    self.repo.needs.update(need_id, need["_version"], {"status": "withdrawn", "proposals": proposals})
                    withdrawn.append(need_id)
                    break
                except ConcurrentModification:
                    continue
        return withdrawn

    def _withdraw_dropped(self, viewer: Viewer, superseded: str, kept: set[str]) -> None:
        """Needs of the superseded assessment that the new one no longer names are withdrawn."""
        for need in self.repo.needs.find({"assessment_id": superseded,
                                          "status": {"$in": ["open", "proposed", "unmet"]}}):
            if need["_id"] in kept:
                continue
            proposals = [{**p, "state": "withdrawn"} if p["state"] == "proposed" else p for p in need["proposals"]]
            try:
                self.repo.needs.update(need["_id"], need["_version"], {"status": "withdrawn", "proposals": proposals})
            except ConcurrentModification:  # someone acted on it meanwhile: leave it to them
                continue

    def rematch_need(self, viewer: Viewer, need_id: str, data: dict) -> dict:
        data = load(schemas.RematchSchema, data)
        need = self._visible(self.repo.needs, need_id, viewer)
        self._require_write(viewer, need)
        if need["status"] in ("delivered", "withdrawn"):
            raise Conflict(f"the need is {need['status']}; nothing to match")
        changes, run_events = self._run_matching(viewer, need)
        self.repo.needs.update(need_id, data["expected_version"], changes, run_events)
        return domain.need_view(self.repo.needs.require(need_id), viewer)

    def accept_proposal(self, viewer: Viewer, need_id: str, proposal_id: str, data: dict) -> dict:
        data = load(schemas.AcceptSchema, data)
        need = self._visible(self.repo.needs, need_id, viewer)
        self._require_write(viewer, need)
        self._check_version(need, data["expected_version"])
        proposal = domain.find_proposal(need, proposal_id)
        domain.require_decidable(need, proposal)
        start, end = domain.task_window(data["scheduled_start"], data["scheduled_end"])
        task_id = domain.derived_id("tsk", proposal_id)
        task = {"task_id": task_id, "proposal_id": proposal_id, "kind": proposal["kind"],
                "candidate_id": proposal["candidate_id"], "candidate_name": proposal["candidate_name"],
                "service_id": proposal["detail"].get("service_id"), "status": "open",
                "accepted_by": viewer.user_id, "accepted_at": clock.iso(clock.utcnow()), "scheduled_start": start,
                "scheduled_end": end, "note": data.get("note"), "quantity": None, "distribution_id": None,
                "completed_on": None, "hours": None, "notes": None, "service_type": None}
        if proposal["kind"] == "charity":
            if not data.get("quantity"):
                raise ValidationFailed.field("quantity", "how much of the stock goes to the household")
            task.update(quantity=data["quantity"], distribution_id=domain.derived_id("dst", proposal_id))
        self._reserve(viewer, need, task)
        decided = {**proposal, "state": "accepted", "decided_at": task["accepted_at"], "decided_by": viewer.user_id}
        state = {**need, "proposals": domain.replace(need["proposals"], "proposal_id", decided),
                 "tasks": [*need["tasks"], task]}
        changes = {"proposals": state["proposals"], "tasks": state["tasks"], "unmet": None,
                   "task_assignees": sorted({t["candidate_id"] for t in state["tasks"]}),
                   "status": domain.status_of({**state, "unmet": None})}
        accepted = self._event(events.MATCH_ACCEPTED, self._decision_payload(need, proposal, task_id, data.get("note")),
                               viewer)
        try:
            self.repo.needs.update(need_id, data["expected_version"], changes, [accepted])
        except (ConcurrentModification, NotFound):
            self._release(viewer, task)
            raise
        return domain.need_view(self.repo.needs.require(need_id), viewer)

    @staticmethod
    def _decision_payload(need: dict, proposal: dict, task_id: str | None, reason: str | None) -> dict:
        return {"need_id": need["_id"], "household_id": need["household_id"], "station_id": need["station_id"],
                "township_code": need["township_code"], "proposal_id": proposal["proposal_id"],
                "candidate_kind": proposal["kind"], "candidate_id": proposal["candidate_id"], "task_id": task_id,
                "reason": reason}

    def _reserve(self, viewer: Viewer, need: dict, task: dict) -> None:
        """Hold the candidate for the task, re-checking its hard constraints on the current record."""
        kind, candidate_id = task["kind"], task["candidate_id"]
        if kind == "volunteer":
            def write():
                volunteer = self.repo.volunteers.get(candidate_id)
                if volunteer is None:
                    raise RuleViolation("the proposed volunteer no longer exists")
                held = domain.reserve_task(volunteer, task["task_id"], need["_id"], task["scheduled_start"],
                                           task["scheduled_end"], bool(need["child_related"]), clock.today())
                if held is not volunteer["open_tasks"]:
                    self.repo.volunteers.update(candidate_id, volunteer["_version"], {"open_tasks": held})
            retrying(write)
        elif kind == "resource":
            def write():
                resource = self.repo.resources.get(candidate_id)
                if resource is None:
                    raise RuleViolation("the proposed resource no longer exists")
                held = domain.reserve_service(resource, task["service_id"], task["task_id"], need["_id"])
                if held is not resource["open_tasks"]:
                    self.repo.resources.update(candidate_id, resource["_version"], {"open_tasks": held})
            retrying(write)
        else:
            self._distribute(viewer, candidate_id, task["distribution_id"], {
                "quantity": task["quantity"], "domain": need["domain"],
                "region_code": need.get("community_code") or need["township_code"],
                "beneficiary_groups": need["beneficiary_groups"], "household_id": need["household_id"],
                "need_id": need["_id"], "distributed_on": clock.today()})
        self.index.mark_dirty()

    def _release(self, viewer: Viewer, task: dict) -> None:
        kind, candidate_id = task["kind"], task["candidate_id"]
        if kind == "charity":
            self._return_distribution(viewer, candidate_id, task["distribution_id"])
            return
        store = self.repo.volunteers if kind == "volunteer" else self.repo.resources

        def write():
            holder = store.get(candidate_id)
            if holder is not None and any(t["task_id"] == task["task_id"] for t in holder["open_tasks"]):
                store.update(candidate_id, holder["_version"],
                             {"open_tasks": domain.release_task(holder, task["task_id"])})
        retrying(write)
        self.index.mark_dirty()

    def decline_proposal(self, viewer: Viewer, need_id: str, proposal_id: str, data: dict) -> dict:
        data = load(schemas.DeclineSchema, data)
        need = self._visible(self.repo.needs, need_id, viewer)
        self._require_write(viewer, need)
        proposal = domain.find_proposal(need, proposal_id)
        domain.require_decidable(need, proposal)
        decided = {**proposal, "state": "declined", "decided_at": clock.iso(clock.utcnow()),
                   "decided_by": viewer.user_id, "decision_reason": data["reason"]}
        state = {**need, "proposals": domain.replace(need["proposals"], "proposal_id", decided)}
        decision_events = [self._event(events.MATCH_DECLINED,
                                       self._decision_payload(need, proposal, None, data["reason"]), viewer)]
        changes = {"proposals": state["proposals"]}
        if domain.status_of(state) == "open":
            # Nothing acceptable is left: the need is unmet, and the declines are the reason.
            reason = domain.declined_reason(state)
            changes["unmet"] = {"reason": reason, "refusals": {"declined": sum(
                1 for p in state["proposals"] if p["state"] == "declined")}, "since": clock.today().isoformat()}
            decision_events.append(self._unmet_event(viewer, need, reason, changes["unmet"]["refusals"]))
            state["unmet"] = changes["unmet"]
        changes["status"] = domain.status_of(state)
        self.repo.needs.update(need_id, data["expected_version"], changes, decision_events)
        return domain.need_view(self.repo.needs.require(need_id), viewer)

    def complete_task(self, viewer: Viewer, need_id: str, task_id: str, data: dict) -> dict:
        data = load(schemas.CompleteTaskSchema, data)
        need = self._visible(self.repo.needs, need_id, viewer)
        self._require_write(viewer, need)
        self._check_version(need, data["expected_version"])
        task = domain.find_task(need, task_id)
        if task["status"] != "open":
            raise Conflict(f"the task is already {task['status']}", {"task_id": [f"already {task['status']}"]})
        service_type = data.get("service_type") or need["need_type"]
        if data.get("delivered_on") and data["delivered_on"] > clock.today():
            raise ValidationFailed.field("delivered_on", "a service cannot be recorded before it happened")
        if task["kind"] == "volunteer":
            if not data.get("started_at") or not data.get("ended_at"):
                raise ValidationFailed.field("started_at",
                                             "a volunteer's task records when the service started and ended")
            entry = self._hours_entry(domain.derived_id("hrs", task_id, "completion"), need, task, data["started_at"],
                                      data["ended_at"], service_type, viewer)
            self._record_hours(task["candidate_id"], entry, release_task_id=task_id)
            hours = entry["hours"]
            delivered_on = data.get("delivered_on") or date.fromisoformat(entry["start"][:10])
        else:
            if task["kind"] == "resource":
                self._release(viewer, task)
            hours = data.get("hours") or 0.0
            delivered_on = data.get("delivered_on") or clock.today()
        completed = {**task, "status": "completed", "completed_on": delivered_on.isoformat(), "hours": hours,
                     "notes": data.get("notes"), "service_type": service_type}
        state = {**need, "tasks": domain.replace(need["tasks"], "task_id", completed)}
        delivered = self._event(events.SERVICE_DELIVERED, {
            "task_id": task_id, "match_id": task["proposal_id"], "need_id": need_id,
            "assessment_id": need.get("assessment_id"), "household_id": need["household_id"],
            "station_id": need["station_id"], "township_code": need["township_code"],
            "delivered_by": {"kind": task["kind"], "id": task["candidate_id"], "name": task["candidate_name"]},
            "service_type": service_type, "domain": need["domain"], "delivered_on": delivered_on,
            "hours": hours, "notes": data.get("notes")}, viewer)
        self.repo.needs.update(need_id, data["expected_version"],
                               {"tasks": state["tasks"], "status": domain.status_of(state)}, [delivered])
        return domain.need_view(self.repo.needs.require(need_id), viewer)

    def cancel_task(self, viewer: Viewer, need_id: str, task_id: str, data: dict) -> dict:
        """Cancel an open task: the need goes back to matching and the candidate's hold is released
        (a volunteer's or a resource's capacity; charity goods return to their stock lots).
        The need is written first; if the release is lost to a crash, the consumer of the
        task.cancelled event releases it (releasing is idempotent)."""
        data = load(schemas.CancelTaskSchema, data)
        need = self._visible(self.repo.needs, need_id, viewer)
        self._require_write(viewer, need)
        self._check_version(need, data["expected_version"])
        at = clock.iso(clock.utcnow())
        changes, task = domain.cancel_task(need, task_id, data["reason"], viewer.user_id, at)
        cancelled = self._event(events.TASK_CANCELLED, {
            "task_id": task_id, "match_id": task["proposal_id"], "need_id": need_id,
            "household_id": need["household_id"], "station_id": need["station_id"],
            "township_code": need["township_code"], "candidate_kind": task["kind"],
            "candidate_id": task["candidate_id"], "reason": data["reason"], "cancelled_at": at}, viewer)
        self.repo.needs.update(need_id, data["expected_version"], changes, [cancelled])
        self._release(viewer, task)
        return domain.need_view(self.repo.needs.require(need_id), viewer)

    def release_cancelled_task(self, viewer: Viewer, payload: dict) -> None:
        """task.cancelled: make sure the cancelled task's candidate is free (nothing if it already is)."""
        need = self.repo.needs.get(payload["need_id"])
        task = next((t for t in (need or {}).get("tasks", []) if t["task_id"] == payload["task_id"]), None)
        if task is not None and task["status"] == "cancelled":
            self._release(viewer, task)

    def list_needs(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.NeedFilterSchema, filters or {})
        conditions = [self._scope(viewer), self._region_query(f["region"])]
        for key in ("station_id", "status", "domain", "household_id"):
            if f[key]:
                conditions.append({key: f[key]})
        page = self.repo.page(self.repo.needs, all_of(*conditions), f["after"], f["limit"])
        return {"items": [domain.need_view(d, viewer) for d in page["docs"]], "next_cursor": page["next_cursor"],
                "total": page["total"]}

    def get_needs(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._batch(self.repo.needs, viewer, ids)
        return [domain.need_view(found[i], viewer) if i in found else None for i in ids]

    def needs_for_households(self, viewer: Viewer, household_ids: list[str]) -> dict[str, list[dict]]:
        docs = self.repo.needs.find(all_of(self._scope(viewer), {"household_id": {"$in": list(household_ids)}}),
                                    sort=[("_id", 1)])
        result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
        for need in docs:
            result[need["household_id"]].append(domain.need_view(need, viewer))
        return result

    def tasks_for_volunteers(self, viewer: Viewer, volunteer_ids: list[str]) -> dict[str, list[dict]]:
        docs = self.repo.needs.find(all_of(self._scope(viewer), {"task_assignees": {"$in": list(volunteer_ids)}}),
                                    sort=[("_id", 1)])
        result: dict[str, list[dict]] = {vid: [] for vid in volunteer_ids}
        for need in docs:
            for task in need["tasks"]:
                if task["kind"] == "volunteer" and task["candidate_id"] in result:
                    result[task["candidate_id"]].append(domain.task_view(need, task, viewer))
        return result

    def unmet_rollup(self, viewer: Viewer, data: dict) -> dict:
        """Unmet needs by the next region level down and by domain: what next year's plan should fund."""
        f = load(schemas.RollupSchema, data or {})
        prefix = region_prefix(f["region"]) if len(f["region"]) == 6 else f["region"]
        conditions = [self._scope(viewer), {"status": "unmet"}, {"region_code": {"$regex": "^" + prefix[:9]}}]
        if len(prefix) == 12:
            conditions.append({"community_code": prefix})
        if f["domain"]:
            conditions.append({"domain": f["domain"]})
        docs = self.repo.needs.find(all_of(*conditions))
        child_length = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}[len(prefix)]

        def child(need: dict) -> str:
            code = need.get("community_code") or need["township_code"]
            if child_length == 4:
                return code[:4] + "00"
            return code[:child_length] if len(code) >= child_length else code
        cells = Counter((child(n), n["domain"]) for n in docs)
        return {
            "region": f["region"], "total": len(docs),
            "by_domain": dict(sorted(Counter(n["domain"] for n in docs).items())),
            "by_need_type": dict(sorted(Counter(n["need_type"] for n in docs).items())),
            "by_region": [{"region_code": code, "domain": dom, "count": count}
                          for (code, dom), count in sorted(cells.items())],
        }

    def catalogue(self, viewer: Viewer) -> dict:
        return {"skills": matching.SKILLS, "domains": list(DOMAINS),
                "resource_kinds": [{"kind": k, "label": v, "category": domain.category_of(k)}
                                   for k, v in domain.RESOURCE_KINDS.items()],
                "item_categories": list(matching.ITEM_CATEGORIES),
                "need_types": sorted(set(matching.NEED_TYPE_SKILLS) | set(matching.NEED_TYPE_ITEM_CATEGORIES))}
