"""Third-party evaluation (第三方评估): indicator schemes as data, scoring, total → grade, gates.

A scheme is a list of weighted indicators (weights add up to 100) and grade thresholds. An
evaluation copies the scheme when it is commissioned, so later edits of the scheme never change
an evaluation under way. Each indicator's score counts `weight × score / max_score`; the total is
kept as an exact fraction for the grade and shown rounded to two decimals. Pure functions.
"""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from services.common.clock import jsonable, timestamp
from services.common.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed
from services.contracts import funding as vocabulary

from .domain import scope_codes, township_of

COMMISSIONED, IN_PROGRESS, COMPLETED = vocabulary.EVALUATION_STATUSES
SUBJECT_KINDS = vocabulary.EVALUATION_SUBJECT_KINDS


def check_scheme(data: dict) -> dict:
    indicators = data["indicators"]
    codes = [i["code"] for i in indicators]
    if len(set(codes)) != len(codes):
        raise ValidationFailed.field("indicators", "indicator codes must be unique")
    weights = sum(i["weight"] for i in indicators)
    if weights != 100:
        raise ValidationFailed.field("indicators", f"the weights add up to {weights}; they must add up to 100")
    grades = sorted(data["grades"], key=lambda g: -g["min_total"])
    names = [g["name"] for g in grades]
    if len(set(names)) != len(names) or len({g["min_total"] for g in grades}) != len(grades):
        raise ValidationFailed.field("grades", "grade names and thresholds must be unique")
    if grades[-1]["min_total"] != 0:
        raise ValidationFailed.field("grades", "the lowest grade starts at 0, so every total has a grade")
    return {"name": data["name"], "region_code": data["region_code"], "description": data.get("description"),
            "indicators": indicators, "grades": grades}


def scheme_view(scheme: dict) -> dict:
    return {"id": scheme["_id"], "name": scheme["name"], "region_code": scheme["region_code"],
            "description": scheme.get("description"), "indicators": scheme["indicators"], "grades": scheme["grades"],
            "categories": list(dict.fromkeys(i["category"] for i in scheme["indicators"])),
            "version": scheme["_version"]}


def new_evaluation(data: dict, scheme: dict, subject: dict, evaluation_id: str, commissioned_by: str,
                   today: date) -> dict:
    """subject: {kind, id, region_code, station_ids, contract_id} as found by the use case."""
    if data["due_on"] < today:
        raise ValidationFailed.field("due_on", "in the past")
    return jsonable({
        "_id": evaluation_id,
        "subject": {"kind": subject["kind"], "id": subject["id"]},
        "contract_id": subject.get("contract_id"),
        "station_ids": subject["station_ids"],
        "region_code": subject["region_code"],
        "scope_codes": scope_codes(subject["region_code"], subject["station_ids"]),
        "scheme": {"id": scheme["_id"], "name": scheme["name"], "indicators": scheme["indicators"],
                   "grades": scheme["grades"]},
        "evaluator": data["evaluator"],
        "evaluator_user_ids": list(dict.fromkeys(data["evaluator_user_ids"])),
        "period": data.get("period"),
        "due_on": data["due_on"],
        "commissioned_by": commissioned_by,
        "commissioned_on": today,
        "status": COMMISSIONED,
        "scores": {},
        "total": None,
        "grade": None,
        "summary": None,
        "completed_on": None,
    })


def subject_of_station(station_id: str) -> dict:
    township = township_of(station_id)
    return {"kind": "station", "id": station_id, "region_code": township, "station_ids": [station_id],
            "contract_id": None}


def require_assigned(evaluation: dict, user_id: str, role: str) -> None:
    if role == "admin":
        return
    if role != "evaluator" or user_id not in evaluation["evaluator_user_ids"]:
        raise PermissionDenied("only the evaluators commissioned for this evaluation may score it")


def record_scores(evaluation: dict, scores: list[dict], by: str, now: datetime) -> dict:
    if evaluation["status"] == COMPLETED:
        raise Conflict("the evaluation is completed; its scores are final", {"status": [COMPLETED]})
    indicators = {i["code"]: i for i in evaluation["scheme"]["indicators"]}
    merged = dict(evaluation["scores"])
    for index, entry in enumerate(scores):
        indicator = indicators.get(entry["indicator"])
        if indicator is None:
            raise ValidationFailed.field(f"scores.{index}.indicator",
                                         f"not an indicator of scheme {evaluation['scheme']['id']}")
        if entry["score"] > indicator["max_score"]:
            raise ValidationFailed.field(f"scores.{index}.score", f"at most {indicator['max_score']}")
        merged[entry["indicator"]] = jsonable({"score": entry["score"], "comment": entry["comment"],
                                               "evidence": entry.get("evidence") or [], "by": by,
                                               "at": timestamp(now)})
    return {"scores": merged, "status": IN_PROGRESS}


def exact_total(scheme: dict, scores: dict) -> Fraction:
    return sum((Fraction(i["weight"]) * Fraction(str(scores[i["code"]]["score"])) / Fraction(i["max_score"])
                for i in scheme["indicators"]), Fraction(0))


def shown(total: Fraction) -> float:
    """Two decimals, half up, from the exact fraction."""
    hundredths = (total * 100 * 2 + 1) // 2
    return float(Fraction(hundredths, 100))


def grade_for(grades: list[dict], total: Fraction) -> str:
    for grade in sorted(grades, key=lambda g: -g["min_total"]):
        if total >= Fraction(str(grade["min_total"])):
            return grade["name"]
    raise RuleViolation("the scheme has no grade for this total")


def complete(evaluation: dict, summary: str, today: date) -> dict:
    if evaluation["status"] == COMPLETED:
        raise Conflict("the evaluation is already completed", {"status": [COMPLETED]})
    missing = [i["code"] for i in evaluation["scheme"]["indicators"] if i["code"] not in evaluation["scores"]]
    if missing:
        raise RuleViolation(f"score every indicator before completing; missing: {', '.join(missing)}",
                            {"scores": [f"missing {', '.join(missing)}"]})
    total = exact_total(evaluation["scheme"], evaluation["scores"])
    return {"status": COMPLETED, "total": shown(total), "grade": grade_for(evaluation["scheme"]["grades"], total),
            "summary": summary, "completed_on": today.isoformat()}


def reaches(evaluation: dict, min_grade: str) -> bool:
    """Whether a completed evaluation's total reaches the threshold of `min_grade` in its own scheme."""
    thresholds = {g["name"]: g["min_total"] for g in evaluation["scheme"]["grades"]}
    if evaluation["status"] != COMPLETED or min_grade not in thresholds:
        return False
    return exact_total(evaluation["scheme"], evaluation["scores"]) >= Fraction(str(thresholds[min_grade]))


def evaluation_view(evaluation: dict) -> dict:
    return {
        "id": evaluation["_id"], "subject": evaluation["subject"], "contract_id": evaluation.get("contract_id"),
        "station_ids": evaluation["station_ids"], "region_code": evaluation["region_code"],
        "scheme": evaluation["scheme"], "evaluator": evaluation["evaluator"],
        "evaluator_user_ids": evaluation["evaluator_user_ids"],
        "period": evaluation.get("period"), "due_on": evaluation["due_on"],
        "commissioned_on": evaluation["commissioned_on"], "status": evaluation["status"],
        "scores": [{"indicator": code, **entry} for code, entry in evaluation["scores"].items()],
        "total": evaluation.get("total"), "grade": evaluation.get("grade"), "summary": evaluation.get("summary"),
        "completed_on": evaluation.get("completed_on"), "version": evaluation["_version"],
    }
