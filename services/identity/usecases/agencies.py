"""Registered agencies and their OAuth2 clients (client credentials, RFC 6749 §4.4).

Who manages them is who manages accounts (access.py): administrators everywhere, region administrators
within their region. A client belongs to one agency and carries scopes: the event types it may receive, the
regions and case domains it sees, the personal-data fields it may be shown (each also needing the person's
consent) and the mutations it may call. Its secret is shown once, when made, and stored as a hash (the secret
is 256 random bits, so a plain SHA-256 cannot be searched), or — instead of a secret — a client certificate
(RFC 8705 self_signed_tls_client_auth: its SHA-256 thumbprint is kept, the TLS terminator forwards what the
client presented); a rotation issues a new secret and leaves the previous one working until a chosen moment
(the overlap), a revocation ends every secret at once. Every change is an event on the agency or the client:
the audit trail, and how other services learn the agencies."""
from __future__ import annotations

from datetime import timedelta

from services.common import clock, tokens
from services.common.agency import AgencyScopes, certificate_thumbprint
from services.common.auth import Viewer, region_prefix
from services.common.errors import NotFound, RuleViolation, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.rpc import load
from services.contracts import identity as events

from .. import schemas
from . import Identity, access, stored_moment

MAX_PAGE = 100


def agency_view(agency: dict) -> dict:
    return {"id": agency["_id"], "name": agency["name"], "kind": agency["kind"], "region_code": agency["region_code"],
            "version": agency["_version"]}


def client_view(client: dict) -> dict:
    """A client as its managers see it: never a secret or its hash."""
    now = clock.utcnow()
    return {"client_id": client["_id"], "agency_id": client["agency_id"], "name": client["name"],
            "region_code": client["region_code"], "status": client["status"],
            "scopes": AgencyScopes.from_lists(client["scopes"]).to_lists(),  # clients older than a scope kind lack it
            "created_at": client["created_at"], "revoked_at": client.get("revoked_at"),
            "auth_method": "self_signed_tls_client_auth" if client.get("certificate_thumbprint") else "client_secret",
            "certificate_thumbprint": client.get("certificate_thumbprint"),
            "secrets": [{"secret_id": s["secret_id"], "created_at": s["created_at"], "valid_until": s["valid_until"]}
                        for s in client["secrets"] if secret_valid(s, now)]}


def secret_valid(secret: dict, now) -> bool:
    until = stored_moment(secret.get("valid_until"))
    return until is None or until > now


def _authority(ctx: Identity, viewer: Viewer) -> access.Authority:
    return access.authority_of(viewer, ctx.users.get(viewer.user_id))


def _manageable_agency(ctx: Identity, authority: access.Authority, agency_id: str) -> dict:
    agency = ctx.agencies.get(agency_id)
    if agency is None or not authority.covers_region(agency["region_code"]):
        raise NotFound(f"unknown agency {agency_id}", {"agency_id": ["no such agency in your scope"]})
    return agency


def _manageable_client(ctx: Identity, authority: access.Authority, client_id: str) -> dict:
    client = ctx.agency_clients.get(client_id)
    if client is None or not authority.covers_region(client["region_code"]):
        raise NotFound(f"unknown agency client {client_id}", {"client_id": ["no such client in your scope"]})
    return client


def register_agency(ctx: Identity, viewer: Viewer, data: dict) -> dict:
    authority = _authority(ctx, viewer)
    data = load(schemas.AgencySchema, data)
    if not authority.covers_region(data["region_code"]):
        raise ValidationFailed.field("region_code", f"{data['region_code']} is outside your region")
    agency_id = new_id("ag")
    payload = {"agency_id": agency_id, "name": data["name"], "kind": data["kind"], "region_code": data["region_code"]}
    document = {"_id": agency_id, "name": data["name"], "kind": data["kind"], "region_code": data["region_code"],
                "registered_by": viewer.user_id}
    return agency_view(ctx.agencies.insert(document, [event_by(viewer, events.AGENCY_REGISTERED, payload)]))


def list_agencies(ctx: Identity, viewer: Viewer, filters: dict | None = None) -> dict:
    authority = _authority(ctx, viewer)
    filters = filters or {}
    scope = authority.scope
    if filters.get("region_code"):
        wanted = filters["region_code"]
        if not authority.covers_region(wanted) and not (authority.region or "").startswith(region_prefix(wanted)):
            return {"items": [], "next_cursor": None, "total": 0}
        if authority.covers_region(wanted):
            scope = type(scope)(region_prefix=region_prefix(wanted))
    limit = max(1, min(int(filters.get("limit") or MAX_PAGE), MAX_PAGE))
    page = ctx.agencies.page_in(scope, filters.get("after"), limit)
    return {"items": [agency_view(a) for a in page.docs], "next_cursor": page.next_cursor, "total": page.total}


