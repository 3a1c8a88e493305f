"""Cost declarations of the volunteers fields (guards.py: CostModel)."""
from __future__ import annotations

LEAF_COSTS = {
    "Query.resourceDirectory": 500, "Query.volunteerCatalogue": 20,
    "Query.resourceReviewsOverdue": 500,  # every overdue resource of a region, by station
    "UnmetReason.refusals": 20, "MatchProposal.detail": 10, "VolunteerCertificateIssued.content": 20,
    "Volunteer.skills": 20, "Volunteer.domains": 6, "VolunteerTeam.domains": 6, "CommunityResource.domains": 6,
    "CharityRestrictions.domains": 6,  # at most one of each value
    "VolunteerTeam.memberIds": 500, "TeamTrainingSession.attendeeIds": 500, "TeamSupervisionRecord.followUps": 200,
    "ResourceService.needTypes": 40, "ResourceEligibility.beneficiaryGroups": 20,
    "CharityRestrictions.beneficiaryGroups": 20, "MatchNeed.beneficiaryGroups": 20, "MatchProposal.reasons": 10,
    "VolunteersAccessEntry.fields": 20,
}

LIST_SIZES = {
    "Query.charityDistributions": 50,  # what one household received
    "Volunteer.availability": 5,
    "Volunteer.training": 3,
    "Volunteer.certificates": 2,
    "Volunteer.hours": 10,
    "Volunteer.teams": 2,
    "Volunteer.tasks": 3,
    "VolunteerTeam.members": 10,
    "VolunteerTeam.trainingSessions": 3,
    "VolunteerTeam.supervisionRecords": 3,
    "CommunityResource.services": 3,
    "CommunityResource.reviews": 2,
    "ResourceService.openingHours": 5,
    "CharityStock.lots": 5,
    "CharityStock.donations": 5,
    "CharityDistribution.lots": 2,
    "MatchNeed.proposals": 5,
    "MatchNeed.tasks": 2,
    "MatchNeed.distributions": 2,
    "UnmetNeedsRollup.byRegion": 20,
    "UnmetNeedsRollup.byDomain": 10,
    "UnmetNeedsRollup.byNeedType": 10,
}
