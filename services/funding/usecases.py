"""The funding service's use cases: validate, scope, apply the rules, store state and events together.

Each write of an aggregate is one version-checked single-document write with its events (outbox).
User edits carry the `expected_version` the caller read. Appends that do not edit what the caller
read (a bid received, a disbursement recorded) re-read and re-check the document until their write
lands, so a concurrent append can never slip past a limit. Allocating and committing money span two
documents and use the reservation described in domain.py.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from services.common import clock
from services.common.auth import STATION_STAFF, SUPERVISOR, Viewer
from services.common.errors import (
    ConcurrentModification,
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolation,
    ValidationFailed,
)
from services.common.events import Envelope, new_event
from services.common.ids import new_id
from services.common.observability import current_correlation_id
from services.common.protection import FieldCipher
from services.common.rpc import load
from services.common.storage import AggregateStore
from services.contracts import funding as events

from . import closing, contracts, disclosure, domain, evaluation, procurement, schemas, staffing, supervision
from .storage import FundingRepository

APPEND_ATTEMPTS = 50
# A tender cancelled while still a draft was never public: only tenders published at some point are disclosed
# (a null published_at sorts below every string, so it fails this condition).
PUBLISHED_ONCE = {"published_at": {"$gt": ""}}


class Funding:
    def __init__(self, repository: FundingRepository, cipher: FieldCipher | None = None):
        self.repo = repository
        self.cipher = cipher or FieldCipher()

    # --- helpers ------------------------------------------------------------------------------------
    def _event(self, contract, payload: dict, viewer: Viewer) -> Envelope:
        return new_event(contract, domain.jsonable(payload), correlation_id=current_correlation_id(),
                         actor={"user_id": viewer.user_id, "role": viewer.role})

    @staticmethod
    def _visible(store: AggregateStore, viewer: Viewer, doc_id: str) -> dict:
        doc = store.get(doc_id) if isinstance(doc_id, str) else None
        if doc is None or not domain.sees(viewer, doc):
            # Out-of-scope records look exactly like unknown ones.
            raise NotFound(f"unknown {store.label} {doc_id}", {"id": [f"no {store.label} with this id in your scope"]})
        return doc

    def _visible_evaluation(self, viewer: Viewer, evaluation_id: str) -> dict:
        doc = self.repo.evaluations.get(evaluation_id) if isinstance(evaluation_id, str) else None
        assigned = doc is not None and viewer.role == "evaluator" and viewer.user_id in doc["evaluator_user_ids"]
        if doc is None or not (domain.sees(viewer, doc) or assigned):
            raise NotFound(f"unknown evaluation {evaluation_id}", {"id": ["no evaluation with this id in your scope"]})
        return doc

    @staticmethod
    def _append(store: AggregateStore, doc_id: str, build) -> dict:
        """Re-read, re-check and write until no concurrent writer got in between; returns the new state."""
        for _ in range(APPEND_ATTEMPTS):
            current = store.require(doc_id)
            changes, change_events = build(current)
            try:
                store.update(doc_id, current["_version"], changes, change_events)
            except ConcurrentModification:
                continue
            return {**current, **changes, "_version": current["_version"] + 1}
        raise ConcurrentModification(f"{store.label} {doc_id} is changing too often right now; try again")

    @staticmethod
    def _edit(store: AggregateStore, doc: dict, expected_version: int, changes: dict, change_events=()) -> dict:
        store.update(doc["_id"], expected_version, changes, change_events)
        return store.require(doc["_id"])

    @staticmethod
    def _page_result(items: list, next_cursor, total: int) -> dict:
        return {"items": items, "next_cursor": next_cursor, "total": total}

    @staticmethod
    def _region_condition(region: str | None) -> dict:
        return {"scope_codes": {"$in": [region]}} if region else {}

    # --- reservations across two documents (domain.py explains the protocol) -----------------------------
    def _reserve(self, store: AggregateStore, holder_id: str, counter: str, reservation_id: str, amount_fen: int,
                 extra: dict | None = None) -> None:
        self._append(store, holder_id, lambda holder: (
            domain.reserve(holder, counter, reservation_id, amount_fen, clock.utcnow(), store.label, extra), []))

    def _settle(self, store: AggregateStore, holder_id: str, reservation_id: str, counter: str | None) -> None:
        """Confirm a reservation (counter None) or release it; nothing if it is not pending any more."""
        for _ in range(APPEND_ATTEMPTS):
            holder = store.require(holder_id)
            changes = domain.confirm(holder, reservation_id) if counter is None \
                else domain.release(holder, counter, reservation_id)
            if changes is None:
                return
            try:
                store.update(holder_id, holder["_version"], changes)
                return
            except ConcurrentModification:
                continue
        raise ConcurrentModification(f"{store.label} {holder_id} is changing too often right now; try again")

    def _require_fresh(self, store: AggregateStore, holder_id: str, reservation_id: str) -> None:
        if not domain.reservation_is_fresh(store.require(holder_id), reservation_id, clock.utcnow()):
            raise Conflict("the reservation took too long and may be released; try again",
                           {"amount_fen": ["reservation expired"]})

    def settle_reservations(self) -> dict:
        """Timer: settle reservations left pending by a crash between their two writes."""
        now = clock.utcnow()
        settled = {"confirmed": 0, "released": 0}
        for source in self.repo.sources.find({"pending_count": {"$gt": 0}}):
            for line_id in domain.stale_reservations(source, now):
                exists = self.repo.lines.get(line_id) is not None
                self._settle(self.repo.sources, source["_id"], line_id, None if exists else "allocated_fen")
                settled["confirmed" if exists else "released"] += 1
        for line in self.repo.lines.find({"pending_count": {"$gt": 0}}):
            for commitment_id in domain.stale_reservations(line, now):
                contract = self.repo.contracts.get(line["pending"][commitment_id]["contract_id"])
                exists = contract is not None and any(c["id"] == commitment_id for c in contract["commitments"])
                self._settle(self.repo.lines, line["_id"], commitment_id, None if exists else "committed_fen")
                settled["confirmed" if exists else "released"] += 1
        return settled

    # --- funding sources ------------------------------------------------------------------------------
    def create_source(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.SourceInputSchema, data)
        domain.require_region_write(viewer, data["region_code"])
        source = domain.new_source(data, new_id("src"))
        registered = self._event(events.FUNDING_SOURCE_REGISTERED, {
            "source_id": source["_id"], "name": source["name"], "kind": source["kind"], "domain": source["domain"],
            "year": source["year"], "region_code": source["region_code"], "amount_fen": source["amount_fen"],
            "earmark_domains": source["earmark"]["domains"]}, viewer)
        self.repo.sources.insert(source, [registered])
        return domain.source_view(self.repo.sources.require(source["_id"]))

    def update_source(self, viewer: Viewer, source_id: str, data: dict) -> dict:
        data = load(schemas.SourceUpdateSchema, data)
        source = self._visible(self.repo.sources, viewer, source_id)
        domain.require_region_write(viewer, source["region_code"])
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        changes = dict(data)
        if "amount_fen" in data:
            changes.update(domain.source_amount_change(source, data["amount_fen"]))
        return domain.source_view(self._edit(self.repo.sources, source, expected, changes))

    def allocate_budget(self, viewer: Viewer, source_id: str, data: dict) -> dict:
        data = load(schemas.AllocationSchema, data)
        source = self._visible(self.repo.sources, viewer, source_id)
        domain.require_region_write(viewer, source["region_code"])
        line = domain.new_budget_line(source, data, new_id("bl"))
        self._reserve(self.repo.sources, source_id, "allocated_fen", line["_id"], line["amount_fen"])
        try:
            self._require_fresh(self.repo.sources, source_id, line["_id"])
            allocated = self._event(events.BUDGET_ALLOCATED, {
                "budget_line_id": line["_id"], "source_id": source_id, "source_kind": line["source_kind"],
                "source_domain": line["source_domain"], "year": line["year"], "region_code": line["region_code"],
                "station_id": line["station_id"], "project_name": (line["project"] or {}).get("name"),
                "amount_fen": line["amount_fen"]}, viewer)
            self.repo.lines.insert(line, [allocated])
        except BaseException:
            self._settle(self.repo.sources, source_id, line["_id"], "allocated_fen")
            raise
        self._settle(self.repo.sources, source_id, line["_id"], None)
        return domain.budget_line_view(self.repo.lines.require(line["_id"]))

    def list_sources(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.SourceFilterSchema, filters or {})
        conditions = [domain.scope_filter(viewer), self._region_condition(f["region"]),
                      {"year": f["year"]} if f["year"] else {}, {"kind": f["kind"]} if f["kind"] else {}]
        docs, cursor, total = self.repo.page(self.repo.sources, conditions, f["after"], f["limit"])
        return self._page_result([domain.source_view(d) for d in docs], cursor, total)

    def get_sources(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = {d["_id"]: d for d in self.repo.sources.find({"_id": {"$in": list(ids)}}) if domain.sees(viewer, d)}
        return [domain.source_view(found[i]) if i in found else None for i in ids]

    # --- budget lines -----------------------------------------------------------------------------------
    def list_budget_lines(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.BudgetLineFilterSchema, filters or {})
        conditions = [domain.scope_filter(viewer), self._region_condition(f["region"]),
                      {"year": f["year"]} if f["year"] else {},
                      {"source_id": f["source_id"]} if f["source_id"] else {},
                      {"station_id": f["station_id"]} if f["station_id"] else {}]
        docs, cursor, total = self.repo.page(self.repo.lines, conditions, f["after"], f["limit"])
        return self._page_result([domain.budget_line_view(d) for d in docs], cursor, total)

    def get_budget_lines(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = {d["_id"]: d for d in self.repo.lines.find({"_id": {"$in": list(ids)}}) if domain.sees(viewer, d)}
        return [domain.budget_line_view(found[i]) if i in found else None for i in ids]

    def _lines_by(self, viewer: Viewer, field: str, parent_ids: list[str]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {pid: [] for pid in parent_ids}
        for line in self.repo.lines.find({field: {"$in": list(parent_ids)}}, sort=[("_id", 1)]):
            if domain.sees(viewer, line):
                grouped[line[field]].append(domain.budget_line_view(line))
        return grouped

    def budget_lines_for_sources(self, viewer: Viewer, source_ids: list[str]) -> dict[str, list[dict]]:
        return self._lines_by(viewer, "source_id", source_ids)

    def budget_lines_for_stations(self, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
        return self._lines_by(viewer, "station_id", station_ids)

    # --- tenders and bids ------------------------------------------------------------------------------
    def create_tender(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.TenderInputSchema, data)
        domain.require_region_write(viewer, data["region_code"])
        tender = procurement.new_tender(data, new_id("tdr"))
        self.repo.tenders.insert(tender)
        return self._tender_views([self.repo.tenders.require(tender["_id"])])[0]

    def update_tender(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        data = load(schemas.TenderUpdateSchema, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        expected = data.pop("expected_version")
        if not data:
            raise ValidationFailed.field("_schema", "nothing to change")
        changes = procurement.draft_changes(tender, data)
        return self._tender_views([self._edit(self.repo.tenders, tender, expected, changes)])[0]

    def publish_tender(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        data = load(schemas.ExpectedVersion, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        changes = procurement.publish(tender, clock.utcnow())
        published = self._event(events.TENDER_PUBLISHED, {
            "tender_id": tender_id, "ocid": tender["ocid"], "title": tender["title"],
            "region_code": tender["region_code"],
            "station_ids": tender["station_ids"], "service_domains": tender["service_domains"],
            "method": tender["method"], "budget_fen": tender["budget_fen"], "deadline": tender["deadline"],
            "published_at": changes["published_at"]}, viewer)
        return self._tender_views([self._edit(self.repo.tenders, tender, data["expected_version"], changes,
                                              [published])])[0]

    def cancel_tender(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        data = load(schemas.CancelSchema, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        changes = procurement.cancel(tender, data["reason"], clock.utcnow())
        return self._tender_views([self._edit(self.repo.tenders, tender, data["expected_version"], changes)])[0]

    def record_bid(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        """Bids are registered by the buyer's procurement staff as they arrive (operators hold no account)."""
        data = load(schemas.BidInputSchema, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        bid_id = new_id("bid")

        def build(current):
            bid = procurement.new_bid(current, data, bid_id, clock.utcnow(), self.cipher)
            received = self._event(events.BID_RECEIVED, {
                "tender_id": tender_id, "bid_id": bid_id, "operator_name": bid["organisation"]["name"],
                "operator_credit_code": bid["organisation"]["credit_code"], "price_fen": bid["price_fen"],
                "received_at": bid["received_at"]}, viewer)
            return {"bids": [*current["bids"], bid]}, [received]

        updated = self._append(self.repo.tenders, tender_id, build)
        return procurement.bid_view(tender_id, procurement.find_bid(updated, bid_id), viewer)

    def review_bid(self, viewer: Viewer, tender_id: str, bid_id: str, data: dict) -> dict:
        data = load(schemas.BidReviewSchema, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        bids, review = procurement.review(tender, bid_id, data, clock.utcnow(), viewer.user_id)
        bid = procurement.find_bid(tender, bid_id)
        reviewed = self._event(events.BID_REVIEWED, {
            "tender_id": tender_id, "bid_id": bid_id, "operator_credit_code": bid["organisation"]["credit_code"],
            "qualified": review["qualified"], "total_score": review["total_score"],
            "failed_items": review["failed_items"]}, viewer)
        updated = self._edit(self.repo.tenders, tender, data["expected_version"], {"bids": bids}, [reviewed])
        return procurement.bid_view(tender_id, procurement.find_bid(updated, bid_id), viewer)

    def award_tender(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        data = load(schemas.AwardSchema, data)
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        changes = procurement.award(tender, data["bid_id"], data["reason"], clock.utcnow())
        award = changes["award"]
        awarded = self._event(events.TENDER_AWARDED, {
            "tender_id": tender_id, "bid_id": award["bid_id"], "operator_name": award["operator"]["name"],
            "operator_credit_code": award["operator"]["credit_code"], "amount_fen": award["amount_fen"],
            "region_code": tender["region_code"]}, viewer)
        return self._tender_views([self._edit(self.repo.tenders, tender, data["expected_version"], changes,
                                              [awarded])])[0]

    def _tender_views(self, tenders: list[dict]) -> list[dict]:
        contract_ids = {contracts.contract_id_for(t["_id"]) for t in tenders}
        signed = {d["_id"] for d in self.repo.contracts.collection.find({"_id": {"$in": list(contract_ids)}},
                                                                        {"_id": 1})}
        views = []
        for tender in tenders:
            view = procurement.tender_view(tender)
            contract_id = contracts.contract_id_for(tender["_id"])
            view["contract_id"] = contract_id if contract_id in signed else None
            views.append(view)
        return views

    def list_tenders(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.TenderFilterSchema, filters or {})
        conditions = [domain.scope_filter(viewer), self._region_condition(f["region"]),
                      {"project.year": f["year"]} if f["year"] else {}, {"status": f["status"]} if f["status"] else {}]
        docs, cursor, total = self.repo.page(self.repo.tenders, conditions, f["after"], f["limit"])
        return self._page_result(self._tender_views(docs), cursor, total)

    def get_tenders(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = {d["_id"]: d for d in self.repo.tenders.find({"_id": {"$in": list(ids)}}) if domain.sees(viewer, d)}
        views = {v["id"]: v for v in self._tender_views(list(found.values()))} if found else {}
        return [views.get(i) for i in ids]

    def bids_for_tenders(self, viewer: Viewer, tender_ids: list[str]) -> dict[str, list[dict]]:
        found = {d["_id"]: d for d in self.repo.tenders.find({"_id": {"$in": list(tender_ids)}})
                 if domain.sees(viewer, d)}
        return {tid: [procurement.bid_view(tid, b, viewer) for b in found[tid]["bids"]]
                if tid in found else []
                for tid in tender_ids}

    def reveal_bid_personal_data(self, viewer: Viewer, tender_id: str, bid_id: str, reason: str) -> dict:
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        if not viewer.may_reveal_personal_data("", tender["region_code"]):
            raise PermissionDenied(f"role {viewer.role} may not see unmasked personal data")
        if not reason or len(reason.strip()) < 4:
            raise ValidationFailed.field("reason", "say why you need the unmasked data (at least 4 characters)")
        bid = procurement.find_bid(tender, bid_id)
        self.repo.access_log.record(viewer, subject_type="bid", subject_id=bid_id,
                                    fields=["contact.phone", "leaders.id_number"], reason=reason.strip(),
                                    station_id=None, region_code=tender["region_code"])
        return {"contact": {"name": bid["contact"]["name"],
                            "phone": self.cipher.decrypt(bid["contact"]["phone_encrypted"])},
                "leaders": [{"id": leader["id"], "name": leader["name"], "role": leader["role"],
                             "id_number": self.cipher.decrypt(leader["id_number_encrypted"])}
                            for leader in bid["leaders"]]}

    def access_log(self, viewer: Viewer, filters: dict | None) -> list[dict]:
        f = load(schemas.AccessLogFilterSchema, filters or {})
        return self.repo.access_log.entries(viewer, subject_id=f["subject_id"], user_id=f["user_id"],
                                            limit=f["limit"])

    # --- contracts -------------------------------------------------------------------------------------------
    def _wage_for(self, region_code: str, on: str) -> dict | None:
        return domain.local_wage(self.repo.wages(), region_code, int(on[:4]))

    def sign_contract(self, viewer: Viewer, tender_id: str, data: dict) -> dict:
        data = load(schemas.ContractInputSchema, data)
        data = {k: v for k, v in data.items() if v is not None}
        tender = self._visible(self.repo.tenders, viewer, tender_id)
        domain.require_region_write(viewer, tender["region_code"])
        start = domain.jsonable((data.get("period") or tender["contract_period"])["start"])
        contract = contracts.new_contract(tender, data, self._wage_for(tender["region_code"], start), viewer.user_id)
        awarded = self._event(events.CONTRACT_AWARDED, {
            "contract_id": contract["_id"], "tender_id": tender_id, "operator_name": contract["operator"]["name"],
            "operator_credit_code": contract["operator"]["credit_code"], "station_ids": contract["station_ids"],
            "region_code": contract["region_code"], "period_start": contract["period"]["start"],
            "period_end": contract["period"]["end"], "amount_fen": contract["amount_fen"],
            "promised_professional_staff": contract["staffing_promise"]["professional_social_workers_per_station"]},
            viewer)
        self.repo.contracts.insert(contract, [awarded], duplicate_message=f"tender {tender_id} already has a contract")
        return contracts.contract_view(self.repo.contracts.require(contract["_id"]))

    def amend_contract(self, viewer: Viewer, contract_id: str, data: dict) -> dict:
        data = load(schemas.AmendmentSchema, data)
        contract = self._visible(self.repo.contracts, viewer, contract_id)
        domain.require_region_write(viewer, contract["region_code"])
        wage = (self._wage_for(contract["region_code"], contract["period"]["start"])
                if "staffing_promise" in data else None)
        changes = contracts.amend(contract, data, new_id("amd"), clock.utcnow(), viewer.user_id, wage)
        amendment = changes["amendments"][-1]
        amended = self._event(events.CONTRACT_AMENDED, {
            "contract_id": contract_id, "amendment_id": amendment["id"], "reason": amendment["reason"],
            "changed": sorted(amendment["changes"]), "amount_fen": changes["amount_fen"],
            "period_end": changes["period"]["end"], "station_ids": changes["station_ids"]}, viewer)
        return contracts.contract_view(self._edit(self.repo.contracts, contract, data["expected_version"], changes,
                                                  [amended]))

    def commit_funding(self, viewer: Viewer, contract_id: str, data: dict) -> dict:
        data = load(schemas.CommitmentSchema, data)
        contract = self._visible(self.repo.contracts, viewer, contract_id)
        domain.require_region_write(viewer, contract["region_code"])
        line = self.repo.lines.get(data["budget_line_id"])
        if line is None or not domain.sees(viewer, line):
            raise ValidationFailed.field("budget_line_id", "no such budget line in your scope")
        problem = domain.covers_contract(line, contract)
        if problem:
            raise RuleViolation(problem, {"budget_line_id": [problem]})
        amount = data["amount_fen"]
        contracts.commitment_room(contract, amount)
        commitment_id = new_id("cmt")
        self._reserve(self.repo.lines, line["_id"], "committed_fen", commitment_id, amount,
                      {"contract_id": contract_id})
        try:
            self._require_fresh(self.repo.lines, line["_id"], commitment_id)

            def build(current):
                committed = self._event(events.FUNDING_COMMITTED, {
                    "contract_id": contract_id, "commitment_id": commitment_id, "budget_line_id": line["_id"],
                    "source_id": line["source_id"], "source_kind": line["source_kind"], "amount_fen": amount}, viewer)
                return contracts.add_commitment(current, line, commitment_id, amount, clock.utcnow()), [committed]

            updated = self._append(self.repo.contracts, contract_id, build)
        except BaseException:
            self._settle(self.repo.lines, line["_id"], commitment_id, "committed_fen")
            raise
        self._settle(self.repo.lines, line["_id"], commitment_id, None)
        self.repo.save_positions(contracts.positions(updated))
        return contracts.contract_view(updated)

    def _evaluation_for(self, contract: dict, evaluation_id: str | None) -> dict | None:
        if evaluation_id:
            found = self.repo.evaluations.get(evaluation_id)
            subject_ok = found is not None and (found.get("contract_id") == contract["_id"] or (
                found["subject"]["kind"] == "station" and found["subject"]["id"] in contract["station_ids"]))
            if found is None or not subject_ok or found["status"] != evaluation.COMPLETED:
                raise ValidationFailed.field("evidence.evaluation_id",
                                             "not a completed evaluation of this contract or one of its stations")
            return found
        latest = self.repo.evaluations.find({"contract_id": contract["_id"], "status": evaluation.COMPLETED},
                                            sort=[("completed_on", -1), ("_id", -1)], limit=1)
        return latest[0] if latest else None

    def _evidence_facts(self, contract: dict, milestone: dict, data: dict) -> dict:
        start, end = contracts.measurement_window(contract, data["paid_on"])
        facts: dict[str, Any] = {"figures": {}, "staffing": [], "evaluation": None, "evaluation_passes": False,
                 "window": {"start": start, "end": end}}
        if milestone["evidence"].get("metric"):
            facts["figures"] = supervision.outcome_figures(self.repo.activity_at(contract["station_ids"], start, end))
        if milestone["type"] == "staffing_in_place":
            facts["staffing"] = staffing.promise_problems(contract["staffing_promise"], contract["station_ids"],
                                                          self.repo.staffing_for(contract["station_ids"]),
                                                          data["paid_on"])
        min_grade = milestone["evidence"].get("min_grade")
        if min_grade:
            found = self._evaluation_for(contract, (data.get("evidence") or {}).get("evaluation_id"))
            if found is not None:
                facts["evaluation"] = {"id": found["_id"], "grade": found["grade"], "total": found["total"]}
                facts["evaluation_passes"] = evaluation.reaches(found, min_grade)
        return facts

    def record_disbursement(self, viewer: Viewer, contract_id: str, data: dict) -> dict:
        data = load(schemas.DisbursementSchema, data)
        contract = self._visible(self.repo.contracts, viewer, contract_id)
        domain.require_region_write(viewer, contract["region_code"])
        today, now = clock.today(), clock.utcnow()
        milestone, _ = contracts.check_payment(contract, data, today)
        facts = self._evidence_facts(contract, milestone, data)
        problems, evidence = contracts.evidence_problems(milestone, data.get("evidence") or {}, facts)
        if problems:
            raise RuleViolation(f"milestone {milestone['id']} needs its evidence: {'; '.join(problems)}",
                                {"evidence": problems})
        flags = [] if milestone["type"] == "staffing_in_place" else staffing.promise_problems(
            contract["staffing_promise"], contract["station_ids"], self.repo.staffing_for(contract["station_ids"]),
            data["paid_on"])
        disbursement_id = new_id("dsb")

        def build(current):
            milestone_now, funding = contracts.check_payment(current, data, today)
            entry = contracts.disbursement_entry(current, milestone_now, funding, data, disbursement_id, evidence,
                                                 flags, now, viewer.user_id)
            payload = {"disbursement_id": disbursement_id, "contract_id": contract_id,
                       "milestone_id": milestone_now["id"],
                       "budget_line_id": funding["budget_line_id"], "source_id": funding["source_id"],
                       "source_kind": funding["source_kind"],
                       "operator_credit_code": current["operator"]["credit_code"],
                       "station_ids": current["station_ids"], "region_code": funding["region_code"],
                       "amount_fen": data["amount_fen"], "paid_on": data["paid_on"],
                       "voucher_number": data["voucher_number"]}
            event = self._event(events.DISBURSEMENT_FLAGGED, {**payload, "reasons": flags}, viewer) if flags \
                else self._event(events.DISBURSEMENT_MADE, payload, viewer)
            return contracts.add_disbursement(current, entry), [event]

        updated = self._append(self.repo.contracts, contract_id, build)
        self.repo.save_positions(contracts.positions(updated))
        entry = next(d for d in updated["disbursements"] if d["id"] == disbursement_id)
        return contracts.disbursement_view(updated, entry)

    def resolve_flag(self, viewer: Viewer, contract_id: str, disbursement_id: str, data: dict) -> dict:
        data = load(schemas.ResolveFlagSchema, data)
        contract = self._visible(self.repo.contracts, viewer, contract_id)
        domain.require_region_write(viewer, contract["region_code"])
        changes, resolved = contracts.resolve_flag(contract, disbursement_id, data["decision"], data["reason"],
                                                   clock.utcnow(), viewer.user_id)
        change_events = [self._event(events.DISBURSEMENT_FLAG_RESOLVED, {
            "disbursement_id": disbursement_id, "contract_id": contract_id, "decision": data["decision"],
            "reason": data["reason"], "amount_fen": resolved["amount_fen"]}, viewer)]
        if data["decision"] == "release":
            change_events.append(self._event(events.DISBURSEMENT_MADE, {
                "disbursement_id": disbursement_id, "contract_id": contract_id,
                "milestone_id": resolved["milestone_id"],
                "budget_line_id": resolved["budget_line_id"], "source_id": resolved["source_id"],
                "source_kind": resolved["source_kind"], "operator_credit_code": contract["operator"]["credit_code"],
                "station_ids": contract["station_ids"], "region_code": resolved["region_code"],
                "amount_fen": resolved["amount_fen"], "paid_on": resolved["paid_on"],
                "voucher_number": resolved["voucher_number"]}, viewer))
        updated = self._edit(self.repo.contracts, contract, data["expected_version"], changes, change_events)
        self.repo.save_positions(contracts.positions(updated))
        return contracts.disbursement_view(updated, resolved)

    def list_contracts(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.ContractFilterSchema, filters or {})
        flagged: dict = {}
        if f["flagged"] is not None:
            flagged = {"open_flags": {"$gt": 0}} if f["flagged"] else {"open_flags": 0}
        conditions = [domain.scope_filter(viewer), self._region_condition(f["region"]),
                      {"station_ids": {"$in": [f["station_id"]]}} if f["station_id"] else {}, flagged]
        docs, cursor, total = self.repo.page(self.repo.contracts, conditions, f["after"], f["limit"])
        return self._page_result([contracts.contract_view(d) for d in docs], cursor, total)

    def get_contracts(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = {d["_id"]: d for d in self.repo.contracts.find({"_id": {"$in": list(ids)}}) if domain.sees(viewer, d)}
        return [contracts.contract_view(found[i]) if i in found else None for i in ids]

    def contracts_for_stations(self, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {sid: [] for sid in station_ids}
        for contract in self.repo.contracts.find({"station_ids": {"$in": list(station_ids)}}, sort=[("_id", 1)]):
            if domain.sees(viewer, contract):
                view = contracts.contract_view(contract)
                for sid in contract["station_ids"]:
                    if sid in grouped:
                        grouped[sid].append(view)
        return grouped

    def contracts_for_tenders(self, viewer: Viewer, tender_ids: list[str]) -> dict[str, list[dict]]:
        found = self.get_contracts(viewer, [contracts.contract_id_for(t) for t in tender_ids])
        return {tid: [view] if view else [] for tid, view in zip(tender_ids, found, strict=False)}

    def disbursements_for_contracts(self, viewer: Viewer, contract_ids: list[str]) -> dict[str, list[dict]]:
        found = {d["_id"]: d for d in self.repo.contracts.find({"_id": {"$in": list(contract_ids)}})
                 if domain.sees(viewer, d)}
        return {cid: [contracts.disbursement_view(found[cid], e) for e in found[cid]["disbursements"]]
                if cid in found else []
                for cid in contract_ids}

    def list_disbursements(self, viewer: Viewer, filters: dict | None) -> dict:
        """Disbursements across contracts in id order, filtered by region, year, status and source."""
        f = load(schemas.DisbursementFilterSchema, filters or {})
        conditions = [c for c in (domain.scope_filter(viewer), self._region_condition(f["region"])) if c]
        entry_conditions = {}
        if f["status"]:
            entry_conditions["disbursements.status"] = f["status"]
        if f["year"]:
            entry_conditions["disbursements.paid_on"] = {"$regex": f"^{f['year']}"}
        if f["source_id"]:
            entry_conditions["disbursements.source_id"] = f["source_id"]
        contract_match = {"$and": conditions} if len(conditions) > 1 else (conditions[0] if conditions else {})
        rows = self.repo.payments(contract_match, entry_conditions)
        rows.sort(key=lambda r: r["disbursements"]["id"])
        total = len(rows)
        if f["after"]:
            rows = [r for r in rows if r["disbursements"]["id"] > f["after"]]
        page = rows[:f["limit"]]
        items = [{**r["disbursements"], "contract_id": r["_id"], "operator": r["operator"],
                  "station_ids": r["station_ids"]}
                 for r in page]
        next_cursor = page[-1]["disbursements"]["id"] if len(rows) > f["limit"] else None
        return self._page_result(items, next_cursor, total)

    def contract_staffing(self, viewer: Viewer, contract_ids: list[str], on: str | None = None) -> list[dict | None]:
        """Each contract's staffing promise against the registry's figures (from its events)."""
        day = _parse_date(on, "on")
        found = {d["_id"]: d for d in self.repo.contracts.find({"_id": {"$in": list(contract_ids)}})
                 if domain.sees(viewer, d)}
        stations = sorted({s for c in found.values() for s in c["station_ids"]})
        projections = self.repo.staffing_for(stations)
        result: list[dict | None] = []
        for cid in contract_ids:
            contract = found.get(cid)
            if contract is None:
                result.append(None)
                continue
            problems = staffing.promise_problems(contract["staffing_promise"], contract["station_ids"],
                                                 projections, day)
            result.append({"contract_id": cid, "on": day.isoformat(), "kept": not problems, "problems": problems,
                           "promise": contract["staffing_promise"],
                           "stations": [staffing.station_figures(projections.get(s), day) or
                                        {"station_id": s, "staff": None, "professional_staff": None,
                                         "salary": "unknown", "social_insurance": "unknown", "compliance_as_of": None}
                                        for s in contract["station_ids"]]})
        return result

    # --- third-party evaluation ----------------------------------------------------------------------------
    def define_indicator_scheme(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.SchemeInputSchema, data)
        domain.require_region_write(viewer, data["region_code"])
        scheme = {"_id": new_id("sch"), **domain.jsonable(evaluation.check_scheme(data))}
        self.repo.schemes.insert(scheme)
        return evaluation.scheme_view(self.repo.schemes.require(scheme["_id"]))

    def update_indicator_scheme(self, viewer: Viewer, scheme_id: str, data: dict) -> dict:
        data = load(schemas.SchemeUpdateSchema, data)
        scheme = self.repo.schemes.get(scheme_id)
        if scheme is None:
            raise NotFound(f"unknown indicator scheme {scheme_id}", {"id": ["no such indicator scheme"]})
        domain.require_region_write(viewer, scheme["region_code"])
        expected = data.pop("expected_version")
        merged = {"name": scheme["name"], "region_code": scheme["region_code"],
                  "description": scheme.get("description"),
                  "indicators": scheme["indicators"], "grades": scheme["grades"], **data}
        changes = domain.jsonable(evaluation.check_scheme(merged))
        return evaluation.scheme_view(self._edit(self.repo.schemes, scheme, expected, changes))

    def list_indicator_schemes(self, viewer: Viewer, filters: dict | None = None) -> dict:
        """Schemes are published methodology: every signed-in role may read them."""
        if viewer.is_public:
            return self._page_result([], None, 0)
        f = load(schemas.PageSchema, filters or {})
        docs, cursor, total = self.repo.page(self.repo.schemes, [], f["after"], f["limit"])
        return self._page_result([evaluation.scheme_view(d) for d in docs], cursor, total)

    def get_indicator_schemes(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        if viewer.is_public:
            return [None] * len(ids)
        found = {d["_id"]: d for d in self.repo.schemes.find({"_id": {"$in": list(ids)}})}
        return [evaluation.scheme_view(found[i]) if i in found else None for i in ids]

    def commission_evaluation(self, viewer: Viewer, data: dict) -> dict:
        data = load(schemas.CommissionSchema, data)
        subject = data["subject"]
        if subject["kind"] == "station":
            if not schemas.STATION_ID.regex.match(subject["id"]):
                raise ValidationFailed.field("subject.id", "a station id is ST followed by the 9-digit township code")
            found = evaluation.subject_of_station(subject["id"])
        else:
            contract = self._visible(self.repo.contracts, viewer, subject["id"])
            found = {"kind": "contract", "id": contract["_id"], "region_code": contract["region_code"],
                     "station_ids": contract["station_ids"], "contract_id": contract["_id"]}
        domain.require_region_write(viewer, found["region_code"])
        scheme = self.repo.schemes.get(data["scheme_id"])
        if scheme is None:
            raise ValidationFailed.field("scheme_id", "no such indicator scheme")
        doc = evaluation.new_evaluation(data, scheme, found, new_id("evl"), viewer.user_id, clock.today())
        commissioned = self._event(events.EVALUATION_COMMISSIONED, {
            "evaluation_id": doc["_id"], "subject_kind": found["kind"], "subject_id": found["id"],
            "region_code": found["region_code"], "evaluator_name": data["evaluator"]["name"],
            "evaluator_credit_code": data["evaluator"]["credit_code"], "scheme_id": scheme["_id"],
            "due_on": data["due_on"]}, viewer)
        self.repo.evaluations.insert(doc, [commissioned])
        return evaluation.evaluation_view(self.repo.evaluations.require(doc["_id"]))

    def score_evaluation(self, viewer: Viewer, evaluation_id: str, data: dict) -> dict:
        data = load(schemas.ScoreEvaluationSchema, data)
        doc = self._visible_evaluation(viewer, evaluation_id)
        evaluation.require_assigned(doc, viewer.user_id, viewer.role)
        changes = evaluation.record_scores(doc, data["scores"], viewer.user_id, clock.utcnow())
        return evaluation.evaluation_view(self._edit(self.repo.evaluations, doc, data["expected_version"], changes))

    def complete_evaluation(self, viewer: Viewer, evaluation_id: str, data: dict) -> dict:
        data = load(schemas.CompleteEvaluationSchema, data)
        doc = self._visible_evaluation(viewer, evaluation_id)
        evaluation.require_assigned(doc, viewer.user_id, viewer.role)
        changes = evaluation.complete(doc, data["summary"], clock.today())
        completed = self._event(events.EVALUATION_COMPLETED, {
            "evaluation_id": evaluation_id, "subject_kind": doc["subject"]["kind"], "subject_id": doc["subject"]["id"],
            "contract_id": doc.get("contract_id"), "station_ids": doc["station_ids"], "region_code": doc["region_code"],
            "scheme_id": doc["scheme"]["id"], "total": changes["total"], "grade": changes["grade"],
            "completed_on": changes["completed_on"]}, viewer)
        return evaluation.evaluation_view(self._edit(self.repo.evaluations, doc, data["expected_version"], changes,
                                                     [completed]))

    def _evaluation_scope(self, viewer: Viewer) -> dict:
        scope = domain.scope_filter(viewer)
        if viewer.role == "evaluator":
            return {"$or": [scope, {"evaluator_user_ids": {"$in": [viewer.user_id]}}]}
        return scope

    def list_evaluations(self, viewer: Viewer, filters: dict | None) -> dict:
        f = load(schemas.EvaluationFilterSchema, filters or {})
        conditions = [self._evaluation_scope(viewer), self._region_condition(f["region"]),
                      {"status": f["status"]} if f["status"] else {},
                      {"subject.kind": f["subject_kind"]} if f["subject_kind"] else {},
                      {"evaluator_user_ids": {"$in": [viewer.user_id]}} if f["assigned_to_me"] else {}]
        docs, cursor, total = self.repo.page(self.repo.evaluations, conditions, f["after"], f["limit"])
        return self._page_result([evaluation.evaluation_view(d) for d in docs], cursor, total)

    def _visible_evaluations(self, viewer: Viewer, query: dict) -> list[dict]:
        return [d for d in self.repo.evaluations.find(query, sort=[("_id", 1)])
                if domain.sees(viewer, d) or (viewer.role == "evaluator" and viewer.user_id in d["evaluator_user_ids"])]

    def get_evaluations(self, viewer: Viewer, ids: list[str]) -> list[dict | None]:
        found = {d["_id"]: d for d in self._visible_evaluations(viewer, {"_id": {"$in": list(ids)}})}
        return [evaluation.evaluation_view(found[i]) if i in found else None for i in ids]

    def evaluations_for_contracts(self, viewer: Viewer, contract_ids: list[str]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {cid: [] for cid in contract_ids}
        for doc in self._visible_evaluations(viewer, {"contract_id": {"$in": list(contract_ids)}}):
            grouped[doc["contract_id"]].append(evaluation.evaluation_view(doc))
        return grouped

    def evaluations_for_stations(self, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {sid: [] for sid in station_ids}
        for doc in self._visible_evaluations(viewer, {"station_ids": {"$in": list(station_ids)}}):
            view = evaluation.evaluation_view(doc)
            for sid in doc["station_ids"]:
                if sid in grouped:
                    grouped[sid].append(view)
        return grouped

    # --- supervision, cost and outcome -----------------------------------------------------------------------
    def _view_scope(self, viewer: Viewer, region_code: str) -> tuple[str | None, dict, dict, dict]:
        """(region seen, budget-line filter, funding-position filter, contract filter) for a region view."""
        if viewer.is_public:
            raise PermissionDenied("fund supervision is for officials; the public reads the disclosure feed")
        region = domain.effective_region(viewer, region_code)
        if region is None:
            return None, {}, {}, {}
        prefix = domain.region_prefix(region)
        six_digit = prefix + "0" * (6 - len(prefix)) if len(prefix) < 6 else region
        line_match, position_match = domain.region_match(region), domain.region_match(region)
        contract_match = {"scope_codes": {"$in": [six_digit]}}
        if viewer.role in (STATION_STAFF, SUPERVISOR):
            stations = list(viewer.station_ids)
            line_match["station_id"] = position_match["station_id"] = {"$in": stations}
            contract_match = {"station_ids": {"$in": stations}}
        return region, line_match, position_match, contract_match

    def fund_supervision(self, viewer: Viewer, filters: dict) -> dict:
        f = load(schemas.SupervisionFilterSchema, filters or {})
        region, line_match, position_match, _ = self._view_scope(viewer, f["region"])
        if region is None:
            return supervision.view(f["region"], {}, {}, [])
        if f["year"]:
            line_match["year"] = position_match["year"] = f["year"]
        cells = supervision.merge_cells(self.repo.line_totals(line_match), self.repo.position_totals(position_match))
        own = {}
        if viewer.role not in (STATION_STAFF, SUPERVISOR):
            own = self.repo.source_summaries({**domain.region_match(region),
                                              **({"year": f["year"]} if f["year"] else {})})
        others = [source_id for source_id in cells if source_id not in own]
        meta = {**own, **(self.repo.source_summaries({"_id": {"$in": others}}) if others else {})}
        return supervision.view(region, cells, meta, list(own.values()))

    def cost_outcome(self, viewer: Viewer, filters: dict) -> dict:
        f = load(schemas.CostFilterSchema, filters or {})
        region, _, _, contract_match = self._view_scope(viewer, f["region"])
        if region is None:
            return supervision.cost_outcome(f["region"], f["year"], [], [], domain.child_region(f["region"]))
        prefix = domain.region_prefix(region)
        rows = self.repo.payments(contract_match, {"disbursements.status": contracts.PAID,
                                                   "disbursements.paid_on": {"$regex": f"^{f['year']}"},
                                                   "disbursements.region_code": {"$regex": "^" + prefix}})
        spending = [r["disbursements"] for r in rows]
        activity = self.repo.activity_in(prefix, f["year"])
        if viewer.role in (STATION_STAFF, SUPERVISOR):
            activity = [a for a in activity if a["station_id"] in viewer.station_ids]
        return supervision.cost_outcome(region, f["year"], spending, activity, domain.child_region(region))

    # --- public disclosure ------------------------------------------------------------------------------------
    def _histories(self, tenders: list[dict]) -> list[list[dict]]:
        """Each tender's releases, oldest first (the contract signed from it, if any, read in one query)."""
        ids = [contracts.contract_id_for(t["_id"]) for t in tenders]
        signed = {c["_id"]: c for c in self.repo.contracts.find({"_id": {"$in": ids}})}
        return [disclosure.releases(t, signed.get(contracts.contract_id_for(t["_id"]))) for t in tenders]

    def _releases(self, tenders: list[dict]) -> list[dict]:
        return [history[-1] for history in self._histories(tenders)]

    def _disclosed_page(self, f: dict) -> tuple[list[dict], str | None, int]:
        conditions = [{"status": {"$ne": procurement.DRAFT}}, PUBLISHED_ONCE, self._region_condition(f["region"]),
                      {"project.year": f["year"]} if f["year"] else {}]
        return self.repo.page(self.repo.tenders, conditions, f["after"], f["limit"])

    def disclosure_feed(self, viewer: Viewer, filters: dict | None) -> dict:
        """Anyone, signed in or not, reads the same feed: it holds only what is public."""
        f = load(schemas.DisclosureFilterSchema, filters or {})
        docs, cursor, total = self._disclosed_page(f)
        releases = self._releases(docs)
        return {"items": releases, "next_cursor": cursor, "total": total,
                "package": disclosure.package(clock.iso(clock.utcnow()))}

    def disclosure_releases(self, viewer: Viewer, ocids: list[str]) -> list[dict | None]:
        tender_ids = [o.removeprefix(procurement.OCID_PREFIX + "-") for o in ocids]
        published = self.repo.tenders.find({"_id": {"$in": tender_ids}, "status": {"$ne": procurement.DRAFT},
                                            **PUBLISHED_ONCE})
        found = {t["_id"]: t for t in published}
        releases = {r["ocid"]: r for r in self._releases(list(found.values()))}
        return [releases.get(o) for o in ocids]

    def ocds_release_package(self, viewer: Viewer, filters: dict) -> dict:
        """An OCDS release package: every release of a page of contracting processes (public, like the feed)."""
        f = load(schemas.OcdsPageSchema, filters or {})
        docs, cursor, total = self._disclosed_page(f)
        published = clock.iso(clock.utcnow())
        releases = [r for history in self._histories(docs) for r in history]
        return {"package": disclosure.release_package(releases, f["uri"], published, f["base_url"]),
                "next_cursor": cursor, "total": total}

    def ocds_record_package(self, viewer: Viewer, filters: dict) -> dict:
        """An OCDS record package: each process of the page with its releases and its compiled release."""
        f = load(schemas.OcdsPageSchema, filters or {})
        docs, cursor, total = self._disclosed_page(f)
        published = clock.iso(clock.utcnow())
        records = [disclosure.record(history) for history in self._histories(docs)]
        return {"package": disclosure.record_package(records, f["uri"], published, f["base_url"]),
                "next_cursor": cursor, "total": total}

    def lottery_fund_use(self, viewer: Viewer, filters: dict | None) -> dict:
        """彩票公益金使用情况: each lottery source's allocation, commitment and payments, and what they paid for."""
        f = load(schemas.LotteryFilterSchema, filters or {})
        prefix = domain.region_prefix(f["region"]) if f["region"] else ""
        line_match = {"source_kind": "lottery", **(domain.region_match(f["region"]) if f["region"] else {})}
        position_match = dict(line_match)
        payment_match = {"disbursements.source_kind": "lottery", "disbursements.status": contracts.PAID,
                         "disbursements.region_code": {"$regex": "^" + prefix}}
        if f["year"]:
            line_match["year"] = position_match["year"] = payment_match["disbursements.year"] = f["year"]
        cells = supervision.merge_cells(self.repo.line_totals(line_match), self.repo.position_totals(position_match))
        meta = self.repo.source_summaries({"_id": {"$in": list(cells)}})
        uses: dict[tuple[str, str], dict] = {}
        for row in self.repo.payments({}, payment_match):
            payment = row["disbursements"]
            key = (payment["source_id"], row["_id"])
            use = uses.setdefault(key, {"source_id": payment["source_id"], "contract_id": row["_id"],
                                        "ocid": row["ocid"], "operator_name": row["operator"]["name"],
                                        "station_ids": row["station_ids"], "paid_fen": 0})
            use["paid_fen"] += payment["amount_fen"]
        sources = []
        for source_id in sorted(cells, key=lambda s: (-meta[s]["year"], s)):
            source = meta[source_id]
            sources.append({"source_id": source_id, "name": source["name"], "domain": source["domain"],
                            "year": source["year"], "region_code": source["region_code"],
                            "amount_fen": source["amount_fen"], **cells[source_id],
                            "uses": sorted((u for (sid, _), u in uses.items() if sid == source_id),
                                           key=lambda u: u["contract_id"])})
        return {"region_code": f["region"], "year": f["year"], "sources": sources}

    def sync_positions(self, contract_id: str) -> None:
        """Bring a contract's funding positions up to date (after a crash between the contract's write
        and the positions' save, the contract's own events arrive here and repair them)."""
        contract = self.repo.contracts.get(contract_id)
        if contract is not None:
            self.repo.save_positions(contracts.positions(contract))

    # --- closing a contract (closing.py explains the two writes) -----------------------------------------------
    def close_contract(self, viewer: Viewer, contract_id: str, data: dict) -> dict:
        data = load(schemas.ContractClosingSchema, data)
        contract = self._visible(self.repo.contracts, viewer, contract_id)
        domain.require_region_write(viewer, contract["region_code"])
        changes, returns = closing.close(contract, data, clock.today(), clock.utcnow(), viewer.user_id)
        closed = self._event(events.CONTRACT_CLOSED, {
            "contract_id": contract_id, "region_code": contract["region_code"], "station_ids": contract["station_ids"],
            "closed_on": changes["closure"]["closed_on"], "reason": data["reason"], "paid_fen": contract["paid_fen"],
            "returned_fen": changes["closure"]["returned_fen"], "returns": returns}, viewer)
        updated = self._edit(self.repo.contracts, contract, data["expected_version"], changes, [closed])
        self.repo.save_positions(contracts.positions(updated))
        self.complete_closing(contract_id)
        return contracts.contract_view(updated)

    def complete_closing(self, contract_id: str) -> None:
        """Give each budget line what the closed contract did not spend (idempotent per line)."""
        contract = self.repo.contracts.get(contract_id)
        if contract is None or contract["status"] != closing.CLOSED:
            return
        for entry in contract["closure"]["returns"]:
            for _ in range(APPEND_ATTEMPTS):
                line = self.repo.lines.require(entry["budget_line_id"])
                changes = closing.line_return(line, contract_id, entry["amount_fen"])
                if changes is None:
                    break
                try:
                    self.repo.lines.update(line["_id"], line["_version"], changes)
                    break
                except ConcurrentModification:
                    continue
            else:
                raise ConcurrentModification(f"budget line {entry['budget_line_id']} is changing too often; "
                                             "the return is completed from contract.closed")

    # --- projections of other services' events ------------------------------------------------------------------
    def project_staff_joined(self, event) -> None:
        self.repo.merge_staffing(event.payload["station_id"],
                                 lambda doc: staffing.staff_joined(doc, event.payload, event.occurred_at))

    def project_staff_left(self, event) -> None:
        self.repo.merge_staffing(event.payload["station_id"],
                                 lambda doc: staffing.staff_left(doc, event.payload, event.occurred_at))

    def project_qualification(self, event) -> None:
        self.repo.merge_staffing(event.payload["station_id"],
                                 lambda doc: staffing.qualification_recorded(doc, event.payload, event.occurred_at))

    def project_compliance(self, event) -> None:
        self.repo.merge_staffing(event.payload["station_id"],
                                 lambda doc: staffing.compliance_changed(doc, event.payload, event.occurred_at))

    def project_activity(self, event_id: str, kind: str, payload: dict, on: str, hours: float = 0,
                         volunteer: bool = False) -> None:
        township = payload["township_code"]
        self.repo.record_activity({
            "_id": event_id, "kind": kind, "station_id": payload["station_id"], "township_code": township,
            "date": on, "year": int(on[:4]), "household_id": payload.get("household_id"),
            "hours_tenths": round(hours * 10), "volunteer": volunteer, "domain": payload.get("domain")})


def _parse_date(value: str | None, field: str) -> date:
    if value in (None, ""):
        return clock.today()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, "a date like 2026-06-30") from None

