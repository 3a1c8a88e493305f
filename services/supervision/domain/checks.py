"""Comparing a read model with what its source services say today, record by record.

Both sides are reduced to the same view: {record id: {field: value}} with only what the figures use
and both sides know. Equal views mean equal figures (figures.py is a function of these fields), so
a difference names the record and field a figure would be wrong by.
"""
from __future__ import annotations

from datetime import date

from .figures import ReadModels
from .folds import WITHDRAWN, household_key, utc_text

# Registry statuses of a station's latest compliance evaluation; "unknown" until the first evaluation.
UNEVALUATED = "unknown"


def _current_staff(member: dict, today: str) -> bool:
    ended = member.get("left") if "left" in member else member.get("employment_end")
    return not ended or ended > today


def read_model_view(name: str, models: ReadModels, today: date) -> dict[str, dict]:
    day = today.isoformat()
    if name == "stations":
        return {sid: {"township": s["township"], "status": s.get("status"),
                      "compliance": s.get("compliance") or UNEVALUATED} for sid, s in models.stations.items()}
    if name == "staff":
        return {sid: {"station": m["station"], "professional": bool(m.get("professional"))}
                for sid, m in models.staff.items() if _current_staff(m, day)}
    if name == "households":
        return {hid: {"station": h["station"], "township": h["township"], "registered_on": h["registered_on"],
                      "last_assessed_on": max(h.get("assessed_on") or [None], key=lambda d: d or "")}
                for hid, h in models.households.items()}
    if name == "cases":
        view = {}
        for cid, c in models.cases.items():
            episodes = sorted(models.crisis.get(cid, []), key=lambda e: e["flagged_at"])
            latest = episodes[-1] if episodes else None
            view[cid] = {"station": c["station"], "domain": c["domain"], "stage": c["stage"],
                         "opened_on": c["opened_on"], "closed_on": c.get("closed_on"),
                         "crisis_flagged_at": latest and latest["flagged_at"],
                         "crisis_due_at": latest and latest["due_at"],
                         "crisis_first_contact_at": latest and latest["first_contact_at"]}
        return view
    if name == "visits":
        return {vid: {"household": v["household"], "case": v["case"], "visited_on": v["visited_on"]}
                for vid, v in models.visits.items()}
    raise KeyError(name)


def station_record(station: dict) -> dict:
    return {"township": station["township_code"], "status": station["status"],
            "compliance": station.get("compliance_status") or UNEVALUATED}


def staff_record(member: dict) -> dict:
    return {"station": member["station_id"], "professional": bool(member["professional"])}


def household_record(household: dict) -> dict:
    return {"station": household["station_id"], "township": household["township_code"],
            "registered_on": household["registered_on"],
            "last_assessed_on": (household.get("archive") or {}).get("last_assessed_on")}


def case_record(case: dict) -> dict:
    crisis = case.get("crisis") or {}
    closed_on = (case.get("closure") or {}).get("closed_on") if case["stage"] == "closed" else None
    return {"station": case["station_id"], "domain": case["domain"], "stage": case["stage"],
            "opened_on": case["opened_on"], "closed_on": closed_on,
            "crisis_flagged_at": utc_text(crisis["flagged_at"]) if crisis.get("flagged_at") else None,
            "crisis_due_at": utc_text(crisis["contact_due_at"]) if crisis.get("contact_due_at") else None,
            "crisis_first_contact_at": utc_text(crisis["first_contact_at"]) if crisis.get("first_contact_at") else None}


def visit_record(visit: dict, household_id: str) -> dict:
    return {"household": household_id, "case": visit.get("case_id"), "visited_on": visit["visited_on"]}


def pseudonymised(name: str, source: dict[str, dict], withdrawn: dict) -> dict[str, dict]:
    """The source's view with the households whose consent was withdrawn under their read-model pseudonym."""
    state = {WITHDRAWN: withdrawn}
    if name == "households":
        return {str(household_key(state, hid)): record for hid, record in source.items()}
    if name in ("visits", "needs"):  # a need known only from a delivery names no household
        return {rid: {**record, "household": household_key(state, record["household"])} if "household" in record
                else record for rid, record in source.items()}
    return source


def differences(read_model: dict[str, dict], source: dict[str, dict]) -> list[dict]:
    """Every record and field where the two views disagree, in id order."""
    found = []
    for record_id in sorted(set(read_model) | set(source)):
        ours, theirs = read_model.get(record_id), source.get(record_id)
        if ours is None or theirs is None:
            found.append({"id": record_id, "field": None, "read_model": ours, "source": theirs})
            continue
        for field in sorted(set(ours) | set(theirs)):
            if ours.get(field) != theirs.get(field):
                found.append({"id": record_id, "field": field, "read_model": ours.get(field),
                              "source": theirs.get(field)})
    return found
