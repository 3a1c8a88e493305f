"""The fan-out baseline of the province dashboard (issue 11, "Tests and benchmark"): the same figures as
supervision's roll-ups, computed the way a platform without the supervision service would, by asking the
source services over RPC and counting with services/supervision/domain/figures.py.

One description, two representations, so the baseline counts the same records the read models hold:
- registry: the stations and staff bench_gateway.build_province writes in bulk are the description;
  `registry_events` turns them into the events the registry would have published (the read models fold
  those), the running registry answers from the documents themselves;
- casework: the households, archives, cases and visits bench_province.history generates as events are
  the description; `write_casework_sources` builds casework's documents from those very events with
  casework's own domain functions and repository (bulk inserts), and the real casework service answers
  from them (its event log is served from the same events, as the stand-in did).

The fan-out reads what `shegong projections check` reads (services/supervision/usecases/checks.py
`_source_view`): the paged listings (stations with their staff and compliance in one page, households,
cases) and the batch RPC of visits per household, each at the listings' maximum page size. Volunteers and
funding are not asked: no dashboard figure comes from them.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from nameko.rpc import rpc

from services.casework import domain as casework_domain
from services.casework import schemas as casework_schemas
from services.casework.service import CaseworkService
from services.casework.storage import INDEXES as CASEWORK_INDEXES
from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework
from services.casework.usecases.households import prepare_household
from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.demo_identities import resident_id_number
from services.common.events import Envelope
from services.common.rpc import load
from services.common.rpc_client import KernelRpcClient
from services.common.storage import aggregate_document
from services.contracts.qualifications import is_professional
from services.registry.storage import STATIONS
from services.supervision.domain.alerts import policy_in_force
from services.supervision.domain.figures import ReadModels, rollup
from services.supervision.domain.folds import utc_text
from services.supervision.domain.periods import period_of
from services.supervision.domain.regions import region_key
from services.supervision.domain.suppression import protect
from services.supervision.usecases.access import figure_scope
from services.supervision.usecases.privacy import works_in_county_of

PAGE = 500  # the largest page the registry's and casework's listings accept
BATCH = 100  # household ids per visits_for_households call, as the read-model check asks
WRITE_BATCH = 1000
STATION_INCLUDE = ["staff", "staff.professional", "staff.employment_start", "staff.employment_end",
                   "staff.training_hours_this_year", "compliance"]
NEED_TYPE = "home_visit"  # the generated history names no catalogue need type; no figure reads it


# --- the registry's events from its documents --------------------------------------------------------
def registry_events(db, today: date) -> Iterator[tuple[str, dict]]:
    """(type, payload) of what the registry publishes for each stored station: registered, its compliance
    evaluation, each staff member joining and each training record with the year's total so far."""
    for station in db[STATIONS].find({}, sort=[("_id", 1)]):
        sid, township = station["_id"], station["township_code"]
        yield "station.registered", {"station_id": sid, "township_code": township, "status": station["status"]}
        compliance = station.get("compliance")
        if compliance:
            yield "station.compliance_changed", {"station_id": sid, "region_code": township,
                                                 "status": compliance["status"], "as_of": today.isoformat(),
                                                 "rules": compliance["rules"]}
        for member in station.get("staff", []):
            yield "staff.joined", {"staff_id": member["staff_id"], "station_id": sid, "region_code": township,
                                   "role": member["role"], "professional": is_professional(member, today),
                                   "employment_start": member["employment_start"]}
            totals: dict[str, float] = {}
            for record in sorted(member.get("training", []), key=lambda r: r["date"]):
                year = record["date"][:4]
                totals[year] = totals.get(year, 0.0) + record["hours"]
                yield "staff.training_recorded", {"staff_id": member["staff_id"], "station_id": sid,
                                                  "date": record["date"], "hours": record["hours"],
                                                  "year_total_hours": totals[year]}


