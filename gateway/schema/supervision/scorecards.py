"""Scorecards computed from data in the schema: a station's or a contract's scorecard for an indicator scheme
(reference data, versioned by effective date) as of a day, each indicator's value, score, weight and the
records behind it (paged: `scorecardEvidence`), and the evaluators' own scores beside the computed ones.

One RPC per field. Evaluators see the subjects of the evaluations they were commissioned for, while those
run, with the evidence's references to people and households masked. Rules:
services/supervision/domain/indicators.py, domain/scorecard.py, usecases/scorecards.py.
"""
from __future__ import annotations

import graphene

from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_size, page_type, service_data
from gateway.schema.scalars import JSON, Date, DateTime
from gateway.schema.supervision.enums import ScorecardFormula


class ScorecardSubject(graphene.ObjectType):
    kind = graphene.String(required=True, description="station or contract.")
    id = graphene.ID(required=True)
    region_code = graphene.String(required=True)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                description="The stations the figures cover (a contract's stations).")


class ScorecardSchemeVersionRef(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    effective_from = Date(required=True, description="The version of the scheme in force on asOf.")
    source = graphene.String(required=True, description="The document the indicators come from.")


class ScorecardEvidence(graphene.ObjectType):
    """One record behind an indicator's value (ids, days and codes; never names or ID numbers)."""
    kind = graphene.String(required=True, description="staff, household, visit, case, crisis, volunteer_hours, "
                                                       "supervision_session.")
    id = graphene.String(required=True, description="The record's id; masked for evaluators where it points at a "
                                                    "person or household.")
    station_id = graphene.ID()
    date = Date(description="The day the record counts from (joined, registered, visited, opened, flagged …).")
    detail = JSON(required=True, description="What the computation read from it.")


ScorecardEvidencePage = page_type("ScorecardEvidencePage", ScorecardEvidence, "records behind an indicator")


class EvaluatorScore(graphene.ObjectType):
    evaluation_id = graphene.ID(required=True)
    score = graphene.Float(required=True, description="The evaluator's score, 0 to 100.")
    note = graphene.String(required=True)
    computed_score = graphene.Float(description="The computed score when the evaluator scored (their asOf).")
    difference = graphene.Float(description="Evaluator's score − this card's computed score; null: not computable.")
    as_of = Date(required=True, description="The day of the card the evaluator scored.")
    by = graphene.String(required=True, description="The evaluator's user id.")
    at = DateTime(required=True)


class ScorecardIndicator(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    formula = ScorecardFormula(required=True)
    weight = graphene.Int(required=True, description="Its share of the card's 100 points.")
    floor = graphene.Float(required=True, description="At or below it the score is 0 (pro rata where marked).")
    target = graphene.Float(required=True, description="At or above it the score is 100 (pro rata where marked).")
    value = graphene.Float(description="The computed value; null: not computable (no denominator, no target).")
    numerator = graphene.Float()
    denominator = graphene.Float()
    expected = graphene.Float(description="The pro rata expectation the value is measured against, if any.")
    score = graphene.Float(description="0 to 100, linear from floor to target.")
    points = graphene.Float(description="weight × score ÷ 100.")
    evidence_count = graphene.Int(required=True)
    evidence = graphene.List(graphene.NonNull(ScorecardEvidence), required=True,
                             description="The first 20 records; scorecardEvidence pages through all of them.")
    evaluator_scores = graphene.List(graphene.NonNull(EvaluatorScore), required=True)


class ScorecardPeriod(graphene.ObjectType):
    from_ = Date(name="from", required=True)
    to = Date(required=True)

    @staticmethod
    def resolve_from_(period, info):
        return period["from"]


class Scorecard(graphene.ObjectType):
    subject = graphene.Field(ScorecardSubject, required=True)
    as_of = Date(required=True)
    period = graphene.Field(ScorecardPeriod, required=True,
                            description="What counts of things that happened cover: 1 January to asOf.")
    scheme = graphene.Field(ScorecardSchemeVersionRef, required=True)
    indicators = graphene.List(graphene.NonNull(ScorecardIndicator), required=True)
    total = graphene.Float(required=True, description="The points of the computable indicators.")
    computable_weight = graphene.Int(required=True, description="The weight those indicators carry (of 100).")
    reviewed_indicators = graphene.Int(required=True, description="Indicators with an evaluator's score.")
    evidence_masked = graphene.Boolean(required=True)


class ScorecardSchemeIndicator(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    formula = ScorecardFormula(required=True)
    weight = graphene.Int(required=True)
    floor = graphene.Float(required=True)
    target = graphene.Float(required=True)
    pro_rata = graphene.Boolean(required=True)

    @staticmethod
    def resolve_pro_rata(indicator, info):
        return bool(indicator.get("pro_rata"))


class ScorecardSchemeVersion(graphene.ObjectType):
    effective_from = Date(required=True)
    source = graphene.String(required=True)
    indicators = graphene.List(graphene.NonNull(ScorecardSchemeIndicator), required=True)


class ScorecardScheme(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    description = graphene.String()
    versions = graphene.List(graphene.NonNull(ScorecardSchemeVersion), required=True)


def _card_args(subject: str):
    return {f"{subject}_id": graphene.ID(required=True),
            "scheme": graphene.String(description="A scheme id of scorecardSchemes; default station-standard."),
            "as_of": Date(description="Today or a past day; default today.")}


class ScorecardQuery(graphene.ObjectType):
    station_scorecard = graphene.Field(Scorecard, **_card_args("station"),
                                       description="A station's scorecard computed from the read models.")
    contract_scorecard = graphene.Field(Scorecard, **_card_args("contract"),
                                        description="A contract's scorecard over its stations.")
    scorecard_evidence = graphene.Field(
        ScorecardEvidencePage, station_id=graphene.ID(), contract_id=graphene.ID(),
        indicator=graphene.String(required=True), scheme=graphene.String(), as_of=Date(),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="The records behind one indicator of a scorecard (give stationId or contractId).")
    scorecard_schemes = graphene.List(graphene.NonNull(ScorecardScheme), required=True,
                                      description="The indicator schemes scorecards can be computed for.")

    @staticmethod
    def resolve_station_scorecard(root, info, station_id, scheme=None, as_of=None):
        return info.context.service("supervision").scorecard({"station_id": station_id, "scheme": scheme,
                                                               "as_of": as_of})

    @staticmethod
    def resolve_contract_scorecard(root, info, contract_id, scheme=None, as_of=None):
        return info.context.service("supervision").scorecard({"contract_id": contract_id, "scheme": scheme,
                                                               "as_of": as_of})

    @staticmethod
    def resolve_scorecard_evidence(root, info, indicator, first=DEFAULT_PAGE_SIZE, **request):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("supervision").scorecard_evidence(
            {**{k: v for k, v in request.items() if v is not None}, "indicator": indicator, "limit": limit})

    @staticmethod
    def resolve_scorecard_schemes(root, info):
        return info.context.service("supervision").scorecard_schemes()


class RecordScorecardScoreInput(graphene.InputObjectType):
    evaluation_id = graphene.ID(required=True, description="Your running evaluation of the station or contract.")
    station_id = graphene.ID(description="The station scored (or give contractId).")
    contract_id = graphene.ID()
    indicator = graphene.String(required=True, description="An indicator code of the scheme.")
    score = graphene.Float(required=True, description="Your score, 0 to 100.")
    note = graphene.String(required=True, description="Why (1 to 2000 characters).")
    scheme = graphene.String()
    as_of = Date(description="The day of the card you scored; default today.")


class ScorecardMutation(graphene.ObjectType):
    record_scorecard_score = graphene.Field(
        Scorecard, input=RecordScorecardScoreInput(required=True),
        description="An evaluator's own score and note beside a computed indicator; returns the card.")

    @staticmethod
    def resolve_record_scorecard_score(root, info, input):
        return info.context.service("supervision").record_scorecard_score(service_data(input))
