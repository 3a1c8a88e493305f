"""The volunteers service's enums, derived from its vocabularies."""
from __future__ import annotations

from gateway.schema.base import vocabulary_enum
from services.contracts.vocabulary import SKILLS
from services.volunteers import domain as vdomain
from services.volunteers import matching

VolunteerSkill = vocabulary_enum("VolunteerSkill", SKILLS)
VolunteerStatus = vocabulary_enum("VolunteerStatus", ("active", "paused", "left"))
BackgroundCheckResult = vocabulary_enum("BackgroundCheckResult", ("passed", "failed"),
                                        description="A passed check (无犯罪记录) is needed for child-related matches.")
VolunteerHoursStatus = vocabulary_enum("VolunteerHoursStatus", ("pending", "approved", "rejected"))
VolunteerTeamStatus = vocabulary_enum("VolunteerTeamStatus", ("active", "dissolved"))
_KIND_NAMES = ", ".join(f"{kind} {name}" for kind, name in vdomain.RESOURCE_KINDS.items())
ResourceKind = vocabulary_enum("ResourceKind", vdomain.RESOURCE_KINDS,
                               description=f"Kinds of the resource library: {_KIND_NAMES}.")
ResourceCategory = vocabulary_enum("ResourceCategory", ("organisation", "facility"))
ResourceStatus = vocabulary_enum("ResourceStatus", ("active", "closed"))
ResourceReviewOutcome = vocabulary_enum("ResourceReviewOutcome", vdomain.REVIEW_OUTCOMES,
                                        description="An entry of a resource's review history; "
                                                    "the first is its registration.")
ResourceReviewDecision = vocabulary_enum("ResourceReviewDecision", vdomain.REVIEW_DECISIONS,
                                         description="What a yearly review concludes.")
CharityItemCategory = vocabulary_enum("CharityItemCategory", matching.ITEM_CATEGORIES)
DonationKind = vocabulary_enum("DonationKind", ("money", "goods"))
DonorKind = vocabulary_enum("DonorKind", ("individual", "organisation", "anonymous"))
MatchNeedStatus = vocabulary_enum("MatchNeedStatus", vdomain.NEED_STATUSES)
MatchCandidateKind = vocabulary_enum("MatchCandidateKind", ("volunteer", "resource", "charity"))
MatchProposalState = vocabulary_enum("MatchProposalState", ("proposed", "accepted", "declined", "withdrawn"))
MatchTaskStatus = vocabulary_enum("MatchTaskStatus", ("open", "completed", "cancelled"))