# --- casework's documents from the generated casework events ----------------------------------------
@dataclass
class _Writer:
    casework: Casework
    today: date
    households: dict[str, dict] = field(default_factory=dict)
    cases: dict[str, dict] = field(default_factory=dict)
    serial: int = 0

    def apply(self, event: Envelope) -> None:
        p, at = event.payload, clock.parse_timestamp(event.occurred_at)
        if event.type == "household.registered":
            self.households[p["household_id"]] = self._household(p)
        elif event.type == "needs.assessed":
            self._assess(self.households[p["household_id"]], p, at)
        elif event.type == "case.opened":
            household = self.households[p["household_id"]]
            data = {"opened_on": date.fromisoformat(p["opened_on"]), "domain": p["domain"], "source": "outreach",
                    "summary": "入户走访发现需求", "assigned_staff_id": f"stf_{p['township_code']}_0"}
            self.cases[p["case_id"]] = casework_domain.new_case(
                data, household, p["case_id"], casework_domain.Actor("bench-worker", "station_staff"), at,
                self.today)
        elif event.type == "case.closed":
            self._close(self.cases[p["case_id"]], p, at)
        elif event.type == "visit.logged":
            self._visit(self.households[p["household_id"]], p, at)

    def _household(self, p: dict) -> dict:
        code = p["township_code"]
        self.serial += 1
        birth = date(1940, 1, 1) + timedelta(days=self.serial % 20000)
        row = {"station_id": p["station_id"], "community_code": f"{code}201", "community_name": "某某村",
               "address": "某某村1组1号", "registered_on": p["registered_on"],
               "members": [{"name": "王建国", "relationship": "head",
                            "id_number": resident_id_number(code[:6], birth, self.serial), "tags": []}]}
        data = load(casework_schemas.HouseholdInputSchema, row)
        station = {"_id": p["station_id"], "township_code": code, "status": "operating"}
        household, _, _ = prepare_household(self.casework, SYSTEM, data, station, self.today, "registration")
        household["_id"] = p["household_id"]  # the id the events carry, so both sides name the same record
        return household

    def _assess(self, household: dict, p: dict, at: datetime) -> None:
        data = {"assessed_on": date.fromisoformat(p["assessed_on"]), "assessor_staff_id": "bench-worker",
                "needs": [{"domain": n["domain"], "need_type": NEED_TYPE, "severity": "medium",
                           "description": "独居老人，需要定期探访"} for n in p["needs"]]}
        version = casework_domain.new_archive_version(
            household, data, f"as{p['household_id']}", [n["need_id"] for n in p["needs"]],
            {"by": "bench-worker", "role": "station_staff"}, at, self.today)
        household["archive"] = [*household["archive"], version]
        household.update({"last_assessed_on": version["assessed_on"], "risk_level": version["risk_level"]})
        household["review_due_on"] = casework_domain.review_due_on(household)

    def _close(self, case: dict, p: dict, at: datetime) -> None:
        worker, lead = (casework_domain.Actor(u, "station_staff") for u in ("bench-worker", "bench-lead"))
        case.update(casework_domain.request_closure(case, {"reason": "goals_achieved", "outcome": "achieved"},
                                                    worker, at))
        case.update(casework_domain.decide_closure(case, "approved", None, lead, at,
                                                   date.fromisoformat(p["closed_on"])))

    @staticmethod
    def _visit(household: dict, p: dict, at: datetime) -> None:
        # The stored shape of a household visit (casework usecases/visits.py _new_visit).
        household["visits"].append(clock.jsonable({
            "visit_id": p["visit_id"], "household_id": household["_id"], "case_id": p["case_id"],
            "campaign_id": None, "visit_type": "home", "visited_on": p["visited_on"],
            "contact_at": clock.timestamp(at), "duration_minutes": 30, "staff_ids": [], "other_participants": [],
            "next_visit_on": None, "recorded_at": clock.timestamp(at), "recorded_by": "bench-worker"}))


def write_casework_sources(events: list[Envelope]) -> tuple[int, int]:
    """Casework's households (with their archive and visits) and cases, built from `events` and inserted in
    bulk through the repository; returns (households, cases) written."""
    db = storage.database("casework")
    storage.ensure_indexes(db, CASEWORK_INDEXES)
    repo = CaseworkRepository(db)
    writer = _Writer(Casework(repo), clock.today())
    for event in events:
        writer.apply(event)
    for store, docs in ((repo.households, list(writer.households.values())), (repo.cases, list(writer.cases.values()))):
        for start in range(0, len(docs), WRITE_BATCH):
            existing = store.insert_many([aggregate_document(d) for d in docs[start:start + WRITE_BATCH]])
            assert not existing, f"already stored: {sorted(existing)[:3]}"
    return len(writer.households), len(writer.cases)


