"""The registry's use cases: validate, apply domain rules, recompute compliance, store with events.

Each write is one single-document change of a station (with its outbox), checked against the
version the caller read. Nothing here talks to the broker; the outbox relay does.
"""
from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError

from services.common import clock, storage
from services.common.auth import Viewer, region_prefix
from services.common.errors import ConcurrentModification, NotFound, PermissionDenied, ValidationFailed
from services.common.events import Envelope, new_event
from services.common.ids import new_id
from services.common.observability import current_correlation_id
from services.common.protection import FieldCipher
from services.common.rpc import load
from services.contracts import registry as events

from . import compliance, domain, schemas
from .regions import RegionFileError, parse_region_csv
from .storage import RegistryRepository


class Registry:
    def __init__(self, repository: RegistryRepository, cipher: FieldCipher | None = None):
        self.repo = repository
        self.cipher = cipher or FieldCipher()

    # --- helpers ------------------------------------------------------------------------
    def _event(self, contract, payload: dict, viewer: Viewer) -> Envelope:
        return new_event(contract, domain.jsonable(payload), correlation_id=current_correlation_id(),
                         actor={"user_id": viewer.user_id, "role": viewer.role})

    def _visible_station(self, viewer: Viewer, station_id: str) -> dict:
        station = self.repo.stations.get(station_id)
        if station is None or not viewer.sees_station(station["_id"], station["region_code"]):
            # Out-of-scope stations look exactly like unknown ones.
            raise NotFound(f"unknown station {station_id}", {"station_id": ["no such station in your scope"]})
        return station

    def evaluate(self, station: dict, on: date | None = None, previous: dict | None = None) -> dict:
        on = on or clock.today()
        policy = compliance.policy_in_force(self.repo.policies(), station["region_code"], on)
        wage = domain.wage_for(self.repo.wages(), station["region_code"], on.year)
        return compliance.evaluate(station, policy, on, wage, previous)

    def _compliance_change(self, before: dict, after_state: dict, viewer: Viewer) -> tuple[dict, list[Envelope]]:
        """Recompute the stored compliance snapshot; an event when any status moved."""
        previous = before.get("compliance")
        evaluation = self.evaluate(after_state, previous=previous)
        snapshot = compliance.snapshot(evaluation)
        if not compliance.changed(previous, evaluation):
            return snapshot, []
        return snapshot, [self._event(events.COMPLIANCE_CHANGED, {
            "station_id": after_state["_id"], "region_code": after_state["region_code"],
            "status": snapshot["status"], "previous_status": (previous or {}).get("status"),
            "rules": snapshot["rules"], "as_of": evaluation["as_of"]}, viewer)]

    def _backdated_compliance(self, before: dict, after: dict, on: date, viewer: Viewer) -> list[Envelope]:
        """A change that took effect before today also changed compliance on that day: one
        station.compliance_changed as of `on`, so consumers dating the facts (funding) see it from then."""
        past_before, past_after = self.evaluate(before, on), self.evaluate(after, on)
        if not compliance.changed(compliance.snapshot(past_before), past_after):
            return []
        snapshot = compliance.snapshot(past_after)
        return [self._event(events.COMPLIANCE_CHANGED, {
            "station_id": after["_id"], "region_code": after["region_code"], "status": snapshot["status"],
            "previous_status": past_before["status"], "rules": snapshot["rules"], "as_of": on.isoformat()}, viewer)]

    def _save(self, viewer: Viewer, station: dict, expected_version: int, changes: dict,
              change_events: list[Envelope], effective_on: date | None = None) -> dict:
        after = {**station, **changes}
        if effective_on is not None and effective_on < clock.today():
            change_events = [*change_events, *self._backdated_compliance(station, after, effective_on, viewer)]
        snapshot, compliance_events = self._compliance_change(station, after, viewer)
        changes = {**changes, "compliance": snapshot}
        self.repo.stations.update(station["_id"], expected_version, changes, [*change_events, *compliance_events])
        return domain.station_view(self.repo.stations.require(station["_id"]), viewer)

    # --- stations -----------------------------------------------------------------------
    def register_station(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.StationInputSchema, data)
        township_code = data["township_code"]
        viewer.require_write(region_code=township_code)
        regions = self.repo.regions_by_code([township_code, township_code[:6]])
        station = domain.new_station(data, regions.get(township_code), regions.get(township_code[:6]), clock.today())
        evaluation = self.evaluate(station)
        station["compliance"] = compliance.snapshot(evaluation)
        registered = self._event(events.STATION_REGISTERED, {
            "station_id": station["_id"], "name": station["name"], "township_code": township_code,
            "county_code": station["county_code"], "city_code": station["city_code"], "status": station["status"],
            "legal_form": station["legal_form"],
            "operator_credit_code": (station.get("operator") or {}).get("credit_code")}, viewer)
        changed = self._event(events.COMPLIANCE_CHANGED, {
            "station_id": station["_id"], "region_code": township_code, "status": station["compliance"]["status"],
            "previous_status": None, "rules": station["compliance"]["rules"], "as_of": evaluation["as_of"]}, viewer)
        self.repo.stations.insert(station, [registered, changed],
                                  duplicate_message=f"township {township_code} already has a station")
        return domain.station_view(self.repo.stations.require(station["_id"]), viewer)

    def update_station(self, viewer: Viewer, station_id: str, data: dict) -> dict:
        data = load(schemas.StationUpdateSchema, data)
        station = self._visible_station(viewer, station_id)
        viewer.require_write(station_id=station_id, region_code=station["region_code"])
        expected = data.pop("expected_version")
        effective_on = domain.effective_date(data.pop("effective_on", None), clock.today())
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        changes = domain.jsonable({k: v for k, v in data.items() if k != "status"})
        history = domain.dated_history(station, changes, compliance.DATED_STATION_FIELDS, effective_on)
        if history is not None:
            changes["history"] = history
        if "name" in data:
            regions = self.repo.regions_by_code([station["township_code"], station["county_code"]])
            problem = domain.check_station_name(data["name"], regions[station["county_code"]],
                                                regions[station["township_code"]])
            if problem:
                raise ValidationFailed.field("name", problem)
        if "legal_form" in data or "operator" in data:
            legal_form = data.get("legal_form", station["legal_form"])
            operator = data.get("operator", station.get("operator"))
            if operator is None:
                raise ValidationFailed.field("operator", f"a station with legal form {legal_form} names its operator")
        if "status" in data:
            changes.update(domain.change_status(station, data["status"]["status"], data["status"]["on"]))
        updated = {**station, **changes}
        event = self._event(events.STATION_UPDATED, {
            "station_id": station_id, "region_code": station["region_code"], "changed": sorted(data.keys()),
            "status": updated["status"], "operator_credit_code": (updated.get("operator") or {}).get("credit_code")},
            viewer)
        return self._save(viewer, station, expected, changes, [event], effective_on)

    # --- staff --------------------------------------------------------------------------
    def add_staff(self, viewer: Viewer, station_id: str, data: dict) -> dict:
        data = load(schemas.StaffInputSchema, data)
        # Adding a member commutes with any other change to the station: retried, not refused.
        return storage.retry_commuting(lambda: self._add_staff(viewer, station_id, data))

    def _add_staff(self, viewer: Viewer, station_id: str, data: dict) -> dict:
        station = self._visible_station(viewer, station_id)
        viewer.require_write(station_id=station_id, region_code=station["region_code"])
        if data["employment_start"] > clock.today().replace(year=clock.today().year + 1):
            raise ValidationFailed.field("employment_start", "more than a year in the future")
        member = domain.new_staff_member(
            station, data, new_id("stf"), self.cipher.encrypt(data["id_number"]),
            self.cipher.blind_index(data["id_number"]), self.cipher.encrypt(data["phone"]))
        today = clock.today()
        joined = self._event(events.STAFF_JOINED, {
            "staff_id": member["staff_id"], "station_id": station_id, "region_code": station["region_code"],
            "name": member["name"], "role": member["role"],
            "professional": compliance.is_professional(member, today),
            "employment_start": member["employment_start"]}, viewer)
        change_events = [joined]
        if member.get("qualification"):
            change_events.append(self._qualification_event(viewer, station, member))
        return self._save(viewer, station, station["_version"], {"staff": [*station["staff"], member]}, change_events)

    def _qualification_event(self, viewer, station, member) -> Envelope:
        return self._event(events.QUALIFICATION_RECORDED, {
            "staff_id": member["staff_id"], "station_id": station["_id"], "kind": member["qualification"]["kind"],
            "level": member["qualification"]["level"],
            "professional": compliance.is_professional(member, clock.today())}, viewer)

    def _staff_write(self, viewer: Viewer, station_id: str, staff_id: str):
        station = self._visible_station(viewer, station_id)
        viewer.require_write(station_id=station_id, region_code=station["region_code"])
        return station, domain.find_staff(station, staff_id)

    def update_staff(self, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
        data = load(schemas.StaffUpdateSchema, data)
        station, member = self._staff_write(viewer, station_id, staff_id)
        expected = data.pop("expected_version")
        effective_on = domain.effective_date(data.pop("effective_on", None), clock.today())
        if "phone" in data:
            phone = data.pop("phone")
            data["phone_encrypted"] = self.cipher.encrypt(phone)
            data["phone_masked"] = domain.mask_phone(phone)
        history = domain.dated_history(member, data, compliance.DATED_STAFF_FIELDS, effective_on)
        updated = {**member, **data, **({"history": history} if history is not None else {})}
        return self._save(viewer, station, expected, {"staff": domain.replace_staff(station, updated)}, [],
                          effective_on)

    def record_staff_left(self, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
        data = load(schemas.StaffLeftSchema, data)
        station, member = self._staff_write(viewer, station_id, staff_id)
        updated = domain.end_employment(member, data["employment_end"], data.get("reason"))
        left = self._event(events.STAFF_LEFT, {"staff_id": staff_id, "station_id": station_id,
                                               "region_code": station["region_code"],
                                               "employment_end": updated["employment_end"]}, viewer)
        return self._save(viewer, station, data["expected_version"],
                          {"staff": domain.replace_staff(station, updated)}, [left])

    def record_qualification(self, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
        data = dict(data or {})
        expected = data.pop("expected_version", None)
        if not isinstance(expected, int):
            raise ValidationFailed.field("expected_version", "required: the station version you read")
        qualification = domain.jsonable(load(schemas.QualificationSchema, data))
        station, member = self._staff_write(viewer, station_id, staff_id)
        updated = {**member, "qualification": qualification}
        return self._save(viewer, station, expected, {"staff": domain.replace_staff(station, updated)},
                          [self._qualification_event(viewer, station, updated)])

    def record_training(self, viewer: Viewer, station_id: str, staff_id: str, data: dict) -> dict:
        data = load(schemas.TrainingSchema, data)
        # A training adds to the member's record whatever else changed since the client read the
        # station: the version it names is only the first attempt's, a race is retried.
        versions = iter([data.pop("expected_version")])  # then None: the rerun reads the current version
        return storage.retry_commuting(
            lambda: self._record_training(viewer, station_id, staff_id, data, next(versions, None)))

    def _record_training(self, viewer: Viewer, station_id: str, staff_id: str, data: dict,
                         expected_version: int | None) -> dict:
        station, member = self._staff_write(viewer, station_id, staff_id)
        updated = domain.add_training(member, data, new_id("trn"), clock.today())
        recorded = self._event(events.TRAINING_RECORDED, {
            "staff_id": staff_id, "station_id": station_id, "date": data["date"], "hours": data["hours"],
            "year_total_hours": domain.training_hours_in_year(updated, data["date"].year)}, viewer)
        version = station["_version"] if expected_version is None else expected_version
        return self._save(viewer, station, version, {"staff": domain.replace_staff(station, updated)}, [recorded])

    def reveal_staff_identity(self, viewer: Viewer, station_id: str, staff_id: str, reason: str) -> dict:
        station = self._visible_station(viewer, station_id)
        if not viewer.may_reveal_personal_data(station_id, station["region_code"]):
            raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
        if not reason or len(reason.strip()) < 4:
            raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
        member = domain.find_staff(station, staff_id)
        self.repo.access_log.record(viewer, subject_type="staff", subject_id=staff_id,
                                    fields=["id_number", "phone"], reason=reason.strip(),
                                    station_id=station_id, region_code=station["region_code"])
        return {"id_number": self.cipher.decrypt(member["id_number_encrypted"]),
                "phone": self.cipher.decrypt(member["phone_encrypted"])}

    def record_export(self, viewer: Viewer, export: dict) -> dict:
        """Log a table exported from the dashboard (who, what, scope) before the gateway hands the file over.
        The scope must be the viewer's own: a station they may see, or a region within theirs."""
        data = load(schemas.ExportRecordSchema, export)
        if viewer.is_public:
            raise PermissionDenied("exports are for signed-in users")
        station_id, region_code = data["station_id"], data["region_code"]
        if station_id:
            region_code = self._visible_station(viewer, station_id)["region_code"]
        elif not viewer.sees_region(region_code):
            raise PermissionDenied(f"region {region_code} is outside your scope")
        self.repo.access_log.record(viewer, subject_type="export", subject_id=data["table"], fields=data["columns"],
                                    reason=f"{data['format']} export of {data['rows']} rows",
                                    station_id=station_id, region_code=region_code)
        return {"logged": True, "region_code": region_code, "station_id": station_id}

    def access_log(self, viewer: Viewer, filters: dict | None) -> list[dict]:
        filters = filters or {}
        return self.repo.access_log.entries(viewer, subject_id=filters.get("subject_id"),
                                            user_id=filters.get("user_id"), limit=int(filters.get("limit") or 100))

    # --- reads --------------------------------------------------------------------------
    def list_stations(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.StationFilterSchema, filters or {})
        query = viewer.station_filter(within=f["region"])
        if f["status"]:
            query["status"] = f["status"]
        if f["compliance"]:
            query["compliance.status"] = f["compliance"]
        if f["failing_rule"]:
            if f["failing_rule"] not in compliance.RULES:
                raise ValidationFailed.field("failing_rule", f"one of {', '.join(compliance.RULES)}")
            query[f"compliance.rules.{f['failing_rule']}.status"] = {"$in": ["not_met", "at_risk"]}
        if f["text"]:
            query["name"] = {"$regex": re.escape(f["text"])}
        page = self.repo.stations.page(query, f["after"], f["limit"])
        return {"items": [domain.station_view(d, viewer) for d in page.docs], "next_cursor": page.next_cursor,
                "total": page.total}

    def _visible_by_id(self, viewer: Viewer, ids: list[str]) -> dict[str, dict]:
        docs = self.repo.stations.find({"_id": {"$in": list(ids)}})
        return {d["_id"]: d for d in docs if viewer.sees_station(d["_id"], d["region_code"])}

    def get_stations(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = self._visible_by_id(viewer, ids)
        return [domain.station_view(found[i], viewer) if i in found else None for i in ids]

    def staff_for_stations(self, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
        found = self._visible_by_id(viewer, station_ids)
        today = clock.today()
        return {sid: [domain.staff_view(m, sid, today) for m in found[sid].get("staff", [])] if sid in found else []
                for sid in station_ids}

    def compliance_for_stations(self, viewer: Viewer, station_ids: list[str], as_of: str | None = None) -> dict:
        on = _parse_date(as_of, "as_of")
        found = self._visible_by_id(viewer, station_ids)
        policies, wages = self.repo.policies(), self.repo.wages()
        result: dict[str, dict | None] = {}
        for sid in station_ids:
            station = found.get(sid)
            if station is None:
                result[sid] = None
                continue
            policy = compliance.policy_in_force(policies, station["region_code"], on)
            wage = domain.wage_for(wages, station["region_code"], on.year)
            result[sid] = compliance.evaluate(station, policy, on, wage, station.get("compliance"))
        return result

    def region_rollup(self, viewer: Viewer, region_code: str, as_of: str | None = None) -> dict:
        on = _parse_date(as_of, "as_of")
        region_prefix(region_code)
        if self.repo.region(region_code) is None:
            raise NotFound(f"unknown region {region_code}", {"code": ["no such division in the region tree"]})
        docs = self.repo.stations.find(viewer.station_filter(within=region_code))
        policies, wages = self.repo.policies(), self.repo.wages()
        by_status = {s: 0 for s in ("met", "not_met", "at_risk", "unknown")}
        by_rule: dict[str, dict[str, int]] = {rule: {} for rule in compliance.RULES}
        operating = 0
        for station in docs:
            operating += station["status"] == "operating"
            policy = compliance.policy_in_force(policies, station["region_code"], on)
            evaluation = compliance.evaluate(station, policy, on,
                                             domain.wage_for(wages, station["region_code"], on.year))
            by_status[evaluation["status"]] += 1
            for rule, result in evaluation["rules"].items():
                by_rule[rule][result["status"]] = by_rule[rule].get(result["status"], 0) + 1
        return {"region_code": region_code, "as_of": on.isoformat(), "stations": len(docs), "operating": operating,
                "by_status": by_status, "by_rule": by_rule}

    # --- reference data -----------------------------------------------------------------
    def regions(self, viewer: Viewer, parent_code: str | None = None) -> list[dict]:
        return [_region_view(r) for r in self.repo.child_regions(parent_code)]

    def regions_under(self, viewer: Viewer, code: str) -> list[dict]:
        """Every region whose code starts with `code`'s prefix (32 → the province, its cities, counties, townships)."""
        return [_region_view(r) for r in self.repo.regions_under(region_prefix(code))]

    def get_regions(self, viewer: Viewer, codes: list[str]) -> list[dict | None]:
        found = self.repo.regions_by_code(codes)
        return [_region_view(found[c]) if c in found else None for c in codes]

    def import_regions(self, viewer: Viewer, csv_text: str) -> dict:
        if viewer.role not in ("admin", "province"):
            raise PermissionDenied("only administrators and province staff import regions")
        try:
            result = parse_region_csv(csv_text or "", self.repo.all_regions())
        except RegionFileError as exc:
            raise ValidationFailed.field("csv", str(exc)) from None
        self.repo.save_regions(result.accepted)
        return {"accepted": len(result.accepted), "unchanged": len(result.unchanged),
                "refused": [{"row": r.row_number, "field": r.field, "reason": r.reason} for r in result.refused]}

    def import_average_wages(self, viewer: Viewer, rows: list[dict]) -> dict:
        if viewer.role not in ("admin", "province", "city"):
            raise PermissionDenied("only administrators, province and city staff import average wages")
        accepted, refused = 0, []
        schema = schemas.WageSchema()
        for number, row in enumerate(rows or [], start=1):
            try:
                wage = schema.load(row)
            except ValidationError as exc:
                for field, reasons in ValidationFailed.from_marshmallow(exc.messages).details.items():
                    refused.append({"row": number, "field": field, "reason": "; ".join(reasons)})
                continue
            if viewer.role == "city" and not viewer.sees_region(wage["region_code"]):
                refused.append({"row": number, "field": "region_code", "reason": "outside your region"})
                continue
            self.repo.save_wage(wage)
            accepted += 1
        return {"accepted": accepted, "refused": refused}

    def set_policy(self, viewer: Viewer, data: dict) -> dict:
        policy = domain.jsonable(load(schemas.PolicySchema, data))
        if viewer.role != "admin" and not (viewer.role in ("province", "city", "county") and viewer.region
                                           and policy["region_code"].startswith(region_prefix(viewer.region))):
            raise PermissionDenied("policies are set by administrators or civil-affairs staff for their own region")
        self.repo.save_policy(policy)
        return policy

    def record_contract_award(self, award: dict, viewer: Viewer) -> list[str]:
        """A purchase-of-service contract names the operator of its stations.

        Idempotent: a station that already records this contract is left alone, so a redelivered
        award (or a retry after a partial failure) changes nothing twice.
        """
        changed = []
        for station_id in award["station_ids"]:
            station = self.repo.stations.get(station_id)
            if station is None or (station.get("operator") or {}).get("contract_id") == award["contract_id"]:
                continue
            operator = {"name": award["operator_name"], "credit_code": award["operator_credit_code"],
                        "contact_phone": (station.get("operator") or {}).get("contact_phone"),
                        "contract_id": award["contract_id"],
                        "contract_period": [award["period_start"], award["period_end"]]}
            event = self._event(events.STATION_UPDATED, {
                "station_id": station_id, "region_code": station["region_code"], "changed": ["operator"],
                "status": station["status"], "operator_credit_code": operator["credit_code"]}, viewer)
            self._save(viewer, station, station["_version"],
                       {"operator": operator, "legal_form": "operated_by_organisation"}, [event])
            changed.append(station_id)
        return changed

    def refresh_compliance(self, viewer: Viewer) -> int:
        """Daily sweep: time alone moves statuses (pro-rata training); publish what changed."""
        changed = 0
        for station in self.repo.stations.find({}):
            snapshot, change_events = self._compliance_change(station, station, viewer)
            if change_events:
                try:
                    self.repo.stations.update(station["_id"], station["_version"], {"compliance": snapshot},
                                              change_events)
                    changed += 1
                except ConcurrentModification:  # a concurrent write recomputed it already
                    continue
        return changed


def _region_view(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level, "parent_code": region.parent_code}


def _parse_date(value: str | None, field: str) -> date:
    if value in (None, ""):
        return clock.today()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None
