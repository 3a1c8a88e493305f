"""The volunteers service's enums, derived from its vocabularies (services/contracts/vocabulary.py)."""
from __future__ import annotations

from gateway.schema.base import UNDESCRIBED, vocabulary_enum
from services.contracts import vocabulary

VolunteerSkill = vocabulary_enum("VolunteerSkill", vocabulary.SKILLS, description=UNDESCRIBED)
VolunteerStatus = vocabulary_enum("VolunteerStatus", vocabulary.VOLUNTEER_STATUSES, description=UNDESCRIBED)
BackgroundCheckResult = vocabulary_enum("BackgroundCheckResult", vocabulary.BACKGROUND_CHECK_RESULTS,
                                        description="A passed check (无犯罪记录) is needed for child-related matches.")
VolunteerHoursStatus = vocabulary_enum("VolunteerHoursStatus", vocabulary.VOLUNTEER_HOURS_STATUSES,
                                       description=UNDESCRIBED)
VolunteerTeamStatus = vocabulary_enum("VolunteerTeamStatus", vocabulary.VOLUNTEER_TEAM_STATUSES,
                                      description=UNDESCRIBED)
_KIND_NAMES = ", ".join(f"{kind} {name}" for kind, name in vocabulary.RESOURCE_KINDS.items())
ResourceKind = vocabulary_enum("ResourceKind", vocabulary.RESOURCE_KINDS,
                               description=f"Kinds of the resource library: {_KIND_NAMES}.")
ResourceCategory = vocabulary_enum("ResourceCategory", vocabulary.RESOURCE_CATEGORIES, description=UNDESCRIBED)
ResourceStatus = vocabulary_enum("ResourceStatus", vocabulary.RESOURCE_STATUSES, description=UNDESCRIBED)
ResourceReviewOutcome = vocabulary_enum("ResourceReviewOutcome", vocabulary.REVIEW_OUTCOMES,
                                        description="An entry of a resource's review history; "
                                                    "the first is its registration.")
ResourceReviewDecision = vocabulary_enum("ResourceReviewDecision", vocabulary.REVIEW_DECISIONS,
                                         description="What a yearly review concludes.")
CharityItemCategory = vocabulary_enum("CharityItemCategory", vocabulary.ITEM_CATEGORIES, description=UNDESCRIBED)
DonationKind = vocabulary_enum("DonationKind", vocabulary.DONATION_KINDS, description=UNDESCRIBED)
DonorKind = vocabulary_enum("DonorKind", vocabulary.DONOR_KINDS, description=UNDESCRIBED)
MatchNeedStatus = vocabulary_enum("MatchNeedStatus", vocabulary.NEED_STATUSES, description=UNDESCRIBED)
MatchCandidateKind = vocabulary_enum("MatchCandidateKind", vocabulary.MATCH_CANDIDATE_KINDS,
                                     description=UNDESCRIBED)
MatchProposalState = vocabulary_enum("MatchProposalState", vocabulary.MATCH_PROPOSAL_STATES,
                                     description=UNDESCRIBED)
MatchTaskStatus = vocabulary_enum("MatchTaskStatus", vocabulary.MATCH_TASK_STATUSES, description=UNDESCRIBED)
