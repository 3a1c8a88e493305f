"""The fan-out baseline of bench_province (bench/province_fanout.py) counts what the read models count.

The registry's stations and staff are written through its use cases, casework's documents are built from a
generated casework history; the fan-out then reads both through the services' own listing and batch use
cases (as its RPC calls would) and must give exactly the figures that supervision's folds of the same
events give. A fan-out that lost a record, a date or a stage would differ here, not only in the benchmark."""
from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from bench import province_fanout
from services.casework.storage import INDEXES as CASEWORK_INDEXES
from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework, case_reads
from services.casework.usecases import households as household_reads
from services.casework.usecases import visits as visit_reads
from services.common import clock
from services.common.auth import SYSTEM, Viewer
from services.common.events import Envelope
from services.registry.storage import INDEXES as REGISTRY_INDEXES
from services.registry.storage import STATIONS, RegistryRepository, load_reference_data
from services.registry.usecases import Registry, regions, staff, stations
from services.supervision.domain.alerts import policy_in_force
from services.supervision.domain.figures import ReadModels, rollup
from services.supervision.domain.periods import period_of
from services.supervision.domain.regions import region_key
from services.supervision.domain.suppression import protect
from services.supervision.projections import FOLDS
from services.supervision.usecases.access import figure_scope
from services.supervision.usecases.privacy import works_in_county_of
from tests.support.memory_store import memory_database
from tests.support.registry_fixtures import staff_input, station_input

COUNTY = "321181"
TOWNSHIPS = {"321181001": "云阳街道", "321181002": "曲阿街道"}
PROVINCE_OFFICIAL = Viewer("bench", "province", "320000")


def _envelope(type_: str, payload: dict) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), type=type_, version=1, occurred_at="2026-05-05T02:00:00Z",
                    producer="casework", correlation_id="c", causation_id=None, actor=None, payload=payload)


def casework_history() -> list[Envelope]:
    """Nine households in two townships: archives old and fresh, cases open and closed, visits."""
    found = []
    for n in range(9):
        code = list(TOWNSHIPS)[n % 2]
        base = {"household_id": f"hh{n}", "station_id": f"ST{code}", "township_code": code}
        found.append(_envelope("household.registered", {**base, "registered_on": "2025-01-01"}))
        if n % 4:
            found.append(_envelope("needs.assessed", {
                **base, "assessed_on": ("2025-03-01", "2026-03-01")[n % 2],
                "needs": [{"need_id": f"nd{n}", "domain": "elderly", "need_type": "t", "severity": "s"}]}))
        if n % 3 == 0:
            case = {**base, "case_id": f"c{n}", "domain": ("elderly", "children")[n % 2],
                    "opened_on": f"2026-0{1 + n % 5}-0{1 + n}"}
            found.append(_envelope("case.opened", case))
            if n % 2 == 0:
                found.append(_envelope("case.closed", {**case, "closed_on": "2026-06-01", "outcome": "resolved"}))
        for v in range(n % 3):
            found.append(_envelope("visit.logged", {**base, "visit_id": f"v{n}-{v}", "case_id": None,
                                                    "visited_on": f"2026-0{4 + v}-0{1 + n}"}))
    return found


@pytest.fixture
def registry() -> Registry:
    db = memory_database("registry", REGISTRY_INDEXES)
    load_reference_data(db)
    context = Registry(RegistryRepository(db))
    for index, (code, name) in enumerate(TOWNSHIPS.items()):
        station = stations.register_station(context, SYSTEM, station_input(code, township_name=name))
        for n in range(2 + index):
            after = staff.add_staff(context, SYSTEM, station["id"], staff_input(10 * index + n, professional=n == 0))
            member = after["staff"][-1] if "staff" in after else \
                staff.staff_for_stations(context, SYSTEM, [station["id"]])[station["id"]][-1]
            staff.record_training(context, SYSTEM, station["id"], member["id"], {
                "expected_version": after["version"], "date": f"{clock.today().year}-01-01", "hours": 4 + n,
                "topic": "个案工作实务", "provider": "镇江市民政局"})
    return context


@pytest.fixture
def casework(monkeypatch) -> Casework:
    db = memory_database("casework", CASEWORK_INDEXES)
    monkeypatch.setattr(province_fanout.storage, "database", lambda name: db)
    return Casework(CaseworkRepository(db))


