"""Every role on every field of the masking policy (issue 14, security 4), through the views that return it.

Each policy field has a probe: the service view function that builds the field, given one record and one
viewer. A field added to the policy without a probe fails here, and so does a view that masks differently
from the policy for any of the eight roles (the public included). tests/security/test_roles_and_masking.py
does the same for the signed-in roles through the real gateway and services.
"""
from __future__ import annotations

from datetime import date

import pytest

from services.casework import views as casework_views
from services.common import masking
from services.common.auth import ROLES, Viewer
from services.funding import procurement
from services.registry import domain as registry_domain
from services.supervision.usecases import sessions as supervision_sessions
from services.supervision.usecases import supervisors as supervision_supervisors
from services.volunteers import domain as volunteers_domain

STATION = "ST321181001"
CLEAR = {"phone": "13905110001", "name": "欧阳建国", "address": "三里村4组12号"}


def viewer_for(role: str) -> Viewer:
    scope = {"admin": {}, "public": {}, "province": {"region": "320000"}, "city": {"region": "321100"},
             "county": {"region": "321181"}, "evaluator": {"region": "321181"}}
    return Viewer(user_id=f"{role}-1", role=role, **scope.get(role, {"station_ids": (STATION,)}))


def household(**extra) -> dict:
    return {"_id": "hh-1", "station_id": STATION, "township_code": "321181001", "community_code": "321181001001",
            "community_name": "三里村", "address": CLEAR["address"], "registered_on": "2024-01-01", "_version": 1,
            "members": [{"person_id": "p-1", "name": CLEAR["name"], "relationship": "head", "sex": "male",
                         "birth_date": "1950-01-01"}], **extra}


def household_field(field: str):
    def probe(viewer: Viewer):
        view = casework_views.household_view(household(), date(2026, 1, 1),
                                             casework_views.Visibility.for_viewer(viewer))
        return {"name": view["members"][0]["name"], "head_name": view["head_name"], "address": view["address"]}[field]
    return probe


def consent_giver(viewer: Viewer):
    consent = {"consent_id": "cn-1", "person_id": "p-1", "legal_basis": "consent", "purposes": ["casework"],
               "given_by": {"person_id": None, "name": CLEAR["name"], "relationship_to_subject": "guardian"},
               "given_on": "2024-01-01", "basis_note": None, "withdrawn_on": None, "withdrawal_reason": None,
               "recorded_by": {}}
    view = casework_views.household_view(household(consents=[consent]), date(2026, 1, 1),
                                         casework_views.Visibility.for_viewer(viewer))
    return view["consents"][0]["given_by"]["name"]


def service_deliverer(viewer: Viewer):
    service = {"service_id": "sv-1", "source": "volunteers", "activity_type": "home_visit",
               "delivered_on": "2025-01-01",
               "delivered_by": {"kind": "volunteer", "id": "vol-1", "name": CLEAR["name"]}, "recorded_at": "x"}
    return casework_views.service_view(service, casework_views.Visibility.for_viewer(viewer))["delivered_by"]["name"]


def bid(viewer: Viewer) -> dict:
    stored = {"id": "b-1", "organisation": {"name": "阳光社工中心"}, "price_fen": 1, "received_at": "x",
              "contact": {"name": CLEAR["name"], "phone_masked": "139****0001"},
              "leaders": [{"id": "L1", "name": CLEAR["name"], "role": "responsible_person",
                           "id_number_masked": "321181********0011"}]}
    return procurement.bid_view("tdr-1", stored, viewer)


def candidate(kind: str):
    def probe(viewer: Viewer):
        need = {"_id": "nd-1", "station_id": STATION, "household_id": "hh-1", "domain": "elderly",
                "need_type": "home_visit"}
        item = {"kind": "volunteer", "candidate_id": "vol-1", "candidate_name": CLEAR["name"]}
        view = volunteers_domain.proposal_view if kind == "proposal" else volunteers_domain.task_view
        return view(need, item, viewer)["candidate_name"]
    return probe


