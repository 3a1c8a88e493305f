"""A fake funding RPC client for the gateway's unit tests: records every call (so batching can be
counted) and scopes by viewer. Same method names and answers as the funding service's RPC contract:
the records are built by the funding service's own pure rules and views (tests/support/
funding_fixtures.py, services/funding/{contracts,procurement,evaluation,disclosure,domain}.py), so
their shapes cannot drift from the real service's. The real service is used by the integration tests.

Contract n runs station ST321181<n> (丹阳市, the FakeRegistry's OTHER_COUNTY); use `registry_for` for a
FakeRegistry holding those stations.
"""
from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, date, datetime

from services.common.auth import Viewer
from services.common.errors import NotFound, PermissionDenied
from services.funding import closing, contracts, disclosure, domain, evaluation, procurement
from services.funding.storage import default_schemes
from tests.support import funding_fixtures as fx
from tests.support.gateway_fakes import OTHER_COUNTY, FakeRegistry, _Method, station

COUNTY = fx.COUNTY  # 321181 丹阳市
NOW = datetime(2026, 4, 1, tzinfo=UTC)
HELD_REASON = "ST321181001: 1 professional social workers in post; the contract promises 3"


def station_id(number: int) -> str:
    return f"ST{COUNTY}{number:03d}"


def registry_for(stations: int) -> FakeRegistry:
    """A FakeRegistry with the Danyang stations the fake's contracts run (and no others)."""
    registry = FakeRegistry(stations=0)
    for number in range(1, stations + 1):
        registry.add_station(station(number, OTHER_COUNTY), staff=1)
    registry.calls.clear()
    return registry


def _template():
    """A tender, its signed and funded contract with a paid and a held disbursement, and an evaluation."""
    tender = fx.awarded_tender()
    source = {**domain.new_source(fx.load(fx.SourceInputSchema, fx.source_input()), "src_1"), "_version": 1}
    line = fx.line("bl_1")
    contract = fx.funded(fx.signed(), (line, 60_000_000))
    contract = fx.pay(contract, voucher_number="V-1")
    contract = fx.pay(contract, flags=[HELD_REASON], voucher_number="V-2", amount_fen=500_000)
    contract["amendments"] = [{"id": "amd_1", "at": "2026-03-10T02:00:00+00:00", "by": "danyang-official",
                               "reason": "延长服务期", "changes": {"period_end": {"before": "2026-12-31",
                                                                                  "after": "2027-02-28"}}}]
    scheme = {"_id": "scheme-1", **default_schemes()[0], "_version": 1}
    scheme.pop("id", None)
    return tender, source, line, contract, scheme


