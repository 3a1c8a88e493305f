"""Roll-ups: the supervision figures of any region and period, with the same figures per child region.

A question (region, period, day, scope, region tree and the tally function of its tallies) is answered
from the answer cache when nothing it depends on changed (answers.py), else counted from the township
tallies (tallies.py), or record by record for station-scoped viewers. `rollups` answers several questions
in one call (the gateway asks the roll-up and the protected roll-up of one request together).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from marshmallow import RAISE
from nameko.exceptions import serialize

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import DomainError, NotFound, ValidationFailed
from services.common.rpc import load

from ..domain.access import FigureScope
from ..domain.figures import rollup as figures_of
from ..domain.figures import rollup_of_tallies
from ..domain.periods import Period, period_of
from ..domain.regions import RegionKey, region_key
from ..regiontree import RegionInfo
from ..schemas import RollupRequestSchema
from . import Supervision
from .access import figure_scope
from .answers import ANSWERS
from .hours import APPROVED_HOURS
from .tallies import TALLIES

ROLLUP, PROTECTED = "rollup", "protected_rollup"
MOST_QUESTIONS_PER_CALL = 20  # one request's roll-up fields; more is not a dashboard
_SCHEMA = RollupRequestSchema(unknown=RAISE)  # marshmallow builds its fields per instance: once is enough


@dataclass(frozen=True)
class Question:
    region: RegionKey
    period: Period
    today: date
    children: bool
    volunteers: bool  # the hours approved too: added to the answer, kept by hours.py against its read model
    scope: FigureScope
    tree: list[RegionInfo]
    tally_of: Callable | None  # None: counted record by record (station-scoped viewers, unsharded models)

    def key(self, *what) -> tuple | None:
        """The answer cache's key, or None when the answer is not kept (counted record by record)."""
        if self.tally_of is None:
            return None
        return (*what, self.region.prefix, self.period.start, self.period.end, self.today, self.children,
                self.scope)

    @property
    def inputs(self) -> tuple:
        return (self.tally_of, self.tree)


def question_of(supervision: Supervision, viewer: Viewer, request: dict) -> Question:
    data = load(_SCHEMA, request)
    region = region_key(data["region"])
    scope = figure_scope(viewer, region)
    tree = supervision.regions.under(region.prefix)
    if not any(r.code == region.code for r in tree):
        raise NotFound(f"unknown region {data['region']}", {"region": ["no such division in the region tree"]})
    today = clock.today()
    period = period_of(today, **(data["period"] or {}))
    # Region-wide scopes count every record under the region: township tallies, cached (tallies.py).
    tally_of = TALLIES.tally_function(supervision.repo, region.prefix, period, today) \
        if scope.station_ids is None else None
    return Question(region, period, today, data["children"], data["volunteers"], scope, tree, tally_of)


def rollup(supervision: Supervision, viewer: Viewer, request: dict) -> dict:
    question = question_of(supervision, viewer, request)
    answer = answer_of(supervision, question)
    if question.volunteers:  # on the caller's own copy (answers.py hands out fresh dicts)
        _add_hours_approved(supervision, answer, question.scope, question.period)
    return answer


def answer_of(supervision: Supervision, question: Question) -> dict:
    key = question.key(ROLLUP)
    if key is None:
        return _computed(supervision, question)
    return ANSWERS.answer(key, question.inputs, lambda: _computed(supervision, question))


def rollups(supervision: Supervision, viewer: Viewer, questions: list[dict]) -> list[dict]:
    """Several roll-ups in one call: per question {"kind": "rollup" | "protected_rollup", "request": …},
    its answer as {"result": …} or, for a refusal or bad input, {"error": …} (nameko's serialised form),
    so that one refused question fails only its own field."""
    from .privacy import protected_rollup  # privacy builds on this module

    if not isinstance(questions, list) or len(questions) > MOST_QUESTIONS_PER_CALL:
        raise ValidationFailed.field("questions", f"a list of at most {MOST_QUESTIONS_PER_CALL} questions")
    answers = []
    for question in questions:
        kind = question.get("kind") if isinstance(question, dict) else None
        if kind not in (ROLLUP, PROTECTED):
            raise ValidationFailed.field("questions.kind", f"{ROLLUP} or {PROTECTED}")
        try:
            use_case = rollup if kind == ROLLUP else protected_rollup
            answers.append({"result": use_case(supervision, viewer, question.get("request") or {})})
        except DomainError as refused:
            answers.append({"error": serialize(refused)})
    return answers


def _computed(supervision: Supervision, question: Question) -> dict:
    region, period, today, tree = question.region, question.period, question.today, question.tree
    names = {r.code: r for r in tree}
    children = [r for r in tree if r.parent_code == region.code] if question.children else []
    townships = [r.code for r in tree if r.level == "township"]
    if question.tally_of is not None:
        result = rollup_of_tallies(question.tally_of, region, townships,
                                   [region_key(r.code).prefix for r in children], period, today)
    else:
        result = _counted_record_by_record(supervision, region, question.scope, townships, children, period,
                                           today)
    for figures in (result["region"], *result["children"]):
        info = names.get(figures["region_code"])
        figures.update({"name": info.name if info else None, "level": info.level if info else None})
    return result


def _add_hours_approved(supervision: Supervision, result: dict, scope, period) -> None:
    regions = [region_key(f["region_code"]) for f in (result["region"], *result["children"])]
    hours = APPROVED_HOURS.by_region(supervision.repo, regions, scope, period)
    for figures, key in zip((result["region"], *result["children"]), regions, strict=True):
        figures["volunteers"] = {"hours_approved": hours[key.prefix]}


def _counted_record_by_record(supervision: Supervision, region, scope, townships, children, period, today) -> dict:
    models = supervision.repo.read_models()
    if scope.station_ids is not None:
        # Station staff and supervisors see the child regions their stations lie in, no others.
        theirs = {s["township"] for sid, s in models.stations.items() if sid in scope.station_ids}
        children = [r for r in children if any(t.startswith(region_key(r.code).prefix) for t in theirs)]
    return figures_of(models, region, townships, [region_key(r.code).prefix for r in children], period,
                      today, scope)
