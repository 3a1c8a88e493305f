"""The volunteers service's enums, derived from its vocabularies (services/contracts/vocabulary.py)."""
from __future__ import annotations

from gateway.schema.base import UNDESCRIBED, vocabulary_enum
from services.contracts import vocabulary

VolunteerSkill = vocabulary_enum("VolunteerSkill", vocabulary.SKILLS, description=UNDESCRIBED)
VolunteerStatus = vocabulary_enum("VolunteerStatus", ("active", "paused", "left"), description=UNDESCRIBED)
BackgroundCheckResult = vocabulary_enum("BackgroundCheckResult", ("passed", "failed"),
                                        description="A passed check (无犯罪记录) is needed for child-related matches.")
VolunteerHoursStatus = vocabulary_enum("VolunteerHoursStatus", ("pending", "approved", "rejected"),
                                       description=UNDESCRIBED)
VolunteerTeamStatus = vocabulary_enum("VolunteerTeamStatus", ("active", "dissolved"), description=UNDESCRIBED)
_KIND_NAMES = ", ".join(f"{kind} {name}" for kind, name in vocabulary.RESOURCE_KINDS.items())
ResourceKind = vocabulary_enum("ResourceKind", vocabulary.RESOURCE_KINDS,
                               description=f"Kinds of the resource library: {_KIND_NAMES}.")
ResourceCategory = vocabulary_enum("ResourceCategory", ("organisation", "facility"), description=UNDESCRIBED)
ResourceStatus = vocabulary_enum("ResourceStatus", ("active", "closed"), description=UNDESCRIBED)
ResourceReviewOutcome = vocabulary_enum("ResourceReviewOutcome", vocabulary.REVIEW_OUTCOMES,
                                        description="An entry of a resource's review history; "
                                                    "the first is its registration.")
ResourceReviewDecision = vocabulary_enum("ResourceReviewDecision", vocabulary.REVIEW_DECISIONS,
                                         description="What a yearly review concludes.")
CharityItemCategory = vocabulary_enum("CharityItemCategory", vocabulary.ITEM_CATEGORIES, description=UNDESCRIBED)
DonationKind = vocabulary_enum("DonationKind", ("money", "goods"), description=UNDESCRIBED)
DonorKind = vocabulary_enum("DonorKind", ("individual", "organisation", "anonymous"), description=UNDESCRIBED)
MatchNeedStatus = vocabulary_enum("MatchNeedStatus", vocabulary.NEED_STATUSES, description=UNDESCRIBED)
MatchCandidateKind = vocabulary_enum("MatchCandidateKind", ("volunteer", "resource", "charity"),
                                     description=UNDESCRIBED)
MatchProposalState = vocabulary_enum("MatchProposalState", ("proposed", "accepted", "declined", "withdrawn"),
                                     description=UNDESCRIBED)
MatchTaskStatus = vocabulary_enum("MatchTaskStatus", ("open", "completed", "cancelled"), description=UNDESCRIBED)
