"""A random but reproducible history of registry, casework and volunteers events over a few townships,
as the producers' logs would hold it (per producer, sequences from 1), for comparing read-model designs."""
from __future__ import annotations

import random
from datetime import date, timedelta

from services.common.events import Envelope
from services.contracts.registry import COMPLIANCE_RULES
from services.contracts.vocabulary import DOMAINS, STAGES
from services.supervision import projections

TOWNSHIPS = ("321181001", "321181002", "321181003", "321102001", "321102002", "321202001")
COUNTIES = ("321181", "321102", "321202")
STATUSES = ("met", "not_met", "at_risk", "unknown")


def _day(rng: random.Random, start: date = date(2025, 1, 1), days: int = 540) -> str:
    return (start + timedelta(days=rng.randrange(days))).isoformat()


def history(seed: int = 7, households: int = 60) -> dict[str, list[tuple[int, Envelope]]]:
    """Producer → [(sequence, envelope)] in log order."""
    rng = random.Random(seed)
    logs: dict[str, list[tuple[int, Envelope]]] = {"registry": [], "casework": [], "volunteers": []}

    def emit(producer: str, type_: str, payload: dict, at: str | None = None) -> None:
        log = logs[producer]
        moment = at or f"{_day(rng)}T0{rng.randrange(10)}:00:00Z"
        log.append((len(log) + 1, Envelope(id=f"{producer}-{len(log) + 1}", type=type_, version=1,
                                           occurred_at=moment, producer=producer, correlation_id="c",
                                           causation_id=None, actor=None, payload=payload)))

    stations = {}
    for n, township in enumerate(TOWNSHIPS):
        for k in range(2):
            station = f"ST{township}{k}"
            stations[station] = township
            emit("registry", "station.registered", {"station_id": station, "township_code": township,
                                                    "status": rng.choice(("operating", "operating", "suspended"))})
            emit("registry", "station.compliance_changed", {
                "station_id": station, "region_code": township, "status": rng.choice(STATUSES),
                "as_of": _day(rng), "rules": {r: {"status": rng.choice((*STATUSES, "on_track")), "since": "x"}
                                              for r in COMPLIANCE_RULES}})
            for s in range(2):
                staff = f"sf{n}{k}{s}"
                emit("registry", "staff.joined", {"staff_id": staff, "station_id": station, "region_code": township,
                                                  "role": "social_worker", "professional": rng.random() < 0.4,
                                                  "employment_start": _day(rng, date(2024, 1, 1), 600)})
                emit("registry", "staff.training_recorded", {"staff_id": staff, "station_id": station,
                                                             "date": _day(rng, date(2026, 1, 1), 150),
                                                             "hours": 4.0, "year_total_hours": 2.5 * rng.randrange(20)})
                if rng.random() < 0.3:
                    emit("registry", "staff.qualification_recorded", {"staff_id": staff, "station_id": station,
                                                                      "kind": "k", "level": "l", "professional": True})
                if rng.random() < 0.2:
                    emit("registry", "staff.left", {"staff_id": staff, "station_id": station,
                                                    "region_code": township, "employment_end": _day(rng)})
    station_ids = sorted(stations)
    for h in range(households):
        station = rng.choice(station_ids)
        base = {"station_id": station, "township_code": stations[station]}
        household = f"hh{h}"
        emit("casework", "household.registered", {**base, "household_id": household, "registered_on": _day(rng)})
        for a in range(rng.randrange(3)):
            emit("casework", "needs.assessed", {**base, "household_id": household, "assessed_on": _day(rng),
                                                "needs": [{"need_id": f"nd{h}.{a}", "domain": rng.choice(DOMAINS),
                                                           "need_type": "t", "severity": "s"}]})
            if rng.random() < 0.4:
                emit("volunteers", "service.delivered", {**base, "need_id": f"nd{h}.{a}", "delivered_on": _day(rng)})
            if rng.random() < 0.3:
                emit("volunteers", "need.unmet", {**base, "need_id": f"nd{h}.{a}", "reason": "none"})
        if rng.random() < 0.6:
            case, domain, opened = f"c{h}", rng.choice(DOMAINS), _day(rng)
            emit("casework", "case.opened", {**base, "case_id": case, "household_id": household, "domain": domain,
                                             "opened_on": opened})
            emit("casework", "case.stage_changed", {"case_id": case, "station_id": station, "domain": domain,
                                                    "to_stage": rng.choice(STAGES[1:-1])})
            if rng.random() < 0.3:
                flagged = f"{opened}T03:00:00Z"
                emit("casework", "crisis.flagged", {**base, "case_id": case, "domain": domain, "flagged_at": flagged,
                                                    "contact_due_at": f"{opened}T23:00:00Z"})
                if rng.random() < 0.5:
                    emit("casework", "crisis.contact_overdue", {**base, "case_id": case, "domain": domain,
                                                                "flagged_at": flagged,
                                                                "contact_due_at": f"{opened}T23:00:00Z",
                                                                "detected_at": f"{opened}T23:30:00Z"})
            if rng.random() < 0.5:
                closed = max(opened, _day(rng))
                emit("casework", "case.closed", {**base, "case_id": case, "domain": domain, "opened_on": opened,
                                                 "closed_on": closed, "outcome": "resolved"})
        else:
            case = None
        for v in range(rng.randrange(4)):
            emit("casework", "visit.logged", {**base, "visit_id": f"v{h}.{v}", "household_id": household,
                                              "case_id": case if rng.random() < 0.5 else None,
                                              "visited_on": _day(rng)})
        if rng.random() < 0.05:
            emit("casework", "consent.withdrawn", {"household_id": household, "consent_id": "co", "person_id": "p",
                                                   "purposes": ["archive"], "withdrawn_on": _day(rng),
                                                   "matching_need_ids": []})
    return logs


def folded_whole(logs: dict[str, list[tuple[int, Envelope]]]) -> dict[str, dict]:
    """Every sharded read model's state as one document would hold it: each producer's log folded in
    order, producer after producer (as a catch-up does)."""
    states: dict[str, dict] = {}
    for name in projections.SHARDED:
        handlers = {contract.name: fold for contract, fold in projections.FOLDS[name]}
        state: dict = {}
        for producer in sorted(projections.producers_of(name)):
            for _, envelope in logs[producer]:
                if envelope.type in handlers:
                    state = handlers[envelope.type](state, envelope)
        states[name] = state
    return states
