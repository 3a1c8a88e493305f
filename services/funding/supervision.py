"""Fund supervision and cost/outcome figures: pure arithmetic over totals, in integer fen.

The supervision view of a region has one row per funding source (a source is for one year):
allocated (budget lines in the region), contracted (committed to contracts), disbursed (paid),
flagged (held for review) and remaining (allocated − disbursed − flagged), plus, for the region's
own sources, what is not allocated yet. The use case feeds it totals the document store has
already summed per source (`cells`): budget lines carry allocated and committed money, and the
funding positions (one small document per contract and budget line, see contracts.positions)
carry what was paid and what is held. `naive_cells` computes the same cells from the raw documents
and every raw disbursement; it is the benchmark's baseline and the tests' cross-check.
"""
from __future__ import annotations

from services.common.auth import region_prefix

from .domain import divide_half_up

FIGURES = ("allocated_fen", "contracted_fen", "disbursed_fen", "flagged_fen")


def empty_cell() -> dict:
    return {name: 0 for name in FIGURES}


def naive_cells(region_code: str, lines: list[dict], contracts: list[dict], year: int | None = None) -> dict[str, dict]:
    """Cells by source id from raw budget lines and the raw disbursements of every contract."""
    prefix = region_prefix(region_code)
    in_view = {line["_id"]: line for line in lines
               if line["region_code"].startswith(prefix) and (year is None or line["year"] == year)}
    cells: dict[str, dict] = {}
    for allocated in in_view.values():
        cell = cells.setdefault(allocated["source_id"], empty_cell())
        cell["allocated_fen"] += allocated["amount_fen"]
    for contract in contracts:
        for commitment in contract.get("commitments", []):
            line = in_view.get(commitment["budget_line_id"])
            if line is not None:
                cells.setdefault(line["source_id"], empty_cell())["contracted_fen"] += commitment["amount_fen"]
        for payment in contract.get("disbursements", []):
            line = in_view.get(payment["budget_line_id"])
            if line is None:
                continue
            cell = cells.setdefault(line["source_id"], empty_cell())
            if payment["status"] == "paid":
                cell["disbursed_fen"] += payment["amount_fen"]
            elif payment["status"] == "held":
                cell["flagged_fen"] += payment["amount_fen"]
    return cells


def merge_cells(line_totals: list[dict], position_totals: list[dict]) -> dict[str, dict]:
    """Cells from the store's per-source sums of budget lines and of funding positions."""
    cells: dict[str, dict] = {}
    for row in line_totals:
        cell = cells.setdefault(row["_id"], empty_cell())
        cell["allocated_fen"] += int(row["allocated_fen"])
        cell["contracted_fen"] += int(row["contracted_fen"])
    for row in position_totals:
        cell = cells.setdefault(row["_id"], empty_cell())
        cell["disbursed_fen"] += int(row["paid_fen"])
        cell["flagged_fen"] += int(row["held_fen"])
    return cells


def _with_remaining(figures: dict) -> dict:
    return {**figures, "remaining_fen": figures["allocated_fen"] - figures["disbursed_fen"] - figures["flagged_fen"]}


def _add(total: dict, figures: dict) -> None:
    for name in FIGURES:
        total[name] += figures[name]


def view(region_code: str, cells: dict[str, dict], sources: dict[str, dict], own_sources: list[dict]) -> dict:
    """The supervision view: rows by source, subtotals by year and by kind, and totals."""
    unallocated = {s["_id"]: s["amount_fen"] - s["allocated_fen"] for s in own_sources}
    rows = []
    for source_id in sorted(set(cells) | set(unallocated)):
        meta = sources[source_id]
        figures = cells.get(source_id) or empty_cell()
        rows.append({"source_id": source_id, "source_name": meta["name"], "source_kind": meta["kind"],
                     "source_domain": meta["domain"], "year": meta["year"], "source_region_code": meta["region_code"],
                     **_with_remaining(figures), "unallocated_fen": unallocated.get(source_id)})
    rows.sort(key=lambda r: (-r["year"], r["source_kind"], r["source_id"]))
    by_year: dict[int, dict] = {}
    by_kind: dict[str, dict] = {}
    total = empty_cell()
    for row in rows:
        _add(by_year.setdefault(row["year"], empty_cell()), row)
        _add(by_kind.setdefault(row["source_kind"], empty_cell()), row)
        _add(total, row)
    return {
        "region_code": region_code,
        "rows": rows,
        "by_year": [{"year": y, **_with_remaining(f)} for y, f in sorted(by_year.items(), reverse=True)],
        "by_kind": [{"source_kind": k, **_with_remaining(f)} for k, f in sorted(by_kind.items())],
        "total": {**_with_remaining(total), "unallocated_fen": sum(unallocated.values())},
    }