def casework_service(events: list[Envelope]):
    """The real casework service, its event log served from the generated events (the documents were written
    in bulk, so its own log is empty) and its sweeps off (they read every case: not what is measured)."""

    class BenchCasework(CaseworkService):
        @rpc
        def events_since(self, viewer, position, limit=200):
            found = events[position:position + limit]
            items = [{"sequence": position + 1 + n, "envelope": e.to_dict()} for n, e in enumerate(found)]
            return {"producer": "casework", "items": items, "head": len(events)}

        def sweep_crisis_contacts(self):
            return None

        def sweep_referral_expiry(self):
            return None

        def work_on_roster_imports(self):
            return None

    return BenchCasework


# --- the fan-out -----------------------------------------------------------------------------------------
class _Counted:
    """RPC calls through the standalone client, counted."""

    def __init__(self, client: KernelRpcClient):
        self.client, self.calls = client, 0

    def call(self, service: str, method: str, *args):
        self.calls += 1
        return getattr(getattr(self.client, service), method)(*args)

    def pages(self, service: str, method: str, viewer: dict, filters: dict, *more) -> list[dict]:
        items: list[dict] = []
        after = None
        while True:
            page = self.call(service, method, viewer, {**filters, "limit": PAGE, **({"after": after} if after else {})},
                             *more)
            items.extend(page["items"])
            after = page.get("next_cursor")
            if not after:
                return items


def _episodes(case: dict) -> list[dict]:
    crisis = case.get("crisis")
    if not crisis or not crisis.get("flagged_at"):
        return []
    return [{"station": case["station_id"], "township": case["township_code"], "domain": case["domain"],
             "flagged_at": utc_text(crisis["flagged_at"]), "due_at": utc_text(crisis["contact_due_at"]),
             "first_contact_at": utc_text(crisis["first_contact_at"]) if crisis.get("first_contact_at") else None}]


def source_models(rpc: _Counted, viewer: dict, code: str, today: date) -> ReadModels:
    """What figures.py counts, read from the registry and casework over RPC for the region `code`."""
    models = ReadModels()
    year = str(today.year)
    for station in rpc.pages("registry", "list_stations", viewer, {"region": code}, STATION_INCLUDE):
        compliance = station.get("compliance") or {}
        # A listed station is registered; the listing says since when it has its status, not since when
        # it exists, and no earlier day matters to figures read as of today.
        models.stations[station["id"]] = {
            "township": station["township_code"], "status": station["status"],
            "registered_on": station["status_since"], "compliance": compliance.get("status"),
            "rules": {rule: result["status"] for rule, result in compliance.get("rules", {}).items()}}
        for member in station["staff"]:
            models.staff[member["id"]] = {
                "station": station["id"], "township": station["township_code"],
                "professional": member["professional"], "joined": member["employment_start"],
                "left": member.get("employment_end"), "training": {year: member["training_hours_this_year"]}}
    households = rpc.pages("casework", "list_households", viewer, {"region": code})
    for h in households:
        last = (h.get("archive") or {}).get("last_assessed_on")
        models.households[h["id"]] = {"station": h["station_id"], "township": h["township_code"],
                                      "registered_on": h["registered_on"], "assessed_on": [last] if last else []}
    for case in rpc.pages("casework", "list_cases", viewer, {"region": code}):
        closed_on = (case.get("closure") or {}).get("closed_on") if case["stage"] == "closed" else None
        models.cases[case["id"]] = {"station": case["station_id"], "township": case["township_code"],
                                    "household": case["household_id"], "domain": case["domain"],
                                    "stage": case["stage"], "opened_on": case["opened_on"], "closed_on": closed_on}
        if _episodes(case):
            models.crisis[case["id"]] = _episodes(case)
    where = {h["id"]: h for h in households}
    ids = list(where)
    for start in range(0, len(ids), BATCH):
        for household_id, visits in rpc.call("casework", "visits_for_households", viewer,
                                             ids[start:start + BATCH]).items():
            for visit in visits:
                models.visits[visit["id"]] = {"station": where[household_id]["station_id"],
                                              "township": where[household_id]["township_code"],
                                              "household": household_id, "case": visit.get("case_id"),
                                              "visited_on": visit["visited_on"]}
    return models


@dataclass
class FanOut:
    result: dict  # figures.rollup's {"region", "children"}, with names and levels
    protected: dict  # suppression.protect of it
    calls: int
    seconds: float


