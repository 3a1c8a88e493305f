"""The gateway's enums derive from the vocabularies in services/contracts: none lists its values by hand,
except those whose vocabulary has no contract tuple yet (the list below may only shrink)."""
from __future__ import annotations

import ast
from pathlib import Path

from graphql import GraphQLEnumType

from gateway.schema import schema

ROOT = Path(__file__).resolve().parents[2]

# Values still spelled in the gateway until their owners add the tuple to services/contracts.
AWAITING_CONTRACTS = {
    "Sex", "ReferralStatus", "ReferralAnswer", "SharingBasisKind", "ApprovalDecision", "CrisisState", "PlanStatus",
    "ClosureRequestStatus", "HouseholdStatus", "ArchiveVersionKind", "DuplicateReason", "DuplicateFlagStatus",
    "CaseSubject",  # casework
    "VolunteerStatus", "BackgroundCheckResult", "VolunteerHoursStatus", "VolunteerTeamStatus", "ResourceCategory",
    "ResourceStatus", "DonationKind", "DonorKind", "MatchCandidateKind", "MatchProposalState",
    "MatchTaskStatus",  # volunteers
    "AwardCriteria",  # funding
    "QualificationKind",  # registry
    "EventLogService",  # the services that keep an event log
}


def listed_by_hand() -> set[str]:
    names = set()
    for path in ROOT.glob("gateway/schema/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Attribute) and base.attr == "Enum" for base in node.bases):
                names.add(node.name)  # a class body lists its values
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vocabulary_enum"
                  and isinstance(name := node.args[0], ast.Constant) and isinstance(node.args[1], ast.Tuple)
                  and all(isinstance(item, ast.Constant) for item in node.args[1].elts)):
                names.add(str(name.value))  # values spelled out in the call
    return names


def test_no_enum_lists_its_values_by_hand_unless_its_vocabulary_is_awaited():
    assert listed_by_hand() <= AWAITING_CONTRACTS, listed_by_hand() - AWAITING_CONTRACTS


def test_the_awaited_list_names_enums_that_exist_and_shrinks_when_they_move():
    enums = {name for name, kind in schema.graphql_schema.type_map.items() if isinstance(kind, GraphQLEnumType)}
    assert enums >= AWAITING_CONTRACTS
    assert listed_by_hand() == AWAITING_CONTRACTS, "an enum moved to a contract vocabulary: drop it from the list"


def test_the_analysis_sees_a_hand_listed_enum():
    assert "Sex" in listed_by_hand()
