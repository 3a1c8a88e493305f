"""Third-party evaluation: indicator schemes, evaluations commissioned by counties and scored by evaluators."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import NotFound, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.common.scope import Scope
from services.contracts import funding as events
from services.funding import evaluation, schemas

from .access import assigned_evaluator, require_region_write, sees_evaluation, visible
from .aggregates import edit, page_result
from .context import Funding


# --- indicator schemes ---------------------------------------------------------------------------
def define_indicator_scheme(context: Funding, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.SchemeInputSchema, data)
    require_region_write(viewer, data["region_code"])
    scheme = {"_id": new_id("sch"), **jsonable(evaluation.check_scheme(data))}
    context.repo.schemes.insert(scheme)
    return evaluation.scheme_view(context.repo.schemes.require(scheme["_id"]))


def update_indicator_scheme(context: Funding, viewer: Viewer, scheme_id: str, data: dict) -> dict:
    data = load(schemas.SchemeUpdateSchema, data)
    scheme = context.repo.schemes.get(scheme_id)
    if scheme is None:
        raise NotFound(f"unknown indicator scheme {scheme_id}", {"id": ["no such indicator scheme"]})
    require_region_write(viewer, scheme["region_code"])
    expected = data.pop("expected_version")
    merged = {"name": scheme["name"], "region_code": scheme["region_code"], "description": scheme.get("description"),
              "indicators": scheme["indicators"], "grades": scheme["grades"], **data}
    changes = jsonable(evaluation.check_scheme(merged))
    return evaluation.scheme_view(edit(context.repo.schemes, scheme, expected, changes))


def list_indicator_schemes(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    """Schemes are published methodology: every signed-in role may read them."""
    if viewer.is_public:
        return page_result([], None, 0)
    f = load(schemas.PageSchema, filters or {})
    page = context.repo.scheme_page(after=f["after"], limit=f["limit"])
    return page_result([evaluation.scheme_view(d) for d in page.docs], page.next_cursor, page.total)


def get_indicator_schemes(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    if viewer.is_public:
        return [None] * len(ids)
    found = {d["_id"]: d for d in context.repo.by_ids(context.repo.schemes, ids)}
    return [evaluation.scheme_view(found[i]) if i in found else None for i in ids]


# --- evaluations -------------------------------------------------------------------------------------
def _visible_evaluation(context: Funding, viewer: Viewer, evaluation_id: str) -> dict:
    doc = context.repo.evaluations.get(evaluation_id) if isinstance(evaluation_id, str) else None
    if doc is None or not sees_evaluation(viewer, doc):
        raise NotFound(f"unknown evaluation {evaluation_id}", {"id": ["no evaluation with this id in your scope"]})
    return doc


def _subject(context: Funding, viewer: Viewer, subject: dict) -> dict:
    if subject["kind"] == "station":
        if not schemas.STATION_ID.regex.match(subject["id"]):
            raise ValidationFailed.field("subject.id", "a station id is ST followed by the 9-digit township code")
        return evaluation.subject_of_station(subject["id"])
    contract = visible(context.repo.contracts, viewer, subject["id"])
    return {"kind": "contract", "id": contract["_id"], "region_code": contract["region_code"],
            "station_ids": contract["station_ids"], "contract_id": contract["_id"]}


def commission_evaluation(context: Funding, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.CommissionSchema, data)
    found = _subject(context, viewer, data["subject"])
    require_region_write(viewer, found["region_code"])
    scheme = context.repo.schemes.get(data["scheme_id"])
    if scheme is None:
        raise ValidationFailed.field("scheme_id", "no such indicator scheme")
    doc = evaluation.new_evaluation(data, scheme, found, new_id("evl"), viewer.user_id, clock.today())
    commissioned = event_by(viewer, events.EVALUATION_COMMISSIONED, {
        "evaluation_id": doc["_id"], "subject_kind": found["kind"], "subject_id": found["id"],
        "region_code": found["region_code"], "evaluator_name": data["evaluator"]["name"],
        "evaluator_credit_code": data["evaluator"]["credit_code"], "scheme_id": scheme["_id"],
        "due_on": data["due_on"], "contract_id": found.get("contract_id"), "station_ids": found["station_ids"],
        "evaluator_user_ids": doc["evaluator_user_ids"], "commissioned_on": doc["commissioned_on"],
        "period_start": (data.get("period") or {}).get("start"), "period_end": (data.get("period") or {}).get("end")})
    context.repo.evaluations.insert(doc, [commissioned])
    return evaluation.evaluation_view(context.repo.evaluations.require(doc["_id"]))


def score_evaluation(context: Funding, viewer: Viewer, evaluation_id: str, data: dict) -> dict:
    data = load(schemas.ScoreEvaluationSchema, data)
    doc = _visible_evaluation(context, viewer, evaluation_id)
    evaluation.require_assigned(doc, viewer.user_id, viewer.role)
    changes = evaluation.record_scores(doc, data["scores"], viewer.user_id, clock.utcnow())
    return evaluation.evaluation_view(edit(context.repo.evaluations, doc, data["expected_version"], changes))


def complete_evaluation(context: Funding, viewer: Viewer, evaluation_id: str, data: dict) -> dict:
    data = load(schemas.CompleteEvaluationSchema, data)
    doc = _visible_evaluation(context, viewer, evaluation_id)
    evaluation.require_assigned(doc, viewer.user_id, viewer.role)
    changes = evaluation.complete(doc, data["summary"], clock.today())
    completed = event_by(viewer, events.EVALUATION_COMPLETED, {
        "evaluation_id": evaluation_id, "subject_kind": doc["subject"]["kind"], "subject_id": doc["subject"]["id"],
        "contract_id": doc.get("contract_id"), "station_ids": doc["station_ids"], "region_code": doc["region_code"],
        "scheme_id": doc["scheme"]["id"], "total": changes["total"], "grade": changes["grade"],
        "completed_on": changes["completed_on"]})
    return evaluation.evaluation_view(edit(context.repo.evaluations, doc, data["expected_version"], changes,
                                           [completed]))


def list_evaluations(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.EvaluationFilterSchema, filters or {})
    page = context.repo.evaluation_page(
        Scope.of(viewer), assigned_to=assigned_evaluator(viewer), region=f["region"], status=f["status"] or None,
        subject_kind=f["subject_kind"] or None, assigned_to_me=viewer.user_id if f["assigned_to_me"] else None,
        after=f["after"], limit=f["limit"])
    return page_result([evaluation.evaluation_view(d) for d in page.docs], page.next_cursor, page.total)


def _visible_evaluations(context: Funding, viewer: Viewer, field: str, ids: list[str]) -> list[dict]:
    return [d for d in context.repo.evaluations_by(field, ids) if sees_evaluation(viewer, d)]


def get_evaluations(context: Funding, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = {d["_id"]: d for d in _visible_evaluations(context, viewer, "_id", ids)}
    return [evaluation.evaluation_view(found[i]) if i in found else None for i in ids]


def evaluations_for_contracts(context: Funding, viewer: Viewer, contract_ids: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {cid: [] for cid in contract_ids}
    for doc in _visible_evaluations(context, viewer, "contract_id", contract_ids):
        grouped[doc["contract_id"]].append(evaluation.evaluation_view(doc))
    return grouped


def evaluations_for_stations(context: Funding, viewer: Viewer, station_ids: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {sid: [] for sid in station_ids}
    for doc in _visible_evaluations(context, viewer, "station_ids", station_ids):
        view = evaluation.evaluation_view(doc)
        for sid in doc["station_ids"]:
            if sid in grouped:
                grouped[sid].append(view)
    return grouped
