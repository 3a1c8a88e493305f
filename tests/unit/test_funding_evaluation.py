"""Third-party evaluation: schemes as data, exact totals, grade boundaries, scoring rights, gates."""
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from services.common.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed
from services.common.rpc import load
from services.funding import evaluation
from services.funding.schemas import CommissionSchema, SchemeInputSchema
from services.funding.storage import default_schemes
from tests.support import funding_fixtures as fx

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def scheme():
    data = default_schemes()[0]
    checked = evaluation.check_scheme(load(SchemeInputSchema, {k: v for k, v in data.items() if k != "id"}))
    return {"_id": data["id"], **checked, "_version": 1}


def commissioned():
    data = load(CommissionSchema, {"subject": {"kind": "station", "id": fx.STATION}, "scheme_id": "x",
                                   "evaluator": fx.operator(9, "江苏某某评估中心"), "evaluator_user_ids": ["ev1"],
                                   "due_on": "2026-10-31"})
    return {**evaluation.new_evaluation(data, scheme(), evaluation.subject_of_station(fx.STATION), "evl_1", "county",
                                        date(2026, 9, 1)), "_version": 1}


def scored(doc, score_for):
    scores = [{"indicator": i["code"], "score": score_for(i), "comment": "查阅台账", "evidence": []}
              for i in doc["scheme"]["indicators"]]
    return {**doc, **evaluation.record_scores(doc, scores, "ev1", NOW)}


def test_the_default_scheme_is_data_with_the_five_parts():
    data = scheme()
    assert sum(i["weight"] for i in data["indicators"]) == 100
    assert list(dict.fromkeys(i["category"] for i in data["indicators"])) == [
        "administration", "finance", "service_execution_output", "social_evaluation", "publicity_innovation"]
    assert [g["name"] for g in data["grades"]] == ["优秀", "良好", "合格", "不合格"]


def test_scheme_validation():
    base = {k: v for k, v in default_schemes()[0].items() if k != "id"}
    wrong_weights = {**base, "indicators": [{**base["indicators"][0], "weight": 6}, *base["indicators"][1:]]}
    with pytest.raises(ValidationFailed, match="add up to 101"):
        evaluation.check_scheme(load(SchemeInputSchema, wrong_weights))
    no_floor = {**base, "grades": [{"name": "合格", "min_total": 60}, {"name": "优秀", "min_total": 90}]}
    with pytest.raises(ValidationFailed, match="starts at 0"):
        evaluation.check_scheme(load(SchemeInputSchema, no_floor))
    duplicate = {**base, "indicators": [*base["indicators"][:-1], {**base["indicators"][-1], "code": "A1"}]}
    with pytest.raises(ValidationFailed, match="unique"):
        evaluation.check_scheme(load(SchemeInputSchema, duplicate))


@pytest.mark.parametrize("score,total,grade", [(10, 100.0, "优秀"), (9, 90.0, "优秀"), (8.9, 89.0, "良好"),
                                               (6, 60.0, "合格"), (5.99, 59.9, "不合格"), (0, 0.0, "不合格")])
def test_total_is_weighted_exactly_and_graded_at_the_boundaries(score, total, grade):
    doc = scored(commissioned(), lambda i: score)
    done = evaluation.complete(doc, "总体运行规范", date(2026, 9, 2))
    assert done["total"] == total and done["grade"] == grade and done["status"] == "completed"


def test_weights_make_indicators_count_differently():
    doc = scored(commissioned(), lambda i: 10 if i["code"] == "S2" else 0)
    assert evaluation.exact_total(doc["scheme"], doc["scores"]) == Fraction(15)
    thirds = scored(commissioned(), lambda i: 10 / 3 if i["code"] == "A1" else 0)
    assert evaluation.shown(evaluation.exact_total(thirds["scheme"], thirds["scores"])) == 1.67


def test_scoring_is_for_the_commissioned_evaluators_until_completion():
    doc = commissioned()
    evaluation.require_assigned(doc, "ev1", "evaluator")
    with pytest.raises(PermissionDenied):
        evaluation.require_assigned(doc, "ev2", "evaluator")
    with pytest.raises(PermissionDenied):
        evaluation.require_assigned(doc, "ev1", "county")
    with pytest.raises(ValidationFailed, match="at most 10"):
        evaluation.record_scores(doc, [{"indicator": "A1", "score": 11, "comment": "好", "evidence": []}], "ev1", NOW)
    with pytest.raises(ValidationFailed, match="not an indicator"):
        evaluation.record_scores(doc, [{"indicator": "Z9", "score": 1, "comment": "好", "evidence": []}], "ev1", NOW)
    partial = {**doc, **evaluation.record_scores(doc, [{"indicator": "A1", "score": 8, "comment": "制度健全",
                                                        "evidence": []}], "ev1", NOW)}
    assert partial["status"] == "in_progress"
    with pytest.raises(RuleViolation, match="missing: A2"):
        evaluation.complete(partial, "未完成", date(2026, 9, 2))
    done = {**scored(doc, lambda i: 7), **evaluation.complete(scored(doc, lambda i: 7), "良", date(2026, 9, 2))}
    with pytest.raises(Conflict):
        evaluation.record_scores(done, [{"indicator": "A1", "score": 10, "comment": "改分", "evidence": []}],
                                 "ev1", NOW)


def test_a_grade_gate_uses_the_evaluations_own_scheme():
    doc = scored(commissioned(), lambda i: 6)
    assert not evaluation.reaches(doc, "合格")  # not completed yet
    done = {**doc, **evaluation.complete(doc, "合格", date(2026, 9, 2))}
    assert evaluation.reaches(done, "合格") and not evaluation.reaches(done, "良好")
    assert not evaluation.reaches(done, "A级")  # a grade the scheme does not know never opens the gate


def test_commissioning_refuses_a_past_due_date():
    data = load(CommissionSchema, {"subject": {"kind": "station", "id": fx.STATION}, "scheme_id": "x",
                                   "evaluator": fx.operator(9), "evaluator_user_ids": ["ev1"], "due_on": "2026-08-31"})
    with pytest.raises(ValidationFailed, match="past"):
        evaluation.new_evaluation(data, scheme(), evaluation.subject_of_station(fx.STATION), "e", "c", date(2026, 9, 1))
