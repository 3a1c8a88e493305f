"""Crisis cases: flagged, swept for a missed first contact (once per breach), resolved."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.errors import ConcurrentModification
from services.common.rpc import load
from services.contracts import casework as events

from .. import domain, schemas
from . import access
from .case_changes import crisis_event, save_case
from .context import Casework, actor


def flag_crisis(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.CrisisFlagSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    changes = domain.flag_crisis(case, casework.cipher.encrypt(data["notes"]), actor(viewer), casework.now())
    # From now on the case's notes are the team's only: encrypt the ones written before the flag.
    changes["visits"] = [_sealed(casework, v) for v in case["visits"]]
    changes["services"] = [_sealed(casework, s) for s in case["services"]]
    flagged = {**case, **changes}
    return save_case(casework, viewer, case, data["expected_version"], changes,
                     [crisis_event(viewer, events.CRISIS_FLAGGED, flagged)])


def _sealed(casework: Casework, entry: dict) -> dict:
    if entry.get("notes_encrypted") is not None or not entry.get("notes"):
        return entry
    return {**entry, "notes": None, "notes_encrypted": casework.cipher.encrypt(entry["notes"])}


def resolve_crisis(casework: Casework, viewer: Viewer, case_id: str, data: dict) -> dict:
    data = load(schemas.CrisisResolveSchema, data)
    case = access.case_for_write(casework, viewer, case_id)
    changes = domain.resolve_crisis(case, data["note"], actor(viewer), casework.now())
    return save_case(casework, viewer, case, data["expected_version"], changes)


def sweep_crisis_contacts(casework: Casework, viewer: Viewer) -> list[str]:
    """Record each crisis whose first contact is overdue, once, with `crisis.contact_overdue`."""
    now = casework.now()
    marked = []
    for case in casework.repo.cases.awaiting_contact_past(now):
        if not domain.crisis_contact_overdue(case, now):
            continue
        changes = domain.mark_contact_overdue(case, now)
        try:
            casework.repo.cases.update(case["_id"], case["_version"], changes,
                                       [crisis_event(viewer, events.CRISIS_CONTACT_OVERDUE, case, now)])
        except ConcurrentModification:  # changed meanwhile (perhaps the contact): next sweep decides
            continue
        marked.append(case["_id"])
    return marked