class FakeFunding:
    """Behaves like the funding service's RPC proxy as the gateway uses it."""

    def __init__(self, contracts_count: int = 3):
        tender, source, line, contract, scheme = _template()
        self.sources = {source["_id"]: source}
        self.lines = {line["_id"]: line}
        self.schemes = {scheme["_id"]: scheme}
        self.tenders: dict[str, dict] = {}
        self.contracts: dict[str, dict] = {}
        self.evaluations: dict[str, dict] = {}
        for number in range(1, contracts_count + 1):
            self._add_process(number, tender, contract, scheme)
        self.calls: list[tuple[str, tuple, dict]] = []
        self.writes: list[tuple[str, tuple]] = []
        self.failures: dict[str, Exception] = {}

    def _add_process(self, number: int, tender: dict, contract: dict, scheme: dict) -> None:
        stations = [station_id(number)]
        tender_id = f"tdr_{number:03d}"
        t = copy.deepcopy(tender)
        t.update(_id=tender_id, ocid=procurement.ocid_for(tender_id), station_ids=stations,
                 scope_codes=domain.scope_codes(COUNTY, stations))
        c = copy.deepcopy(contract)
        c.update(_id=contracts.contract_id_for(tender_id), tender_id=tender_id, ocid=t["ocid"], station_ids=stations,
                 scope_codes=domain.scope_codes(COUNTY, stations))
        for index, entry in enumerate(c["disbursements"]):
            entry["id"] = f"dsb_{number:03d}_{index + 1}"
        e = evaluation.new_evaluation(
            {"evaluator": {"name": "江苏弘正社会工作评估中心", "credit_code": fx.credit_code("320100", 901)},
             "evaluator_user_ids": ["evaluator-1"], "due_on": date(2026, 9, 30)}, scheme,
            {"kind": "contract", "id": c["_id"], "region_code": COUNTY, "station_ids": stations,
             "contract_id": c["_id"]},
            f"evl_{number:03d}", "danyang-official", date(2026, 4, 1))
        self.tenders[tender_id] = t
        self.contracts[c["_id"]] = c
        self.evaluations[e["_id"]] = {**e, "_version": 1}

    # --- plumbing -------------------------------------------------------------------------
    def __getattr__(self, name):
        if name.startswith("_") or not hasattr(type(self), "rpc_" + name):
            raise AttributeError(name)
        return _Method(self, name)

    def call(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.failures:
            raise self.failures[name]
        return copy.deepcopy(getattr(self, "rpc_" + name)(*args, **kwargs))

    def count(self) -> Counter:
        return Counter(name for name, _, _ in self.calls)

    def viewers(self) -> list[dict]:
        return [args[0] for _, args, _ in self.calls]

    @staticmethod
    def _sees(viewer: dict, doc: dict) -> bool:
        return domain.sees(Viewer.from_dict(viewer), doc)

    def _visible(self, viewer: dict, table: dict, ids) -> dict:
        return {i: table[i] for i in ids if i in table and self._sees(viewer, table[i])}

    @staticmethod
    def _page(items: list, filters: dict | None) -> dict:
        filters = filters or {}
        after, limit = filters.get("after"), filters.get("limit", 50)
        rest = [i for i in items if not after or i["id"] > after]
        page = rest[:limit]
        return {"items": page, "next_cursor": page[-1]["id"] if len(rest) > limit else None, "total": len(items)}

    def _tender_view(self, tender: dict) -> dict:
        view = procurement.tender_view(tender)
        contract_id = contracts.contract_id_for(tender["_id"])
        view["contract_id"] = contract_id if contract_id in self.contracts else None
        return view

    def _require_write(self, viewer: dict, region_code: str = COUNTY) -> Viewer:
        who = Viewer.from_dict(viewer)
        domain.require_region_write(who, region_code)
        return who

    def _write(self, name: str, *args):
        self.writes.append((name, args))

    # --- reads ----------------------------------------------------------------------------
    def rpc_list_sources(self, viewer, filters=None):
        return self._page([domain.source_view(s) for s in self._visible(viewer, self.sources, self.sources).values()],
                          filters)

    def rpc_get_sources(self, viewer, ids):
        found = self._visible(viewer, self.sources, ids)
        return [domain.source_view(found[i]) if i in found else None for i in ids]

    def rpc_list_budget_lines(self, viewer, filters=None):
        return self._page([domain.budget_line_view(x) for x in self._visible(viewer, self.lines, self.lines).values()],
                          filters)

    def rpc_get_budget_lines(self, viewer, ids):
        found = self._visible(viewer, self.lines, ids)
        return [domain.budget_line_view(found[i]) if i in found else None for i in ids]

    def rpc_budget_lines_for_sources(self, viewer, source_ids):
        lines = self._visible(viewer, self.lines, self.lines).values()
        return {s: [domain.budget_line_view(x) for x in lines if x["source_id"] == s] for s in source_ids}

    def rpc_list_tenders(self, viewer, filters=None):
        return self._page([self._tender_view(t) for t in self._visible(viewer, self.tenders, self.tenders).values()],
                          filters)

    def rpc_get_tenders(self, viewer, ids):
        found = self._visible(viewer, self.tenders, ids)
        return [self._tender_view(found[i]) if i in found else None for i in ids]

    def rpc_bids_for_tenders(self, viewer, tender_ids):
        found = self._visible(viewer, self.tenders, tender_ids)
        seen_by = Viewer.from_dict(viewer)
        return {t: [procurement.bid_view(t, b, seen_by) for b in found[t]["bids"]] if t in found else []
                for t in tender_ids}

    def rpc_list_contracts(self, viewer, filters=None):
        visible = self._visible(viewer, self.contracts, self.contracts).values()
        if (filters or {}).get("flagged") is not None:
            visible = [c for c in visible if (c["open_flags"] > 0) == filters["flagged"]]
        return self._page([contracts.contract_view(c) for c in visible], filters)

    def rpc_get_contracts(self, viewer, ids):
        found = self._visible(viewer, self.contracts, ids)
        return [contracts.contract_view(found[i]) if i in found else None for i in ids]

    def rpc_contracts_for_stations(self, viewer, station_ids):
        visible = self._visible(viewer, self.contracts, self.contracts).values()
        return {s: [contracts.contract_view(c) for c in visible if s in c["station_ids"]] for s in station_ids}

    def rpc_disbursements_for_contracts(self, viewer, contract_ids):
        found = self._visible(viewer, self.contracts, contract_ids)
        return {i: [contracts.disbursement_view(found[i], d) for d in found[i]["disbursements"]] if i in found else []
                for i in contract_ids}

    def rpc_list_disbursements(self, viewer, filters=None):
        visible = self._visible(viewer, self.contracts, self.contracts).values()
        rows = [contracts.disbursement_view(c, d) for c in visible for d in c["disbursements"]]
        if (filters or {}).get("status"):
            rows = [r for r in rows if r["status"] == filters["status"]]
        return self._page(rows, filters)

    def rpc_contract_staffing(self, viewer, contract_ids, on=None):
        found = self._visible(viewer, self.contracts, contract_ids)
        day = on or "2026-04-01"
        return [{"contract_id": i, "on": day, "kept": False, "problems": [HELD_REASON],
                 "promise": found[i]["staffing_promise"],
                 "stations": [{"station_id": s, "staff": 1, "professional_staff": 1, "salary": "met",
                               "social_insurance": "unknown", "compliance_as_of": "2026-03-31"}
                              for s in found[i]["station_ids"]]} if i in found else None for i in contract_ids]

    def rpc_fund_supervision(self, viewer, filters):
        who = Viewer.from_dict(viewer)
        if who.is_public:
            raise PermissionDenied("fund supervision is for officials; the public reads the disclosure feed")
        region = domain.effective_region(who, filters["region"])
        if region is None:
            return {"region_code": filters["region"], "rows": [], "by_year": [], "by_kind": [],
                    "total": {"allocated_fen": 0, "contracted_fen": 0, "disbursed_fen": 0, "flagged_fen": 0,
                              "remaining_fen": 0, "unallocated_fen": 0}}
        figures = {"allocated_fen": 60_000_000_000, "contracted_fen": 60_000_000, "disbursed_fen": 1_000_000,
                   "flagged_fen": 500_000, "remaining_fen": 59_998_500_000}
        return {"region_code": region,
                "rows": [{"source_id": "src_1", "source_name": "2026年丹阳市社工站建设财政资金",
                          "source_kind": "fiscal",
                          "source_domain": None, "year": 2026, "source_region_code": COUNTY, **figures,
                          "unallocated_fen": 40_000_000}],
                "by_year": [{"year": 2026, **figures}], "by_kind": [{"source_kind": "fiscal", **figures}],
                "total": {**figures, "unallocated_fen": 40_000_000}}

    def rpc_cost_outcome(self, viewer, filters):
        if Viewer.from_dict(viewer).is_public:
            raise PermissionDenied("fund supervision is for officials; the public reads the disclosure feed")
        outcomes = {"households_served": 4, "households_assessed": 3, "services_delivered": 9, "volunteer_hours": 12.5,
                    "visits": 0, "cases_closed": 1}
        costs = {"disbursed_fen": 1_000_000, "cost_per_household_fen": 250_000, "cost_per_visit_fen": None,
                 "cost_per_volunteer_hour_fen": 80_000}
        return {"region_code": filters["region"], "year": filters["year"], "outcomes": outcomes,
                "by_source": [{"source_id": "src_1", "source_name": "财政资金", "source_kind": "fiscal", **costs}],
                "by_kind": [{"source_kind": "fiscal", **costs}],
                "by_region": [{"region_code": "321181001", **outcomes, **costs}], "total": costs}

    def _release(self, tender: dict) -> dict:
        return disclosure.release(tender, self.contracts.get(contracts.contract_id_for(tender["_id"])))

    def rpc_disclosure_feed(self, viewer, filters=None):
        """The same feed for every viewer, the anonymous one included."""
        releases = [self._release(t) for t in self.tenders.values()]
        page = releases[:(filters or {}).get("limit", 50)]
        return {"items": page, "next_cursor": None, "total": len(releases),
                "package": disclosure.package("2026-04-01T00:00:00Z")}

    def rpc_disclosure_releases(self, viewer, ocids):
        by_ocid = {t["ocid"]: t for t in self.tenders.values()}
        return [self._release(by_ocid[o]) if o in by_ocid else None for o in ocids]

    def rpc_lottery_fund_use(self, viewer, filters=None):
        first = next(iter(self.contracts.values()))
        return {"region_code": (filters or {}).get("region"), "year": (filters or {}).get("year"), "sources": [{
            "source_id": "src_lottery", "name": "2026年省级福彩公益金(养老服务)", "domain": "elderly", "year": 2026,
            "region_code": "320000", "amount_fen": 500_000_000, "allocated_fen": 20_000_000,
            "contracted_fen": 10_000_000, "disbursed_fen": 1_000_000, "flagged_fen": 0,
            "uses": [{"contract_id": first["_id"], "ocid": first["ocid"], "operator_name": first["operator"]["name"],
                      "station_ids": first["station_ids"], "paid_fen": 1_000_000}]}]}

    def rpc_list_indicator_schemes(self, viewer, filters=None):
        if Viewer.from_dict(viewer).is_public:
            return {"items": [], "next_cursor": None, "total": 0}
        return self._page([evaluation.scheme_view(s) for s in self.schemes.values()], filters)

    def rpc_get_indicator_schemes(self, viewer, ids):
        if Viewer.from_dict(viewer).is_public:
            return [None] * len(ids)
        return [evaluation.scheme_view(self.schemes[i]) if i in self.schemes else None for i in ids]

    def _visible_evaluations(self, viewer: dict) -> list[dict]:
        who = Viewer.from_dict(viewer)
        return [e for e in self.evaluations.values()
                if domain.sees(who, e) or (who.role == "evaluator" and who.user_id in e["evaluator_user_ids"])]

    def rpc_list_evaluations(self, viewer, filters=None):
        return self._page([evaluation.evaluation_view(e) for e in self._visible_evaluations(viewer)], filters)

    def rpc_get_evaluations(self, viewer, ids):
        found = {e["_id"]: e for e in self._visible_evaluations(viewer)}
        return [evaluation.evaluation_view(found[i]) if i in found else None for i in ids]

    def rpc_evaluations_for_contracts(self, viewer, contract_ids):
        visible = self._visible_evaluations(viewer)
        return {c: [evaluation.evaluation_view(e) for e in visible if e["contract_id"] == c] for c in contract_ids}

    def rpc_access_log(self, viewer, filters=None):
        return [{"at": "2026-04-01T08:15:00Z", "user_id": "danyang-official", "role": "county", "subject_type": "bid",
                 "subject_id": "bid_1", "fields": ["contact.phone", "leaders.id_number"], "reason": "资格复核"}]

    # --- writes (recorded; answers from the canned records) -------------------------------------
    def rpc_create_source(self, viewer, data):
        self._require_write(viewer, data.get("region_code", COUNTY))
        self._write("create_source", data)
        return domain.source_view(next(iter(self.sources.values())))

    def rpc_update_source(self, viewer, source_id, data):
        self._write("update_source", source_id, data)
        return domain.source_view(self.sources[source_id])

    def rpc_allocate_budget(self, viewer, source_id, data):
        self._write("allocate_budget", source_id, data)
        return domain.budget_line_view(next(iter(self.lines.values())))

    def rpc_create_tender(self, viewer, data):
        self._require_write(viewer, data.get("region_code", COUNTY))
        self._write("create_tender", data)
        return self._tender_view(next(iter(self.tenders.values())))

    def _tender_write(self, name, viewer, tender_id, data):
        if tender_id not in self.tenders:
            raise NotFound(f"unknown tender {tender_id}", {"id": ["no tender with this id in your scope"]})
        self._require_write(viewer)
        self._write(name, tender_id, data)
        self.tenders[tender_id]["_version"] += 1
        return self._tender_view(self.tenders[tender_id])

    def rpc_update_tender(self, viewer, tender_id, data):
        return self._tender_write("update_tender", viewer, tender_id, data)

    def rpc_publish_tender(self, viewer, tender_id, data):
        return self._tender_write("publish_tender", viewer, tender_id, data)

    def rpc_cancel_tender(self, viewer, tender_id, data):
        return self._tender_write("cancel_tender", viewer, tender_id, data)

    def rpc_award_tender(self, viewer, tender_id, data):
        return self._tender_write("award_tender", viewer, tender_id, data)

    def rpc_record_bid(self, viewer, tender_id, data):
        self._tender_write("record_bid", viewer, tender_id, data)
        return procurement.bid_view(tender_id, self.tenders[tender_id]["bids"][0], Viewer.from_dict(viewer))

    def rpc_review_bid(self, viewer, tender_id, bid_id, data):
        self._tender_write("review_bid", viewer, tender_id, (bid_id, data))
        return procurement.bid_view(tender_id, self.tenders[tender_id]["bids"][0], Viewer.from_dict(viewer))

    def _contract_write(self, name, viewer, contract_id, data):
        if contract_id not in self.contracts:
            raise NotFound(f"unknown contract {contract_id}", {"id": ["no contract with this id in your scope"]})
        self._require_write(viewer)
        self._write(name, contract_id, data)
        self.contracts[contract_id]["_version"] += 1
        return self.contracts[contract_id]

    def rpc_sign_contract(self, viewer, tender_id, data):
        self._require_write(viewer)
        self._write("sign_contract", tender_id, data)
        return contracts.contract_view(self.contracts[contracts.contract_id_for(tender_id)])

    def rpc_amend_contract(self, viewer, contract_id, data):
        return contracts.contract_view(self._contract_write("amend_contract", viewer, contract_id, data))

    def rpc_close_contract(self, viewer, contract_id, data):
        """Closed by the pure rule (closing.close) once its held payments are decided."""
        contract = self._contract_write("close_contract", viewer, contract_id, data)
        decided = {**contract, "open_flags": 0, "held_fen": 0}
        closing_data = {"closed_on": date.fromisoformat(data["closed_on"]), "reason": data["reason"]}
        changes, _ = closing.close(decided, closing_data, date(2026, 4, 1), NOW, viewer["user_id"])
        contract.update(changes)
        return contracts.contract_view(contract)

    def rpc_commit_funding(self, viewer, contract_id, data):
        return contracts.contract_view(self._contract_write("commit_funding", viewer, contract_id, data))

    def rpc_record_disbursement(self, viewer, contract_id, data):
        contract = self._contract_write("record_disbursement", viewer, contract_id, data)
        return contracts.disbursement_view(contract, contract["disbursements"][-1])

    def rpc_resolve_flag(self, viewer, contract_id, disbursement_id, data):
        contract = self._contract_write("resolve_flag", viewer, contract_id, (disbursement_id, data))
        return contracts.disbursement_view(contract, next(d for d in contract["disbursements"]
                                                          if d["id"] == disbursement_id))

    def rpc_define_indicator_scheme(self, viewer, data):
        self._require_write(viewer, data.get("region_code", COUNTY))
        self._write("define_indicator_scheme", data)
        return evaluation.scheme_view(next(iter(self.schemes.values())))

    def rpc_update_indicator_scheme(self, viewer, scheme_id, data):
        self._write("update_indicator_scheme", scheme_id, data)
        return evaluation.scheme_view(self.schemes[scheme_id])

    def rpc_commission_evaluation(self, viewer, data):
        self._require_write(viewer)
        self._write("commission_evaluation", data)
        return evaluation.evaluation_view(next(iter(self.evaluations.values())))

    def _evaluation_write(self, name, viewer, evaluation_id, data):
        who = Viewer.from_dict(viewer)
        doc = self.evaluations[evaluation_id]
        evaluation.require_assigned(doc, who.user_id, who.role)
        self._write(name, evaluation_id, data)
        doc["_version"] += 1
        return evaluation.evaluation_view(doc)

    def rpc_score_evaluation(self, viewer, evaluation_id, data):
        return self._evaluation_write("score_evaluation", viewer, evaluation_id, data)

    def rpc_complete_evaluation(self, viewer, evaluation_id, data):
        return self._evaluation_write("complete_evaluation", viewer, evaluation_id, data)

    def rpc_reveal_bid_personal_data(self, viewer, tender_id, bid_id, reason):
        if not Viewer.from_dict(viewer).may_reveal_personal_data("", COUNTY):
            raise PermissionDenied("role may not see unmasked personal data")
        self._write("reveal_bid_personal_data", tender_id, bid_id, reason)
        return {"contact": {"name": "李联系", "phone": "13912340001"},
                "leaders": [{"id": "L1", "name": "张负责", "role": "responsible_person",
                             "id_number": "321181198005010212"}]}
