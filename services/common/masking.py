"""One masking policy: for each field that returns personal data, the roles that read it in clear.

Every path that returns such a field goes through `shown(field, viewer, value)`, so a field reached through
another query (a station under a household, a volunteer's name inside a match proposal) is masked exactly like
the field itself. Anyone else gets the masked form; unmasking beyond the policy is a reasoned, logged reveal.
Keys are the GraphQL `Type.field` the value is returned as, so the security tests enumerate them from the schema.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .auth import ADMIN, AGENCY, CITY, COUNTY, EVALUATOR, PROVINCE, PUBLIC, ROLES, STATION_STAFF, Viewer
from .protection import mask_name, mask_phone


class Rule(NamedTuple):
    clear_to: frozenset[str]
    mask: Callable[[str | None], str | None]


# Civil-affairs staff and station staff work with the people behind these fields; a third-party evaluator
# assesses the service, not the people, and the public sees only disclosed data. An agency's client receives
# personal data only through its own referral view, field by field as its scopes and the person's consent allow.
WORKING_ROLES = frozenset(ROLES) - {EVALUATOR, PUBLIC, AGENCY}
# A township coordinator's mobile reaches those who administer stations, not supervisors or evaluators.
STATION_ADMINISTRATION = frozenset({ADMIN, PROVINCE, CITY, COUNTY, STATION_STAFF})



def withheld(value: str | None) -> None:
    """For values with no useful partial form (an address): nothing at all."""
    return None


POLICY: dict[str, Rule] = {
    "Coordinator.phone": Rule(STATION_ADMINISTRATION, mask_phone),
    "Volunteer.name": Rule(WORKING_ROLES, mask_name),
    "MatchProposal.candidateName": Rule(WORKING_ROLES, mask_name),
    "MatchTask.candidateName": Rule(WORKING_ROLES, mask_name),
    "Supervisor.name": Rule(WORKING_ROLES, mask_name),
    "SupervisionFollowUp.owner": Rule(WORKING_ROLES, mask_name),
    # Households: the people, where they live, who consented for them, who served them.
    "Person.name": Rule(WORKING_ROLES, mask_name),
    "Household.headName": Rule(WORKING_ROLES, mask_name),
    "Household.address": Rule(WORKING_ROLES, withheld),
    "ConsentGiver.name": Rule(WORKING_ROLES, mask_name),
    "ServiceDeliverer.name": Rule(WORKING_ROLES, mask_name),
    # A private donor (an organisation donor's name is disclosed; see volunteers' lot_view).
    "CharityDonor.name": Rule(WORKING_ROLES, mask_name),
    # Bidders' people: the organisation is disclosed, its contact person and leaders are not.
    "BidContact.name": Rule(WORKING_ROLES, mask_name),
    "BidLeader.name": Rule(WORKING_ROLES, mask_name),
}


def sees_in_clear(field: str, viewer: Viewer) -> bool:
    return viewer.role in POLICY[field].clear_to


def shown(field: str, viewer: Viewer, value: str | None) -> str | None:
    """`value` as `viewer` may read it under the policy for `field`."""
    rule = POLICY[field]
    return value if viewer.role in rule.clear_to else rule.mask(value)
