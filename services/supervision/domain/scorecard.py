"""Scorecards: indicator schemes as data (versioned by effective date), each indicator's score from its
computed value, and the evaluators' own scores beside the computed ones. Pure.

A scheme version lists indicators `{code, title, formula, weight, floor, target, pro_rata?}`; the weights add
up to 100. An indicator's score (0–100) is 0 at or below `floor`, 100 at or above `target`, linear between
(targets and floors marked `pro_rata` are scaled to the part of the year gone by the day). Its points are
`weight × score ÷ 100`; the card's total is the sum of the points of the computable indicators, beside the
weight they carry (`computable_weight`), so a card with an indicator not computable says so rather than
counting it as 0.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from services.common.errors import ValidationFailed
from services.contracts.supervision import SCORECARD_FORMULAS

from .indicators import COMPUTATIONS, Facts, Measure
from .periods import year_fraction

SCHEMES_FILE = Path(__file__).resolve().parent.parent / "reference" / "scorecard_schemes.json"
DEFAULT_SCHEME = "station-standard"
# Records of evidence a card carries per indicator; the rest are paged (scorecard_evidence).
CARD_EVIDENCE = 20
# Evidence keys that point at people or households: masked for evaluators.
PERSONAL_REFERENCES = ("household", "volunteer")
PERSONAL_KINDS = ("staff", "household", "volunteer_hours")


@dataclass(frozen=True)
class SchemeVersion:
    scheme_id: str
    name: str
    effective_from: str
    source: str
    indicators: tuple[dict, ...]


def check_scheme_version(scheme_id: str, version: dict) -> None:
    """The rules every shipped version keeps (a unit test loads the file through them)."""
    indicators = version["indicators"]
    codes = [i["code"] for i in indicators]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{scheme_id} {version['effective_from']}: indicator codes repeat")
    if sum(i["weight"] for i in indicators) != 100:
        raise ValueError(f"{scheme_id} {version['effective_from']}: weights must add up to 100")
    for indicator in indicators:
        if indicator["formula"] not in SCORECARD_FORMULAS:
            raise ValueError(f"{scheme_id}: {indicator['code']} names no known formula {indicator['formula']!r}")
        if indicator["target"] <= indicator["floor"]:
            raise ValueError(f"{scheme_id}: {indicator['code']} needs a target above its floor")


def load_schemes(path: Path = SCHEMES_FILE) -> dict[str, dict]:
    schemes = {s["id"]: s for s in json.loads(path.read_text(encoding="utf-8"))["schemes"]}
    for scheme_id, scheme in schemes.items():
        scheme["versions"] = sorted(scheme["versions"], key=lambda v: v["effective_from"])
        for version in scheme["versions"]:
            check_scheme_version(scheme_id, version)
    return schemes


SCHEMES = load_schemes()


def scheme_in_force(scheme_id: str | None, as_of: date, schemes: dict[str, dict] | None = None) -> SchemeVersion:
    """The version of the scheme effective on `as_of` (the latest effective on or before it)."""
    schemes = SCHEMES if schemes is None else schemes
    scheme = schemes.get(scheme_id or DEFAULT_SCHEME)
    if scheme is None:
        raise ValidationFailed.field("scheme", f"no indicator scheme {scheme_id!r}; one of {', '.join(schemes)}")
    effective = [v for v in scheme["versions"] if v["effective_from"] <= as_of.isoformat()]
    if not effective:
        raise ValidationFailed.field("as_of", f"scheme {scheme['id']} is in force from "
                                              f"{scheme['versions'][0]['effective_from']}")
    version = effective[-1]
    return SchemeVersion(scheme["id"], scheme["name"], version["effective_from"], version["source"],
                         tuple(version["indicators"]))


def scheme_views(schemes: dict[str, dict] | None = None) -> list[dict]:
    return [{"id": s["id"], "name": s["name"], "description": s.get("description"),
             "versions": [{"effective_from": v["effective_from"], "source": v["source"],
                           "indicators": v["indicators"]} for v in s["versions"]]}
            for s in (SCHEMES if schemes is None else schemes).values()]


def score(indicator: dict, value: float | None, as_of: date) -> float | None:
    """0 to 100, linear from the floor to the target; None when the value is not computable."""
    if value is None:
        return None
    scale = year_fraction(as_of) if indicator.get("pro_rata") else 1.0
    floor, target = indicator["floor"] * scale, indicator["target"] * scale
    if value >= target:
        return 100.0
    if value <= floor:
        return 0.0
    return round(100 * (value - floor) / (target - floor), 2)


def mask_reference(value: str | None) -> str | None:
    """An id of a person or household as evaluators see it: its kind prefix and last four characters."""
    if not value:
        return value
    head = value.split("-", 1)[0] + "-" if "-" in value else ""
    return f"{head}****{value[-4:]}" if len(value) > 4 else "****"


def masked(record: dict, for_evaluator: bool) -> dict:
    if not for_evaluator:
        return record
    detail = {k: (mask_reference(v) if k in PERSONAL_REFERENCES else v) for k, v in record["detail"].items()}
    record_id = mask_reference(record["id"]) if record["kind"] in PERSONAL_KINDS else record["id"]
    return {**record, "id": record_id, "detail": detail}


def _difference(computed: float | None, evaluator: float) -> float | None:
    return None if computed is None else round(evaluator - computed, 2)


def indicator_row(indicator: dict, measure: Measure, as_of: date, reviews: list[dict], for_evaluator: bool) -> dict:
    computed = score(indicator, measure.value, as_of)
    scale = year_fraction(as_of) if indicator.get("pro_rata") else 1.0
    return {
        "code": indicator["code"], "title": indicator["title"], "formula": indicator["formula"],
        "weight": indicator["weight"], "floor": round(indicator["floor"] * scale, 4),
        "target": round(indicator["target"] * scale, 4), "value": measure.value, "numerator": measure.numerator,
        "denominator": measure.denominator, "expected": measure.expected, "score": computed,
        "points": None if computed is None else round(indicator["weight"] * computed / 100, 2),
        "evidence_count": len(measure.evidence),
        "evidence": [masked(r, for_evaluator) for r in measure.evidence[:CARD_EVIDENCE]],
        "evaluator_scores": [{**r, "difference": _difference(computed, r["score"])} for r in reviews],
    }


def scorecard(subject: dict, version: SchemeVersion, facts: Facts, reviews: dict[str, list[dict]],
              for_evaluator: bool) -> dict:
    """subject: {kind, id, region_code, station_ids}; reviews: indicator code → evaluators' scores."""
    rows = [indicator_row(i, COMPUTATIONS[i["formula"]](facts), facts.as_of, reviews.get(i["code"], []), for_evaluator)
            for i in version.indicators]
    computable = [r for r in rows if r["points"] is not None]
    total = round(sum(r["points"] for r in computable), 2)
    reviewed = [r for r in rows if r["evaluator_scores"]]
    return {"subject": subject, "as_of": facts.as_of.isoformat(),
            "period": {"from": facts.period.start.isoformat(), "to": facts.period.end.isoformat()},
            "scheme": {"id": version.scheme_id, "name": version.name, "effective_from": version.effective_from,
                       "source": version.source},
            "indicators": rows, "total": total, "computable_weight": sum(r["weight"] for r in computable),
            "reviewed_indicators": len(reviewed), "evidence_masked": for_evaluator}


def evidence_page(version: SchemeVersion, indicator_code: str, facts: Facts, offset: int, limit: int,
                  for_evaluator: bool) -> dict:
    """The records behind one indicator, a page at a time (the cursor is the offset)."""
    indicator = next((i for i in version.indicators if i["code"] == indicator_code), None)
    if indicator is None:
        raise ValidationFailed.field("indicator", f"not an indicator of scheme {version.scheme_id}")
    records = COMPUTATIONS[indicator["formula"]](facts).evidence
    page = records[offset:offset + limit]
    following = offset + limit
    return {"items": [masked(r, for_evaluator) for r in page], "total": len(records),
            "next_cursor": str(following) if following < len(records) else None}
