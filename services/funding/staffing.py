"""The funding service's own copy of station staffing, built from the registry's events, and the
check of a contract's staffing promise against it.

The projection is one document per station. Every merge below is order-insensitive: each fact
carries the time of the event that stated it and an older event never overwrites a newer fact, so
redelivered or reordered events leave the same document (the Inbox makes them run once; this makes
a re-run after a crash harmless too).

The facts are dated, so a payment is checked against the staffing on its own date, not today's:
- each member's professional standing is a list of dated entries (`professional_history`): the one
  stated at joining holds from the employment start, a recorded qualification from the day the
  registry recorded it (China date of its event);
- the registry's compliance outcomes are kept per evaluation date (`compliance_history`, by `as_of`):
  the state on a day is the latest evaluation on or before it (none before the first: unknown).
Entries are kept sorted, so the document is the same whatever order the events came in.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.common.clock import local_date, parse_timestamp

from .domain import township_of


def empty(station_id: str, region_code: str | None = None) -> dict:
    return {"_id": station_id, "region_code": region_code or township_of(station_id), "staff": {}, "compliance": None,
            "compliance_history": []}


def china_date(at: str) -> str:
    return local_date(parse_timestamp(at)).isoformat()


def _with_entry(entries: list[dict], entry: dict, key: tuple[str, ...]) -> list[dict]:
    """`entries` plus `entry` (the same key again replaces nothing: a redelivery), sorted by key then time."""
    if any(all(e.get(k) == entry.get(k) for k in key) and e["at"] == entry["at"] for e in entries):
        return entries
    return sorted([*entries, entry], key=lambda e: (*(e.get(k) or "" for k in key), e["at"]))


def _professional_fact(member: dict, professional: bool, on: str, at: str) -> dict:
    history = _with_entry(member.get("professional_history") or [],
                          {"from": on, "professional": bool(professional), "at": at}, ("from",))
    return {**member, "professional_history": history}


def _member(doc: dict, staff_id: str) -> dict:
    return dict(doc["staff"].get(staff_id) or {})


def _newer(member: dict, key: str, at: str) -> bool:
    return member.get(key) is None or member[key] <= at


def staff_joined(doc: dict, payload: dict, at: str) -> dict:
    member = _member(doc, payload["staff_id"])
    member.update({"role": payload["role"], "employment_start": payload["employment_start"]})
    if _newer(member, "professional_at", at):
        member.update({"professional": bool(payload["professional"]), "professional_at": at})
    member = _professional_fact(member, payload["professional"], str(payload["employment_start"])[:10], at)
    return {**doc, "region_code": payload["region_code"], "staff": {**doc["staff"], payload["staff_id"]: member}}


def staff_left(doc: dict, payload: dict, at: str) -> dict:
    member = _member(doc, payload["staff_id"])
    member["employment_end"] = payload["employment_end"]
    return {**doc, "region_code": payload["region_code"], "staff": {**doc["staff"], payload["staff_id"]: member}}


def qualification_recorded(doc: dict, payload: dict, at: str) -> dict:
    member = _member(doc, payload["staff_id"])
    if _newer(member, "professional_at", at):
        member.update({"professional": bool(payload["professional"]), "professional_at": at})
    member = _professional_fact(member, payload["professional"], china_date(at), at)
    return {**doc, "staff": {**doc["staff"], payload["staff_id"]: member}}


def compliance_changed(doc: dict, payload: dict, at: str) -> dict:
    rules = {rule: result["status"] for rule, result in payload["rules"].items()}
    entry = {"status": payload["status"], "rules": rules, "as_of": str(payload["as_of"])[:10], "at": at}
    doc = {**doc, "compliance_history": _with_entry(doc.get("compliance_history") or [], entry, ("as_of",))}
    current = doc.get("compliance")
    if current is not None and current["at"] > at:
        return doc
    return {**doc, "region_code": payload["region_code"], "compliance": entry}


def compliance_on(doc: dict, on: date) -> dict:
    """The registry's compliance outcome in force on `on`: its latest evaluation dated on or before
    that day (the latest stated one when several share a date); {} before the first.

    An evaluation the registry stated later for an earlier date (a change recorded as effective in
    the past) supersedes the evaluations it had stated before for the days since: they were computed
    without that change."""
    history = doc.get("compliance_history")
    if history is None:  # a projection from before the history was kept
        return doc.get("compliance") or {}
    day = on.isoformat()
    current = [e for e in history if not any(later["at"] > e["at"] and later["as_of"] < e["as_of"]
                                             for later in history)]
    in_force = [e for e in current if e["as_of"] <= day]
    return in_force[-1] if in_force else {}


def professional_on(member: dict, on: date) -> bool:
    history = member.get("professional_history")
    if not history:
        return bool(member.get("professional"))
    day = on.isoformat()
    in_force = [e for e in history if e["from"] <= day]
    return bool(in_force[-1]["professional"]) if in_force else False


def current_staff(doc: dict, on: date) -> list[dict]:
    day = on.isoformat()
    return [m for m in doc["staff"].values()
            if m.get("employment_start") and m["employment_start"] <= day
            and (m.get("employment_end") is None or m["employment_end"] >= day)]


def station_figures(doc: dict | None, on: date) -> dict | None:
    if doc is None:
        return None
    staff = current_staff(doc, on)
    compliance = compliance_on(doc, on)
    return {"station_id": doc["_id"], "staff": len(staff),
            "professional_staff": sum(1 for m in staff if professional_on(m, on)),
            "salary": (compliance.get("rules") or {}).get("salary", "unknown"),
            "social_insurance": (compliance.get("rules") or {}).get("social_insurance", "unknown"),
            "compliance_as_of": compliance.get("as_of")}


def promise_problems(promise: dict, station_ids: list[str], projections: Mapping[str, dict | None],
                     on: date) -> list[str]:
    """Where the operator does not keep its staffing promise on `on`, one reason per station and rule,
    judged by the staffing facts in force on that date.

    Pay is judged by the registry's salary rule (pay not below the local average wage) because the
    registry, not funding, holds each worker's pay; funding only learns the rule's outcome.
    """
    problems = []
    wanted = promise["professional_social_workers_per_station"]
    for station_id in station_ids:
        figures = station_figures(projections.get(station_id), on)
        if figures is None:
            problems.append(f"{station_id}: the registry has reported no staff for this station")
            continue
        if figures["professional_staff"] < wanted:
            problems.append(f"{station_id}: {figures['professional_staff']} professional social workers in post; "
                            f"the contract promises {wanted}")
        if figures["salary"] == "not_met":
            problems.append(f"{station_id}: staff pay below the local average wage "
                            f"(registry, {figures['compliance_as_of']})")
        if promise.get("social_insurance") and figures["social_insurance"] == "not_met":
            problems.append(f"{station_id}: social insurance (五险一金) missing for some staff "
                            f"(registry, {figures['compliance_as_of']})")
    return problems
