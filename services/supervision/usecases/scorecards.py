"""Scorecards computed from the read models (a station's, or a contract's stations'), as of a chosen day,
for an indicator scheme of reference data; evaluators' own scores and notes beside the computed ones.

Who sees what: access.scorecard_viewer (evaluators: the subjects of the evaluations they were commissioned
for, while those run; evidence masked for them). Rules: domain/indicators.py, domain/scorecard.py.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.common import clock
from services.common.auth import EVALUATOR, Viewer
from services.common.errors import NotFound, ValidationFailed
from services.common.events import event_by
from services.common.rpc import load
from services.contracts import supervision as events

from ..domain import scorecard as cards
from ..domain.figures import ReadModels
from ..domain.indicators import Facts, of_stations
from ..domain.plans import SUPERVISION_SESSIONS, version_in_force
from ..scorecard_storage import review_id
from . import Supervision
from .access import require_scorer, require_signed_in, scorecard_viewer

SUBJECT_ID = r"^[A-Za-z0-9_.:-]{1,80}$"


class SubjectSchema(Schema):
    station_id = fields.String(load_default=None, validate=validate.Regexp(SUBJECT_ID))
    contract_id = fields.String(load_default=None, validate=validate.Regexp(SUBJECT_ID))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    as_of = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _one_subject(self, data, **_kwargs):
        if (data.get("station_id") is None) == (data.get("contract_id") is None):
            raise SchemaError("give a station_id or a contract_id", "station_id")


class EvidenceSchema(SubjectSchema):
    indicator = fields.String(required=True, validate=validate.Length(min=1, max=80))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{1,7}$"))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class ScoreSchema(SubjectSchema):
    evaluation_id = fields.String(required=True, validate=validate.Regexp(SUBJECT_ID))
    indicator = fields.String(required=True, validate=validate.Length(min=1, max=80))
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def scorecard_schemes(supervision: Supervision, viewer: Viewer) -> list[dict]:
    require_signed_in(viewer, "scorecard schemes")
    return cards.scheme_views()


def scorecard(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """The scorecard of a station (or a contract, given `contract_id`) as of a day (default today)."""
    data = load(SubjectSchema, request)
    return _card(supervision, viewer, data)[0]


def scorecard_evidence(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    """The records behind one indicator of a scorecard, a page at a time (masked for evaluators)."""
    data = load(EvidenceSchema, request)
    models, subject, as_of, _ = _subject_in_scope(supervision, viewer, data)
    version = cards.scheme_in_force(data["scheme"], as_of)
    return cards.evidence_page(version, data["indicator"], _facts(supervision, models, subject, as_of),
                               int(data["after"] or 0), data["limit"], viewer.role == EVALUATOR)


def record_scorecard_score(supervision: Supervision, viewer: Viewer, data: dict) -> dict:
    """An evaluator's own score (0–100) and note of one indicator, beside the computed score of the same day;
    the previous score stays in the review's history and every score is published (the audit trail)."""
    data = load(ScoreSchema, data)
    card, subject, running = _card(supervision, viewer, data)
    require_scorer(viewer, data["evaluation_id"], running)
    row = next((r for r in card["indicators"] if r["code"] == data["indicator"]), None)
    if row is None:
        raise ValidationFailed.field("indicator", f"not an indicator of scheme {card['scheme']['id']}")
    now = clock.timestamp(clock.utcnow())
    entry = {"score": data["score"], "note": data["note"], "computed_score": row["score"], "as_of": card["as_of"],
             "scheme_id": card["scheme"]["id"], "by": viewer.user_id, "at": now}
    event = event_by(viewer, events.SCORECARD_SCORE_RECORDED, {
        "review_id": review_id(data["evaluation_id"], subject["id"]), "evaluation_id": data["evaluation_id"],
        "subject_kind": subject["kind"], "subject_id": subject["id"], "region_code": subject["region_code"],
        "scheme_id": entry["scheme_id"], "indicator": data["indicator"], "as_of": entry["as_of"],
        "computed_score": row["score"], "evaluator_score": data["score"], "by": viewer.user_id})
    review = supervision.repo.reviews.get(data["evaluation_id"], subject["id"])
    if review is None:
        supervision.repo.reviews.add({
            "_id": review_id(data["evaluation_id"], subject["id"]), "evaluation_id": data["evaluation_id"],
            "subject_kind": subject["kind"], "subject_id": subject["id"], "region_code": subject["region_code"],
            "station_ids": subject["station_ids"], "scores": {data["indicator"]: entry},
            "history": [{"indicator": data["indicator"], **entry}]}, [event])
    else:
        supervision.repo.reviews.change(review["_id"], review["_version"], {
            "scores": {**review["scores"], data["indicator"]: entry},
            "history": [*review["history"], {"indicator": data["indicator"], **entry}]}, [event])
    return _card(supervision, viewer, data)[0]


