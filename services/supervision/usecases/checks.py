"""Checking a read model against its source services over RPC (`shegong projections check NAME`)."""
from __future__ import annotations

from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.common.errors import NotFound

from .. import projections
from ..domain import checks, need_checks, outcome_checks
from ..outcome_storage import contract_money
from . import Supervision
from .access import require_administrator

PAGE = 200
BATCH = 100
CHECKABLE = projections.NAMES
# Read models of funding's and volunteers' events, compared with views of their own (domain/outcome_checks.py).
FED_BY_FUNDING_OR_VOLUNTEERS = (projections.HOURS, projections.EVALUATIONS, projections.MONEY)


def check_read_model(supervision: Supervision, viewer: Viewer, name: str) -> dict:
    require_administrator(viewer, "read models are checked by administrators")
    if name not in CHECKABLE:
        raise NotFound(f"no read model {name!r} to check", {"name": [f"one of {', '.join(CHECKABLE)}"]})
    today = clock.today()
    # Source first: an event that lands between the two reads then shows up as a difference of the
    # read model being behind, which a second check clears; the other order would hide nothing either.
    if name in FED_BY_FUNDING_OR_VOLUNTEERS:
        source = _funding_or_volunteers_view(supervision, name)
        read_model = _funding_or_volunteers_read_model(supervision, name)
    else:
        source = _source_view(supervision, name)
        models = supervision.repo.read_models()
        source = checks.pseudonymised(name, source, models.withdrawn_households)
        read_model = need_checks.read_model_view(models.needs) if name == projections.NEEDS else \
            checks.read_model_view(name, models, today)
    found = checks.differences(read_model, source)
    return {"name": name, "records": {"read_model": len(read_model), "source": len(source)},
            "positions": supervision.repo.positions().get(name, {}), "differences": found}


def _source_view(supervision: Supervision, name: str) -> dict[str, dict]:
    system = SYSTEM.to_dict()
    registry, casework = supervision.registry, supervision.casework
    if name == "stations":
        return {s["id"]: checks.station_record(s) for s in _pages(registry.list_stations)}
    if name == "staff":
        today = clock.today().isoformat()
        view = {}
        ids = [s["id"] for s in _pages(registry.list_stations)]
        for start in range(0, len(ids), BATCH):
            for members in registry.staff_for_stations(system, ids[start:start + BATCH]).values():
                for member in members:
                    if not member.get("employment_end") or member["employment_end"] > today:
                        view[member["id"]] = checks.staff_record(member)
        return view
    if name == "households":
        return {h["id"]: checks.household_record(h) for h in _pages(casework.list_households)}
    if name == "cases":
        return {c["id"]: checks.case_record(c) for c in _pages(casework.list_cases)}
    if name == projections.NEEDS:
        return _needs_view(supervision)
    view = {}
    ids = [h["id"] for h in _pages(casework.list_households)]
    for start in range(0, len(ids), BATCH):
        for household_id, visits in casework.visits_for_households(system, ids[start:start + BATCH]).items():
            for visit in visits:
                view[visit["id"]] = checks.visit_record(visit, household_id)
    return view


def _needs_view(supervision: Supervision) -> dict[str, dict]:
    """Needs from both of their owners: casework's archive histories, volunteers' deliveries (need_checks.py)."""
    system = SYSTEM.to_dict()
    households = _pages(supervision.casework.list_households)
    ids = [h["id"] for h in households]
    histories: dict[str, list[dict]] = {}
    for start in range(0, len(ids), BATCH):
        histories.update(supervision.casework.archive_history(system, ids[start:start + BATCH]))
    return need_checks.source_view(households, histories, _pages(supervision.volunteers.list_needs))


def _funding_or_volunteers_read_model(supervision: Supervision, name: str) -> dict[str, dict]:
    if name == projections.MONEY:
        return outcome_checks.money_read_model_view(contract_money(supervision.repo.db))
    models = supervision.repo.read_models()
    if name == projections.HOURS:
        return outcome_checks.hours_read_model_view(models.hours)
    return outcome_checks.evaluations_read_model_view(models.contracts, models.evaluations)


def _funding_or_volunteers_view(supervision: Supervision, name: str) -> dict[str, dict]:
    system = SYSTEM.to_dict()
    if name == projections.HOURS:
        ids = [v["id"] for v in _pages(supervision.volunteers.list_volunteers)]
        hours: dict[str, list[dict]] = {}
        for start in range(0, len(ids), BATCH):
            hours.update(supervision.volunteers.hours_for_volunteers(system, ids[start:start + BATCH]))
        return outcome_checks.hours_source_view(hours)
    contracts = _pages(supervision.funding.list_contracts)
    if name == projections.EVALUATIONS:
        return outcome_checks.evaluations_source_view(contracts, _pages(supervision.funding.list_evaluations))
    ids = [c["id"] for c in contracts]
    payments: dict[str, list[dict]] = {}
    for start in range(0, len(ids), BATCH):
        payments.update(supervision.funding.disbursements_for_contracts(system, ids[start:start + BATCH]))
    return outcome_checks.money_source_view(contracts, payments)


def _pages(method) -> list[dict]:
    """Every item of a paged RPC listing, read as the system."""
    items: list[dict] = []
    after = None
    while True:
        page = method(SYSTEM.to_dict(), {"limit": PAGE, **({"after": after} if after else {})})
        items.extend(page["items"])
        after = page.get("next_cursor")
        if not after:
            return items
