"""The candidate index against the real document store: fresh after local writes, and after
writes by another replica within its refresh interval."""
from __future__ import annotations

from services.common import storage
from services.common.auth import SYSTEM
from services.volunteers import domain
from services.volunteers.candidates import CandidateIndex
from services.volunteers.storage import INDEXES, VolunteersRepository
from services.volunteers.usecases import Volunteering
from tests.support.volunteers_fixtures import COMMUNITY, STATION, need, resource_input, volunteer_input
from tests.support.volunteers_in_process import in_process


def candidate_ids(index, need_doc):
    found = []
    for tier in index.volunteers_for(domain.matching_need(need_doc)):
        found += [c.id for c in tier.candidates()]
    return found


def test_index_follows_local_and_other_replicas_writes(isolated_settings):
    db = storage.database("volunteers")
    storage.ensure_indexes(db, INDEXES)
    local = CandidateIndex(db)
    replica = CandidateIndex(db, refresh_seconds=0)  # another process: sees writes on its next refresh only
    volunteering = in_process(Volunteering(VolunteersRepository(db), local))
    target = domain.new_need(need("n1"), {"household_id": "hh", "station_id": STATION, "township_code": STATION[2:],
                                          "community_code": COMMUNITY}, "request")
    assert candidate_ids(local, target) == [] and candidate_ids(replica, target) == []

    first = volunteering.register_volunteer(SYSTEM, volunteer_input())
    assert candidate_ids(local, target) == [first["id"]]  # marked dirty by the write: no waiting
    assert candidate_ids(replica, target) == [first["id"]]

    volunteering.update_volunteer(SYSTEM, first["id"], {"expected_version": first["version"], "status": "paused"})
    assert candidate_ids(replica, target) == []
    far = volunteering.register_volunteer(SYSTEM, volunteer_input(community_code="321181002001"))
    near = volunteering.register_volunteer(SYSTEM, volunteer_input(community_code=COMMUNITY[:9] + "004"))
    tiers = replica.volunteers_for(domain.matching_need(target))
    assert [[c.id for c in tier.candidates()] for tier in tiers] == [[], [near["id"]], [far["id"]]]

    resource = volunteering.register_resource(SYSTEM, resource_input())
    offered = [c.id for tier in replica.resources_for(domain.matching_need({**target, "need_type": "daily_care"}))
               for c in tier.candidates()]
    assert offered == [resource["id"]]
    assert replica.size() == {"volunteers": 2, "resources": 1}
