"""Cost declarations of the supervision fields (guards.py: CostModel)."""
from __future__ import annotations

# Usual lengths of lists that take no page argument.
LIST_SIZES = {
    "SupervisionRollup.children": 20,  # cities of the province, counties of a city, townships of a county
    "SupervisionCompliance.byRule": 6,
    "SupervisionCases.byDomain": 6,
    "SupervisionCases.byStage": 6,
    "Query.alertPolicies": 10,
    "Supervisor.assignments": 5,
    "SupervisionSession.followUps": 5,
    "Alert.escalations": 2,
    "ProtectedRollup.children": 20,
    "ProtectedRegionFigures.figures": 50,  # the roll-up's counts of people, one per key
    "SupervisionPlan.versions": 3,
    "SupervisionPlanVersion.targets": 30,  # a few indicators for the county and for each of its stations
    "PlanVersusActual.versions": 3,
    "PlanVersusActual.rows": 30,
    "PlanVersusActualRow.months": 12,
    "SupervisionTrend.months": 12,
    "Scorecard.indicators": 10,
    "ScorecardIndicator.evidence": 20,  # the card carries the first 20 records; scorecardEvidence pages
    "ScorecardIndicator.evaluatorScores": 2,
    "Query.scorecardSchemes": 2,
    "ScorecardScheme.versions": 3,
    "ScorecardSchemeVersion.indicators": 10,
    "ContractOutcome.bySource": 4,  # a contract is funded from a few sources
}

# Lists of leaves and JSON values: the facts behind one alert, a supervisor's stations, a session's
# topics and the problems found.
LEAF_COSTS = {
    "Alert.evidence": 10,
    "Supervisor.currentStationIds": 20,
    "SupervisionSession.topics": 5,
    "SupervisionSession.problems": 30,
    "SupervisionTrendMonth.suppressed": 6,
    "ScorecardSubject.stationIds": 5,
    "ScorecardEvidence.detail": 2,
    "ContractOutcome.stationIds": 5,
    "OutcomeRecord.detail": 2,
}
