"""Evaluations, fund supervision, cost and outcome, and public disclosure, on the in-memory store."""
from __future__ import annotations

import pytest

from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from services.funding.storage import default_schemes
from services.funding.usecases import budgets, disclosure, evaluations, projections, sources, supervision
from tests.support import funding_fixtures as fx
from tests.unit import funding_usecase_fixtures as support
from tests.unit.funding_usecase_fixtures import (
    ADMIN,
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    PUBLIC,
    STATION_WORKER,
    committed_contract,
    outbox_types,
)

SCHEME = default_schemes()[0]
EVALUATOR_ORG = {"name": "江苏弘正社会工作评估中心", "credit_code": fx.operator(9)["credit_code"]}


frozen, funding = support.frozen, support.funding  # the fixtures of these tests


def commissioned(funding) -> dict:
    return evaluations.commission_evaluation(funding, COUNTY, {
        "subject": {"kind": "station", "id": fx.STATION}, "scheme_id": SCHEME["id"], "evaluator": EVALUATOR_ORG,
        "evaluator_user_ids": [EVALUATOR.user_id], "due_on": "2026-06-30"})


# --- evaluations ---------------------------------------------------------------------------------
def test_schemes_are_defined_by_officials_and_read_by_the_signed_in(funding):
    indicators = [{"code": "A1", "title": "制度建设", "category": "管理", "weight": 100, "max_score": 10}]
    grades = [{"name": "合格", "min_total": 60}, {"name": "不合格", "min_total": 0}]
    scheme = evaluations.define_indicator_scheme(funding, COUNTY, {"name": "丹阳市社工站评估", "region_code": fx.COUNTY,
                                                                   "indicators": indicators, "grades": grades})
    with pytest.raises(PermissionDenied):
        evaluations.define_indicator_scheme(funding, OTHER_COUNTY, {"name": "丹阳市社工站评估",
                                                                    "region_code": fx.COUNTY,
                                                                    "indicators": indicators, "grades": grades})
    with pytest.raises(ValidationFailed):
        evaluations.update_indicator_scheme(funding, COUNTY, scheme["id"], {
            "expected_version": 1, "indicators": [{**indicators[0], "weight": 50}]})
    updated = evaluations.update_indicator_scheme(funding, COUNTY, scheme["id"], {"expected_version": 1,
                                                                                  "name": "丹阳市社工站年度评估"})
    assert updated["name"] == "丹阳市社工站年度评估"
    with pytest.raises(NotFound):
        evaluations.update_indicator_scheme(funding, COUNTY, "sch_none", {"expected_version": 1, "name": "无此方案"})
    assert evaluations.list_indicator_schemes(funding, PUBLIC)["total"] == 0
    assert evaluations.list_indicator_schemes(funding, STATION_WORKER)["total"] == 2
    assert evaluations.get_indicator_schemes(funding, PUBLIC, [scheme["id"]]) == [None]


def test_an_evaluation_is_commissioned_scored_by_its_evaluator_and_completed(funding):
    doc = commissioned(funding)
    assert outbox_types(funding.repo.evaluations, doc["id"]) == ["evaluation.commissioned"]
    assert [e["id"] for e in evaluations.list_evaluations(funding, EVALUATOR, {"assigned_to_me": True})["items"]] == [
        doc["id"]]
    assert evaluations.list_evaluations(funding, OTHER_COUNTY)["total"] == 0
    scores = [{"indicator": i["code"], "score": i["max_score"] * 0.8, "comment": "运行规范"}
              for i in SCHEME["indicators"]]
    with pytest.raises(PermissionDenied):
        evaluations.score_evaluation(funding, COUNTY, doc["id"], {"expected_version": 1, "scores": scores})
    scored = evaluations.score_evaluation(funding, EVALUATOR, doc["id"], {"expected_version": 1, "scores": scores})
    done = evaluations.complete_evaluation(funding, EVALUATOR, doc["id"], {"expected_version": scored["version"],
                                                                           "summary": "总体运行规范"})
    assert done["status"] == "completed" and done["grade"] == "良好"
    assert outbox_types(funding.repo.evaluations, doc["id"])[-1] == "evaluation.completed"
    assert [e["id"] for e in evaluations.evaluations_for_stations(funding, COUNTY, [fx.STATION])[fx.STATION]] == [
        doc["id"]]
    assert evaluations.get_evaluations(funding, OTHER_COUNTY, [doc["id"]]) == [None]


