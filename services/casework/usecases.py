"""Casework's use cases: validate, scope, apply the domain rules, store state and events in one write.

Each write is one single-document change of a household, a case or a campaign (with its outbox),
checked against the version the caller read. Two supporting writes sit beside a household insert
— the identity claims before it (so the same ID number cannot enter twice) and the duplicate match
keys after it (losing those in a crash only means a missed duplicate flag) — and a merge touches two
households, each in one write, resumably (see `merge_persons`).

Who is who: a station staff member's token carries their registry staff id as `user_id`; casework
knows each staff member's station and role only from its own copy of the registry's events
(`station_staff`), never by calling the registry.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from marshmallow import ValidationError
from pymongo.errors import DuplicateKeyError

from services.common import clock
from services.common.accesslog import MAX_PAGE as MAX_ACCESS_LOG_PAGE
from services.common.auth import ADMIN, STATION_STAFF, SUPERVISOR, Viewer, is_division_code, region_prefix
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
from services.common.protection import FieldCipher, mask_id_number, mask_phone
from services.common.rpc import load
from services.common.scope import load_for_write
from services.common.storage import aggregate_document, all_of
from services.contracts import casework as events

from . import domain, schemas, views
from .domain import Actor
from .storage import CASES, HOUSEHOLDS, CaseworkRepository, IdentityTaken, staff_is_current

SOCIAL_WORK_ROLES = ("social_worker", "station_lead")
IMPORT_BATCH_LIMIT = 2000
CRISIS_STATES = ("awaiting_contact", "overdue", "contacted", "resolved")


class Casework:
    def __init__(self, repository: CaseworkRepository, cipher: FieldCipher | None = None):
        self.repo = repository
        self.cipher = cipher or FieldCipher()
        self._lead_cache: dict[str, set[str]] = {}

    # --- helpers --------------------------------------------------------------------------------
    def _event(self, contract, payload: dict, viewer: Viewer) -> Envelope:
        return new_event(contract, domain.jsonable(payload), correlation_id=current_correlation_id(),
                         actor={"user_id": viewer.user_id, "role": viewer.role})

    @staticmethod
    def _now() -> datetime:
        return clock.utcnow()

    def _today(self) -> date:
        return domain.china_today(self._now())

    @staticmethod
    def _actor(viewer: Viewer) -> Actor:
        return Actor(viewer.user_id, viewer.role)

    @staticmethod
    def _scope(viewer: Viewer) -> dict:
        return viewer.station_filter(region_field="region_code", id_field="station_id")

    def _station_for_write(self, viewer: Viewer, station_id: str, field: str = "station_id") -> dict:
        # casework learns stations from the registry's events: one not yet learnt is unknown here too
        return load_for_write(viewer, self.repo.station(station_id), "station", station_id, field=field,
                              station_field="_id", region_field="township_code")

    def _visible_household(self, viewer: Viewer, household_id: str, field: str = "household_id") -> dict:
        household = self.repo.households.get(household_id)
        if household is None or not viewer.sees_station(household["station_id"], household["region_code"]):
            raise NotFound(f"unknown household {household_id}", {field: ["no such household in your scope"]})
        return household

    def _household_for_write(self, viewer: Viewer, household_id: str, field: str = "household_id",
                             allow_closed: bool = False) -> dict:
        household = self._visible_household(viewer, household_id, field)
        viewer.require_write(station_id=household["station_id"], region_code=household["region_code"])
        if household.get("status") == "closed" and not allow_closed:
            raise RuleViolation("this household record was closed (all members merged elsewhere)",
                                {field: ["closed"]})
        protected = self._protected(viewer, [household])
        if household["_id"] in protected.hidden_households or protected.hidden_persons:
            raise PermissionDenied("a member of this household is protected by a crisis case: only the case team "
                                   "changes the household")
        return household

    def _visible_case(self, viewer: Viewer, case_id: str) -> dict:
        case = self.repo.cases.get(case_id)
        if case is None or not viewer.sees_station(case["station_id"], case["region_code"]):
            raise NotFound(f"unknown case {case_id}", {"case_id": ["no such case in your scope"]})
        return case

    def _case_for_write(self, viewer: Viewer, case_id: str) -> dict:
        case = self._visible_case(viewer, case_id)
        viewer.require_write(station_id=case["station_id"], region_code=case["region_code"])
        if domain.is_crisis_case(case) and not self._in_case_team(viewer, case):
            raise PermissionDenied("this is a crisis case: only its team (assigned worker, station lead, "
                                   "supervisors of the station) works on it")
        return case

    def _lead_stations(self, viewer: Viewer) -> set[str]:
        """Stations where this viewer is the current station lead, per casework's staff copy."""
        if viewer.role != STATION_STAFF:
            return set()
        if viewer.user_id not in self._lead_cache:
            member = self.repo.staff_member(viewer.user_id)
            today = self._today().isoformat()
            leads = set()
            if member and member.get("role") == "station_lead" and member["station_id"] in viewer.station_ids \
                    and staff_is_current(member, member["station_id"], today):
                leads.add(member["station_id"])
            self._lead_cache[viewer.user_id] = leads
        return self._lead_cache[viewer.user_id]

    def _in_case_team(self, viewer: Viewer, case: dict) -> bool:
        if viewer.role == ADMIN:
            return True
        if viewer.role == SUPERVISOR:
            return case["station_id"] in viewer.station_ids
        if viewer.role == STATION_STAFF and case["station_id"] in viewer.station_ids:
            return viewer.user_id == case["assigned_staff_id"] or case["station_id"] in self._lead_stations(viewer)
        return False

    def _require_approver(self, viewer: Viewer, case: dict) -> None:
        if viewer.role == SUPERVISOR and case["station_id"] in viewer.station_ids:
            return
        if case["station_id"] in self._lead_stations(viewer):
            return
        raise PermissionDenied("plans and closures are approved by a supervisor of the station or its station lead")

    def _protected(self, viewer: Viewer, households: list[dict]) -> views.Visibility:
        """Which people of these households the viewer may not identify (crisis cases outside their team)."""
        seen = views.Visibility.for_viewer(viewer)
        if not households:
            return seen
        crisis_cases = self.repo.cases_of_households([h["_id"] for h in households],
                                                     {"crisis_state": {"$in": list(CRISIS_STATES)}})
        for case in crisis_cases:
            if self._in_case_team(viewer, case):
                continue
            if case["person_id"]:
                seen.hidden_persons.add(case["person_id"])
            else:
                seen.hidden_households.add(case["household_id"])
        return seen

    def _require_current_worker(self, staff_id: str, station_id: str, field: str) -> None:
        member = self.repo.staff_member(staff_id)
        if (not staff_is_current(member, station_id, self._today().isoformat())
                or member["role"] not in SOCIAL_WORK_ROLES):
            raise ValidationFailed.field(field, f"not a current social worker or station lead of {station_id} "
                                                "(as casework knows the registry's staff)")

    def _require_current_staff(self, staff_ids: list[str], station_id: str, on: date, field: str,
                               single: bool = False) -> None:
        known = self.repo.staff_members(staff_ids)
        for index, staff_id in enumerate(staff_ids):
            if not staff_is_current(known.get(staff_id), station_id, on.isoformat()):
                raise ValidationFailed.field(field if single else f"{field}.{index}",
                                             f"{staff_id} was not staff of {station_id} on {on}")

    def _worker_current(self, case: dict) -> bool:
        member = self.repo.staff_member(case["assigned_staff_id"])
        return staff_is_current(member, case["station_id"], self._today().isoformat())

    def _protect_text(self, text: str | None, protected: bool) -> dict:
        if protected:
            return {"notes": None, "notes_encrypted": self.cipher.encrypt(text) if text else None}
        return {"notes": text}

    def _log_access(self, viewer: Viewer, action: str, subject_type: str, subject_id: str, record: dict,
                    fields: list[str], reason: str) -> None:
        self.repo.access_log.record(viewer, action=action, subject_type=subject_type, subject_id=subject_id,
                                    fields=fields, reason=reason, station_id=record["station_id"],
                                    region_code=record["region_code"],
                                    household_id=record.get("household_id", record["_id"]))

    @staticmethod
    def _reason(reason: str | None) -> str:
        if not reason or len(reason.strip()) < 4:
            raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
        return reason.strip()

    # --- building people ------------------------------------------------------------------------------
    def _build_member(self, data: dict, field: str, today: date) -> tuple[dict, dict]:
        """The stored member (personal data encrypted, masked copies for display) and its keys."""
        birth, sex = domain.settle_identity(data, field)
        domain.check_birth_date(birth, today, field)
        domain.check_tags(data.get("tags", []), birth, bool(data.get("disability")), today, field)
        person_id = new_id("ps")
        member = {"person_id": person_id, "name": data["name"].strip(), "relationship": data["relationship"],
                  "sex": sex, "birth_date": birth, "tags": list(data.get("tags", [])), "joined_on": today.isoformat(),
                  **self._identity_fields(data.get("id_number")), **self._phone_fields(data.get("phone")),
                  **self._detail_fields(data)}
        return member, self.person_match_keys(member)

    def _identity_fields(self, id_number: str | None) -> dict:
        if not id_number:
            return {"id_number_encrypted": None, "id_index": None, "id_number_masked": None}
        return {"id_number_encrypted": self.cipher.encrypt(id_number), "id_index": self.cipher.blind_index(id_number),
                "id_number_masked": mask_id_number(id_number)}

    def _phone_fields(self, phone: str | None) -> dict:
        if not phone:
            return {"phone_encrypted": None, "phone_index": None, "phone_masked": None}
        return {"phone_encrypted": self.cipher.encrypt(phone), "phone_index": self.cipher.blind_index(f"phone:{phone}"),
                "phone_masked": mask_phone(phone)}

    def _detail_fields(self, data: dict) -> dict:
        fields = {}
        for name in ("disability", "health"):
            if name in data:
                value = data[name]
                fields[f"{name}_encrypted"] = (self.cipher.encrypt(json.dumps(value, ensure_ascii=False))
                                               if value else None)
        return fields

    def person_match_keys(self, member: dict) -> dict:
        """Match keys that flag likely duplicates: (name, birth date) and phone, as blind indexes."""
        keys = {"same_name_and_birth_date":
                self.cipher.blind_index(f"name-birth:{member['name']}|{member['birth_date']}")}
        if member.get("phone_index"):
            keys["same_phone"] = member["phone_index"]
        return keys

    @staticmethod
    def match_key_entries(person_id: str, household_id: str, station_id: str, keys: dict) -> list[dict]:
        return [{"_id": f"{key}:{person_id}", "key": key, "kind": kind, "person_id": person_id,
                 "household_id": household_id, "station_id": station_id} for kind, key in keys.items()]

    @staticmethod
    def _key_index(entries: list[dict], into: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
        by_key = into if into is not None else {}
        for entry in entries:
            by_key.setdefault(entry["key"], []).append(entry)
        return by_key

    def _flags_for(self, household_id: str, people: list[tuple[dict, dict]], by_key: dict[str, list[dict]],
                   today: date) -> list[dict]:
        """A review flag per new person who shares a key with someone already recorded (a shared phone
        inside one household is normal and not flagged)."""
        flags = []
        for member, keys in people:
            matches = []
            for reason, key in keys.items():
                for other in by_key.get(key, []):
                    if other["person_id"] == member["person_id"]:
                        continue
                    if reason == "same_phone" and other["household_id"] == household_id:
                        continue
                    matches.append({"household_id": other["household_id"], "person_id": other["person_id"],
                                    "reason": reason})
            if matches:
                flags.append(domain.duplicate_flag(new_id("df"), member["person_id"], matches, today))
        return flags

    def _claims(self, members: list[dict]) -> list[tuple[str, str]]:
        return [(m["id_index"], m["person_id"]) for m in members if m.get("id_index")]

    def _identity_conflict(self, members: list[dict], taken: IdentityTaken, prefix: str = "members") -> Conflict:
        index = next(i for i, m in enumerate(members) if m.get("id_index") == taken.id_index)
        return Conflict("this ID number is already registered (one person, one record)",
                        {f"{prefix}.{index}.id_number": ["already registered in another household"
                                                         if taken.household_id else "being registered right now"]})

    # --- households --------------------------------------------------------------------------------
    def _prepare_household(self, viewer: Viewer, data: dict, station: dict, today: date, source: str):
        domain.require_station_open(station)
        problem = domain.community_problem(data["community_code"], station["township_code"])
        if problem:
            raise ValidationFailed.field("community_code", problem)
        domain.check_members(data["members"])
        registered_on = data.get("registered_on") or today
        if registered_on > today:
            raise ValidationFailed.field("registered_on", "cannot be in the future")
        people = [self._build_member(m, f"members.{i}", today) for i, m in enumerate(data["members"])]
        members = [member for member, _ in people]
        household_id = new_id("hh")
        household = {
            "_id": household_id, "station_id": station["_id"], "township_code": station["township_code"],
            "region_code": station["township_code"], "community_code": data["community_code"],
            "community_name": data["community_name"], "address": data["address"], "status": "active",
            "registered_on": registered_on.isoformat(), **domain.household_derived_fields(members),
            "consents": [], "archive": [], "visits": [], "services": [], "service_task_ids": [],
            "campaign_visits": {}, "duplicate_flags": [], "open_duplicate_flags": 0, "merged_members": [],
            "last_assessed_on": "", "risk_level": None,
        }
        household["review_due_on"] = domain.review_due_on(household)
        event = self._event(events.HOUSEHOLD_REGISTERED, {
            "household_id": household_id, "station_id": station["_id"], "township_code": station["township_code"],
            "community_code": data["community_code"], "member_count": len(members), "groups": household["groups"],
            "registered_on": household["registered_on"], "source": source}, viewer)
        return household, people, event

    def register_household(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.HouseholdInputSchema, data)
        station = self._station_for_write(viewer, data["station_id"])
        today = self._today()
        household, people, event = self._prepare_household(viewer, data, station, today, "registration")
        members = household["members"]
        candidates = self.repo.match_candidates([k for _, keys in people for k in keys.values()])
        household["duplicate_flags"] = self._flags_for(household["_id"], people, self._key_index(candidates), today)
        household["open_duplicate_flags"] = domain.open_flag_count(household["duplicate_flags"])
        claims = self._claims(members)
        try:
            self.repo.claim_identities(claims, household["_id"])
        except IdentityTaken as taken:
            raise self._identity_conflict(members, taken) from None
        try:
            self.repo.households.insert(household, [event])
        except BaseException:
            self.repo.release_identities([c for c, _ in claims], household["_id"])
            raise
        self.repo.add_match_keys([e for member, keys in people for e in self.match_key_entries(
            member["person_id"], household["_id"], household["station_id"], keys)])
        return self._household_views(viewer, [self.repo.households.require(household["_id"])])[0]

    def import_households(self, viewer: Viewer, rows: list) -> dict:
        """Bulk import: every row validated on its own (a bad row is reported, the others go in),
        then written in batches — claims, households (each with its own household.registered
        event in its outbox) and match keys each in one insert_many."""
        if not isinstance(rows, list) or not rows:
            raise ValidationFailed.field("rows", "a non-empty list of households")
        if len(rows) > IMPORT_BATCH_LIMIT:
            raise ValidationFailed.field("rows", f"at most {IMPORT_BATCH_LIMIT} households per call")
        today = self._today()
        schema = schemas.HouseholdInputSchema()
        stations: dict[str, dict | Exception] = {}
        refused: list[dict] = []
        prepared = []  # (row number, household, people, event)
        numbers_in_batch: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            try:
                data = schema.load(row)
                station_id = data["station_id"]
                if station_id not in stations:
                    try:
                        stations[station_id] = self._station_for_write(viewer, station_id)
                    except (ValidationFailed, PermissionDenied, NotFound) as exc:
                        stations[station_id] = exc
                station = stations[station_id]
                if isinstance(station, Exception):
                    raise station
                household, people, event = self._prepare_household(viewer, data, station, today, "import")
                for index, member in enumerate(household["members"]):
                    if member["id_index"] and member["id_index"] in numbers_in_batch:
                        raise ValidationFailed.field(f"members.{index}.id_number", "the same ID number is on row "
                                                     f"{numbers_in_batch[member['id_index']]}")
                for member in household["members"]:
                    if member["id_index"]:
                        numbers_in_batch[member["id_index"]] = number
            except ValidationError as exc:
                refused.extend(_refusals(number, ValidationFailed.from_marshmallow(exc.messages).details))
                continue
            except (ValidationFailed, RuleViolation) as exc:  # RuleViolation: a closed station
                refused.extend(_refusals(number, exc.details))
                continue
            except (PermissionDenied, NotFound) as exc:
                refused.append({"row": number, "field": "station_id", "reason": exc.message})
                continue
            prepared.append((number, household, people, event))

        claims = [{"_id": m["id_index"], "person_id": m["person_id"], "household_id": h["_id"],
                   "claimed_at": self._now()}
                  for _, h, _, _ in prepared for m in h["members"] if m["id_index"]]
        taken = self.repo.claim_identities_bulk(claims)
        accepted = []
        for number, household, people, event in prepared:
            clash = next((i for i, m in enumerate(household["members"]) if m["id_index"] in taken), None)
            if clash is None:
                accepted.append((number, household, people, event))
                continue
            refused.append({"row": number, "field": f"members.{clash}.id_number",
                            "reason": "already registered in another household (one person, one record)"})
            self.repo.release_identities([m["id_index"] for m in household["members"]
                                          if m["id_index"] and m["id_index"] not in taken], household["_id"])

        keys = [k for _, _, people, _ in accepted for _, member_keys in people for k in member_keys.values()]
        by_key = self._key_index(self.repo.match_candidates(keys))
        batch_entries, flagged = [], 0
        for _, household, people, _ in accepted:
            household["duplicate_flags"] = self._flags_for(household["_id"], people, by_key, today)
            household["open_duplicate_flags"] = domain.open_flag_count(household["duplicate_flags"])
            flagged += household["open_duplicate_flags"]
            entries = [e for member, member_keys in people for e in self.match_key_entries(
                member["person_id"], household["_id"], household["station_id"], member_keys)]
            self._key_index(entries, by_key)  # later rows of the batch are matched against this one
            batch_entries.extend(entries)
        self.repo.households.insert_many([aggregate_document(h, [e]) for _, h, _, e in accepted])
        self.repo.add_match_keys(batch_entries)
        refused.sort(key=lambda r: r["row"])
        return {"accepted": len(accepted), "refused": refused,
                "household_ids": [h["_id"] for _, h, _, _ in accepted], "duplicate_flags": flagged}

    def update_household(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.HouseholdUpdateSchema, data)
        household = self._household_for_write(viewer, household_id)
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        if "community_code" in data:
            problem = domain.community_problem(data["community_code"], household["township_code"])
            if problem:
                raise ValidationFailed.field("community_code", problem)
        self.repo.households.update(household_id, expected, data)
        return self._household_views(viewer, [self.repo.households.require(household_id)])[0]

    def add_member(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.MemberAddSchema, data)
        household = self._household_for_write(viewer, household_id)
        expected = data.pop("expected_version")
        if data["relationship"] == "head":
            raise ValidationFailed.field("relationship", "the household already has a head")
        today = self._today()
        member, keys = self._build_member(data, "member", today)
        members = [*household["members"], member]
        flags = self._flags_for(household_id, [(member, keys)],
                                self._key_index(self.repo.match_candidates(list(keys.values()))), today)
        all_flags = [*household["duplicate_flags"], *flags]
        claims = self._claims([member])
        try:
            self.repo.claim_identities(claims, household_id)
        except IdentityTaken:
            raise Conflict("this ID number is already registered (one person, one record)",
                           {"id_number": ["already registered in another household"]}) from None
        try:
            self.repo.households.update(household_id, expected, {
                **domain.household_derived_fields(members), "duplicate_flags": all_flags,
                "open_duplicate_flags": domain.open_flag_count(all_flags)})
        except BaseException:
            self.repo.release_identities([c for c, _ in claims], household_id)
            raise
        self.repo.add_match_keys(self.match_key_entries(member["person_id"], household_id,
                                                        household["station_id"], keys))
        return self._household_views(viewer, [self.repo.households.require(household_id)])[0]

    def update_member(self, viewer: Viewer, household_id: str, person_id: str, data: dict) -> dict:
        data = load(schemas.MemberUpdateSchema, data)
        household = self._household_for_write(viewer, household_id)
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        member = domain.find_member(household, person_id)
        updated = dict(member)
        for name in ("name", "relationship", "tags"):
            if name in data:
                updated[name] = data[name].strip() if name == "name" else data[name]
        if "phone" in data:
            updated.update(self._phone_fields(data["phone"]))
        if "id_number" in data:  # a correction: birth date and sex follow the number
            birth, sex = domain.identity_from_id_number(data["id_number"])
            updated.update({"birth_date": birth.isoformat(), "sex": sex, **self._identity_fields(data["id_number"])})
            domain.check_birth_date(updated["birth_date"], self._today(), "member")
        updated.update(self._detail_fields(data))
        has_disability = bool(updated.get("disability_encrypted"))
        domain.check_tags(updated["tags"], updated["birth_date"], has_disability, self._today(), "member")
        members = domain.replace_member(household, updated)
        domain.check_members(members)
        new_claim = [(updated["id_index"], person_id)] if updated.get("id_index") != member.get("id_index") else []
        try:
            self.repo.claim_identities(new_claim, household_id)
        except IdentityTaken:
            raise Conflict("this ID number is already registered (one person, one record)",
                           {"id_number": ["already registered in another household"]}) from None
        try:
            self.repo.households.update(household_id, expected, domain.household_derived_fields(members))
        except BaseException:
            self.repo.release_identities([c for c, _ in new_claim], household_id)
            raise
        if new_claim and member.get("id_index"):
            self.repo.release_identities([member["id_index"]], household_id)
        if {"phone", "name", "id_number"} & set(data):
            self.repo.remove_match_keys(person_id)
            self.repo.add_match_keys(self.match_key_entries(person_id, household_id, household["station_id"],
                                                             self.person_match_keys(updated)))
        return self._household_views(viewer, [self.repo.households.require(household_id)])[0]

    def remove_member(self, viewer: Viewer, household_id: str, person_id: str, data: dict) -> dict:
        data = load(schemas.MemberRemoveSchema, data)
        household = self._household_for_write(viewer, household_id)
        member = domain.find_member(household, person_id)
        if member["relationship"] == "head":
            raise RuleViolation("the head cannot be removed; make another member head first",
                                {"person_id": ["head of the household"]})
        if data["removed_on"] > self._today():
            raise ValidationFailed.field("removed_on", "cannot be in the future")
        if self.repo.cases.find({"person_id": person_id, "stage": {"$in": list(domain.OPEN_STAGES)}}, limit=1):
            raise RuleViolation("this person has an open case: close it first", {"person_id": ["open case"]})
        members = [m for m in household["members"] if m["person_id"] != person_id]
        departed = {**member, "removed": {"reason": data["reason"], "on": data["removed_on"].isoformat(),
                                          "note": data.get("note"), "by": viewer.user_id}}
        self.repo.households.update(household_id, data["expected_version"], {
            **domain.household_derived_fields(members),
            "former_members": [*household.get("former_members", []), departed]})
        # A person who moved out may be registered in another household: free their number.
        if member.get("id_index"):
            self.repo.release_identities([member["id_index"]], household_id)
        self.repo.remove_match_keys(person_id)
        return self._household_views(viewer, [self.repo.households.require(household_id)])[0]

    # --- consent ---------------------------------------------------------------------------------------
    def record_consent(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.ConsentSchema, data)
        household = self._household_for_write(viewer, household_id)
        consent = domain.new_consent(household, data, new_id("cn"), self._actor(viewer).record(self._now()),
                                     self._today())
        self.repo.households.update(household_id, data["expected_version"],
                                    {"consents": [*household.get("consents", []), consent]})
        return views.consent_view(consent)

    def withdraw_consent(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.ConsentWithdrawalSchema, data)
        household = self._household_for_write(viewer, household_id)
        consent = next((c for c in household.get("consents", []) if c["consent_id"] == data["consent_id"]), None)
        if consent is None:
            raise ValidationFailed.field("consent_id", "no such consent recorded for this household")
        withdrawn = domain.withdraw_consent(consent, data["withdrawn_on"], data["reason"], self._today())
        consents = [withdrawn if c["consent_id"] == consent["consent_id"] else c for c in household["consents"]]
        dropped = domain.matching_needs_to_drop({**household, "consents": consents}, consent["person_id"],
                                                self._today())
        event = self._event(events.CONSENT_WITHDRAWN, {
            "consent_id": consent["consent_id"], "household_id": household_id, "person_id": consent["person_id"],
            "purposes": consent["purposes"], "withdrawn_on": withdrawn["withdrawn_on"],
            "matching_need_ids": dropped}, viewer)
        self.repo.households.update(household_id, data["expected_version"], {"consents": consents}, [event])
        return views.consent_view(withdrawn)

    # --- duplicates and merging ------------------------------------------------------------------------
    def dismiss_duplicate_flag(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.DismissFlagSchema, data)
        household = self._household_for_write(viewer, household_id)
        flag = next((f for f in household["duplicate_flags"] if f["flag_id"] == data["flag_id"]), None)
        if flag is None or flag["status"] != "open":
            raise ValidationFailed.field("flag_id", "no open duplicate flag with this id")
        resolution = {"reason": data["reason"], **self._actor(viewer).record(self._now())}
        flags = [{**f, "status": "dismissed", "resolution": resolution} if f is flag else f
                 for f in household["duplicate_flags"]]
        self.repo.households.update(household_id, data["expected_version"], {
            "duplicate_flags": flags, "open_duplicate_flags": domain.open_flag_count(flags)})
        return self._household_views(viewer, [self.repo.households.require(household_id)])[0]

    def merge_persons(self, viewer: Viewer, data: dict) -> dict:
        """Merge a duplicate record into the surviving one; audited on both households.

        Two writes when the records sit in different households: the duplicate's household first
        (it loses the person and keeps a tombstone naming the survivor; `person.merged` goes out
        with it), then the survivor's household (it gains what only the duplicate knew). If the
        second write fails (someone edited meanwhile), calling merge again with fresh versions
        finds the tombstone and completes the second step only.
        """
        data = load(schemas.MergeSchema, data)
        survivor_ref, duplicate_ref = data["survivor"], data["duplicate"]
        if survivor_ref["person_id"] == duplicate_ref["person_id"]:
            raise ValidationFailed.field("duplicate.person_id", "a person cannot be merged into themself")
        survivor_household = self._household_for_write(viewer, survivor_ref["household_id"], "survivor.household_id")
        survivor = domain.find_member(survivor_household, survivor_ref["person_id"], "survivor.person_id")
        same_household = survivor_ref["household_id"] == duplicate_ref["household_id"]
        duplicate_household = survivor_household if same_household else self._household_for_write(
            viewer, duplicate_ref["household_id"], "duplicate.household_id", allow_closed=True)
        tombstone = next((t for t in duplicate_household.get("merged_members", [])
                          if t["person_id"] == duplicate_ref["person_id"]), None)
        now, actor = self._now(), self._actor(viewer)
        if tombstone is not None:
            if tombstone["merged_into"] != survivor_ref["person_id"]:
                raise Conflict("this record was already merged into someone else",
                               {"duplicate.person_id": [f"merged into {tombstone['merged_into']}"]})
            duplicate = tombstone["record"]
        else:
            duplicate = domain.find_member(duplicate_household, duplicate_ref["person_id"], "duplicate.person_id")
        if survivor.get("id_index") and duplicate.get("id_index") and survivor["id_index"] != duplicate["id_index"]:
            raise RuleViolation("the two records carry different ID numbers: they are different people, or one "
                                "number is wrong (correct it first)", {"duplicate.person_id": ["different ID numbers"]})
        if survivor["birth_date"] != duplicate["birth_date"] or survivor["sex"] != duplicate["sex"]:
            raise RuleViolation("the two records disagree on birth date or sex: correct one first",
                                {"duplicate.person_id": ["different birth date or sex"]})
        merged_survivor = _absorb(survivor, duplicate)
        pair = {survivor["person_id"], duplicate["person_id"]}
        resolution = {"merged": True, "survivor_person_id": survivor["person_id"], **actor.record(now),
                      "reason": data["reason"]}
        event = self._event(events.PERSON_MERGED, {
            "survivor_person_id": survivor["person_id"], "survivor_household_id": survivor_household["_id"],
            "duplicate_person_id": duplicate["person_id"], "duplicate_household_id": duplicate_household["_id"],
            "station_id": duplicate_household["station_id"]}, viewer)

        if tombstone is None:
            if self.repo.cases.find({"person_id": duplicate["person_id"], "stage": {"$in": list(domain.OPEN_STAGES)}},
                                    limit=1):
                raise RuleViolation("the duplicate record has an open case: close it or open it on the survivor first",
                                    {"duplicate.person_id": ["open case"]})
            remaining = [m for m in duplicate_household["members"] if m["person_id"] != duplicate["person_id"]]
            if same_household:
                remaining = [merged_survivor if m["person_id"] == survivor["person_id"] else m for m in remaining]
            stone = {"person_id": duplicate["person_id"], "merged_into": survivor["person_id"],
                     "survivor_household_id": survivor_household["_id"], "reason": data["reason"],
                     **actor.record(now), "record": duplicate}
            flags = domain.resolve_flags(duplicate_household["duplicate_flags"], pair, "merged", resolution)
            changes = {"merged_members": [*duplicate_household.get("merged_members", []), stone],
                       "duplicate_flags": flags, "open_duplicate_flags": domain.open_flag_count(flags)}
            if remaining:
                if duplicate["relationship"] == "head":
                    raise RuleViolation("the duplicate is the head of its household: make another member head first",
                                        {"duplicate.person_id": ["head of a household with other members"]})
                changes.update(domain.household_derived_fields(remaining))
            else:
                changes.update({"members": [], "person_ids": [], "groups": [], "member_count": 0, "status": "closed",
                                "closed_reason": "its only member was merged into household "
                                                 f"{survivor_household['_id']}"})
            self.repo.households.update(duplicate_household["_id"], duplicate_ref["expected_version"], changes, [event])
        if not same_household and duplicate["person_id"] not in survivor.get("merged_from", []):
            flags = domain.resolve_flags(survivor_household["duplicate_flags"], pair, "merged", resolution)
            members = domain.replace_member(survivor_household, merged_survivor)
            self.repo.households.update(survivor_household["_id"], survivor_ref["expected_version"], {
                **domain.household_derived_fields(members), "duplicate_flags": flags,
                "open_duplicate_flags": domain.open_flag_count(flags)})
        if duplicate.get("id_index"):
            self.repo.move_identity(duplicate["id_index"], survivor["person_id"], survivor_household["_id"])
        self.repo.remove_match_keys(duplicate["person_id"])
        self.repo.add_match_keys(self.match_key_entries(survivor["person_id"], survivor_household["_id"],
                                                         survivor_household["station_id"],
                                                         self.person_match_keys(merged_survivor)))
        return self._household_views(viewer, [self.repo.households.require(survivor_household["_id"])])[0]

    def list_duplicate_flags(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.DuplicateFilterSchema, filters or {})
        conditions = [c for c in (self._scope(viewer), {"open_duplicate_flags": {"$gt": 0}}) if c]
        if f["station_id"]:
            conditions.append({"station_id": f["station_id"]})
        page = self.repo.households.page(all_of(*conditions), f["after"], f["limit"])
        seen = self._protected(viewer, page.docs)
        items = [{"household": views.household_view(h, self._today(), seen),
                  "flags": [fl for fl in h["duplicate_flags"] if fl["status"] == "open"]} for h in page.docs]
        return {"items": items, "next_cursor": page.next_cursor, "total": page.total}

    # --- unmasking ---------------------------------------------------------------------------------------
    def reveal_person(self, viewer: Viewer, household_id: str, person_id: str, reason: str) -> dict:
        household = self._visible_household(viewer, household_id)
        if not viewer.may_reveal_personal_data(household["station_id"], household["region_code"]):
            raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
        reason = self._reason(reason)
        member = domain.find_member(household, person_id)
        seen = self._protected(viewer, [household])
        if seen.person_hidden(household_id, person_id):
            raise PermissionDenied("this person is protected by a crisis case: only the case team may unmask them")
        fields = ["id_number", "birth_date", "phone", "disability", "health"]
        self._log_access(viewer, "reveal_person", "person", person_id, household, fields, reason)
        return {"person_id": person_id, "name": member["name"], "birth_date": member["birth_date"],
                "id_number": self.cipher.decrypt(member.get("id_number_encrypted")),
                "phone": self.cipher.decrypt(member.get("phone_encrypted")),
                "disability": _decrypt_json(self.cipher, member.get("disability_encrypted")),
                "health": _decrypt_json(self.cipher, member.get("health_encrypted"))}

    def reveal_case_notes(self, viewer: Viewer, case_id: str, reason: str) -> dict:
        case = self._visible_case(viewer, case_id)
        if not self._in_case_team(viewer, case):
            raise PermissionDenied("only the case team (assigned worker, station lead, supervisors of the station) "
                                   "may read protected case notes")
        reason = self._reason(reason)
        self._log_access(viewer, "reveal_case_notes", "case", case_id, case,
                         ["crisis_notes", "visit_notes", "service_notes"], reason)
        crises = [*case["crisis_history"], case["crisis"]] if case.get("crisis") else case["crisis_history"]
        return {"case_id": case_id,
                "crisis_notes": [{"episode": c["episode"], "notes": self.cipher.decrypt(c.get("notes_encrypted"))}
                                 for c in crises],
                "visits": [{"id": v["visit_id"], "notes": self.cipher.decrypt(v["notes_encrypted"])}
                           for v in case["visits"] if v.get("notes_encrypted")],
                "services": [{"id": s["service_id"], "notes": self.cipher.decrypt(s["notes_encrypted"])}
                             for s in case["services"] if s.get("notes_encrypted")]}

    def access_log(self, viewer: Viewer, filters: dict | None) -> dict:
        """The kernel's access log, with casework's day filters: since/until are whole days in China."""
        f = load(schemas.AccessLogFilterSchema, filters or {})
        return self.repo.access_log.page(viewer, {
            "subject_id": f["subject_id"], "user_id": f["user_id"], "station_id": f["station_id"],
            "since": _start_of_china_day(f["since"]).isoformat() if f["since"] else None,
            "until": _start_of_china_day(f["until"] + timedelta(days=1)).isoformat() if f["until"] else None,
            "after": f["after"], "limit": min(f["limit"], MAX_ACCESS_LOG_PAGE)})

    # --- needs archive -------------------------------------------------------------------------------------
    def assess_needs(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        data = load(schemas.AssessmentSchema, data)
        household = self._household_for_write(viewer, household_id)
        self._require_current_staff([data["assessor_staff_id"]], household["station_id"],
                                    min(data["assessed_on"], self._today()), "assessor_staff_id", single=True)
        now, today = self._now(), self._today()
        version = domain.new_archive_version(household, data, new_id("as"), [new_id("nd") for _ in data["needs"]],
                                             self._actor(viewer).record(now), now, today)
        domain.require_archive_basis(household, version["needs"], today)
        version["withheld_from_matching"] = domain.withheld_from_matching(household, version["needs"], today)
        archive = [*household.get("archive", []), version]
        updated = {**household, "archive": archive}
        event = self._event(events.NEEDS_ASSESSED, domain.needs_event_payload(updated, version, today), viewer)
        self.repo.households.update(household_id, data["expected_version"], {
            "archive": archive, "review_due_on": domain.review_due_on(updated),
            "last_assessed_on": version["assessed_on"], "risk_level": version["risk_level"]}, [event])
        return views.archive_version_view(household_id, version)

    def archives_for_households(self, viewer: Viewer, household_ids: list[str], as_of: str | None = None) -> dict:
        """{household_id: the archive version in force on `as_of` (default today), or None}."""
        on = _parse_date(as_of, "as_of") if as_of else self._today()
        found = self._visible_households(viewer, household_ids)
        result = {}
        for hid in household_ids:
            household = found.get(hid)
            version = domain.version_as_of(household.get("archive", []), on) if household else None
            result[hid] = views.archive_version_view(hid, version) if version else None
        return result

    def archive_history(self, viewer: Viewer, household_ids: list[str]) -> dict:
        """{household_id: every archive version, oldest first}."""
        found = self._visible_households(viewer, household_ids)
        return {hid: [views.archive_version_view(hid, v) for v in found[hid].get("archive", [])] if hid in found else []
                for hid in household_ids}

    def archive_overdue_summary(self, viewer: Viewer, filters: dict | None) -> dict:
        """Per station: households, overdue archives (no assessment in 12 months), never assessed."""
        f = load(schemas.RegionSummaryFilterSchema, filters or {})
        today = self._today().isoformat()
        conditions = self._region_conditions(viewer, f)
        base = {"$and": conditions} if len(conditions) > 1 else (conditions[0] if conditions else {})
        active = {"$and": [base, {"status": "active"}]} if base else {"status": "active"}
        totals = self.repo.count_by(HOUSEHOLDS, active, "station_id")
        overdue = self.repo.count_by(HOUSEHOLDS, {"$and": [active, {"review_due_on": {"$lt": today}}]}, "station_id")
        never = self.repo.count_by(HOUSEHOLDS, {"$and": [active, {"last_assessed_on": ""}]}, "station_id")
        stations = [{"station_id": sid, "households": totals[sid], "overdue": overdue.get(sid, 0),
                     "never_assessed": never.get(sid, 0)} for sid in sorted(totals)]
        return {"as_of": today, "region": f["region"], "stations": stations,
                "households": sum(totals.values()), "overdue": sum(overdue.values()),
                "never_assessed": sum(never.values())}

    def _region_conditions(self, viewer: Viewer, f: dict) -> list[dict]:
        conditions = [c for c in (self._scope(viewer),) if c]
        if f.get("region"):
            conditions.append({"region_code": prefix_range(region_prefix(f["region"]))})
        if f.get("station_id"):
            conditions.append({"station_id": f["station_id"]})
        return conditions

    # --- household reads ------------------------------------------------------------------------------
    def _visible_households(self, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
        docs = self.repo.households.find({"_id": {"$in": list(ids)}})
        return {d["_id"]: d for d in docs if viewer.sees_station(d["station_id"], d["region_code"])}

    def _household_views(self, viewer: Viewer, households: list[dict]) -> list[dict]:
        seen = self._protected(viewer, households)
        today = self._today()
        return [views.household_view(h, today, seen) for h in households]

    def get_households(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._visible_households(viewer, ids)
        shown = dict(zip(found, self._household_views(viewer, list(found.values())), strict=False))
        return [shown.get(i) for i in ids]

    def list_households(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.HouseholdFilterSchema, filters or {})
        conditions = self._region_conditions(viewer, f)
        conditions.append({"status": "active"})
        if f["community_code"]:
            conditions.append({"community_code": f["community_code"]})
        if f["group"]:
            conditions.append({"groups": f["group"]})
        if f["archive_overdue"] is not None:
            today = self._today().isoformat()
            conditions.append({"review_due_on": {"$lt": today}} if f["archive_overdue"]
                              else {"review_due_on": {"$gte": today}})
        if f["risk_level"]:
            conditions.append({"risk_level": f["risk_level"]})
        if f["duplicates_open"] is not None:
            conditions.append({"open_duplicate_flags": {"$gt": 0}} if f["duplicates_open"]
                              else {"open_duplicate_flags": 0})
        if f["head_name"]:
            conditions.append({"head_name": {"$regex": "^" + re.escape(f["head_name"])}})
        page = self.repo.households.page(all_of(*conditions), f["after"], f["limit"])
        return {"items": self._household_views(viewer, page.docs), "next_cursor": page.next_cursor,
                "total": page.total}

    def get_persons(self, viewer: Viewer, person_ids: list[str]) -> list[dict | None]:
        households = [h for h in self.repo.households_holding(person_ids)
                      if viewer.sees_station(h["station_id"], h["region_code"])]
        seen, today = self._protected(viewer, households), self._today()
        found = {m["person_id"]: views.member_view(m, h["_id"], today, seen) for h in households for m in h["members"]}
        return [found.get(pid) for pid in person_ids]

    def persons_for_households(self, viewer: Viewer, household_ids: list[str]) -> dict:
        found = self._visible_households(viewer, household_ids)
        seen, today = self._protected(viewer, list(found.values())), self._today()
        return {hid: [views.member_view(m, hid, today, seen) for m in found[hid]["members"]] if hid in found else []
                for hid in household_ids}

    def visits_for_households(self, viewer: Viewer, household_ids: list[str]) -> dict:
        """Every visit to each household: its own (e.g. verification) and those logged on its cases."""
        found = self._visible_households(viewer, household_ids)
        cases = self.repo.cases_of_households(list(found)) if found else []
        result = {hid: [views.visit_view(v, False) for v in found[hid].get("visits", [])] if hid in found else []
                  for hid in household_ids}
        for case in cases:
            hidden = domain.is_crisis_case(case) and not self._in_case_team(viewer, case)
            if hidden:
                continue  # a protected case's visits would point at its person
            result[case["household_id"]].extend(views.visit_view(v, False) for v in case["visits"])
        for visits in result.values():
            visits.sort(key=lambda v: (v["visited_on"], v["recorded_at"]))
        return result

    # --- cases -------------------------------------------------------------------------------------------
    def open_case(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.CaseOpenSchema, data)
        household = self._household_for_write(viewer, data["household_id"])
        self._require_current_worker(data["assigned_staff_id"], household["station_id"], "assigned_staff_id")
        now, today = self._now(), self._today()
        data["opened_on"] = data.get("opened_on") or today
        actor = self._actor(viewer)
        case = domain.new_case(data, household, new_id("cs"), actor, now, today)
        case_events = [self._event(events.CASE_OPENED, {
            "case_id": case["_id"], "household_id": household["_id"], "person_id": case["person_id"],
            "station_id": case["station_id"], "township_code": case["township_code"], "domain": case["domain"],
            "source": case["source"], "assigned_staff_id": case["assigned_staff_id"],
            "opened_on": case["opened_on"]}, viewer)]
        if data.get("crisis"):
            case.update(domain.flag_crisis(case, self.cipher.encrypt(data["crisis"]["notes"]), actor, now))
            case_events.append(self._crisis_event(events.CRISIS_FLAGGED, case, viewer))
        subject = "this person" if case["person_id"] else "this household"
        self.repo.cases.insert(case, case_events,
                               duplicate_message=f"{subject} already has an open {case['domain']} case")
        return self._case_views(viewer, [self.repo.cases.require(case["_id"])])[0]

    def _crisis_event(self, contract, case: dict, viewer: Viewer, detected_at: datetime | None = None) -> Envelope:
        payload = {"case_id": case["_id"], "station_id": case["station_id"], "township_code": case["township_code"],
                   "domain": case["domain"], "assigned_staff_id": case["assigned_staff_id"],
                   "flagged_at": case["crisis"]["flagged_at"], "contact_due_at": case["crisis"]["contact_due_at"]}
        if detected_at is not None:
            payload["detected_at"] = domain.iso_at(detected_at)
        return self._event(contract, payload, viewer)

    def _breach_events(self, case: dict, changes: dict, viewer: Viewer) -> list[Envelope]:
        """crisis.contact_overdue for a breach recorded by this change rather than by the sweep
        (a late first contact, or a closure, before the sweep ran): still once per breach."""
        if not domain.is_new_breach(case, changes):
            return []
        return [self._crisis_event(events.CRISIS_CONTACT_OVERDUE, case, viewer,
                                   domain.parse_at(changes["crisis_breaches"][-1]["recorded_at"]))]

    def _stage_event(self, case: dict, changes: dict, viewer: Viewer, approved_by: str | None = None) -> Envelope:
        return self._event(events.CASE_STAGE_CHANGED, {
            "case_id": case["_id"], "station_id": case["station_id"], "domain": case["domain"],
            "from_stage": case["stage"], "to_stage": changes["stage"], "changed_at": changes["transitions"][-1]["at"],
            "approved_by": approved_by}, viewer)

    def _save_case(self, viewer: Viewer, case: dict, expected: int, changes: dict, case_events=()) -> dict:
        try:
            self.repo.cases.update(case["_id"], expected, changes, case_events)
        except DuplicateKeyError:
            raise Conflict("the person or household already has another open case in this domain",
                           {"case_id": ["another open case in the same domain"]}) from None
        return self._case_views(viewer, [self.repo.cases.require(case["_id"])])[0]

    def change_stage(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.StageChangeSchema, data)
        case = self._case_for_write(viewer, case_id)
        changes = domain.change_stage(case, data["to"], data.get("note"), self._actor(viewer), self._now(),
                                      self._worker_current(case))
        return self._save_case(viewer, case, data["expected_version"], changes,
                               [self._stage_event(case, changes, viewer)])

    def record_case_assessment(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.CaseAssessmentSchema, data)
        case = self._case_for_write(viewer, case_id)
        household = self.repo.households.require(case["household_id"])
        changes = domain.record_case_assessment(case, data, household, self._actor(viewer), self._now())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def submit_plan(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.PlanSchema, data)
        case = self._case_for_write(viewer, case_id)
        changes = domain.submit_plan(case, data, new_id("pl"), self._actor(viewer), self._now(), self._today())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def decide_plan(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.DecisionSchema, data)
        case = self._visible_case(viewer, case_id)
        self._require_approver(viewer, case)
        changes = domain.decide_plan(case, data["decision"], data.get("comment"), self._actor(viewer), self._now())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def request_closure(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ClosureRequestSchema, data)
        case = self._case_for_write(viewer, case_id)
        changes = domain.request_closure(case, data, self._actor(viewer), self._now())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def decide_closure(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.DecisionSchema, data)
        case = self._visible_case(viewer, case_id)
        self._require_approver(viewer, case)
        today = self._today()
        changes = domain.decide_closure(case, data["decision"], data.get("comment"), self._actor(viewer),
                                        self._now(), today)
        case_events = []
        if changes.get("stage") == "closed":
            closure = changes["closure"]
            case_events = [self._stage_event(case, changes, viewer, approved_by=viewer.user_id),
                           self._event(events.CASE_CLOSED, {
                               "case_id": case["_id"], "station_id": case["station_id"],
                               "township_code": case["township_code"], "domain": case["domain"],
                               "reason": closure["reason"], "outcome": closure["outcome"],
                               "opened_on": case["opened_on"], "closed_on": closure["closed_on"],
                               "approved_by": viewer.user_id}, viewer)]
        case_events.extend(self._breach_events(case, changes, viewer))
        return self._save_case(viewer, case, data["expected_version"], changes, case_events)

    def reopen_case(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ReopenSchema, data)
        case = self._case_for_write(viewer, case_id)
        household = self.repo.households.require(case["household_id"])
        worker = data.get("assigned_staff_id") or case["assigned_staff_id"]
        if worker != case["assigned_staff_id"]:
            self._require_current_worker(worker, case["station_id"], "assigned_staff_id")
        worker_current = staff_is_current(self.repo.staff_member(worker), case["station_id"], self._today().isoformat())
        changes = domain.reopen(case, data["reason"], household, self._actor(viewer), self._now(), worker_current,
                                worker)
        return self._save_case(viewer, case, data["expected_version"], changes,
                               [self._stage_event(case, changes, viewer)])

    def reassign_case(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ReassignSchema, data)
        case = self._case_for_write(viewer, case_id)
        self._require_current_worker(data["staff_id"], case["station_id"], "staff_id")
        changes = domain.reassign(case, data["staff_id"], data["reason"], self._actor(viewer), self._now())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def _new_visit(self, viewer: Viewer, data: dict, household: dict, case: dict | None, protected: bool) -> dict:
        now = self._now()
        domain.check_visit(data, now)
        self._require_current_staff(data["staff_ids"], household["station_id"], data["visited_on"], "staff_ids")
        contact_at = data.get("visited_at") or now
        return domain.jsonable({
            "visit_id": new_id("vs"), "household_id": household["_id"], "case_id": case["_id"] if case else None,
            "campaign_id": data.get("campaign_id"), "visit_type": data["visit_type"], "visited_on": data["visited_on"],
            "contact_at": domain.iso_at(contact_at), "duration_minutes": data["duration_minutes"],
            "staff_ids": data["staff_ids"], "other_participants": data.get("other_participants", []),
            "next_visit_on": data.get("next_visit_on"), "recorded_at": domain.iso_at(now),
            "recorded_by": viewer.user_id, **self._protect_text(data.get("notes"), protected)})

    def _visit_event(self, visit: dict, household: dict, viewer: Viewer) -> Envelope:
        return self._event(events.VISIT_LOGGED, {
            "visit_id": visit["visit_id"], "household_id": household["_id"], "case_id": visit["case_id"],
            "campaign_id": visit["campaign_id"], "station_id": household["station_id"],
            "township_code": household["township_code"], "visit_type": visit["visit_type"],
            "visited_on": visit["visited_on"], "duration_minutes": visit["duration_minutes"],
            "staff_ids": visit["staff_ids"], "contact_at": visit["contact_at"]}, viewer)

    def log_case_visit(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.VisitSchema, data)
        case = self._case_for_write(viewer, case_id)
        household = self.repo.households.require(case["household_id"])
        visit = self._new_visit(viewer, data, household, case, domain.is_crisis_case(case))
        changes = domain.add_case_visit(case, visit, self._now())
        self._save_case(viewer, case, data["expected_version"], changes,
                        [self._visit_event(visit, household, viewer), *self._breach_events(case, changes, viewer)])
        return views.visit_view(visit, False)

    def log_household_visit(self, viewer: Viewer, household_id: str, data: dict) -> dict:
        """A visit to the household itself, e.g. a comprehensive-verification visit (`campaign_id`)."""
        data = load(schemas.HouseholdVisitSchema, data)
        household = self._household_for_write(viewer, household_id)
        changes: dict[str, object] = {}
        if data.get("campaign_id"):
            campaign = self._visible_campaign(viewer, data["campaign_id"], "campaign_id")
            if not household["region_code"].startswith(region_prefix(campaign["region_code"])) or \
                    not domain.targeted_members(household, campaign["criteria"],
                                                date.fromisoformat(campaign["starts_on"])):
                raise ValidationFailed.field("campaign_id", "this household is not among the campaign's targets")
            if not campaign["starts_on"] <= data["visited_on"].isoformat() <= campaign["ends_on"]:
                raise ValidationFailed.field("visited_on", f"outside the campaign ({campaign['starts_on']} – "
                                                           f"{campaign['ends_on']})")
            visits = dict(household.get("campaign_visits") or {})
            visits.setdefault(campaign["_id"], data["visited_on"].isoformat())
            changes["campaign_visits"] = visits
        visit = self._new_visit(viewer, data, household, None, False)
        changes["visits"] = [*household.get("visits", []), visit]
        self.repo.households.update(household_id, data["expected_version"], changes,
                                    [self._visit_event(visit, household, viewer)])
        return views.visit_view(visit, False)

    def record_service(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ServiceSchema, data)
        case = self._case_for_write(viewer, case_id)
        if data["delivered_on"] > self._today():
            raise ValidationFailed.field("delivered_on", "a service cannot be dated in the future")
        self._require_current_staff(data["staff_ids"], case["station_id"], data["delivered_on"], "staff_ids")
        household = self.repo.households.require(case["household_id"])
        known_needs = {n["need_id"] for v in household.get("archive", []) for n in v["needs"]}
        for index, need_id in enumerate(data["need_ids"]):
            if need_id not in known_needs:
                raise ValidationFailed.field(f"need_ids.{index}", "not a need of this household's archive")
        service = domain.jsonable({
            "service_id": new_id("sv"), "source": "station", "activity_type": data["activity_type"],
            "delivered_on": data["delivered_on"], "duration_minutes": data["duration_minutes"],
            "staff_ids": data["staff_ids"], "need_ids": data["need_ids"], "recorded_at": domain.iso_at(self._now()),
            "recorded_by": viewer.user_id, **self._protect_text(data.get("notes"), domain.is_crisis_case(case))})
        changes = domain.add_case_service(case, service)
        self._save_case(viewer, case, data["expected_version"], changes)
        return views.service_view(service)

    def flag_crisis(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.CrisisFlagSchema, data)
        case = self._case_for_write(viewer, case_id)
        changes = domain.flag_crisis(case, self.cipher.encrypt(data["notes"]), self._actor(viewer), self._now())
        # From now on the case's notes are the team's only: encrypt the ones written before the flag.
        changes["visits"] = [self._seal(v) for v in case["visits"]]
        changes["services"] = [self._seal(s) for s in case["services"]]
        flagged = {**case, **changes}
        return self._save_case(viewer, case, data["expected_version"], changes,
                               [self._crisis_event(events.CRISIS_FLAGGED, flagged, viewer)])

    def _seal(self, entry: dict) -> dict:
        if entry.get("notes_encrypted") is not None or not entry.get("notes"):
            return entry
        return {**entry, "notes": None, "notes_encrypted": self.cipher.encrypt(entry["notes"])}

    def resolve_crisis(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.CrisisResolveSchema, data)
        case = self._case_for_write(viewer, case_id)
        changes = domain.resolve_crisis(case, data["note"], self._actor(viewer), self._now())
        return self._save_case(viewer, case, data["expected_version"], changes)

    def sweep_crisis_contacts(self, viewer: Viewer) -> list[str]:
        """Record each crisis whose first contact is overdue, once, with `crisis.contact_overdue`."""
        now = self._now()
        due = self.repo.cases.find({"crisis_state": "awaiting_contact",
                                    "crisis_contact_due_at": {"$lt": domain.iso_at(now)}})
        marked = []
        for case in due:
            if not domain.crisis_contact_overdue(case, now):
                continue
            changes = domain.mark_contact_overdue(case, now)
            try:
                self.repo.cases.update(case["_id"], case["_version"], changes,
                                       [self._crisis_event(events.CRISIS_CONTACT_OVERDUE, case, viewer, now)])
            except ConcurrentModification:  # changed meanwhile (perhaps the contact): next sweep decides
                continue
            marked.append(case["_id"])
        return marked

    def make_referral(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ReferralSchema, data)
        case = self._case_for_write(viewer, case_id)
        if case["stage"] == "closed":
            raise RuleViolation("referrals are made on open cases", {"case_id": ["closed"]})
        today = self._today()
        if data["made_on"] > today:
            raise ValidationFailed.field("made_on", "cannot be in the future")
        household = self.repo.households.require(case["household_id"])
        basis = domain.check_sharing_basis(data, case, household, today)
        now = self._now()
        referral = domain.jsonable({
            "referral_id": new_id("rf"), "target": data["target"], "service_requested": data["service_requested"],
            "made_on": data["made_on"], "made_by": viewer.user_id, "shares_personal_data": data["shares_personal_data"],
            "sharing_basis": basis, "status": "sent", "answered_on": None,
            "history": [{"status": "sent", "on": data["made_on"], "note": None, **self._actor(viewer).record(now)}]})
        event = self._event(events.REFERRAL_MADE, {
            "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
            "domain": case["domain"], "target_kind": data["target"]["kind"], "target_name": data["target"]["name"],
            "service_requested": data["service_requested"], "made_on": referral["made_on"],
            "shares_personal_data": data["shares_personal_data"], "sharing_basis": basis["kind"] if basis else None},
            viewer)
        self._save_case(viewer, case, data["expected_version"], {"referrals": [*case["referrals"], referral]}, [event])
        return views.referral_view(referral, case_id)

    def answer_referral(self, viewer: Viewer, case_id: str, data: dict) -> dict:
        data = load(schemas.ReferralAnswerSchema, data)
        case = self._case_for_write(viewer, case_id)
        referral = next((r for r in case["referrals"] if r["referral_id"] == data["referral_id"]), None)
        if referral is None:
            raise ValidationFailed.field("referral_id", "no such referral on this case")
        answered = domain.answer_referral(referral, data, self._actor(viewer), self._now(), self._today())
        event = self._event(events.REFERRAL_ANSWERED, {
            "referral_id": referral["referral_id"], "case_id": case_id, "station_id": case["station_id"],
            "status": answered["status"], "answered_on": answered["answered_on"]}, viewer)
        referrals = [answered if r is referral else r for r in case["referrals"]]
        self._save_case(viewer, case, data["expected_version"], {"referrals": referrals}, [event])
        return views.referral_view(answered, case_id)

    # --- case reads ----------------------------------------------------------------------------------------
    def _case_views(self, viewer: Viewer, cases: list[dict]) -> list[dict]:
        now, today = self._now(), self._today().isoformat()
        staff = self.repo.staff_members([c["assigned_staff_id"] for c in cases])
        return [views.case_view(c, self._in_case_team(viewer, c),
                                staff_is_current(staff.get(c["assigned_staff_id"]), c["station_id"], today), now)
                for c in cases]

    def _visible_cases(self, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
        docs = self.repo.cases.find({"_id": {"$in": list(ids)}})
        return {d["_id"]: d for d in docs if viewer.sees_station(d["station_id"], d["region_code"])}

    def get_cases(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._visible_cases(viewer, ids)
        shown = dict(zip(found, self._case_views(viewer, list(found.values())), strict=False))
        return [shown.get(i) for i in ids]

    def list_cases(self, viewer: Viewer, filters: dict | None) -> dict:
        """The station queue: active crises first, then by opening time (keyset paging)."""
        f = load(schemas.CaseFilterSchema, filters or {})
        conditions = self._region_conditions(viewer, f)
        if f["domain"]:
            conditions.append({"domain": f["domain"]})
        if f["stage"] == "open":
            conditions.append({"stage": {"$in": list(domain.OPEN_STAGES)}})
        elif f["stage"]:
            conditions.append({"stage": f["stage"]})
        if f["crisis"] is not None:
            conditions.append({"crisis_state": {"$in": list(domain.ACTIVE_CRISIS)}} if f["crisis"]
                              else {"crisis_state": {"$in": ["none", "resolved"]}})
        if f["overdue"] is not None:
            overdue = self._overdue_condition()
            conditions.append(overdue if f["overdue"] else {"$nor": [overdue]})
        if f["assigned_staff_id"]:
            conditions.append({"assigned_staff_id": f["assigned_staff_id"]})
        if f["household_id"]:
            conditions.append({"household_id": f["household_id"]})
        after = None
        if f["after"]:
            rank, opened_at, case_id = _split_cursor(f["after"])
            after = {"$or": [{"queue_rank": {"$gt": rank}},
                             {"queue_rank": rank, "opened_at": {"$gt": opened_at}},
                             {"queue_rank": rank, "opened_at": opened_at, "_id": {"$gt": case_id}}]}
        docs, total = self.repo.find_page(self.repo.cases, conditions,
                                          [("queue_rank", 1), ("opened_at", 1), ("_id", 1)], f["limit"], after)
        page = docs[:f["limit"]]
        last = page[-1] if page else None
        next_cursor = (f"{last['queue_rank']}|{last['opened_at']}|{last['_id']}"
                       if last is not None and len(docs) > f["limit"] else None)
        return {"items": self._case_views(viewer, page), "next_cursor": next_cursor, "total": total}

    def _overdue_condition(self) -> dict:
        now = self._now()
        return {"$or": [
            {"crisis_state": "overdue"},
            {"crisis_state": "awaiting_contact", "crisis_contact_due_at": {"$lt": domain.iso_at(now)}},
            {"follow_up_due_on": {"$gt": "", "$lt": domain.china_today(now).isoformat()}},
        ]}

    def cases_for_households(self, viewer: Viewer, household_ids: list[str]) -> dict:
        found = self._visible_households(viewer, household_ids)
        cases = self.repo.cases_of_households(list(found)) if found else []
        shown = self._case_views(viewer, cases)
        result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
        for case, view in zip(cases, shown, strict=False):
            if not view["identity_protected"]:
                result[case["household_id"]].append(view)
        return result

    def visits_for_cases(self, viewer: Viewer, case_ids: list[str]) -> dict:
        found = self._visible_cases(viewer, case_ids)
        result = {}
        for cid in case_ids:
            case = found.get(cid)
            hidden = case is not None and domain.is_crisis_case(case) and not self._in_case_team(viewer, case)
            result[cid] = [views.visit_view(v, hidden) for v in case["visits"]] if case else []
        return result

    def services_for_cases(self, viewer: Viewer, case_ids: list[str]) -> dict:
        found = self._visible_cases(viewer, case_ids)
        seen = views.Visibility.for_viewer(viewer)
        return {cid: [views.service_view(s, seen) for s in found[cid]["services"]] if cid in found else []
                for cid in case_ids}

    def referrals_for_cases(self, viewer: Viewer, case_ids: list[str]) -> dict:
        found = self._visible_cases(viewer, case_ids)
        return {cid: [views.referral_view(r, cid) for r in found[cid]["referrals"]] if cid in found else []
                for cid in case_ids}

    def case_summary(self, viewer: Viewer, filters: dict | None) -> dict:
        """Per station: open cases by stage, active crises, overdue cases (dashboards)."""
        f = load(schemas.RegionSummaryFilterSchema, filters or {})
        conditions = self._region_conditions(viewer, f)
        base = {"$and": conditions} if len(conditions) > 1 else (conditions[0] if conditions else {})

        def restricted(extra):
            return {"$and": [base, extra]} if base else extra

        stations: dict[str, dict] = {}
        for stage in domain.OPEN_STAGES:
            for sid, n in self.repo.count_by(CASES, restricted({"stage": stage}), "station_id").items():
                stations.setdefault(sid, _empty_summary(sid))["open_by_stage"][stage] = n
        overdue = self._overdue_condition()
        breach_sums = self.repo.sum_by(CASES, restricted({"crisis_breach_count": {"$gt": 0}}), "station_id",
                                       "crisis_breach_count")
        for sid, n in breach_sums.items():
            stations.setdefault(sid, _empty_summary(sid))["crisis_breaches"] = n
        for key, condition in (("crisis_active", {"crisis_state": {"$in": list(domain.ACTIVE_CRISIS)}}),
                               ("crisis_contact_overdue", {"$or": overdue["$or"][:2]}),
                               ("overdue", {"$and": [{"stage": {"$in": list(domain.OPEN_STAGES)}}, overdue]})):
            for sid, n in self.repo.count_by(CASES, restricted(condition), "station_id").items():
                stations.setdefault(sid, _empty_summary(sid))[key] = n
        rows = [stations[sid] for sid in sorted(stations)]
        for row in rows:
            row["open"] = sum(row["open_by_stage"].values())
        return {"region": f["region"], "stations": rows,
                "open": sum(r["open"] for r in rows), "crisis_active": sum(r["crisis_active"] for r in rows),
                "crisis_contact_overdue": sum(r["crisis_contact_overdue"] for r in rows),
                "crisis_breaches": sum(r["crisis_breaches"] for r in rows),
                "overdue": sum(r["overdue"] for r in rows)}

    def caseloads_for_stations(self, viewer: Viewer, station_ids: list[str]) -> dict:
        """{station_id: [casework's copy of each staff member, with open and crisis case counts]}."""
        visible = [sid for sid in station_ids if (s := self.repo.station(sid)) and
                   viewer.sees_station(sid, s["township_code"])]
        today = self._today().isoformat()
        staff = self.repo.staff_of_stations(visible)
        open_cases = self.repo.count_by(CASES, {"station_id": {"$in": visible},
                                                "stage": {"$in": list(domain.OPEN_STAGES)}}, "assigned_staff_id")
        crises = self.repo.count_by(CASES, {"station_id": {"$in": visible},
                                            "crisis_state": {"$in": list(domain.ACTIVE_CRISIS)}}, "assigned_staff_id")
        result: dict[str, list[dict]] = {sid: [] for sid in station_ids}
        for member in staff:
            result[member["station_id"]].append({
                "staff_id": member["_id"], "name": member.get("name"), "role": member.get("role"),
                "current": staff_is_current(member, member["station_id"], today),
                "open_cases": open_cases.get(member["_id"], 0), "crisis_cases": crises.get(member["_id"], 0)})
        return result

    # --- verification campaigns -------------------------------------------------------------------------
    def create_campaign(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.CampaignSchema, data)
        viewer.require_write(region_code=data["region_code"])
        campaign = domain.jsonable({"_id": new_id("vc"), "name": data["name"], "region_code": data["region_code"],
                                    "criteria": data["criteria"], "starts_on": data["starts_on"],
                                    "ends_on": data["ends_on"], "created": self._actor(viewer).record(self._now())})
        self.repo.campaigns.insert(campaign)
        return _campaign_view(self.repo.campaigns.require(campaign["_id"]))

    def _campaign_visible(self, viewer: Viewer, campaign: dict) -> bool:
        if viewer.role in (STATION_STAFF, SUPERVISOR):
            prefix = region_prefix(campaign["region_code"])
            return any(sid[2:].startswith(prefix) for sid in viewer.station_ids)
        # a campaign inside the viewer's region, or one covering it (a city-wide campaign for a county)
        return viewer.sees_region(campaign["region_code"]) or (
            viewer.role in ("province", "city", "county", "evaluator") and is_division_code(viewer.region)
            and region_prefix(viewer.region).startswith(region_prefix(campaign["region_code"])))

    def _visible_campaign(self, viewer: Viewer, campaign_id: str, field: str = "campaign_id") -> dict:
        campaign = self.repo.campaigns.get(campaign_id)
        if campaign is None or not self._campaign_visible(viewer, campaign):
            raise NotFound(f"unknown campaign {campaign_id}", {field: ["no such campaign in your scope"]})
        return campaign

    def get_campaigns(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        docs = {d["_id"]: d for d in self.repo.campaigns.find({"_id": {"$in": list(ids)}})
                if self._campaign_visible(viewer, d)}
        return [_campaign_view(docs[i]) if i in docs else None for i in ids]

    def list_campaigns(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.CampaignFilterSchema, filters or {})
        query = {"region_code": prefix_range(region_prefix(f["region"]))} if f["region"] else {}
        docs = [d for d in self.repo.campaigns.find(query, sort=[("_id", 1)]) if self._campaign_visible(viewer, d)]
        if f["after"]:
            docs = [d for d in docs if d["_id"] > f["after"]]
        page = docs[:f["limit"]]
        return {"items": [_campaign_view(d) for d in page],
                "next_cursor": page[-1]["_id"] if len(docs) > f["limit"] else None, "total": len(docs)}

    def campaign_progress(self, viewer: Viewer, campaign_id: str, filters: dict | None = None) -> dict:
        """Who the campaign targets in the viewer's scope, and who has been visited for it."""
        f = load(schemas.CampaignProgressFilterSchema, filters or {})
        campaign = self._visible_campaign(viewer, campaign_id)
        on = date.fromisoformat(campaign["starts_on"])
        conditions = [{"region_code": prefix_range(region_prefix(campaign["region_code"]))},
                      {"groups": {"$in": campaign["criteria"]["tags_any"]}}, {"status": "active"}]
        scope = self._scope(viewer)
        if scope:
            conditions.append(scope)
        targeted = []
        for household in self.repo.households.find({"$and": conditions}, sort=[("_id", 1)]):
            people = domain.targeted_members(household, campaign["criteria"], on)
            if people:
                targeted.append((household, people, (household.get("campaign_visits") or {}).get(campaign_id)))
        by_station: dict[str, dict] = {}
        for household, _, visited_on in targeted:
            row = by_station.setdefault(household["station_id"], {"station_id": household["station_id"],
                                                                  "targeted": 0, "visited": 0})
            row["targeted"] += 1
            row["visited"] += visited_on is not None
        chosen = [t for t in targeted
                  if (not f["station_id"] or t[0]["station_id"] == f["station_id"])
                  and (f["visited"] is None or (t[2] is not None) == f["visited"])
                  and (not f["after"] or t[0]["_id"] > f["after"])]
        page = chosen[:f["limit"]]
        seen, today = self._protected(viewer, [h for h, _, _ in page]), self._today()
        items = [{"household_id": h["_id"], "station_id": h["station_id"], "community_code": h["community_code"],
                  "community_name": h["community_name"], "visited_on": visited_on,
                  "persons": [views.member_view(m, h["_id"], today, seen) for m in people]}
                 for h, people, visited_on in page]
        visited = sum(1 for t in targeted if t[2] is not None)
        return {"campaign": _campaign_view(campaign), "targeted": len(targeted), "visited": visited,
                "not_visited": len(targeted) - visited,
                "persons_targeted": sum(len(p) for _, p, _ in targeted),
                "by_station": [by_station[s] for s in sorted(by_station)],
                "items": items, "next_cursor": items[-1]["household_id"] if len(chosen) > f["limit"] else None}

    # --- what other services tell us -----------------------------------------------------------------------
    def record_station(self, payload: dict, at: str | None = None) -> None:
        self.repo.record_station(domain.station_registered(self.repo.station(payload["station_id"]), payload, at))

    def record_station_updated(self, payload: dict, at: str) -> None:
        """The registry's station.updated: casework follows the station's status (a closed station
        takes no new households). Order-insensitive: an older event never overwrites a newer status."""
        self.repo.record_station(domain.station_updated(self.repo.station(payload["station_id"]), payload, at))

    def record_staff_joined(self, payload: dict) -> None:
        self.repo.record_staff_joined({"_id": payload["staff_id"], "station_id": payload["station_id"],
                                       "region_code": payload["region_code"], "name": payload["name"],
                                       "role": payload["role"], "professional": payload["professional"],
                                       "employment_start": payload["employment_start"]})

    def record_staff_left(self, payload: dict) -> None:
        self.repo.record_staff_left(payload["staff_id"], payload["station_id"], payload["employment_end"])

    def record_service_delivered(self, payload: dict, event_id: str) -> str:
        """A service a volunteer, resource or charity delivered, recorded on the household's open case
        in the same domain, or — when no such case is open — on the household's own service record.
        Returns where it went. Idempotent by the delivery's task id."""
        household = self.repo.households.get(payload["household_id"])
        if household is None:
            raise NotFound(f"service delivered for unknown household {payload['household_id']}")
        task_id = payload["task_id"]
        if task_id in household.get("service_task_ids", []) or \
                self.repo.cases.find({"service_task_ids": task_id}, limit=1):
            return "already recorded"
        cases = self.repo.cases_of_households([household["_id"]])
        case = domain.case_for_delivery(cases, payload, household)
        service = {"service_id": new_id("sv"), "source": "volunteers", "activity_type": payload["service_type"],
                   "delivered_on": payload["delivered_on"], "hours": payload["hours"],
                   "duration_minutes": round(payload["hours"] * 60), "delivered_by": payload["delivered_by"],
                   "need_ids": [payload["need_id"]], "task_id": task_id, "match_id": payload["match_id"],
                   "event_id": event_id, "recorded_at": domain.iso_at(self._now())}
        if case is not None:
            service.update(self._protect_text(payload.get("notes"), domain.is_crisis_case(case)))
            self.repo.cases.update(case["_id"], case["_version"], domain.add_case_service(case, service))
            return case["_id"]
        service.update(self._protect_text(payload.get("notes"), False))
        self.repo.households.update(household["_id"], household["_version"], {
            "services": [*household.get("services", []), service],
            "service_task_ids": [*household.get("service_task_ids", []), task_id]})
        return household["_id"]


_ABSORBED_FIELDS = {
    "id_number_encrypted": ("id_number_encrypted", "id_index", "id_number_masked"),
    "phone_encrypted": ("phone_encrypted", "phone_index", "phone_masked"),
    "disability_encrypted": ("disability_encrypted",),
    "health_encrypted": ("health_encrypted",),
}


def _absorb(survivor: dict, duplicate: dict) -> dict:
    """The survivor keeps its own data and gains what only the duplicate recorded."""
    merged = dict(survivor)
    for present, group in _ABSORBED_FIELDS.items():
        if not survivor.get(present) and duplicate.get(present):
            merged.update({name: duplicate.get(name) for name in group})
    merged["tags"] = sorted(set(survivor.get("tags", [])) | set(duplicate.get("tags", [])))
    merged["merged_from"] = [*survivor.get("merged_from", []), duplicate["person_id"]]
    return merged


def _decrypt_json(cipher: FieldCipher, token: str | None):
    return json.loads(cipher.decrypt(token)) if token else None


def _campaign_view(campaign: dict) -> dict:
    return {"id": campaign["_id"], "name": campaign["name"], "region_code": campaign["region_code"],
            "criteria": campaign["criteria"], "starts_on": campaign["starts_on"], "ends_on": campaign["ends_on"],
            "created": campaign["created"], "version": campaign["_version"]}


def _empty_summary(station_id: str) -> dict:
    return {"station_id": station_id, "open_by_stage": {s: 0 for s in domain.OPEN_STAGES},
            "crisis_active": 0, "crisis_contact_overdue": 0, "crisis_breaches": 0, "overdue": 0}


def _refusals(row: int, details: dict) -> list[dict]:
    return [{"row": row, "field": field, "reason": "; ".join(reasons)} for field, reasons in details.items()]


def _split_cursor(cursor: str) -> tuple[int, str, str]:
    try:
        rank, opened_at, case_id = cursor.split("|")
        return int(rank), opened_at, case_id
    except ValueError:
        raise ValidationFailed.field("after", "not a cursor this list returned") from None


def _start_of_china_day(day: date) -> datetime:
    return datetime.combine(day, time.min, domain.CHINA)


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None