def station_card(supervision: Supervision, station_id: str, evaluation_ids: list[str] | None,
                 for_evaluator: bool) -> dict | None:
    """Today's card of a station for a caller whose access was checked already (the evaluation pack):
    the default scheme, the named evaluations' scores (None: every one's); None when the station is unknown."""
    models = supervision.repo.read_models()
    if station_id not in models.stations:
        return None
    today = clock.today()
    subject = _subject(models, {"station_id": station_id, "contract_id": None})
    version = cards.scheme_in_force(None, today)
    return cards.scorecard(subject, version, _facts(supervision, models, subject, today),
                           _reviews(supervision, subject, evaluation_ids, version.scheme_id), for_evaluator)


# --- the card -------------------------------------------------------------------------------------------
def _card(supervision: Supervision, viewer: Viewer, data: dict) -> tuple[dict, dict, list[str] | None]:
    models, subject, as_of, running = _subject_in_scope(supervision, viewer, data)
    version = cards.scheme_in_force(data["scheme"], as_of)
    reviews = _reviews(supervision, subject, running, version.scheme_id)
    card = cards.scorecard(subject, version, _facts(supervision, models, subject, as_of), reviews,
                           viewer.role == EVALUATOR)
    return card, subject, running


def _subject_in_scope(supervision: Supervision, viewer: Viewer, data: dict):
    require_signed_in(viewer, "scorecards")
    today = clock.today()
    as_of = data["as_of"] or today
    if as_of > today:
        raise ValidationFailed.field("as_of", "a scorecard is of today or a past day")
    models = supervision.repo.read_models()
    subject = _subject(models, data)
    running = scorecard_viewer(viewer, subject, models.evaluations, today.isoformat())
    return models, subject, as_of, running


def _subject(models: ReadModels, data: dict) -> dict:
    if data["station_id"] is not None:
        station = models.stations.get(data["station_id"])
        if station is None:
            raise NotFound(f"unknown station {data['station_id']}", {"station_id": ["no such station"]})
        return {"kind": "station", "id": data["station_id"], "region_code": station["township"],
                "station_ids": [data["station_id"]]}
    contract = models.contracts.get(data["contract_id"]) or next(
        ({"station_ids": e["station_ids"], "region_code": e["region_code"]} for e in models.evaluations.values()
         if e.get("contract_id") == data["contract_id"] and e.get("station_ids")), None)
    if contract is None:
        raise NotFound(f"unknown contract {data['contract_id']}", {"contract_id": ["no such contract"]})
    return {"kind": "contract", "id": data["contract_id"], "region_code": contract["region_code"],
            "station_ids": list(contract["station_ids"])}


def _facts(supervision: Supervision, models: ReadModels, subject: dict, as_of: date) -> Facts:
    start = date(as_of.year, 1, 1).isoformat()
    sessions = supervision.repo.sessions.held_at(subject["station_ids"], start, as_of.isoformat())
    stations = frozenset(subject["station_ids"])
    return Facts(of_stations(models, stations), stations, as_of, tuple(sessions),
                 _session_target(supervision, subject["station_ids"], as_of))


def _session_target(supervision: Supervision, station_ids: list[str], as_of: date) -> float | None:
    """The stations' supervision-session targets in their counties' plans in force on the day (summed)."""
    total, found = 0.0, False
    for county in sorted({s[2:8] for s in station_ids}):
        plan = supervision.repo.plans.of(county, as_of.year)
        version = version_in_force(plan["versions"], as_of) if plan else None
        for target in (version or {}).get("targets", []):
            if target["indicator"] == SUPERVISION_SESSIONS and target.get("station_id") in station_ids:
                total, found = total + target["value"], True
    return total if found else None


def _reviews(supervision: Supervision, subject: dict, evaluation_ids: list[str] | None,
             scheme_id: str) -> dict[str, list[dict]]:
    by_indicator: dict[str, list[dict]] = {}
    for review in supervision.repo.reviews.of_subject(subject["id"], evaluation_ids):
        for code, entry in sorted(review["scores"].items()):
            if entry["scheme_id"] == scheme_id:
                by_indicator.setdefault(code, []).append({"evaluation_id": review["evaluation_id"], **entry})
    return by_indicator