# --- cost and outcome ---------------------------------------------------------------------------------
OUTCOMES = ("households_served", "households_assessed", "services_delivered", "volunteer_hours", "visits",
            "cases_closed")


def outcome_figures(activity: list[dict]) -> dict:
    """Platform figures from activity rows (one per consumed casework/volunteers event)."""
    households = {a["household_id"] for a in activity if a.get("household_id")}
    assessed = {a["household_id"] for a in activity if a["kind"] == "needs_assessed"}
    hours_tenths = sum(a.get("hours_tenths", 0) for a in activity
                       if a["kind"] == "service_delivered" and a.get("volunteer"))
    return {
        "households_served": len(households),
        "households_assessed": len(assessed),
        "services_delivered": sum(1 for a in activity if a["kind"] == "service_delivered"),
        "volunteer_hours": hours_tenths / 10,
        "visits": sum(1 for a in activity if a["kind"] == "visit_logged"),
        "cases_closed": sum(1 for a in activity if a["kind"] == "case_closed"),
    }


def unit_costs(disbursed_fen: int, outcomes: dict) -> dict:
    """Cost per household served, per visit and per volunteer hour, in fen (half up); None without a base."""
    return {
        "cost_per_household_fen": divide_half_up(disbursed_fen, outcomes["households_served"]),
        "cost_per_visit_fen": divide_half_up(disbursed_fen, outcomes["visits"]),
        "cost_per_volunteer_hour_fen": divide_half_up(disbursed_fen * 10, round(outcomes["volunteer_hours"] * 10)),
    }


def cost_outcome(region_code: str, year: int, spending: list[dict], activity: list[dict], child_region) -> dict:
    """spending: paid disbursements {source_id, source_name, source_kind, region_code, amount_fen};
    activity: rows with `township_code`; child_region(code) → the next region level inside the view."""
    outcomes = outcome_figures(activity)
    by_source: dict[str, dict] = {}
    for payment in spending:
        row = by_source.setdefault(payment["source_id"], {
            "source_id": payment["source_id"], "source_name": payment["source_name"],
            "source_kind": payment["source_kind"], "disbursed_fen": 0})
        row["disbursed_fen"] += payment["amount_fen"]
    by_kind: dict[str, int] = {}
    for row in by_source.values():
        by_kind[row["source_kind"]] = by_kind.get(row["source_kind"], 0) + row["disbursed_fen"]
    spent_by_region: dict[str, int] = {}
    for payment in spending:
        code = child_region(payment["region_code"])
        spent_by_region[code] = spent_by_region.get(code, 0) + payment["amount_fen"]
    activity_by_region: dict[str, list] = {}
    for row in activity:
        activity_by_region.setdefault(child_region(row["township_code"]), []).append(row)
    by_region = []
    for code in sorted(set(spent_by_region) | set(activity_by_region)):
        figures = outcome_figures(activity_by_region.get(code, []))
        spent = spent_by_region.get(code, 0)
        by_region.append({"region_code": code, "disbursed_fen": spent, **figures, **unit_costs(spent, figures)})
    total = sum(by_kind.values())
    return {
        "region_code": region_code, "year": year, "outcomes": outcomes,
        "by_source": [{**row, **unit_costs(row["disbursed_fen"], outcomes)}
                      for row in sorted(by_source.values(), key=lambda r: (r["source_kind"], r["source_id"]))],
        "by_kind": [{"source_kind": kind, "disbursed_fen": spent, **unit_costs(spent, outcomes)}
                    for kind, spent in sorted(by_kind.items())],
        "by_region": by_region,
        "total": {"disbursed_fen": total, **unit_costs(total, outcomes)},
    }