def volunteer(viewer: Viewer):
    stored = {"_id": "vol-1", "station_id": STATION, "name": CLEAR["name"], "id_number_masked": "x",
              "phone_masked": "x", "community_code": "321181001001", "township_code": "321181001", "skills": [],
              "domains": [], "availability": [], "max_open_tasks": 3, "open_tasks": [], "status": "active",
              "registered_on": "2024-01-01", "training": [], "certificates": [], "hours": [], "_version": 1}
    return volunteers_domain.volunteer_view(stored, viewer)["name"]


def donor(viewer: Viewer):
    lot = {"donation_id": "dn-1", "quantity": 1, "remaining": 1,
           "donor": {"kind": "individual", "name": CLEAR["name"], "phone": "139****0001", "phone_encrypted": "x"}}
    organisation = {**lot, "donor": {"kind": "organisation", "name": "阳光爱心企业"}}
    assert volunteers_domain.lot_view(organisation, viewer)["donor"]["name"] == "阳光爱心企业"  # not a person
    return volunteers_domain.lot_view(lot, viewer)["donor"]["name"]


def coordinator(viewer: Viewer):
    return registry_domain._coordinator_view({"name": "周建国", "phone": CLEAR["phone"]}, viewer)["phone"]


def supervisor(viewer: Viewer):
    stored = {"_id": "sup-1", "name": CLEAR["name"], "kind": "expert", "organisation": {"name": "南京大学社会学院"},
              "region_code": "321181", "assignments": [], "_version": 1}
    return supervision_supervisors.supervisor_view(stored, viewer)["name"]


def follow_up_owner(viewer: Viewer):
    stored = {"_id": "ses-1", "supervisor_id": "sup-1", "station_id": STATION, "region_code": "321181001",
              "date": "2026-11-02", "form": "on_site", "duration_minutes": 90, "topics": ["services"],
              "problems": "x", "recorded_by": "sup-1", "_version": 1,
              "follow_ups": [{"id": "fu-1", "owner": CLEAR["name"], "description": "x", "due_on": "2026-12-01"}]}
    return supervision_sessions.session_view(stored, viewer)["follow_ups"][0]["owner"]


PROBES = {
    "Coordinator.phone": (coordinator, CLEAR["phone"]),
    "Volunteer.name": (volunteer, CLEAR["name"]),
    "MatchProposal.candidateName": (candidate("proposal"), CLEAR["name"]),
    "MatchTask.candidateName": (candidate("task"), CLEAR["name"]),
    "Person.name": (household_field("name"), CLEAR["name"]),
    "Household.headName": (household_field("head_name"), CLEAR["name"]),
    "Household.address": (household_field("address"), CLEAR["address"]),
    "ConsentGiver.name": (consent_giver, CLEAR["name"]),
    "ServiceDeliverer.name": (service_deliverer, CLEAR["name"]),
    "CharityDonor.name": (donor, CLEAR["name"]),
    "BidContact.name": (lambda viewer: bid(viewer)["contact"]["name"], CLEAR["name"]),
    "BidLeader.name": (lambda viewer: bid(viewer)["leaders"][0]["name"], CLEAR["name"]),
    "Supervisor.name": (supervisor, CLEAR["name"]),
    "SupervisionFollowUp.owner": (follow_up_owner, CLEAR["name"]),
}


def test_every_policy_field_has_a_probe():
    assert set(PROBES) == set(masking.POLICY)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(masking.POLICY))
def test_each_role_gets_each_field_clear_or_masked_exactly_as_the_policy_says(field, role):
    probe, clear = PROBES[field]
    viewer = viewer_for(role)
    got = probe(viewer)
    rule = masking.POLICY[field]
    if role in rule.clear_to:
        assert got == clear
    else:
        assert got == rule.mask(clear) and got != clear


def test_the_policy_masks_for_the_evaluator_and_the_public_and_no_one_working_on_households():
    for field, rule in masking.POLICY.items():
        assert {"evaluator", "public"}.isdisjoint(rule.clear_to), field
        assert {"admin", "county", "station_staff"} <= rule.clear_to, field
    assert masking.POLICY["Household.headName"] == masking.POLICY["Person.name"]  # the head is a member
