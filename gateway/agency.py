"""What an agency client's token may ask of the GraphQL endpoint, checked before anything runs.

An agency client (role `agency`, services/common/agency.py) is another body's system, not a user of the
platform: it may call only the root fields listed here, a mutation only when its client's scopes name the
mutation's scope. Anything else is refused with OUT_OF_SCOPE naming the field, before any service is called
(the services check the same scopes again: defence in depth). Another root field for agencies is added here
with the scope it needs (None: any agency client).

Every call of an agency client is logged, refusals included: `record_calls` writes one access-log entry per root
field asked for (answered, refused by this guard or by a service, or failed) through casework, whose access log
holds the agency's referral reads (services/casework/usecases/agency_calls.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from services.common.errors import OutOfScope, PermissionDenied

from .errors import format_error, log_unexpected

# Root field → the mutation scope it needs (None: every agency client may ask).
AGENCY_ROOT_FIELDS: dict[str, str | None] = {
    "__typename": None,
    "agencyReferrals": None,
    "answerAgencyReferral": "answer_referral",
    # The progress of a roster import the client started (POST /rosters/<source>/imports, gateway/rosters_http.py).
    "rosterImport": "import_roster",
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


# The codes of a service's refusal (its own check of the client's scopes); other errors are failures.
REFUSAL_CODES = frozenset({OutOfScope.code, PermissionDenied.code})


def calls_of(operation: OperationDefinitionNode, document: DocumentNode, refused: GraphQLError | None = None,
             errors: list[GraphQLError] | None = None) -> list[dict]:
    """What to log of one request: each root field (but `__typename`) and how it went. A refused request ran
    nothing: its refused field carries the refusal, the others say they did not run because of it."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    failures: dict[str, dict] = {}
    for error in errors or []:
        if error.path and isinstance(error.path[0], str):
            failures.setdefault(error.path[0], format_error(error))
    calls: list[dict] = []
    for field in root_fields(operation.selection_set, fragments):
        name = field.name.value
        if name == "__typename":
            continue
        if refused is not None:
            culprit = (refused.extensions or {}).get("field")
            calls.append({"field": name, "outcome": "refused", "code": OutOfScope.code, "reason": (
                refused.message if culprit == name else f"not run: {culprit} was refused in the same request")[:300]})
            continue
        failure = failures.get(field.alias.value if field.alias else name)
        if failure is None:
            calls.append({"field": name, "outcome": "answered", "reason": "", "code": None})
            continue
        code = failure.get("extensions", {}).get("code")
        calls.append({"field": name, "outcome": "refused" if code in REFUSAL_CODES else "failed",
                      "reason": str(failure.get("message", ""))[:300], "code": code})
    return calls


def record_calls(viewer: Viewer, clients: Mapping[str, Any], calls: list[dict]) -> None:
    """Write an agency client's calls to the access log. The answer is already decided; a log that cannot be
    written is an operator's alarm (the error log), not the client's error."""
    casework = clients.get("casework")
    if not viewer.is_agency or not calls or casework is None:
        return
    try:
        casework.record_agency_calls(viewer.to_dict(), calls)
    except Exception as exc:  # noqa: BLE001 - the refusal or answer stands; the missing entry is reported
        log_unexpected(exc, where="agency call log")
