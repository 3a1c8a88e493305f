"""How each read model follows the events: `fold(state, event) -> state`, one function per contract.

The read models hold only what the roll-ups need (codes, dates, statuses; never names or ID numbers),
keyed by the producer's ids (a household's id replaced by a pseudonym once its consent is withdrawn),
so applying an event twice leaves the same state (upserts, and sets for dates). The kernel's Projection
hands each fold a state freshly read from the store for its batch, so updating it in place is safe and
avoids copying a large map once per event.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from services.common import clock
from services.common.clock import CHINA_STANDARD_TIME


def china_date(moment: str) -> str:
    """The date in Beijing of an ISO timestamp: what "opened on" and "flagged on" mean at a station."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(CHINA_STANDARD_TIME).date().isoformat()


def utc_text(moment: str) -> str:
    """ISO timestamps of any offset as fixed-width UTC text, so comparing the texts compares the moments."""
    return clock.timestamp(clock.parse_timestamp(moment))


# --- stations (registry) ----------------------------------------------------------------------------
def station_registered(state: dict, event) -> dict:
    p = event.payload
    stations = state.setdefault("stations", {})
    known = stations.get(p["station_id"], {})
    stations[p["station_id"]] = {**known, "township": p["township_code"], "status": p["status"],
                                 "registered_on": known.get("registered_on") or china_date(event.occurred_at),
                                 "compliance": known.get("compliance"), "rules": known.get("rules", {})}
    return state


def station_updated(state: dict, event) -> dict:
    p = event.payload
    station = state.setdefault("stations", {}).setdefault(
        p["station_id"], {"township": p["region_code"], "registered_on": china_date(event.occurred_at),
                          "compliance": None, "rules": {}})
    station["status"] = p["status"]
    station["township"] = p["region_code"]
    return state


def compliance_changed(state: dict, event) -> dict:
    p = event.payload
    station = state.setdefault("stations", {}).setdefault(
        p["station_id"], {"township": p["region_code"], "status": "unknown",
                          "registered_on": china_date(event.occurred_at), "rules": {}})
    if p["status"] == "not_met" and station.get("compliance") != "not_met":
        station["not_met_since"] = p["as_of"]  # when this spell of non-compliance began: the alert's identity
    station["compliance"] = p["status"]
    station["compliance_as_of"] = p["as_of"]
    station["rules"] = {rule: result["status"] for rule, result in p["rules"].items()}
    return state


# --- staff (registry) --------------------------------------------------------------------------------
def staff_joined(state: dict, event) -> dict:
    p = event.payload
    staff = state.setdefault("staff", {})
    known = staff.get(p["staff_id"], {})
    staff[p["staff_id"]] = {"station": p["station_id"], "township": p["region_code"], "role": p["role"],
                            "professional": bool(p["professional"] or known.get("professional")),
                            "joined": p["employment_start"], "left": None, "training": known.get("training", {}),
                            "training_on": known.get("training_on", {})}
    return state


def staff_left(state: dict, event) -> dict:
    p = event.payload
    member = state.setdefault("staff", {}).get(p["staff_id"])
    if member is not None:
        member["left"] = p["employment_end"]
    return state


def qualification_recorded(state: dict, event) -> dict:
    member = state.setdefault("staff", {}).get(event.payload["staff_id"])
    if member is not None and event.payload["professional"]:
        member["professional"] = True
    return state


def training_recorded(state: dict, event) -> dict:
    p = event.payload
    member = state.setdefault("staff", {}).get(p["staff_id"])
    if member is not None:
        # The producer states the year's total with each record: taking it (not adding hours) keeps a
        # replayed record from counting twice.
        member.setdefault("training", {})[p["date"][:4]] = p["year_total_hours"]
        # Dated too, so a scorecard as of a past day reads the total of that day (domain/indicators.py).
        member.setdefault("training_on", {})[p["date"]] = p["year_total_hours"]
    return state


# --- households and needs archives (casework) -------------------------------------------------------
def household_registered(state: dict, event) -> dict:
    p = event.payload
    households = state.setdefault("households", {})
    key = household_key(state, p["household_id"])
    known = households.get(key, {})
    households[key] = {**known, "station": p["station_id"], "township": p["township_code"],
                       "registered_on": p["registered_on"], "assessed_on": known.get("assessed_on", [])}
    return state


