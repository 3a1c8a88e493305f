"""志愿服务记录证明: a volunteer's service record as a document anyone can have checked.

The verification code is an HMAC over the document's canonical JSON, keyed by a secret derived
from the platform's token secret: only the platform can produce a code, anyone holding the
document can ask the platform whether code and content still belong together, and changing one
hour or one name breaks it. No I/O here.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from services.common.errors import Conflict

TITLE = "志愿服务记录证明"


def certificate_key(secret: str) -> bytes:
    # A key of its own, so a leaked certificate key cannot mint tokens (and the reverse).
    return hashlib.sha256(b"shegong-volunteer-certificate:" + secret.encode()).digest()


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def verification_code(key: bytes, content: dict) -> str:
    digest = hmac.new(key, canonical(content), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:20]
    return "-".join(text[i:i + 4] for i in range(0, 20, 4))


def verify(key: bytes, content: dict, code: str) -> bool:
    return hmac.compare_digest(verification_code(key, content), (code or "").strip().upper())


def build_content(certificate_id: str, volunteer: dict, entries: list[dict], period: tuple[str, str],
                  issued_on: str, issuer_station_id: str) -> dict:
    """What the certificate states: approved hours only, in date order."""
    records = sorted(({"date": e["start"][:10], "hours": e["hours"], "activity": e["activity"],
                       "station_id": e.get("station_id") or volunteer["station_id"]} for e in entries),
                     key=lambda r: (r["date"], r["activity"]))
    return {
        "title": TITLE,
        "certificate_id": certificate_id,
        "volunteer": {"id": volunteer["_id"], "name": volunteer["name"], "id_number": volunteer["id_number_masked"]},
        "period": {"from": period[0], "to": period[1]},
        "total_hours": round(sum(r["hours"] for r in records), 2),
        "services": len(records),
        "records": records,
        "issued_by": issuer_station_id,
        "issued_on": issued_on,
    }


def render_text(content: dict, code: str) -> str:
    lines = [
        content["title"],
        "",
        f"证明编号: {content['certificate_id']}",
        f"志愿者: {content['volunteer']['name']}  身份证号: {content['volunteer']['id_number']}",
        f"服务期间: {content['period']['from']} 至 {content['period']['to']}",
        f"累计志愿服务时长: {content['total_hours']} 小时 ({content['services']} 次)",
        "",
        "日期        时长(小时)  服务内容",
    ]
    lines += [f"{r['date']}  {r['hours']:>8}  {r['activity']}" for r in content["records"]]
    lines += ["", f"出具单位: {content['issued_by']}  出具日期: {content['issued_on']}",
              f"验证码: {code}", "(凭验证码与本证明全文可在平台核验真伪)"]
    return "\n".join(lines)


def revoke(certificate: dict, reason: str, by: str, at: str, on: str) -> dict:
    """Changes revoking an issued certificate: it stays on record, and verifying it says so.
    `on` is the China date of the revocation, `at` its moment."""
    if certificate.get("revoked"):
        raise Conflict(f"certificate {certificate['_id']} was already revoked on {certificate['revoked']['on']}",
                       {"certificate_id": ["already revoked"]})
    return {"revoked": {"reason": reason, "by": by, "at": at, "on": on}}


def revoked_answer(certificate: dict) -> dict:
    """What verification says of a revoked certificate (the code still fits: it was issued)."""
    revoked = certificate["revoked"]
    return {"valid": False, "revoked": True, "revoked_on": revoked["on"],
            "reason": f"this certificate was revoked on {revoked['on']}: {revoked['reason']}",
            "certificate_id": certificate["_id"]}
