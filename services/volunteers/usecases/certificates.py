"""The 志愿服务记录证明: issued from approved hours, verifiable by anyone, revocable by the station."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import RuleViolation
from services.common.events import event_by
from services.common.ids import new_id
from services.common.protection import mask_name
from services.common.rpc import load
from services.contracts import volunteers as events

from .. import certificates as certificate_rules
from .. import schemas
from . import Volunteering, access


def issue_certificate(ctx: Volunteering, viewer: Viewer, volunteer_id: str, data: dict) -> dict:
    data = load(schemas.CertificateRequestSchema, data)
    volunteer = access.writable(ctx.repo.volunteers, volunteer_id, viewer)
    start, end = data["period_from"].isoformat(), data["period_to"].isoformat()
    entries = [e for e in volunteer["hours"] if e["status"] == "approved" and start <= e["start"][:10] <= end]
    if not entries:
        raise RuleViolation(f"no approved service hours between {start} and {end}",
                            {"from": ["no approved hours in this period"]})
    certificate_id = new_id("cert")
    content = certificate_rules.build_content(certificate_id, volunteer, entries, (start, end),
                                              clock.today().isoformat(), volunteer["station_id"])
    code = certificate_rules.verification_code(ctx.certificate_key, content)
    ctx.repo.certificates.insert({
        "_id": certificate_id, "volunteer_id": volunteer_id, "station_id": volunteer["station_id"],
        "region_code": volunteer["region_code"], "content": content, "verification_code": code,
        "issued_by": viewer.user_id, "issued_at": clock.timestamp(clock.utcnow())})
    return {"certificate_id": certificate_id, "content": content, "verification_code": code,
            "text": certificate_rules.render_text(content, code)}


def verify_certificate(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    """Anyone holding a certificate may check it: the code must fit the content, and the
    platform must have issued exactly that document."""
    data = load(schemas.VerifyCertificateSchema, data)
    content, code = data["content"], data["verification_code"].strip().upper()
    if not certificate_rules.verify(ctx.certificate_key, content, code):
        return {"valid": False, "reason": "the verification code does not match this content"}
    stored = ctx.repo.certificates.with_code(code)
    if stored is None or stored["content"] != content:
        return {"valid": False, "reason": "no certificate with this code was issued"}
    if stored.get("revoked"):
        return certificate_rules.revoked_answer(stored)
    return {"valid": True, "reason": None, "certificate_id": stored["_id"],
            "volunteer_name": mask_name(content["volunteer"]["name"]), "total_hours": content["total_hours"],
            "issued_on": content["issued_on"], "issued_by": content["issued_by"]}


def revoke_certificate(ctx: Volunteering, viewer: Viewer, certificate_id: str, data: dict) -> dict:
    """Revoke an issued certificate (issued in error, hours later rejected …): verifying it then
    answers that it was revoked, when and why. Publishes certificate.revoked."""
    data = load(schemas.RevokeCertificateSchema, data)
    certificate = access.writable(ctx.repo.certificates, certificate_id, viewer)
    at = clock.timestamp(clock.utcnow())
    changes = certificate_rules.revoke(certificate, data["reason"], viewer.user_id, at, clock.today().isoformat())
    revoked = event_by(viewer, events.CERTIFICATE_REVOKED, {
        "certificate_id": certificate_id, "volunteer_id": certificate["volunteer_id"],
        "station_id": certificate["station_id"], "reason": data["reason"], "revoked_at": at})
    ctx.repo.certificates.update(certificate_id, certificate["_version"], changes, [revoked])
    return {"certificate_id": certificate_id, "revoked": True, "revoked_on": changes["revoked"]["on"],
            "reason": data["reason"]}
