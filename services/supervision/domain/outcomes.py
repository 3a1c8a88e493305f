"""Money to service to outcome: what a contract, or one disbursement of it, paid for at the contract's stations
in its period, and what each household served, visit and positively closed case cost, by fund source.

Definitions (docs/supervision.md, "Money to service to outcome", repeats them):
- a contract's period is its own (period start to end, as last amended); a disbursement covers its contract's
  start up to the day it was paid (or the period's end if paid later): the window funding measured the
  milestone's evidence over (services/funding/contracts.py, measurement_window), read here from the events;
- visits, cases opened, closed and positively closed (closure outcome `achieved`), and volunteer hours approved
  count what happened at the contract's stations within the window (both ends included);
- households served: distinct households visited in the window, with a case open at any time in it, or with a
  need served (a delivery) in it;
- money by fund source: committed to the contract (less what its closing returned), paid (disbursements made)
  and held (flagged, unresolved); a disbursement's money is its own amount, from its one source, once paid;
- cost per X = money paid ÷ count of X, in whole fen rounded half up; null with the reason when the count is 0.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.contracts.supervision import OUTCOME_RECORD_KINDS
from services.contracts.vocabulary import OUTCOMES

from .figures import ReadModels
from .indicators import of_stations
from .outcome_folds import HELD, PAID
from .scorecard import masked

POSITIVE_OUTCOME = OUTCOMES[0]  # "achieved": the case's goals were met
RECORD_KINDS = OUTCOME_RECORD_KINDS
UNITS = {"household": ("households_served", "no households were served in the period"),
         "visit": ("visits", "no visits were logged in the period"),
         "positive_closure": ("cases_closed_positively", "no case was closed positively in the period")}


@dataclass(frozen=True)
class Window:
    start: str
    end: str

    def holds(self, day: str | None) -> bool:
        return day is not None and self.start <= day[:10] <= self.end


def contract_window(contract: dict) -> Window:
    return Window(contract["period_start"], contract["period_end"])


def disbursement_window(contract: dict, disbursement: dict) -> Window:
    return Window(contract["period_start"], min(disbursement["paid_on"], contract["period_end"]))


def _record(kind: str, record_id: str, station: str | None, day: str | None, **detail) -> dict:
    return {"kind": kind, "id": record_id, "station_id": station, "date": day,
            "detail": {k: v for k, v in detail.items() if v is not None}}


def service_records(models: ReadModels, station_ids: list[str], window: Window) -> dict[str, list[dict]]:
    """The records behind the service figures, by kind, each in day then id order."""
    mine = of_stations(models, frozenset(station_ids))
    visits = [_record("visit", vid, v["station"], v["visited_on"], household=v.get("household"), case=v.get("case"))
              for vid, v in mine.visits.items() if window.holds(v["visited_on"])]
    cases = []
    for cid, c in mine.cases.items():
        closed_on = c.get("closed_on") if c.get("stage") == "closed" else None
        opened_in, closed_in = window.holds(c.get("opened_on")), window.holds(closed_on)
        active = (c.get("opened_on") or "") <= window.end and (closed_on is None or closed_on >= window.start)
        if active:
            cases.append(_record("case", cid, c["station"], c.get("opened_on"), household=c.get("household"),
                                 domain=c.get("domain"), opened_in_period=opened_in, closed_in_period=closed_in,
                                 closed_on=closed_on, outcome=c.get("outcome") if closed_on else None,
                                 positive=closed_in and c.get("outcome") == POSITIVE_OUTCOME))
    hours = [_record("volunteer_hours", hid, h["station"], h["approved_on"], volunteer=h.get("volunteer"),
                     hours=h["hours"]) for hid, h in mine.hours.items() if window.holds(h["approved_on"])]
    served: dict[str, dict] = {}

    def serve(household: str | None, station: str, day: str | None, how: str) -> None:
        if not household:
            return
        entry = served.setdefault(household, {"station": station, "first": day, "how": set()})
        entry["how"].add(how)
        if day and (not entry["first"] or day < entry["first"]):
            entry["first"] = day
    for visit in visits:
        serve(visit["detail"].get("household"), visit["station_id"], visit["date"], "visited")
    for case in cases:
        serve(case["detail"].get("household"), case["station_id"], max(case["date"] or "", window.start), "case")
    for need in mine.needs.values():
        if window.holds(need.get("delivered_on")):
            serve(need.get("household"), need.get("station"), need["delivered_on"], "need_served")
    households = [_record("household", key, s["station"], s["first"], household=key, served_by=sorted(s["how"]))
                  for key, s in served.items()]
    ordered = {"household": households, "visit": visits, "case": cases, "volunteer_hours": hours}
    return {kind: sorted(records, key=lambda r: (r["date"] or "", r["id"])) for kind, records in ordered.items()}


def service_figures(records: dict[str, list[dict]]) -> dict:
    cases = records["case"]
    return {"households_served": len(records["household"]), "visits": len(records["visit"]),
            "cases_opened": sum(1 for c in cases if c["detail"]["opened_in_period"]),
            "cases_closed": sum(1 for c in cases if c["detail"]["closed_in_period"]),
            "cases_closed_positively": sum(1 for c in cases if c["detail"]["positive"]),
            "volunteer_hours": round(sum(h["detail"]["hours"] for h in records["volunteer_hours"]), 2)}


def contract_money(contract: dict, disbursements: list[dict]) -> list[dict]:
    """One row per fund source: committed, paid and held fen, in source id order."""
    rows: dict[str, dict] = {}

    def row(source_id: str, kind: str) -> dict:
        return rows.setdefault(source_id, {"source_id": source_id, "source_kind": kind, "committed_fen": 0,
                                           "paid_fen": 0, "held_fen": 0})
    for commitment in contract.get("funding", {}).values():
        row(commitment["source_id"], commitment["source_kind"])["committed_fen"] += commitment["amount_fen"]
    for source_id, returned in contract.get("returned_by_source", {}).items():
        if source_id in rows:  # a return is always of a commitment folded before it
            rows[source_id]["committed_fen"] -= returned
    for payment in disbursements:
        if payment["status"] == PAID:
            row(payment["source_id"], payment["source_kind"])["paid_fen"] += payment["amount_fen"]
        elif payment["status"] == HELD:
            row(payment["source_id"], payment["source_kind"])["held_fen"] += payment["amount_fen"]
    return [rows[key] for key in sorted(rows)]


def divide_fen(money_fen: int, count: int | float) -> int:
    """money ÷ count in whole fen, halves rounded up (count > 0)."""
    return int((2 * money_fen + count) // (2 * count))


def costs(paid_fen: int, figures: dict) -> dict:
    """{unit: {fen, reason}} for each unit of UNITS: money ÷ count, or null with why."""
    found = {}
    for unit, (figure, reason) in UNITS.items():
        count = figures[figure]
        found[unit] = {"fen": divide_fen(paid_fen, count), "reason": None} if count else {"fen": None,
                                                                                          "reason": reason}
    return found


def outcome(subject: dict, window: Window, money_rows: list[dict], records: dict[str, list[dict]]) -> dict:
    """The outcome view: the subject, the window, the service figures and money and cost per fund source."""
    figures = service_figures(records)
    total = {"source_id": None, "source_kind": None,
             **{key: sum(r[key] for r in money_rows) for key in ("committed_fen", "paid_fen", "held_fen")}}
    return {**subject, "period": {"from": window.start, "to": window.end}, "service": figures,
            "by_source": [{**r, "cost": costs(r["paid_fen"], figures)} for r in money_rows],
            "total": {**total, "cost": costs(total["paid_fen"], figures)},
            "positive_outcome": POSITIVE_OUTCOME}


def records_page(records: dict[str, list[dict]], kind: str, offset: int, limit: int, for_evaluator: bool) -> dict:
    """The records of one kind behind the figures, a page at a time (cursor: the offset), masked for evaluators."""
    rows = records[kind]
    page = rows[offset:offset + limit]
    following = offset + limit
    return {"items": [masked(r, for_evaluator) for r in page], "total": len(rows),
            "next_cursor": str(following) if following < len(rows) else None}
