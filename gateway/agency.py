"""What an agency client's token may ask of the GraphQL endpoint, checked before anything runs.

An agency client (role `agency`, services/common/agency.py) is another body's system, not a user of the
platform: it may call only the root fields listed here, a mutation only when its client's scopes name the
mutation's scope. Anything else is refused with OUT_OF_SCOPE naming the field, before any service is called
(the services check the same scopes again: defence in depth). Another root field for agencies is added here
with the scope it needs (None: any agency client)."""
from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from services.common.agency import AgencyScopes
from services.common.auth import Viewer
from services.common.errors import OutOfScope

# Root field → the mutation scope it needs (None: every agency client may ask).
AGENCY_ROOT_FIELDS: dict[str, str | None] = {
    "__typename": None,
    "agencyReferrals": None,
    "answerAgencyReferral": "answer_referral",
}


def root_fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
                seen: frozenset[str] = frozenset()) -> list[FieldNode]:
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found += root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                found += root_fields(fragment.selection_set, fragments, seen | {selection.name.value})
    return found


def refusal(viewer: Viewer, operation: OperationDefinitionNode, document: DocumentNode) -> GraphQLError | None:
    """None when the agency client may run the operation; else the error that refuses it."""
    if not viewer.is_agency:
        return None
    scopes = AgencyScopes.of(viewer)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for field in root_fields(operation.selection_set, fragments):
        name = field.name.value
        if name not in AGENCY_ROOT_FIELDS:
            return _refused(field, f"an agency client may not ask for {name}", name)
        needed = AGENCY_ROOT_FIELDS[name]
        if needed is not None and needed not in scopes.mutations:
            return _refused(field, f"this agency client's scopes do not include mutation:{needed}", name)
    return None


def _refused(field: FieldNode, message: str, name: str) -> GraphQLError:
    return GraphQLError(message, [field], extensions={"code": OutOfScope.code, "field": name})
