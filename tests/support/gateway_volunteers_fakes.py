"""A fake volunteers RPC client for the gateway's unit tests: the volunteers service's own declared RPC
entrypoints and use cases (services/volunteers/usecases/, with its scoping, masking, rules, matching and
views) over its real repositories on an in-memory database (tests/support/memory_store.py) instead of
MongoDB, plus a record of every call (so batching can be counted).

So the answers have exactly the shapes, errors and scoping of the real service, without a broker or
a store; each call builds a fresh `Volunteering`, as the nameko service does, and its answer crosses
a JSON round trip, as it does on the wire. The real service is used by the integration tests.

`seeded(n)` builds: `n` volunteers at 丹阳市云阳街道 (ST321181001), each in a community of their own and
all in one team, one volunteer at
京口区正东路街道 (ST321102001), a resource at 丹阳, a food donation there, and per 丹阳 volunteer one
elderly need in their community whose proposals name volunteers, with the volunteer's proposal accepted (a task) and an
hour logged on it.
"""
from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from services.common import clock
from services.common.auth import Viewer
from services.volunteers.candidates import CandidateIndex
from services.volunteers.storage import INDEXES, VolunteersRepository
from services.volunteers.usecases import Volunteering
from tests.support import volunteers_fixtures as vfx
from tests.support.gateway_fakes import OTHER_COUNTY, FakeRegistry, _Method, station, token_for
from tests.support.memory_store import memory_database
from tests.support.volunteers_in_process import InProcessVolunteers, declared_rpc, in_process

STATION = vfx.STATION  # ST321181001 丹阳市云阳街道
OTHER_STATION = "ST321102001"  # 京口区正东路街道
OTHER_COMMUNITY = "321102001001"


def tokens() -> dict[str, str]:
    return {
        "admin": token_for("admin", user_id="ops"),
        "danyang": token_for("county", user_id="danyang-official", region="321181"),
        "jingkou": token_for("county", user_id="jingkou-official", region="321102"),
        "city": token_for("city", user_id="zhenjiang-official", region="321100"),
        "evaluator": token_for("evaluator", user_id="evaluator-1", region="321181"),
        "worker": token_for("station_staff", user_id="stf_worker", station_ids=[STATION]),
        "jingkou_worker": token_for("station_staff", user_id="stf_other", station_ids=[OTHER_STATION]),
    }


def registry_for_volunteers() -> FakeRegistry:
    registry = FakeRegistry(stations=1)  # 京口区 ST321102001
    registry.add_station(station(1, OTHER_COUNTY))  # 丹阳市 ST321181001
    registry.calls.clear()
    return registry


def memory_repository() -> VolunteersRepository:
    """The volunteers repositories on a fresh in-memory database."""
    return VolunteersRepository(memory_database("volunteers", INDEXES))


class FakeVolunteers:
    """Behaves like the volunteers service's RPC proxy as the gateway uses it: calls are recorded."""

    def __init__(self):
        self.repo = memory_repository()
        self.index = CandidateIndex(self.repo.db)
        self.calls: list[tuple[str, tuple, dict]] = []
        self.failures: dict[str, Exception] = {}
        self.ids: dict[str, object] = {}

    @property
    def use_cases(self) -> Volunteering:
        return Volunteering(self.repo, self.index)

    @property
    def service(self) -> InProcessVolunteers:
        """The service's RPC surface called directly (for seeding; not counted)."""
        return in_process(self.use_cases)

    def __getattr__(self, name):
        if declared_rpc(name) is None:
            raise AttributeError(name)
        return _Method(self, name)

    def call(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.failures:
            raise self.failures[name]
        viewer, *rest = args
        result = getattr(self.service, name)(viewer, *copy.deepcopy(rest), **kwargs)
        return json.loads(json.dumps(result))

    def count(self) -> Counter:
        return Counter(name for name, _, _ in self.calls)

    def sent(self, method: str) -> list[tuple]:
        return [args[1:] for name, args, _ in self.calls if name == method]


ADMIN = Viewer("ops", "admin")


def _community(number: int) -> str:
    """Each volunteer lives in a community of their own, where their need is: they rank first for it."""
    return f"{vfx.TOWNSHIP}{number:03d}"


def seeded(volunteers: int = 2) -> FakeVolunteers:
    """The platform of the module docstring; ids in `.ids` (volunteers, needs, team, resource, stock)."""
    fake = FakeVolunteers()
    vs, ids = fake.service, fake.ids
    danyang = [vs.register_volunteer(ADMIN, vfx.volunteer_input(community_code=_community(n)))
               for n in range(1, volunteers + 1)]
    jingkou = vs.register_volunteer(ADMIN, vfx.volunteer_input(station_id=OTHER_STATION,
                                                               community_code=OTHER_COMMUNITY))
    ids.update(volunteers=[v["id"] for v in danyang], jingkou_volunteer=jingkou["id"])
    team = vs.create_team(ADMIN, {"station_id": STATION, "name": "云阳助老队", "domains": ["elderly"],
                                  "leader_id": danyang[0]["id"], "member_ids": [v["id"] for v in danyang]})
    resource = vs.register_resource(ADMIN, vfx.resource_input())
    donation = vs.receive_donation(ADMIN, {
        "station_id": STATION, "kind": "goods", "goods": {"name": "大米", "category": "food", "unit": "袋",
                                                          "quantity": 20},
        "donor": {"kind": "organisation", "name": "爱心企业", "phone": "13912340000"},
        "received_on": clock.today().isoformat()})
    ids.update(team=team["id"], resource=resource["id"], stock=donation["stock"]["id"], needs=[])
    yesterday = datetime.now(UTC) - timedelta(days=1)
    for number, volunteer in enumerate(danyang, start=1):
        need = vs.request_matching(ADMIN, {
            "household_id": f"hh-{number}", "station_id": STATION, "community_code": _community(number),
            "domain": "elderly", "need_type": "home_visit", "severity": "medium", "description": "独居老人需要定期探访",
            "beneficiary_groups": ["elderly_living_alone"]})
        proposal = next(p for p in need["proposals"] if p["candidate_id"] == volunteer["id"])
        need = vs.accept_proposal(ADMIN, need["id"], proposal["proposal_id"], {"expected_version": need["version"]})
        task = need["tasks"][0]
        start = yesterday + timedelta(hours=number)
        vs.log_hours(ADMIN, volunteer["id"], {"need_id": need["id"], "task_id": task["task_id"],
                                              "started_at": start.isoformat(),
                                              "ended_at": (start + timedelta(minutes=45)).isoformat(),
                                              "activity": "上门探访"})
        ids["needs"].append(need["id"])
    fake.calls.clear()
    return fake


def volunteers_request(endpoint, query: str, *, volunteers: FakeVolunteers, registry: FakeRegistry | None = None,
                       variables: dict | None = None, token: str | None = None, settings=None, casework=None):
    """POST one request through GraphQLEndpoint.handle with the fake volunteers service (and a registry)."""
    from gateway.http import HttpRequest
    from services.common import config

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"query": query} if variables is None else {"query": query, "variables": variables}
    clients = {"registry": registry if registry is not None else registry_for_volunteers(), "volunteers": volunteers}
    if casework is not None:
        clients["casework"] = casework
    return endpoint.handle(HttpRequest.build("POST", headers, {}, json.dumps(body)), clients=clients,
                           settings=settings or config.Settings(), correlation_id="corr-test-0001",
                           rpc_calls=lambda: sum(len(client.calls) for client in clients.values()))
