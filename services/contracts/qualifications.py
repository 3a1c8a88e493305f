"""Who counts as a professional social worker (the notice's 持证社工): one definition for every service.

The registry checks station staffing against it; funding checks a contract's promised staffing with it.
"""
from __future__ import annotations

from datetime import date

QUALIFICATION_KINDS = ("certificate", "diploma")
DIPLOMA_LEVELS = ("junior_college", "bachelor", "master", "doctorate")


def is_professional(member: dict, on: date) -> bool:
    """Holds a national social worker certificate, or a social-work diploma of junior college (大专) or above."""
    qualification = member.get("qualification") or {}
    kind = qualification.get("kind")
    if kind == "certificate":
        obtained = qualification.get("obtained_on")
        return obtained is None or _as_date(obtained) <= on
    if kind == "diploma":
        return qualification.get("level") in DIPLOMA_LEVELS and qualification.get("major_is_social_work", True)
    return False


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
