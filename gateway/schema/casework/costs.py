"""Cost declarations of casework's fields (guards.py: CostModel)."""
from __future__ import annotations

LEAF_COSTS = {
    "Household.groups": 16, "Person.tags": 16, "CampaignCriteria.tagsAny": 16, "Consent.purposes": 4,
    "Person.mergedFrom": 10, "ArchiveVersion.withheldFromMatching": 40, "AssessedNeed.personIds": 30,
    "CaseAssessment.needIds": 40, "CasePlan.goals": 20, "Visit.staffIds": 10, "Visit.otherParticipants": 20,
    "ServiceRecord.staffIds": 10, "ServiceRecord.needIds": 40, "CaseworkAccessEntry.fields": 20,
    "HealthDetails.conditions": 20, "HouseholdImportPayload.householdIds": 200,
}

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
# Lists of records inside a record also take an optional `first`, which the estimate uses instead.
LIST_SIZES = {
    "Case.crisisBreaches": 5, "HouseholdImportPayload.refused": 200,
    "Household.members": 4,
    "Household.consents": 3,
    "Household.archiveHistory": 3,
    "Household.cases": 3,
    "Household.visits": 10,
    "ArchiveVersion.needs": 5,
    "Case.plans": 2,
    "Case.transitions": 8,
    "Case.assignments": 2,
    "Case.visits": 10,
    "Case.services": 10,
    "Case.referrals": 3,
    "CasePlan.interventions": 3,
    "Referral.history": 3,
    "DuplicateFlagEntry.flags": 2,
    "DuplicateFlag.matches": 2,
    "CampaignHousehold.persons": 2,
    "CampaignProgress.byStation": 20,
    "ArchiveOverdueSummary.stations": 20,
    "CaseSummary.stations": 20,
    "RevealedCaseNotes.crisisNotes": 2,
    "RevealedCaseNotes.visits": 10,
    "RevealedCaseNotes.services": 10,
    "Station.caseload": 10,
    "RosterImport.columns": 9,
    "RosterMapping.columns": 9,
}
