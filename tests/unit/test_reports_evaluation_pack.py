"""A station's evaluation pack (services/supervision/usecases/reports.py: evaluation_pack): compliance rules
with their evidence and the funding evaluations' scores, masked; for the evaluators commissioned for the
station while their evaluation runs, and for officials who see the station; each download logged."""
from __future__ import annotations

import base64
from datetime import datetime

import pytest

from services.common.accesslog import COLLECTION as ACCESS_LOG
from services.common.auth import Viewer
from services.common.clock import FrozenClock
from services.common.errors import NotFound
from services.supervision.usecases import reports
from tests.support.report_files import pdf_page_is_drawn, pdf_pages
from tests.support.supervision_usecases import (
    COUNTY,
    EVALUATOR,
    OTHER_COUNTY,
    OTHER_STATION,
    STATION,
    WORKER,
    RegistryFake,
    seed_stations,
    supervision,
)

COMPLIANCE = {"status": "not_met", "as_of": "2026-11-30", "since": "2026-10-01",
              "policy": {"region_code": "320000", "effective_from": "2024-01-01", "source": "苏民基〔2023〕5号"},
              "rules": {"professional_staff": {"status": "not_met", "since": "2026-10-01",
                                               "evidence": {"professionals": ["stf-1"], "minimum": 2}},
                        "signboard": {"status": "met", "since": "2024-03-01",
                                      "evidence": {"signboard_hung": True, "name": "云阳街道社工站"}}}}
EVALUATION = {"id": "evl-1", "subject": {"kind": "station", "id": STATION}, "station_ids": [STATION],
              "region_code": "321181", "status": "in_progress", "evaluator": {"name": "江苏某评估中心"},
              "evaluator_user_ids": [EVALUATOR.user_id], "period": {"start": "2026-11-01", "end": "2026-12-31"},
              "commissioned_on": "2026-11-01", "due_on": "2026-12-31", "total": None, "grade": None,
              "scheme": {"name": "社工站绩效评估指标", "indicators": [
                  {"code": "SRV1", "title": "个案服务质量", "category": "服务", "weight": 40, "max_score": 40}]},
              "scores": [{"indicator": "SRV1", "score": 31.5, "comment": "记录较完整", "by": EVALUATOR.user_id}]}


class Registry(RegistryFake):
    def compliance_for_stations(self, viewer: dict, station_ids: list[str]) -> dict:
        return {sid: COMPLIANCE if sid == STATION else None for sid in station_ids}


class Funding:
    def evaluations_for_stations(self, viewer: dict, station_ids: list[str]) -> dict:
        return {sid: [EVALUATION] if sid == STATION else [] for sid in station_ids}


@pytest.fixture
def context():
    with FrozenClock(datetime(2026, 12, 3, 2, 0)):
        base = supervision(Registry())
        context = type(base)(base.repo, base.regions, base.registry, base.casework, Funding())
        seed_stations(context)
        yield context


def pack_text(context, viewer) -> str:
    content = base64.b64decode(reports.evaluation_pack(context, viewer, STATION)["content"])
    assert pdf_page_is_drawn(content)
    return "\n".join(pdf_pages(content))


def test_the_commissioned_evaluator_gets_rules_evidence_and_scores_without_personal_data(context):
    text = pack_text(context, EVALUATOR)

    for expected in ("云阳街道社工站评估材料", "一、合规情况", "专业社工配备", "未达标", "professionals: 1",
                     "minimum: 2", "社工站绩效评估指标", "个案服务质量", "31.50", "记录较完整", "苏民基〔2023〕5号"):
        assert expected in text, expected
    assert "stf-1" not in text  # lists of staff become how many
    logged = list(context.repo.db[ACCESS_LOG].find({}))
    assert [(e["user_id"], e["subject_id"], e["station_id"]) for e in logged] == [
        (EVALUATOR.user_id, f"evaluation-pack-{STATION}", STATION)]


def test_the_county_gets_it_but_other_evaluators_counties_and_station_staff_do_not(context):
    assert "个案服务质量" in pack_text(context, COUNTY)
    for refused in (Viewer("evaluator-2", "evaluator", "321181"), OTHER_COUNTY, WORKER):
        with pytest.raises(NotFound):
            reports.evaluation_pack(context, refused, STATION)
    with pytest.raises(NotFound):
        reports.evaluation_pack(context, EVALUATOR, OTHER_STATION)  # not commissioned there
    with pytest.raises(NotFound):
        reports.evaluation_pack(context, COUNTY, "ST999999999")


def test_after_the_evaluations_period_the_evaluator_is_refused(context):
    with FrozenClock(datetime(2027, 1, 5, 2, 0)), pytest.raises(NotFound):
        reports.evaluation_pack(context, EVALUATOR, STATION)


def test_the_pack_carries_the_computed_scorecard_with_the_evaluators_score_beside_it(context):
    from services.supervision.usecases import scorecards
    from tests.support import scorecard_events as ev

    ev.seed(context, [ev.staff("stf-1", "2025-01-01", professional=True), ev.staff("stf-2", "2025-01-01"),
                      ev.commissioned("evl-1", [EVALUATOR.user_id], "2026-11-01", "2026-12-31")])
    scorecards.record_scorecard_score(context, EVALUATOR, {"station_id": STATION, "evaluation_id": "evl-1",
                                                           "indicator": "staff_count", "score": 40, "note": "两人在岗"})
    text = pack_text(context, EVALUATOR)
    # two of the three staff the scheme asks for: 66.67 computed, the evaluator 40, 26.67 below it
    for expected in ("数据计算评分卡", "在岗社工人数", "2026-07-01", "66.67", "40.00", "-26.67", "计算总分"):
        assert expected in text, expected
    assert "stf-1" not in text
