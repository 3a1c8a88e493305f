"""Third-party evaluation: indicator schemes and evaluations with their scores."""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.funding.enums import EvaluationStatus, EvaluationSubjectKind
from gateway.schema.funding.types.common import DateRange, SupportingDocument
from gateway.schema.funding.types.contracts import Contract
from gateway.schema.registry.loaders import stations_by_ids
from gateway.schema.registry.types import Organisation, Station
from gateway.schema.scalars import Date, DateTime


class Indicator(graphene.ObjectType):
    code = graphene.String(required=True)
    title = graphene.String(required=True)
    category = graphene.String(required=True)
    weight = graphene.Int(required=True, description="Share of the 100-point total.")
    max_score = graphene.Int(required=True)
    guidance = graphene.String()


class Grade(graphene.ObjectType):
    name = graphene.String(required=True)
    min_total = graphene.Float(required=True)


class IndicatorScheme(graphene.ObjectType):
    """Weighted indicators (weights add up to 100) and grade thresholds: data, not code."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    region_code = graphene.String(required=True)
    description = graphene.String()
    indicators = graphene.List(graphene.NonNull(Indicator), required=True)
    grades = graphene.List(graphene.NonNull(Grade), required=True, description="Highest first.")
    categories = graphene.List(graphene.NonNull(graphene.String), required=True)
    version = graphene.Int(required=True)


class EvaluationScheme(graphene.ObjectType):
    """The scheme as it was when the evaluation was commissioned (later edits do not change it)."""
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    indicators = graphene.List(graphene.NonNull(Indicator), required=True)
    grades = graphene.List(graphene.NonNull(Grade), required=True)


class EvaluationSubject(graphene.ObjectType):
    kind = EvaluationSubjectKind(required=True)
    id = graphene.ID(required=True)


class IndicatorScore(graphene.ObjectType):
    indicator = graphene.String(required=True)
    score = graphene.Float(required=True)
    comment = graphene.String(required=True)
    evidence = graphene.List(graphene.NonNull(SupportingDocument), required=True)
    by = graphene.String(required=True)
    at = DateTime(required=True)

    @staticmethod
    def resolve_evidence(score, info):
        return score.get("evidence") or []


class Evaluation(graphene.ObjectType):
    """A third-party evaluation a county commissioned for a station or a contract. The evaluators
    named score each indicator; completing it gives the total and the grade, which can gate a
    milestone's payment."""
    id = graphene.ID(required=True)
    subject = graphene.Field(EvaluationSubject, required=True)
    contract_id = graphene.ID()
    contract = graphene.Field(Contract)
    station_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    stations = graphene.List(graphene.NonNull(Station))
    region_code = graphene.String(required=True)
    scheme = graphene.Field(EvaluationScheme, required=True)
    evaluator = graphene.Field(Organisation, required=True)
    evaluator_user_ids = graphene.List(graphene.NonNull(graphene.String), required=True)
    period = graphene.Field(DateRange)
    due_on = Date(required=True)
    commissioned_on = Date(required=True)
    status = EvaluationStatus(required=True)
    scores = graphene.List(graphene.NonNull(IndicatorScore), required=True)
    total = graphene.Float(description="Weighted total out of 100, once completed.")
    grade = graphene.String()
    summary = graphene.String()
    completed_on = Date()
    version = graphene.Int(required=True, description="Pass as expectedVersion when scoring or completing.")

    @staticmethod
    def resolve_contract(evaluation, info):
        contract_id = evaluation.get("contract_id")
        return loader(info, "funding.contracts").load(contract_id) if contract_id else None

    @staticmethod
    def resolve_stations(evaluation, info):
        return stations_by_ids(info, evaluation["station_ids"])