def test_commissioning_checks_the_subject_and_the_scheme(funding):
    base = {"scheme_id": SCHEME["id"], "evaluator": EVALUATOR_ORG, "evaluator_user_ids": ["e"], "due_on": "2026-06-30"}
    with pytest.raises(ValidationFailed):
        evaluations.commission_evaluation(funding, COUNTY, {**base, "subject": {"kind": "station", "id": "ST1"}})
    with pytest.raises(ValidationFailed):
        evaluations.commission_evaluation(funding, COUNTY, {**base, "scheme_id": "sch_none",
                                                            "subject": {"kind": "station", "id": fx.STATION}})
    with pytest.raises(NotFound):
        evaluations.commission_evaluation(funding, COUNTY, {**base, "subject": {"kind": "contract", "id": "ctr_x"}})
    assert evaluations.evaluations_for_contracts(funding, COUNTY, ["ctr_x"]) == {"ctr_x": []}


# --- supervision, cost and outcome -------------------------------------------------------------------
def test_fund_supervision_sums_the_regions_money_for_officials_only(funding, frozen):
    contract, line = committed_contract(funding, frozen)
    view = supervision.fund_supervision(funding, COUNTY, {"region": fx.COUNTY})
    row = next(r for r in view["rows"] if r["source_id"] == line["source_id"])
    assert row["allocated_fen"] == 60_000_000 and row["contracted_fen"] == 60_000_000
    assert supervision.fund_supervision(funding, OTHER_COUNTY, {"region": fx.COUNTY})["rows"] == []
    station_view = supervision.fund_supervision(funding, STATION_WORKER, {"region": fx.COUNTY, "year": 2026})
    assert [r["source_id"] for r in station_view["rows"]] == [line["source_id"]]
    with pytest.raises(PermissionDenied):
        supervision.fund_supervision(funding, PUBLIC, {"region": fx.COUNTY})
    with pytest.raises(ValidationFailed):
        supervision.fund_supervision(funding, COUNTY, {})


def test_cost_and_outcome_relate_payments_to_activity(funding):
    delivered = fx.service_delivered(fx.STATION, "hh1", "2026-01-04")
    projections.project_activity(funding, delivered.id, "service_delivered", delivered.payload, "2026-01-04", 2.0,
                                 True)
    view = supervision.cost_outcome(funding, COUNTY, {"region": fx.COUNTY, "year": 2026})
    assert view["outcomes"]["services_delivered"] == 1 and view["total"]["disbursed_fen"] == 0
    assert supervision.cost_outcome(funding, STATION_WORKER, {"region": fx.COUNTY, "year": 2026})["outcomes"][
        "services_delivered"] == 1
    assert supervision.cost_outcome(funding, OTHER_COUNTY, {"region": fx.COUNTY, "year": 2026})["outcomes"][
        "services_delivered"] == 0
    with pytest.raises(ValidationFailed):
        supervision.cost_outcome(funding, COUNTY, {"region": fx.COUNTY})


# --- public disclosure -------------------------------------------------------------------------------
def test_the_public_reads_every_published_process_and_nothing_else(funding, frozen):
    contract, _ = committed_contract(funding, frozen)
    feed = disclosure.disclosure_feed(funding, PUBLIC)
    assert feed["total"] == 1
    release = feed["items"][0]
    assert disclosure.disclosure_releases(funding, PUBLIC, [release["ocid"], "ocds-sgjs21-nope"]) == [release, None]
    page = disclosure.ocds_release_package(funding, PUBLIC, {"uri": "https://data.example.org/r.json",
                                                             "base_url": "https://data.example.org"})
    assert page["package"]["releases"][-1] == release
    records = disclosure.ocds_record_package(funding, PUBLIC, {"uri": "https://data.example.org/p.json",
                                                               "base_url": "https://data.example.org"})
    assert records["package"]["records"][0]["ocid"] == release["ocid"]
    assert disclosure.disclosure_feed(funding, PUBLIC, {"region": "321102"})["total"] == 0
    with pytest.raises(ValidationFailed):
        disclosure.disclosure_feed(funding, PUBLIC, {"region": "not a region"})


def test_lottery_fund_use_lists_each_lottery_source(funding):
    lottery = sources.create_source(funding, ADMIN, fx.lottery_source_input(region_code="320000"))
    sources.create_source(funding, COUNTY, fx.source_input())
    use = disclosure.lottery_fund_use(funding, PUBLIC, {"year": 2026})
    assert [s["source_id"] for s in use["sources"]] == []  # nothing allocated yet
    budgets.allocate_budget(funding, ADMIN, lottery["id"], {
        "project": {"name": "丹阳市养老社工服务", "region_code": fx.COUNTY}, "domain": "elderly", "amount_fen": 1_000})
    use = disclosure.lottery_fund_use(funding, PUBLIC, {"region": "320000"})
    assert [(s["source_id"], s["allocated_fen"]) for s in use["sources"]] == [(lottery["id"], 1_000)]
