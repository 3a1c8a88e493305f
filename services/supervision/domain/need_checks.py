"""The needs read model checked against its two sources: casework's archives (what each assessment listed)
and volunteers' needs (what was delivered). Both sides are reduced to {need id: {field: value}}, as
checks.py does for the other read models.

What is compared, and why only that:
- from the archives, for each need an assessment ever sent to matching (needs.assessed leaves out the needs
  withheld from matching, so the source leaves them out too): household, station, township, domain, the day it
  was first assessed, and whether the latest assessment still lists it (`current`). These are what the
  NEED_UNMET alert and the outcome figures read. The station and township are the household's as casework
  has them now, which is what its latest assessment carried;
- from volunteers, the first day a service was delivered for the need (a completed task): the read model's
  `delivered_on`, folded from service.delivered;
- not the number of "matching found nobody" reports: volunteers keeps only a need's current unmet state, not
  each report, so no source can recount it. A need the read model knows only from such reports (never in an
  archive, never delivered) is therefore left out of both sides;
- not need types and severities: they are personal detail, purged from the read model on a withdrawal.
Pure: the read model's needs and the sources' answers go in.
"""
from __future__ import annotations

ARCHIVE_FIELDS = ("household", "station", "township", "domain", "first_assessed_on", "current")


def read_model_view(needs: dict) -> dict[str, dict]:
    view = {}
    for need_id, need in needs.items():
        if "household" in need:  # folded from an assessment
            view[need_id] = {**{k: need.get(k) for k in ARCHIVE_FIELDS}, "delivered_on": need.get("delivered_on")}
        elif need.get("delivered_on"):  # known only from a delivery
            view[need_id] = {"delivered_on": need["delivered_on"]}
    return view


def archive_records(household: dict, history: list[dict]) -> dict[str, dict]:
    """The needs of one household's archive versions (oldest first), as the read model folds them."""
    records: dict[str, dict] = {}
    latest: set[str] = set()
    for version in history:
        withheld = set(version.get("withheld_from_matching") or ())
        latest = {n["need_id"] for n in version["needs"] if n["need_id"] not in withheld}
        for need in version["needs"]:
            if need["need_id"] in withheld:
                continue
            known = records.get(need["need_id"])
            first = min(known["first_assessed_on"], version["assessed_on"]) if known else version["assessed_on"]
            records[need["need_id"]] = {"household": household["id"], "station": household["station_id"],
                                        "township": household["township_code"], "domain": need["domain"],
                                        "first_assessed_on": first}
    return {need_id: {**record, "current": need_id in latest} for need_id, record in records.items()}


def first_delivery(need: dict) -> str | None:
    """The first day a task of a volunteers' need was completed, or None."""
    days = [t["completed_on"] for t in need.get("tasks", [])
            if t.get("status") == "completed" and t.get("completed_on")]
    return min(days) if days else None


def source_view(households: list[dict], histories: dict[str, list[dict]],
                volunteer_needs: list[dict]) -> dict[str, dict]:
    """casework's households and their archive histories, and every need volunteers holds (a need asked for
    in volunteers directly is in no archive, but its delivery is in the read model)."""
    view: dict[str, dict] = {}
    for household in households:
        for need_id, record in archive_records(household, histories.get(household["id"], [])).items():
            view[need_id] = {**record, "delivered_on": None}
    for need in volunteer_needs:
        delivered = first_delivery(need)
        if need["id"] in view:
            view[need["id"]]["delivered_on"] = delivered
        elif delivered:
            view[need["id"]] = {"delivered_on": delivered}
    return view
