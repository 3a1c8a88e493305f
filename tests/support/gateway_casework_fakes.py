"""A fake casework RPC client for the gateway's unit tests: the casework service's own use cases
(services/casework/usecases/, with its scoping, crisis protection, masking, rules and views) over
casework's own repository on the in-memory store (tests/support/memory_store.py) instead of MongoDB,
plus a record of every call (so batching can be counted).

So the answers have exactly the shapes, errors and scoping of the real service, without a broker or
a store; each call builds a fresh `Casework`, as the nameko service does, and its answer crosses a
JSON round trip, as it does on the wire. The real service is used by the integration tests.

`seeded(n)` builds a platform like the integration tests': casework's copy of the registry's two
stations (丹阳市云阳街道 ST321181001 and 京口区正东路街道 ST321102001) and their staff, `n` assessed elderly
households at 丹阳 each with a case carrying a visit, a service and a referral, a family with a crisis
case (王秀英, assigned to COLLEAGUE), and one household at 京口. `registry_for_casework()` is a
FakeRegistry holding those two stations.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date, timedelta

from pymongo.errors import DuplicateKeyError

from services.casework.storage import INDEXES, CaseworkRepository
from services.casework.usecases import Casework
from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict, NotFound
from services.common.storage import Page, public
from tests.support import casework_fixtures as fx
from tests.support.casework_use_cases import USE_CASES, CaseworkUseCases
from tests.support.gateway_fakes import OTHER_COUNTY, FakeRegistry, _Method, station, token_for
from tests.support.memory_store import memory_database
from tests.support.rpc_surfaces import CaseworkRpc, methods_of

SURFACE = frozenset(methods_of(CaseworkRpc))
STATION, OTHER_STATION = fx.STATION, fx.OTHER_STATION  # 丹阳市云阳街道, 京口区正东路街道
LEAD, WORKER, COLLEAGUE, JINGKOU_WORKER = fx.LEAD, fx.WORKER, fx.COLLEAGUE, "stf_other"


def tokens() -> dict[str, str]:
    """Station staff tokens carry the registry staff id as user_id, as casework expects."""
    return {
        "admin": token_for("admin", user_id="ops"),
        "danyang": token_for("county", user_id="danyang-official", region="321181"),
        "jingkou": token_for("county", user_id="jingkou-official", region="321102"),
        "city": token_for("city", user_id="zhenjiang-official", region="321100"),
        "evaluator": token_for("evaluator", user_id="evaluator-1", region="321181"),
        "supervisor": token_for("supervisor", user_id="supervisor-1", station_ids=[STATION]),
        "lead": token_for("station_staff", user_id=LEAD, station_ids=[STATION]),
        "worker": token_for("station_staff", user_id=WORKER, station_ids=[STATION]),
        "colleague": token_for("station_staff", user_id=COLLEAGUE, station_ids=[STATION]),
        "jingkou_worker": token_for("station_staff", user_id=JINGKOU_WORKER, station_ids=[OTHER_STATION]),
    }


def registry_for_casework() -> FakeRegistry:
    registry = FakeRegistry(stations=1)  # 京口区 ST321102001
    registry.add_station(station(1, OTHER_COUNTY))  # 丹阳市 ST321181001
    registry.calls.clear()
    return registry


# --- a MongoDB query matcher, for the few operators casework uses --------------------------------
_MISSING = object()


def matches(doc: dict, query: dict) -> bool:
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(doc, q) for q in condition):
                return False
        elif key == "$or":
            if not any(matches(doc, q) for q in condition):
                return False
        elif key == "$nor":
            if any(matches(doc, q) for q in condition):
                return False
        elif not _field_matches(doc.get(key, _MISSING), condition):
            return False
    return True


def _field_matches(value, condition) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        return all(_operator(value, op, arg) for op, arg in condition.items())
    return _equal(value, condition)


def _equal(value, wanted) -> bool:
    if value is _MISSING:
        return wanted is None
    if isinstance(value, list) and not isinstance(wanted, list):
        return wanted in value
    return value == wanted


def _operator(value, op: str, arg) -> bool:
    values = [None] if value is _MISSING else (value if isinstance(value, list) else [value])
    if op == "$in":
        return any(v in arg for v in values)
    if op == "$nin":
        return not any(v in arg for v in values)
    if op == "$ne":
        return not _equal(value, arg)
    if op == "$regex":
        return any(isinstance(v, str) and re.search(arg, v) for v in values)
    compare = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b,
               "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b}[op]
    return any(v is not None and type(v) is type(arg) and compare(v, arg) for v in values)


def _sorted(docs: list[dict], sort) -> list[dict]:
    for key, direction in reversed(list(sort or [])):
        docs = sorted(docs, key=lambda d: (d.get(key) is None, 0 if d.get(key) is None else d[key]),
                      reverse=direction < 0)
    return docs


class MemoryStore:
    """AggregateStore's interface over a dict: versions, unique fields, the events kept aside."""

    def __init__(self, label: str, unique: tuple[str, ...] = ()):
        self.label = label
        self.unique = unique
        self.docs: dict[str, dict] = {}
        self.events: list = []

    def _check_unique(self, doc: dict) -> bool:
        return not any(doc.get(field) is not None and other["_id"] != doc["_id"] and other.get(field) == doc[field]
                       for field in self.unique for other in self.docs.values())

    def insert(self, doc: dict, events=(), duplicate_message: str | None = None) -> dict:
        if doc["_id"] in self.docs or not self._check_unique(doc):
            raise Conflict(duplicate_message or f"{self.label} {doc['_id']} already exists")
        stored = {**copy.deepcopy(doc), "_version": 1}
        self.docs[stored["_id"]] = stored
        self.events.extend(events)
        return copy.deepcopy(stored)

    def update(self, doc_id: str, expected_version: int, changes: dict, events=(), unset=()) -> int:
        doc = self.docs.get(doc_id)
        if doc is None:
            raise NotFound(f"unknown {self.label} {doc_id}", {"id": [f"no {self.label} with this id"]})
        if doc["_version"] != expected_version:
            raise ConcurrentModification(f"{self.label} {doc_id} was changed by someone else (expected version "
                                         f"{expected_version}); read it again and retry")
        updated = {**doc, **copy.deepcopy(changes), "_version": expected_version + 1}
        for name in unset:
            updated.pop(name, None)
        if not self._check_unique(updated):
            raise DuplicateKeyError(f"duplicate key in {self.label}")
        self.docs[doc_id] = updated
        self.events.extend(events)
        return expected_version + 1

    def get(self, doc_id: str) -> dict | None:
        return copy.deepcopy(self.docs.get(doc_id))

    def require(self, doc_id: str) -> dict:
        doc = self.get(doc_id)
        if doc is None:
            raise NotFound(f"unknown {self.label} {doc_id}", {"id": [f"no {self.label} with this id"]})
        return doc

    def find(self, filter: dict, sort=None, limit: int = 0, skip: int = 0) -> list[dict]:
        found = _sorted([d for d in self.docs.values() if matches(d, filter)], sort)[skip:]
        return copy.deepcopy(found[:limit] if limit else found)

    def count(self, filter: dict) -> int:
        return sum(1 for d in self.docs.values() if matches(d, filter))

    def insert_many(self, docs: list[dict]) -> set[str]:
        duplicates = set()
        for doc in docs:
            if doc["_id"] in self.docs:
                duplicates.add(doc["_id"])
            else:
                self.docs[doc["_id"]] = copy.deepcopy(public(doc))
        return duplicates

    def page(self, filter: dict, after: str | None, limit: int) -> Page:
        docs = self.find({"$and": [filter, {"_id": {"$gt": after}}]} if after else filter,
                         sort=[("_id", 1)], limit=limit + 1)
        return Page(docs[:limit], docs[limit - 1]["_id"] if len(docs) > limit else None, self.count(filter))