class _Service:
    """A source service as the fan-out's RPC client reaches it: each method its use case, viewer first."""

    def __init__(self, context, methods: dict):
        self.context, self.methods = context, methods

    def __getattr__(self, name):
        return lambda viewer, *args: self.methods[name](self.context, Viewer.from_dict(viewer), *args)


def client(registry: Registry, casework: Casework) -> SimpleNamespace:
    return SimpleNamespace(
        registry=_Service(registry, {"regions_under": regions.regions_under, "list_stations": stations.list_stations}),
        casework=_Service(casework, {"list_households": household_reads.list_households,
                                     "list_cases": case_reads.list_cases,
                                     "visits_for_households": visit_reads.visits_for_households}))


def folded(events) -> ReadModels:
    """The read models as supervision's folds make them of the same events."""
    folds = {contract.name: [] for pairs in FOLDS.values() for contract, _ in pairs}
    for pairs in FOLDS.values():
        for contract, fold in pairs:
            folds[contract.name].append(fold)
    state: dict = {}
    for event in events:
        for fold in dict.fromkeys(folds.get(event.type, [])):
            state = fold(state, event)
    return ReadModels(**{k: state.get(k, {}) for k in ("stations", "staff", "households", "cases", "crisis",
                                                         "visits")})


def test_the_fan_out_counts_exactly_what_the_folds_of_the_same_records_count(registry, casework):
    history = casework_history()
    assert province_fanout.write_casework_sources(history) == (9, 3)
    today = clock.today()
    registry_history = [_envelope(t, p) for t, p in province_fanout.registry_events(registry.repo.db, today)]
    assert [e.type for e in registry_history].count("staff.joined") == 5

    fanned = province_fanout.fan_out(client(registry, casework), PROVINCE_OFFICIAL, COUNTY)

    key = region_key(COUNTY)
    tree = [r["code"] for r in regions.regions_under(registry, SYSTEM, COUNTY)]
    townships = [c for c in tree if len(c) == 9]
    expected = rollup(folded([*registry_history, *history]), key, townships, townships, period_of(today), today,
                      figure_scope(PROVINCE_OFFICIAL, key))
    strip = [{k: v for k, v in f.items() if k not in ("name", "level")}
             for f in (fanned.result["region"], *fanned.result["children"])]
    assert strip == [expected["region"], *expected["children"]]
    county = fanned.result["region"]
    assert county["households"]["registered"] == 9 and county["cases"]["closed"] == 2
    assert county["visits"]["count"] == 9 and county["staff"]["count"] == 5
    assert county["stations"]["registered"] == 2 and county["compliance"]["unknown"] < 2
    threshold = policy_in_force([], key.code, today).small_count_threshold
    assert fanned.protected == protect(fanned.result, threshold, lambda t: works_in_county_of(PROVINCE_OFFICIAL, t))
    # one call each: the tree, a page of stations, of households, of cases, one batch of visits
    assert fanned.calls == 5


def test_stored_stations_become_the_events_the_registry_publishes(registry):
    doc = registry.repo.db[STATIONS].find_one({"_id": "ST321181002"})
    found = list(province_fanout.registry_events(registry.repo.db, clock.today()))
    ours = [(t, p) for t, p in found if p["station_id"] == "ST321181002"]
    assert [t for t, _ in ours][:2] == ["station.registered", "station.compliance_changed"]
    assert ours[1][1]["status"] == doc["compliance"]["status"]
    joined = [p for t, p in ours if t == "staff.joined"]
    assert [p["professional"] for p in joined] == [True, False, False]
    totals = [p["year_total_hours"] for t, p in ours if t == "staff.training_recorded"]
    assert totals == [4, 5, 6]


def test_a_figure_that_differs_from_the_dashboard_is_reported_not_hidden():
    ours = {"households": {"registered": 9, "archive_freshness": 0.5}, "by_rule": [{"rule": "venue_area"}]}
    assert province_fanout.mismatches(ours, {"households": {"registered": 9, "archiveFreshness": 0.5},
                                             "byRule": [{"rule": "VENUE_AREA"}]}) == []
    found = province_fanout.mismatches(ours, {"households": {"registered": 10, "neverAssessed": 1},
                                              "byRule": []})
    assert found == [".households.registered: fan-out 9, dashboard 10",
                     ".households.neverAssessed: missing from the fan-out",
                     ".byRule: fan-out [{'rule': 'venue_area'}], dashboard []"]
