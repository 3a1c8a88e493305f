"""The read models, each a kernel Projection: caught up from its producers' event history at start,
then fed live events. The large ones (stations, staff, households, cases, visits, needs) are sharded by
township (services/common/sharded_projections.py: one document per township, each with its positions);
the small ones keep state and position in one document (`projections` collection, `_id` = name).
Every read model that links records to a household also folds `consent.withdrawn` (folds.consent_withdrawn)."""
from __future__ import annotations

from services.common.projections import Projection
from services.common.sharded_projections import ShardedProjection
from services.contracts import casework as casework
from services.contracts import funding as funding
from services.contracts import registry as registry
from services.contracts import volunteers as volunteers

from .domain import folds, outcome_folds, scorecard_folds

STATIONS, STAFF, HOUSEHOLDS, CASES, VISITS, NEEDS = "stations", "staff", "households", "cases", "visits", "needs"
HOURS, EVALUATIONS, MONEY = "volunteer_hours", "evaluations", "contract_money"

FOLDS = {
    STATIONS: [(registry.STATION_REGISTERED, folds.station_registered),
               (registry.STATION_UPDATED, folds.station_updated),
               (registry.COMPLIANCE_CHANGED, folds.compliance_changed)],
    STAFF: [(registry.STAFF_JOINED, folds.staff_joined), (registry.STAFF_LEFT, folds.staff_left),
            (registry.QUALIFICATION_RECORDED, folds.qualification_recorded),
            (registry.TRAINING_RECORDED, folds.training_recorded)],
    HOUSEHOLDS: [(casework.HOUSEHOLD_REGISTERED, folds.household_registered),
                 (casework.NEEDS_ASSESSED, folds.needs_assessed),
                 (casework.CONSENT_WITHDRAWN, folds.consent_withdrawn)],
    CASES: [(casework.CASE_OPENED, folds.case_opened), (casework.CASE_STAGE_CHANGED, folds.case_stage_changed),
            (casework.CASE_CLOSED, folds.case_closed), (casework.CRISIS_FLAGGED, folds.crisis_flagged),
            (casework.CRISIS_CONTACT_OVERDUE, folds.crisis_contact_overdue),
            (casework.VISIT_LOGGED, folds.first_contact), (casework.CONSENT_WITHDRAWN, folds.consent_withdrawn)],
    VISITS: [(casework.VISIT_LOGGED, folds.visit_logged), (casework.CONSENT_WITHDRAWN, folds.consent_withdrawn)],
    NEEDS: [(casework.NEEDS_ASSESSED, folds.needs_in_archive), (volunteers.SERVICE_DELIVERED, folds.need_served),
            (volunteers.NEED_UNMET, folds.need_reported_unmet), (casework.CONSENT_WITHDRAWN, folds.consent_withdrawn)],
    HOURS: [(volunteers.HOURS_APPROVED, scorecard_folds.hours_approved)],
    EVALUATIONS: [(funding.CONTRACT_AWARDED, scorecard_folds.contract_awarded),
                  (funding.CONTRACT_AMENDED, scorecard_folds.contract_amended),
                  (funding.EVALUATION_COMMISSIONED, scorecard_folds.evaluation_commissioned),
                  (funding.EVALUATION_COMPLETED, scorecard_folds.evaluation_completed)],
    MONEY: [(funding.CONTRACT_AWARDED, outcome_folds.contract_awarded),
            (funding.CONTRACT_AMENDED, outcome_folds.contract_amended),
            (funding.FUNDING_COMMITTED, outcome_folds.funding_committed),
            (funding.CONTRACT_CLOSED, outcome_folds.contract_closed),
            (funding.DISBURSEMENT_MADE, outcome_folds.disbursement_made),
            (funding.DISBURSEMENT_FLAGGED, outcome_folds.disbursement_flagged),
            (funding.DISBURSEMENT_FLAG_RESOLVED, outcome_folds.disbursement_flag_resolved)],
}
NAMES = tuple(FOLDS)
SHARDED = (STATIONS, STAFF, HOUSEHOLDS, CASES, VISITS, NEEDS)


def projection(name: str) -> Projection:
    return ShardedProjection(name, FOLDS[name]) if name in SHARDED else Projection(name, FOLDS[name])


def producers_of(name: str) -> set[str]:
    return {contract.producer for contract, _ in FOLDS[name]}