class MemoryCollection:
    """The few collection calls the kernel's AccessLog makes, over a list."""

    def __init__(self):
        self.docs: list[dict] = []

    def insert_one(self, doc: dict) -> None:
        self.docs.append(copy.deepcopy(doc))

    def find(self, query: dict, projection: dict | None = None) -> _MemoryCursor:
        return _MemoryCursor([d for d in self.docs if matches(d, query)])


class _MemoryCursor:
    def __init__(self, docs: list[dict]):
        self.docs = docs

    def sort(self, key, direction: int | None = None) -> _MemoryCursor:
        keys = [(key, direction)] if isinstance(key, str) else list(key)
        docs = list(self.docs)
        for name, order in reversed(keys):  # stable sorts, least significant key first
            docs.sort(key=lambda d, name=name: d[name], reverse=order < 0)
        return _MemoryCursor(docs)

    def skip(self, n: int) -> _MemoryCursor:
        return _MemoryCursor(self.docs[n:])

    def limit(self, n: int) -> list[dict]:
        return copy.deepcopy(self.docs[:n])


# --- the fake client ---------------------------------------------------------------------------
class FakeCasework:
    """Behaves like casework's RPC proxy as the gateway uses it: calls are recorded and counted."""

    def __init__(self):
        self.repo = CaseworkRepository(memory_database("casework", INDEXES))
        self.calls: list[tuple[str, tuple, dict]] = []
        self.failures: dict[str, Exception] = {}
        self.ids: dict[str, str] = {}

    @property
    def service(self) -> CaseworkUseCases:
        """The use cases themselves (for seeding; not counted): a fresh composition, as per RPC call."""
        return CaseworkUseCases(Casework(self.repo))

    def __getattr__(self, name):
        if name not in USE_CASES or name not in SURFACE:  # RPC only (tests/unit/test_rpc_surfaces.py)
            raise AttributeError(name)
        return _Method(self, name)

    def call(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.failures:
            raise self.failures[name]
        viewer, *rest = args
        result = getattr(self.service, name)(Viewer.from_dict(viewer), *copy.deepcopy(rest), **kwargs)
        return json.loads(json.dumps(result))  # what crosses the wire

    def count(self) -> Counter:
        return Counter(name for name, _, _ in self.calls)

    def viewers(self) -> list[dict]:
        return [args[0] for _, args, _ in self.calls]

    def sent(self, method: str) -> list[tuple]:
        """The arguments (after the viewer) of each call of `method`."""
        return [args[1:] for name, args, _ in self.calls if name == method]


def viewer(role: str, user_id: str, station_ids=(STATION,)) -> Viewer:
    return Viewer(user_id, role, None, tuple(station_ids))


WORKER_VIEWER = viewer("station_staff", WORKER)
JINGKOU_VIEWER = viewer("station_staff", JINGKOU_WORKER, (OTHER_STATION,))


def china_today() -> date:
    return clock.local_date(clock.utcnow())


def seeded(households: int = 2) -> FakeCasework:
    """Casework as the integration platform seeds it (see the module docstring); ids in `.ids`."""
    fake = FakeCasework()
    cw, ids = fake.service, fake.ids
    for envelope in fx.registry_events():
        payload = envelope["payload"]
        if envelope["type"] == "station.registered":
            cw.record_station(payload)
        else:
            cw.record_staff_joined(payload)
    today = china_today()
    for number in range(1, households + 1):
        household = cw.register_household(WORKER_VIEWER, fx.elderly_household(number))
        household = fx.record_basis(cw, WORKER_VIEWER, household)
        head = household["members"][0]["person_id"]
        archive = cw.assess_needs(WORKER_VIEWER, household["id"], {
            "expected_version": household["version"], "assessed_on": (today - timedelta(days=30)).isoformat(),
            "assessor_staff_id": WORKER, "needs": [fx.need(person_ids=[head])]})
        case = cw.open_case(WORKER_VIEWER, {"household_id": household["id"], "person_id": head, "domain": "elderly",
                                            "source": "needs_assessment", "summary": "独居老人定期探访",
                                            "assigned_staff_id": WORKER})
        cw.log_case_visit(WORKER_VIEWER, case["id"], fx.visit(case["version"], today.isoformat(),
                                                              notes="精神状态良好"))
        cw.record_service(WORKER_VIEWER, case["id"], {
            "expected_version": case["version"] + 1, "activity_type": "psychosocial_support",
            "delivered_on": today.isoformat(), "duration_minutes": 30, "staff_ids": [WORKER],
            "need_ids": [archive["needs"][0]["need_id"]]})
        cw.make_referral(WORKER_VIEWER, case["id"], {
            "expected_version": case["version"] + 2, "target": {"kind": "organisation", "name": "丹阳市人民医院"},
            "service_requested": "上门体检", "made_on": today.isoformat(), "shares_personal_data": True,
            "sharing_basis": {"kind": "legal_basis", "legal_basis": "vital_interest", "reason": "独居高龄需紧急体检"}})
        if number == 1:
            ids.update(household=household["id"], head=head, case=case["id"], need=archive["needs"][0]["need_id"])
    family = cw.register_household(WORKER_VIEWER, fx.family_household(sequence=500))
    victim = family["members"][1]["person_id"]
    crisis = cw.open_case(WORKER_VIEWER, {"household_id": family["id"], "person_id": victim,
                                          "domain": "marriage_family", "source": "hotline",
                                          "summary": "遭受家庭暴力，需紧急安置", "assigned_staff_id": COLLEAGUE,
                                          "crisis": {"notes": "丈夫酒后施暴，已报警"}})
    ids.update(family=family["id"], victim=victim, crisis_case=crisis["id"])
    jingkou = cw.register_household(JINGKOU_VIEWER, {**fx.elderly_household(900), "station_id": OTHER_STATION,
                                                     "community_code": f"{fx.OTHER_TOWNSHIP}001",
                                                     "community_name": "正东路社区", "address": "正东路1号"})
    ids["jingkou_household"] = jingkou["id"]
    fake.calls.clear()
    return fake


def casework_request(endpoint, query: str, *, casework: FakeCasework, registry: FakeRegistry | None = None,
                     variables: dict | None = None, token: str | None = None, settings=None):
    """POST one request through GraphQLEndpoint.handle with the fake casework (and a registry)."""
    from gateway.http import HttpRequest
    from services.common import config

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"query": query} if variables is None else {"query": query, "variables": variables}
    clients = {"registry": registry if registry is not None else registry_for_casework(), "casework": casework}
    return endpoint.handle(HttpRequest.build("POST", headers, {}, json.dumps(body)), clients=clients,
                           settings=settings or config.Settings(), correlation_id="corr-test-0001",
                           rpc_calls=lambda: sum(len(client.calls) for client in clients.values()))

