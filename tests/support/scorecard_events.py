"""Producers' events for scorecard tests, folded through the supervision service's own folds, so the read
models hold exactly what the projections would after those events (nothing hand-written)."""
from __future__ import annotations

from datetime import UTC, datetime

from services.common.events import new_event, read_event
from services.common.projections import PROJECTIONS
from services.contracts import casework, funding, registry, volunteers
from services.supervision import projections
from services.supervision.domain.figures import ReadModels

TOWNSHIP, OTHER_TOWNSHIP = "321181001", "321102001"
STATION, OTHER_STATION = f"ST{TOWNSHIP}", f"ST{OTHER_TOWNSHIP}"


def event(contract, payload: dict, at: str = "2026-03-01T02:00:00+00:00"):
    """An envelope as a consumer receives it (validated and upcast by read_event)."""
    sent = new_event(contract, payload, correlation_id="test", occurred_at=datetime.fromisoformat(at).astimezone(UTC))
    return read_event(sent.to_dict(), contract)


def station(station_id: str = STATION, township: str = TOWNSHIP):
    return event(registry.STATION_REGISTERED, {
        "station_id": station_id, "name": "社工站", "township_code": township, "status": "operating",
        "legal_form": "operated_by_organisation", "operator_credit_code": None, "county_code": township[:6],
        "city_code": township[:4] + "00"}, "2024-01-05T02:00:00+00:00")


def staff(staff_id: str, joined: str, professional: bool = False, station_id: str = STATION):
    return event(registry.STAFF_JOINED, {"staff_id": staff_id, "station_id": station_id,
                                         "region_code": station_id[2:], "name": "王某", "role": "social_worker",
                                         "professional": professional, "employment_start": joined})


def staff_left(staff_id: str, left: str, station_id: str = STATION):
    return event(registry.STAFF_LEFT, {"staff_id": staff_id, "station_id": station_id,
                                       "region_code": station_id[2:], "employment_end": left})


def training(staff_id: str, day: str, hours: float, year_total: float, station_id: str = STATION):
    return event(registry.TRAINING_RECORDED, {"staff_id": staff_id, "station_id": station_id, "date": day,
                                              "hours": hours, "year_total_hours": year_total})


def household(household_id: str, registered_on: str, station_id: str = STATION):
    return event(casework.HOUSEHOLD_REGISTERED, {
        "household_id": household_id, "station_id": station_id, "township_code": station_id[2:],
        "community_code": station_id[2:] + "201", "member_count": 1, "groups": [], "registered_on": registered_on,
        "source": "registration"})


def assessed(household_id: str, day: str, station_id: str = STATION):
    return event(casework.NEEDS_ASSESSED, {
        "assessment_id": f"asm-{household_id}-{day}", "household_id": household_id, "station_id": station_id,
        "township_code": station_id[2:], "community_code": None, "assessed_on": day, "risk_level": "low",
        "supersedes": None, "needs": []})


def case_opened(case_id: str, household_id: str, opened_on: str, station_id: str = STATION):
    return event(casework.CASE_OPENED, {
        "case_id": case_id, "household_id": household_id, "person_id": None, "station_id": station_id,
        "township_code": station_id[2:], "domain": "elderly", "source": "outreach", "assigned_staff_id": "stf-1",
        "opened_on": opened_on})


def case_closed(case_id: str, opened_on: str, closed_on: str, station_id: str = STATION):
    return event(casework.CASE_CLOSED, {
        "case_id": case_id, "station_id": station_id, "township_code": station_id[2:], "domain": "elderly",
        "reason": "goals_met", "outcome": "resolved", "opened_on": opened_on, "closed_on": closed_on,
        "approved_by": "stf-9"})


def visit(visit_id: str, household_id: str, day: str, case_id: str | None = None, contact_at: str | None = None,
          station_id: str = STATION):
    return event(casework.VISIT_LOGGED, {
        "visit_id": visit_id, "household_id": household_id, "case_id": case_id, "campaign_id": None,
        "station_id": station_id, "township_code": station_id[2:], "visit_type": "home_visit", "visited_on": day,
        "duration_minutes": 30, "staff_ids": ["stf-1"], "contact_at": contact_at})