def needs_assessed(state: dict, event) -> dict:
    p = event.payload
    household = state.setdefault("households", {}).setdefault(
        household_key(state, p["household_id"]), {"station": p["station_id"], "township": p["township_code"],
                                                  "registered_on": p["assessed_on"], "assessed_on": []})
    household["assessed_on"] = sorted({*household["assessed_on"], p["assessed_on"]})
    return state


# --- cases and crisis first contact (casework) -------------------------------------------------------
def case_opened(state: dict, event) -> dict:
    p = event.payload
    cases = state.setdefault("cases", {})
    cases[p["case_id"]] = {**cases.get(p["case_id"], {}), "station": p["station_id"], "township": p["township_code"],
                           "household": household_key(state, p["household_id"]), "domain": p["domain"],
                           "stage": "intake", "opened_on": p["opened_on"], "closed_on": None, "outcome": None}
    return state


def case_stage_changed(state: dict, event) -> dict:
    p = event.payload
    case = state.setdefault("cases", {}).get(p["case_id"])
    if case is not None:
        case["stage"] = p["to_stage"]
        case["domain"] = p["domain"]
        if p["to_stage"] != "closed":
            case["closed_on"] = None  # reopened: it counts as open again
            case["outcome"] = None
    return state


def case_closed(state: dict, event) -> dict:
    p = event.payload
    case = state.setdefault("cases", {}).setdefault(
        p["case_id"], {"station": p["station_id"], "township": p["township_code"], "household": None,
                       "domain": p["domain"], "opened_on": p["opened_on"]})
    case.update({"stage": "closed", "closed_on": p["closed_on"], "outcome": p["outcome"]})
    return state


def crisis_flagged(state: dict, event) -> dict:
    p = event.payload
    episodes = state.setdefault("crisis", {}).setdefault(p["case_id"], [])
    flagged_at = utc_text(p["flagged_at"])
    if not any(e["flagged_at"] == flagged_at for e in episodes):
        episodes.append({"station": p["station_id"], "township": p["township_code"], "domain": p["domain"],
                         "flagged_at": flagged_at, "due_at": utc_text(p["contact_due_at"]),
                         "first_contact_at": None, "overdue_detected_at": None})
    return state


def crisis_contact_overdue(state: dict, event) -> dict:
    p = event.payload
    flagged_at = utc_text(p["flagged_at"])
    for episode in state.setdefault("crisis", {}).get(p["case_id"], []):
        if episode["flagged_at"] == flagged_at and episode["overdue_detected_at"] is None:
            episode["overdue_detected_at"] = utc_text(p["detected_at"])
    return state


def first_contact(state: dict, event) -> dict:
    """A visit on a crisis case awaiting contact is its first contact (the producer's own rule)."""
    p = event.payload
    if not p["case_id"]:
        return state
    contact_at = utc_text(p["contact_at"]) if p.get("contact_at") else _end_of_china_day(p["visited_on"])
    for episode in state.setdefault("crisis", {}).get(p["case_id"], []):
        if episode["first_contact_at"] is None and contact_at >= episode["flagged_at"]:
            episode["first_contact_at"] = contact_at
    return state


def _end_of_china_day(day: str) -> str:
    # A v1 visit says only its date: counting it at the day's last moment never calls a late contact timely.
    end = datetime.combine(date.fromisoformat(day), datetime.max.time(), CHINA_STANDARD_TIME)
    return clock.timestamp(end)


# --- visits (casework) --------------------------------------------------------------------------------
def visit_logged(state: dict, event) -> dict:
    p = event.payload
    state.setdefault("visits", {})[p["visit_id"]] = {"station": p["station_id"], "township": p["township_code"],
                                                     "household": household_key(state, p["household_id"]),
                                                     "case": p["case_id"],
                                                     "visited_on": p["visited_on"]}
    return state


# --- needs and whether they were met (casework's archive, volunteers' deliveries) --------------------
# Catch-up replays one producer after the other, so these folds commute: a delivery folded before the
# assessment that names its need keeps its date when the assessment arrives, and the other way round.
def _need(state: dict, need_id: str) -> dict:
    return state.setdefault("needs", {}).setdefault(need_id, {"current": False, "delivered_on": None,
                                                              "unmet_reports": 0, "last_unmet_reason": None})


