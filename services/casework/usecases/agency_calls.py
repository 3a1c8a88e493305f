"""Every GraphQL call of an agency's client, answered or refused, as entries of the access log.

The referrals an agency's client is shown and its answers are logged where they happen (agency_referrals.py),
one entry per referral. This is the other half: one entry per root field the client asked for, written by the
gateway after it answered or refused the call — refusals included, those of its guard (OUT_OF_SCOPE before
anything runs, which reach no service otherwise) and those of a service checking the scopes again. The entries
sit in casework's access log, the log the agency's referral reads are in, under the client id (`user_id`), the
agency (`agency_id`) and the agency's region, so the county that sees the agency's reads sees its refusals too."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import PermissionDenied, ValidationFailed
from services.common.rpc import load

from .. import schemas
from .context import Casework

MAX_CALLS = 50  # root fields of one request; the gateway's guards bound them far below this


def record_agency_calls(casework: Casework, viewer: Viewer, calls: list[dict]) -> int:
    """`calls`: [{field, outcome: answered | refused | failed, reason, code}] of one request of the viewer, an
    agency's client. Returns how many entries were written."""
    if not viewer.is_agency:
        raise PermissionDenied("only an agency client's own calls are recorded as agency calls")
    if not isinstance(calls, list) or len(calls) > MAX_CALLS:
        raise ValidationFailed.field("calls", f"a list of at most {MAX_CALLS} calls")
    loaded = [load(schemas.AgencyCallSchema, call) for call in calls]
    for call in loaded:
        casework.repo.access_log.record(
            viewer, action="agency_call", subject_type="agency_call", subject_id=call["field"], fields=[],
            reason=call["reason"], station_id=None, region_code=viewer.region or "", agency_id=viewer.agency_id or "",
            outcome=call["outcome"], **({"code": call["code"]} if call["code"] else {}))
    return len(loaded)