def fan_out(client: KernelRpcClient, viewer: Viewer, region: str) -> FanOut:
    """The dashboard's two answers (the roll-up and the protected roll-up of `region` with its children)."""
    started, rpc_ = time.perf_counter(), _Counted(client)
    today, key, caller = clock.today(), region_key(region), viewer.to_dict()
    tree = rpc_.call("registry", "regions_under", caller, key.code)
    names = {r["code"]: r for r in tree}
    children = [r["code"] for r in tree if r["parent_code"] == key.code]
    townships = [r["code"] for r in tree if r["level"] == "township"]
    models = source_models(rpc_, caller, key.code, today)
    result = rollup(models, key, townships, [region_key(c).prefix for c in children], period_of(today), today,
                    figure_scope(viewer, key))
    for figures in (result["region"], *result["children"]):
        info = names.get(figures["region_code"], {})
        figures.update({"name": info.get("name"), "level": info.get("level")})
    # Without supervision there are no local threshold policies: the default one.
    threshold = policy_in_force([], key.code, today).small_count_threshold
    protected = protect(result, threshold, lambda township: works_in_county_of(viewer, township))
    return FanOut(result, protected, rpc_.calls, time.perf_counter() - started)


# --- the fan-out's figures against the dashboard's answer ------------------------------------------------
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _same(ours, theirs) -> bool:
    if isinstance(ours, float) or isinstance(theirs, float):
        return ours is not None and theirs is not None and abs(float(ours) - float(theirs)) < 1e-6
    if isinstance(ours, str) and isinstance(theirs, str):
        return ours.lower() == theirs.lower()  # enum values come back upper-case through GraphQL
    return ours == theirs


def mismatches(ours, theirs, path: str = "") -> list[str]:
    """Every field the dashboard's answer (`theirs`, GraphQL names) shows where the fan-out (`ours`,
    snake_case) differs; fields the fan-out lacks count as differences too."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{path}: fan-out {ours!r}, dashboard {theirs!r}"]
        found = []
        by_camel = {_camel(k): v for k, v in ours.items()}
        for name, value in theirs.items():
            if name not in by_camel:
                found.append(f"{path}.{name}: missing from the fan-out")
            else:
                found.extend(mismatches(by_camel[name], value, f"{path}.{name}"))
        return found
    if isinstance(theirs, list):
        if not isinstance(ours, list) or len(ours) != len(theirs):
            return [f"{path}: fan-out {ours!r}, dashboard {theirs!r}"]
        return [m for n, (a, b) in enumerate(zip(ours, theirs, strict=True)) for m in mismatches(a, b, f"{path}[{n}]")]
    return [] if _same(ours, theirs) else [f"{path}: fan-out {ours!r}, dashboard {theirs!r}"]


def compare(fanned: FanOut, body: dict) -> list[str]:
    """The fan-out's figures against the dashboard's GraphQL answer for the same region."""
    data = body["data"]
    ours = {**fanned.result["region"], "children": fanned.result["children"]}
    return [*mismatches(ours, data["supervisionRollup"], "supervisionRollup"),
            *mismatches(fanned.protected, data["supervisionProtectedRollup"], "supervisionProtectedRollup")]


def report(settings, region: str, body: dict, dashboard: list[float], repeat: int) -> list[FanOut]:
    """Run the fan-out `repeat` times as the dashboard's caller (a province official), print its p50/p95, RPC
    calls and ratio to the dashboard's p50 (`dashboard`: its warm samples), and every figure that differs."""
    from bench.common import percentile, summary_ms

    viewer = Viewer("bench", "province", "320000")
    with KernelRpcClient(uri=settings.amqp_uri, timeout=600) as client:
        runs = [fan_out(client, viewer, region) for _ in range(repeat)]
    seconds = [r.seconds for r in runs]
    print(f"  fan-out baseline (registry + casework over RPC, figures.py): {summary_ms(seconds)}, "
          f"{runs[0].calls} RPC calls per query")
    print(f"  fan-out / dashboard (p50): {percentile(seconds, 0.5) / percentile(dashboard, 0.5):.0f}x")
    found = compare(runs[-1], body)
    print(f"  fan-out figures against the dashboard's: {'equal' if not found else f'{len(found)} differences'}")
    for line in found[:40]:
        print(f"    {line}")
    return runs