def needs_in_archive(state: dict, event) -> dict:
    """The household's needs as this assessment lists them: those it no longer lists are no longer open."""
    p = event.payload
    listed = {need["need_id"] for need in p["needs"]}
    households = state.setdefault("household_needs", {})
    key = household_key(state, p["household_id"])
    withdrawn = key != p["household_id"]
    for dropped in set(households.get(key, [])) - listed:
        _need(state, dropped)["current"] = False
    for item in p["needs"]:
        need = _need(state, item["need_id"])
        first = need.get("first_assessed_on")
        need.update({"household": key, "station": p["station_id"], "township": p["township_code"],
                     "domain": item["domain"], "need_type": None if withdrawn else item["need_type"],
                     "severity": None if withdrawn else item["severity"],
                     "first_assessed_on": min(first, p["assessed_on"]) if first else p["assessed_on"],
                     "current": True, **({"withdrawn": True} if withdrawn else {})})
    households[key] = sorted(listed)
    return state


def need_served(state: dict, event) -> dict:
    need = _need(state, event.payload["need_id"])
    delivered = event.payload["delivered_on"]
    need["delivered_on"] = min(need["delivered_on"], delivered) if need["delivered_on"] else delivered
    return state


def need_reported_unmet(state: dict, event) -> dict:
    need = _need(state, event.payload["need_id"])
    reports = set(need.get("unmet_events", []))
    if event.id not in reports:  # a count must not grow when the same report is folded again
        need["unmet_events"] = sorted({*reports, event.id})
        need["unmet_reports"] = len(need["unmet_events"])
        need["last_unmet_reason"] = None if need.get("withdrawn") else event.payload["reason"]
    return state


# --- withdrawn consent (casework) ----------------------------------------------------------------------
# A person who withdraws consent takes their household's identity out of every read model at once: its
# records stay (the figures count them) under a pseudonym made from the withdrawal event, marked withdrawn,
# and what they said about the household (need types and severities) is dropped. The state keeps only a
# one-way digest of the household id, so that its later events fold into the same pseudonymous record.
# Replaying the history purges again: the pseudonym comes from the event, so a rebuild gives the same state.
WITHDRAWN = "withdrawn_households"
PSEUDONYM_PREFIX = "withdrawn-"
PERSONAL_NEED_FIELDS = ("need_type", "severity", "last_unmet_reason")


def _digest(household_id: str) -> str:
    return hashlib.sha256(household_id.encode()).hexdigest()


def household_key(state: dict, household_id: str | None) -> str | None:
    """The key a household's records are kept under: its id, or its pseudonym once consent was withdrawn."""
    if household_id is None:
        return None
    return state.get(WITHDRAWN, {}).get(_digest(household_id), household_id)


def is_withdrawn(key: str | None) -> bool:
    return bool(key) and str(key).startswith(PSEUDONYM_PREFIX)


def pseudonym_of(state: dict, household_id: str, event_id: str) -> str:
    """The household's pseudonym: the first withdrawal's, kept for every later one (so replays agree)."""
    withdrawn = state.setdefault(WITHDRAWN, {})
    digest = _digest(household_id)
    if digest not in withdrawn:
        withdrawn[digest] = PSEUDONYM_PREFIX + hashlib.sha256(event_id.encode()).hexdigest()[:16]
    return withdrawn[digest]


def consent_withdrawn(state: dict, event) -> dict:
    """Every read model that links records to the household: its records now point at the pseudonym."""
    household_id = event.payload["household_id"]
    alias = pseudonym_of(state, household_id, event.id)
    households = state.get("households")
    if households is not None and household_id in households:
        households[alias] = {**households.pop(household_id), "withdrawn": True}
    for section in ("cases", "visits"):
        for record in state.get(section, {}).values():
            if record.get("household") == household_id:
                record["household"] = alias
    needs_of = state.get("household_needs")
    if needs_of is not None and household_id in needs_of:
        needs_of[alias] = needs_of.pop(household_id)
    for need in state.get("needs", {}).values():
        if need.get("household") in (household_id, alias):
            need.update({"household": alias, "withdrawn": True, **dict.fromkeys(PERSONAL_NEED_FIELDS)})
    return state
