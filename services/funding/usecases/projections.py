"""Projections of events: other services' facts funding keeps (station staffing from the registry, activity
from casework and volunteers), and its own funding positions repaired from its own events."""
from __future__ import annotations

from collections.abc import Callable

from services.common.events import Envelope
from services.funding import contracts as contract_rules
from services.funding import staffing

from .context import Funding


def project_staff_joined(context: Funding, event: Envelope) -> None:
    _merge_staffing(context, event, staffing.staff_joined)


def project_staff_left(context: Funding, event: Envelope) -> None:
    _merge_staffing(context, event, staffing.staff_left)


def project_qualification(context: Funding, event: Envelope) -> None:
    _merge_staffing(context, event, staffing.qualification_recorded)


def project_compliance(context: Funding, event: Envelope) -> None:
    _merge_staffing(context, event, staffing.compliance_changed)


def _merge_staffing(context: Funding, event: Envelope, change: Callable[[dict, dict, str], dict]) -> None:
    """The registry's fact applied to the station's staffing projection, dated when it happened."""
    context.repo.merge_staffing(event.payload["station_id"], lambda doc: change(doc, event.payload, event.occurred_at))


def project_activity(context: Funding, event_id: str, kind: str, payload: dict, on: str, hours: float = 0,
                     volunteer: bool = False) -> None:
    """One row per activity event, keyed by the event id (recording it again changes nothing)."""
    context.repo.record_activity(_activity_row(event_id, kind, payload, on, hours, volunteer))


# the payload field that dates each kind of activity event
ACTIVITY_DATES = {"service_delivered": "delivered_on", "needs_assessed": "assessed_on", "visit_logged": "visited_on",
                  "case_closed": "closed_on"}


def activity_records(kind: str, events: list[Envelope]) -> dict[str, dict]:
    """A batch of activity events of one kind, one row each, made from the event alone: the batched consumer
    returns them and the kernel writes them keyed by the event id, so each row is its event's inbox record
    (services/common/batching.EventRecords)."""
    return {event.id: _activity_event_row(kind, event) for event in events}


def _activity_event_row(kind: str, event: Envelope) -> dict:
    payload = event.payload
    if kind == "service_delivered":
        return _activity_row(event.id, kind, payload, payload["delivered_on"], payload["hours"],
                             payload["delivered_by"]["kind"] == "volunteer")
    return _activity_row(event.id, kind, payload, payload[ACTIVITY_DATES[kind]])


def _activity_row(event_id: str, kind: str, payload: dict, on: str, hours: float = 0, volunteer: bool = False) -> dict:
    return {"_id": event_id, "kind": kind, "station_id": payload["station_id"],
            "township_code": payload["township_code"], "date": on, "year": int(on[:4]),
            "household_id": payload.get("household_id"), "hours_tenths": round(hours * 10),
            "volunteer": volunteer, "domain": payload.get("domain")}


def sync_positions(context: Funding, contract_id: str) -> None:
    """Bring a contract's funding positions up to date (after a crash between the contract's write
    and the positions' save, the contract's own events arrive here and repair them)."""
    contract = context.repo.contracts.get(contract_id)
    if contract is not None:
        context.repo.save_positions(contract_rules.positions(contract))
