"""Registered agencies and their OAuth2 clients: who may create them, the client-credentials grant and its
scopes, secrets shown once and stored hashed, rotation with overlap, revocation
(services/identity/usecases/agencies.py, client_credentials.py; services/common/agency.py)."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from services.common import clock, tokens
from services.common.agency import AgencyScopes
from services.common.auth import Viewer
from services.common.config import IdentitySettings
from services.common.errors import NotFound, OutOfScope, PermissionDenied, Unauthenticated, ValidationFailed
from services.common.protection import FieldCipher
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, agencies, client_credentials, keys, users
from tests.support.certificates import self_signed_pem
from tests.support.memory_store import memory_database

ADMIN = Viewer(user_id="root", role="admin")
PUBLIC = Viewer(user_id="anonymous", role="public")
ISSUER = "https://issuer.test"
SCOPES = {"event_types": ["referral.made"], "regions": ["321181"], "domains": ["disability"],
          "fields_allowed": ["name"], "mutations": ["answer_referral"]}


@pytest.fixture
def ctx() -> Identity:
    policy = IdentitySettings(password_hash_memory_kib=1024)
    return dataclasses.replace(Identity.over(memory_database("identity", INDEXES), policy, FieldCipher()),
                               issuer=ISSUER)


@pytest.fixture
def frozen():
    # Frozen at the test's own start (not the module's import: a long suite would make its tokens expired),
    # because the tokens are verified against the real clock.
    with clock.FrozenClock(datetime.now(UTC).replace(microsecond=0)) as frozen_clock:
        yield frozen_clock


@pytest.fixture
def agency(ctx, frozen) -> dict:
    return agencies.register_agency(ctx, ADMIN, {"name": "丹阳市残疾人联合会", "kind": "disabled_persons_federation",
                                                 "region_code": "321181"})


@pytest.fixture
def client(ctx, agency) -> dict:
    return agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "残联转介系统", "scopes": SCOPES})


def token(ctx, client_id, secret, **more) -> dict:
    return client_credentials.issue_client_token(ctx, PUBLIC, {"client_id": client_id, "client_secret": secret,
                                                               **more})


def viewer_of(ctx, access_token) -> Viewer:
    verifier = tokens.TokenVerifier(lambda: keys.jwks(ctx, PUBLIC), issuer=ISSUER, skew_seconds=5, refetch_seconds=0)
    return verifier.viewer(access_token)


def county_admin(ctx, region="321181") -> Viewer:
    account = users.create_user(ctx, ADMIN, {"username": f"admin.{region}", "display_name": "县管理员",
                                             "region_code": region, "grants": [
                                                 {"role": "county", "region_code": region, "administrator": True}]})
    return Viewer(user_id=account["id"], role="county", region=region)


def test_registering_an_agency_publishes_it_for_other_services(ctx, agency):
    stored = ctx.agencies.collection.find_one({"_id": agency["id"]})
    published = [entry["envelope"] for entry in stored["_outbox"].values()]
    assert [e["type"] for e in published] == ["agency.registered"]
    assert published[0]["payload"] == {"agency_id": agency["id"], "name": "丹阳市残疾人联合会",
                                       "kind": "disabled_persons_federation", "region_code": "321181"}
    with pytest.raises(ValidationFailed):
        agencies.register_agency(ctx, ADMIN, {"name": "某机构", "kind": "astrology", "region_code": "321181"})


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(ctx, client):
    stored = ctx.agency_clients.collection.find_one({"_id": client["client_id"]})
    assert client["client_secret"] not in str(stored)
    assert stored["secrets"][0]["hash"] == tokens.token_hash(client["client_secret"])
    assert "client_secret" not in client["client"] and "hash" not in str(client["client"])
    listed = agencies.clients_of_agencies(ctx, ADMIN, [client["client"]["agency_id"]])
    assert client["client_secret"] not in str(listed)


def test_a_client_credentials_token_carries_the_agency_and_its_scopes(ctx, agency, client):
    issued = token(ctx, client["client_id"], client["client_secret"])
    assert "refresh_token" not in issued and issued["token_type"] == "Bearer"
    viewer = viewer_of(ctx, issued["access_token"])
    assert viewer.role == "agency" and viewer.agency_id == agency["id"] and viewer.region == "321181"
    scopes = AgencyScopes.of(viewer)
    assert scopes.domains == ("disability",) and scopes.fields_allowed == ("name",)
    assert scopes.mutations == ("answer_referral",) and scopes.covers_region("321181102")
    assert not scopes.covers_region("321102001")
    with pytest.raises(OutOfScope):
        scopes.require_mutation("import_roster")


def test_a_token_may_ask_for_fewer_scopes_never_more(ctx, client):
    narrow = token(ctx, client["client_id"], client["client_secret"], scope="region:321181 domain:disability")
    viewer = viewer_of(ctx, narrow["access_token"])
    assert AgencyScopes.of(viewer).mutations == ()
    with pytest.raises(OutOfScope):
        token(ctx, client["client_id"], client["client_secret"], scope="mutation:import_roster")


def test_wrong_unknown_or_revoked_credentials_are_refused_alike(ctx, client):
    with pytest.raises(Unauthenticated) as wrong:
        token(ctx, client["client_id"], "not-the-secret")
    with pytest.raises(Unauthenticated) as unknown:
        token(ctx, "agc-nobody", client["client_secret"])
    assert wrong.value.message == unknown.value.message
    agencies.revoke_client(ctx, ADMIN, client["client_id"])
    with pytest.raises(Unauthenticated):
        token(ctx, client["client_id"], client["client_secret"])
    assert [e["type"] for e in _events(ctx, client["client_id"])] == ["agency.client_created",
                                                                       "agency.client_revoked"]


def test_rotation_keeps_the_previous_secret_until_the_overlap_ends(ctx, client, frozen):
    rotated = agencies.rotate_client_secret(ctx, ADMIN, client["client_id"], {"previous_valid_hours": 2})
    assert rotated["client_secret"] != client["client_secret"]
    assert len(rotated["client"]["secrets"]) == 2
    token(ctx, client["client_id"], client["client_secret"])  # still inside the overlap
    token(ctx, client["client_id"], rotated["client_secret"])
    frozen.at = frozen.at + timedelta(hours=2, seconds=1)
    with pytest.raises(Unauthenticated):
        token(ctx, client["client_id"], client["client_secret"])
    token(ctx, client["client_id"], rotated["client_secret"])
    assert len(agencies.clients_of_agencies(ctx, ADMIN, [client["client"]["agency_id"]])[
        client["client"]["agency_id"]][0]["secrets"]) == 1


def test_a_rotation_without_overlap_ends_the_old_secret_at_once(ctx, client):
    rotated = agencies.rotate_client_secret(ctx, ADMIN, client["client_id"], {"previous_valid_hours": 0})
    with pytest.raises(Unauthenticated):
        token(ctx, client["client_id"], client["client_secret"])
    token(ctx, client["client_id"], rotated["client_secret"])


def test_region_administrators_manage_agencies_of_their_region_only(ctx, frozen):
    admin = county_admin(ctx)
    own = agencies.register_agency(ctx, admin, {"name": "丹阳市妇联", "kind": "womens_federation",
                                                "region_code": "321181"})
    with pytest.raises(ValidationFailed):
        agencies.register_agency(ctx, admin, {"name": "京口区妇联", "kind": "womens_federation",
                                              "region_code": "321102"})
    other = agencies.register_agency(ctx, ADMIN, {"name": "京口区妇联", "kind": "womens_federation",
                                                  "region_code": "321102"})
    with pytest.raises(NotFound):
        agencies.create_client(ctx, admin, {"agency_id": other["id"], "name": "x系统", "scopes": SCOPES})
    with pytest.raises(ValidationFailed):  # a client's regions lie inside its agency's
        agencies.create_client(ctx, admin, {"agency_id": own["id"], "name": "妇联系统",
                                            "scopes": {**SCOPES, "regions": ["321102"]}})
    assert [a["id"] for a in agencies.list_agencies(ctx, admin)["items"]] == [own["id"]]
    with pytest.raises(PermissionDenied):
        agencies.register_agency(ctx, Viewer(user_id="c", role="county", region="321181"),
                                 {"name": "无权机构", "kind": "other", "region_code": "321181"})


def _events(ctx, client_id):
    stored = ctx.agency_clients.collection.find_one({"_id": client_id})
    return [entry["envelope"] for entry in sorted(stored["_outbox"].values(), key=lambda e: e["order"])]


def test_a_certificate_client_has_no_secret_and_authenticates_with_its_certificate(ctx, agency):
    from services.common.agency import certificate_thumbprint
    pem = self_signed_pem()
    made = agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "证书客户端", "scopes": SCOPES,
                                               "certificate_pem": pem})
    assert made["client_secret"] is None and made["client"]["secrets"] == []
    assert made["client"]["auth_method"] == "self_signed_tls_client_auth"
    issued = client_credentials.issue_client_token(ctx, PUBLIC, {
        "client_id": made["client_id"], "certificate_thumbprint": certificate_thumbprint(pem)})
    assert viewer_of(ctx, issued["access_token"]).agency_id == agency["id"]
    with pytest.raises(Unauthenticated):
        client_credentials.issue_client_token(ctx, PUBLIC, {
            "client_id": made["client_id"], "certificate_thumbprint": certificate_thumbprint(self_signed_pem())})
    with pytest.raises(ValidationFailed):  # one method, not both
        client_credentials.issue_client_token(ctx, PUBLIC, {
            "client_id": made["client_id"], "client_secret": "x", "certificate_thumbprint": "y"})
    with pytest.raises(ValidationFailed):
        agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "坏证书", "scopes": SCOPES,
                                            "certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n"})


def test_a_client_may_be_granted_the_roster_sources_it_imports(ctx, agency):
    from services.common.events import new_event, read_event
    from services.contracts import identity as contracts
    made = agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "残联名册", "scopes": {
        "mutations": ["import_roster"], "roster_sources": ["disability"]}})
    assert made["client"]["scopes"]["roster_sources"] == ["disability"]
    issued = token(ctx, made["client_id"], made["client_secret"])
    assert "roster:disability" in issued["scope"].split() and "mutation:import_roster" in issued["scope"].split()
    assert _events(ctx, made["client_id"])[0]["payload"]["scopes"]["roster_sources"] == ["disability"]
    with pytest.raises(ValidationFailed):
        agencies.create_client(ctx, ADMIN, {"agency_id": agency["id"], "name": "坏名册", "scopes": {
            "roster_sources": ["astrology"]}})
    # a version 1 event (before roster sources) reads as a client granted none
    v1 = {"client_id": "agc-old", "agency_id": agency["id"], "region_code": "321181", "scopes": {
        "event_types": [], "regions": ["321181"], "domains": [], "fields_allowed": [], "mutations": []}}
    envelope = {**new_event(contracts.AGENCY_CLIENT_CREATED, {**v1, "scopes": {**v1["scopes"], "roster_sources": []}},
                            correlation_id="c-1").to_dict(), "version": 1, "payload": v1}
    assert read_event(envelope, contracts.AGENCY_CLIENT_CREATED).payload["scopes"]["roster_sources"] == []