def crisis(case_id: str, flagged_at: str, due_at: str, station_id: str = STATION):
    return event(casework.CRISIS_FLAGGED, {
        "case_id": case_id, "station_id": station_id, "township_code": station_id[2:], "domain": "children",
        "assigned_staff_id": "stf-1", "flagged_at": flagged_at, "contact_due_at": due_at})


def hours(volunteer_id: str, amount: float, at: str, station_id: str = STATION):
    return event(volunteers.HOURS_APPROVED, {
        "volunteer_id": volunteer_id, "station_id": station_id, "township_code": station_id[2:],
        "entry_ids": ["e1"], "hours": amount, "total_approved_hours": amount}, at)


def contract_awarded(contract_id: str, station_ids: list[str], region: str = "321181"):
    return event(funding.CONTRACT_AWARDED, {
        "contract_id": contract_id, "tender_id": "tdr-1", "operator_name": "某社工机构",
        "operator_credit_code": "52321181MJ0000000X", "station_ids": station_ids, "region_code": region,
        "period_start": "2026-01-01", "period_end": "2026-12-31", "amount_fen": 100, "promised_professional_staff": 3})


def commissioned(evaluation_id: str, evaluators: list[str], start: str | None, end: str | None,
                 station_ids: list[str] | None = None, contract_id: str | None = None, due_on: str = "2026-12-31"):
    stations = station_ids if station_ids is not None else [STATION]
    return event(funding.EVALUATION_COMMISSIONED, {
        "evaluation_id": evaluation_id, "subject_kind": "contract" if contract_id else "station",
        "subject_id": contract_id or stations[0], "region_code": stations[0][2:] if not contract_id else "321181",
        "evaluator_name": "江苏某评估中心", "evaluator_credit_code": "52320000MJ0000000X", "scheme_id": "sch-1",
        "due_on": due_on, "contract_id": contract_id, "station_ids": stations, "evaluator_user_ids": evaluators,
        "period_start": start, "period_end": end, "commissioned_on": start})


def fold_into(models: ReadModels | None, events: list) -> ReadModels:
    """The read models after folding `events` in order (each through every read model that follows it)."""
    states = _states(models or ReadModels())
    for envelope in events:
        for name, handlers in projections.FOLDS.items():
            for contract, apply in handlers:
                if contract.name == envelope.type and name in states:  # contract money: outcome_events.py
                    states[name] = apply(states[name], envelope)
    return _models(states)


def seed(context, events: list) -> None:
    """Fold `events` into the context's stored read models, as the projections would."""
    models = fold_into(context.repo.read_models(), events)
    for name, state in _states(models).items():
        context.repo.db[PROJECTIONS].replace_one({"_id": name}, {"_id": name, "state": state, "positions": {}},
                                                 upsert=True)


def _states(m: ReadModels) -> dict[str, dict]:
    return {projections.STATIONS: {"stations": m.stations}, projections.STAFF: {"staff": m.staff},
            projections.HOUSEHOLDS: {"households": m.households},
            projections.CASES: {"cases": m.cases, "crisis": m.crisis}, projections.VISITS: {"visits": m.visits},
            projections.NEEDS: {"needs": m.needs}, projections.HOURS: {"hours": m.hours},
            projections.EVALUATIONS: {"contracts": m.contracts, "evaluations": m.evaluations}}


def _models(states: dict[str, dict]) -> ReadModels:
    return ReadModels(stations=states[projections.STATIONS]["stations"], staff=states[projections.STAFF]["staff"],
                      households=states[projections.HOUSEHOLDS]["households"],
                      cases=states[projections.CASES]["cases"], crisis=states[projections.CASES]["crisis"],
                      visits=states[projections.VISITS]["visits"], needs=states[projections.NEEDS]["needs"],
                      hours=states[projections.HOURS]["hours"],
                      contracts=states[projections.EVALUATIONS]["contracts"],
                      evaluations=states[projections.EVALUATIONS]["evaluations"])