def clients_of_agencies(ctx: Identity, viewer: Viewer, agency_ids: list[str]) -> dict:
    """The clients of each agency (a batch for the gateway's loader); agencies outside the scope have none."""
    authority = _authority(ctx, viewer)
    found: dict[str, list[dict]] = {agency_id: [] for agency_id in agency_ids}
    for client in ctx.agency_clients.of_agencies(agency_ids):
        if authority.covers_region(client["region_code"]):
            found[client["agency_id"]].append(client_view(client))
    return found


def create_client(ctx: Identity, viewer: Viewer, data: dict) -> dict:
    authority = _authority(ctx, viewer)
    data = load(schemas.AgencyClientSchema, data)
    agency = _manageable_agency(ctx, authority, data["agency_id"])
    scopes = dict(data["scopes"])
    scopes["regions"] = scopes["regions"] or [agency["region_code"]]
    own = region_prefix(agency["region_code"])
    for index, region in enumerate(scopes["regions"]):
        if not region.startswith(own):
            raise ValidationFailed.field(f"scopes.regions.{index}", f"{region} is outside the agency's region "
                                                                     f"{agency['region_code']}")
    now = clock.utcnow()
    client_id = new_id("agc")
    thumbprint = certificate_thumbprint(data["certificate_pem"]) if data["certificate_pem"] else None
    secret, record = _new_secret(now) if thumbprint is None else (None, None)
    document = {"_id": client_id, "agency_id": agency["_id"], "agency_kind": agency["kind"], "name": data["name"],
                "region_code": agency["region_code"], "status": "active", "scopes": AgencyScopes.from_lists(
                    scopes).to_lists(), "secrets": [record] if record else [], "certificate_thumbprint": thumbprint,
                "created_at": now, "created_by": viewer.user_id}
    event = event_by(viewer, events.AGENCY_CLIENT_CREATED, {
        "client_id": client_id, "agency_id": agency["_id"], "region_code": agency["region_code"],
        "scopes": document["scopes"]})
    created = ctx.agency_clients.insert(document, [event])
    return {"client_id": client_id, "client_secret": secret, "client": client_view(created)}


def rotate_client_secret(ctx: Identity, viewer: Viewer, client_id: str, data: dict | None = None) -> dict:
    """A new secret; the ones in use keep working for `previous_valid_hours` (the overlap), then stop."""
    authority = _authority(ctx, viewer)
    data = load(schemas.SecretRotationSchema, data or {})
    client = _manageable_client(ctx, authority, client_id)
    if client["status"] != "active":
        raise RuleViolation("a revoked client gets no new secret", {"client_id": ["revoked"]})
    if client.get("certificate_thumbprint"):
        raise RuleViolation("this client authenticates with its certificate: make a client for the new "
                            "certificate, then revoke this one", {"client_id": ["certificate client"]})
    now = clock.utcnow()
    until = now + timedelta(hours=data["previous_valid_hours"])
    kept = []
    for old in client["secrets"]:
        if secret_valid(old, now):
            ends = stored_moment(old.get("valid_until"))
            kept.append({**old, "valid_until": until if ends is None or ends > until else ends})
    secret, record = _new_secret(now)
    event = event_by(viewer, events.AGENCY_CLIENT_SECRET_ROTATED, {
        "client_id": client_id, "agency_id": client["agency_id"], "region_code": client["region_code"],
        "secret_id": record["secret_id"], "previous_valid_until": clock.timestamp(until) if kept else None})
    ctx.agency_clients.update(client_id, client["_version"], {"secrets": [*kept, record]}, [event])
    return {"client_id": client_id, "client_secret": secret, "client": client_view(ctx.agency_clients.require(
        client_id))}


def revoke_client(ctx: Identity, viewer: Viewer, client_id: str) -> dict:
    authority = _authority(ctx, viewer)
    client = _manageable_client(ctx, authority, client_id)
    if client["status"] == "revoked":
        return client_view(client)
    now = clock.utcnow()
    event = event_by(viewer, events.AGENCY_CLIENT_REVOKED, {
        "client_id": client_id, "agency_id": client["agency_id"], "region_code": client["region_code"]})
    ctx.agency_clients.update(client_id, client["_version"], {"status": "revoked", "revoked_at": now}, [event])
    return client_view(ctx.agency_clients.require(client_id))


def _new_secret(now) -> tuple[str, dict]:
    secret = tokens.new_refresh_token()
    return secret, {"secret_id": new_id("sec"), "hash": tokens.token_hash(secret), "created_at": now,
                    "valid_until": None}
