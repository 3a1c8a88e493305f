"""Pure rules of the funding service: money, scopes, funding sources, budget lines and reservations.

No I/O here. Money is integer fen everywhere; nothing is ever rounded except a displayed ratio.

Where each limit lives (one aggregate document each, updated with optimistic concurrency):

- a funding source carries `allocated_fen`: budget lines never allocate more than `amount_fen`;
- a budget line carries `committed_fen`: contracts never take more from it than its `amount_fen`;
- a contract carries its amount, its milestones (`paid_fen`, `held_fen`) and its funding entries
  (per budget line: `committed_fen`, `paid_fen`, `held_fen`), and records its disbursements.

A disbursement therefore touches ONE document, the contract: the contract limit, the milestone limit
and the budget-line limit (what this line committed to this contract) are all checked against that
document and written in the same version-checked update as the disbursement record and its event.
No half-write is possible, and two concurrent disbursements can never both pass a limit: the
second one's update misses the version and is re-checked against the fresh document.

That works because the budget line's money is committed to the contract first (an encumbrance, as
in public finance: "contracted" in the supervision view). Committing, and allocating a source to a
budget line, do span two documents. They use a reservation:

1. reserve on the document that holds the limit (the source, or the budget line): its counter
   grows and a `pending` entry names the reservation, in one version-checked update;
2. write the dependent document (insert the budget line, or add the funding entry to the contract)
   with its event;
3. confirm: remove the `pending` entry. If step 2 fails, a compensating update releases the
   reservation instead. If the process dies between the steps, the `settle_reservations` timer finds
   pending entries older than `RESERVATION_LEASE` and settles each from the dependent document: it
   exists → confirm; it does not → release.

A crash can thus leave money reserved for a while (too little available, never too much); it can
never let an allocation exceed its source or a commitment exceed its budget line. The dependent
write refuses to proceed with a reservation older than half the lease, so the sweeper can never
release a reservation whose dependent write is still about to happen.

The fund supervision view does not add up disbursements per request. It sums two kinds of small
documents in the store: budget lines (allocated, committed) and funding positions, one per
contract and budget line (paid, held; contracts.positions). Positions are a read model: derived
from the contract, stamped with its version, saved right after each contract write, and repaired
from the contract's own events if the process dies in between. They never decide a limit.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.common.auth import ADMIN, EVALUATOR, REGION_ROLES, STATION_STAFF, SUPERVISOR, Viewer, region_prefix
from services.common.clock import jsonable, timestamp
from services.common.errors import PermissionDenied, RuleViolation, ValidationFailed

from . import earmarks

RESERVATION_LEASE = timedelta(minutes=10)


# --- money ---------------------------------------------------------------------------------
def yuan(fen: int) -> str:
    """12345678 → '123,456.78 元' (exact: integer arithmetic only)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d} 元"


def divide_half_up(numerator: int, denominator: int) -> int | None:
    """Integer division rounded half up; None when there is nothing to divide by."""
    if not denominator:
        return None
    return (2 * numerator + denominator) // (2 * denominator)


# --- regions and scopes ------------------------------------------------------------------------
def township_of(station_id: str) -> str:
    """Registry station ids are `ST<township code>`: the id says where the station is."""
    return station_id[2:]


def ancestors_and_self(code: str) -> list[str]:
    """Every division code a record in `code` belongs to: 321181001 → 320000, 321100, 321181, 321181001."""
    codes = [code[:2] + "0000"]
    if len(code) >= 4 and code[2:4] != "00":
        codes.append(code[:4] + "00")
    if len(code) >= 6 and code[4:6] != "00":
        codes.append(code[:6])
    if len(code) == 9:
        codes.append(code)
    return list(dict.fromkeys(codes))


def scope_codes(region_code: str, station_ids: Iterable[str] = ()) -> list[str]:
    """The region codes whose officials may see a record: its own region's chain and its stations'.

    Stored on each record so a scope filter is one condition on an array (the document store here cannot
    run a regex against array elements, and misses plain equality on an indexed array field).
    """
    codes: list[str] = []
    for code in [region_code, *(township_of(s) for s in station_ids)]:
        codes.extend(ancestors_and_self(code))
    return sorted(set(codes))


def level_codes(code: str) -> dict:
    """The province, city and county a region lies in (None above its own level), stored as scalar
    fields so a region view filters with one indexed equality instead of a prefix regex."""
    prefix = region_prefix(code) if len(code) == 6 else code
    return {"province_code": code[:2] + "0000",
            "city_code": code[:4] + "00" if len(prefix) >= 4 else None,
            "county_code": code[:6] if len(prefix) >= 6 else None}


def region_match(region_code: str) -> dict:
    """The filter selecting records whose `region_code` lies in `region_code` (see level_codes)."""
    depth = len(region_prefix(region_code))
    if depth == 2:
        return {"province_code": region_code}
    if depth == 4:
        return {"city_code": region_code}
    if depth == 6:
        return {"county_code": region_code}
    return {"region_code": region_code}


def viewer_scope_code(viewer: Viewer) -> str | None:
    """The viewer's region as the 6-digit code stored in `scope_codes` (321100, 320000, 321181)."""
    if not viewer.region:
        return None
    prefix = region_prefix(viewer.region)
    return prefix + "0" * (6 - len(prefix)) if len(prefix) < 6 else prefix


def sees(viewer: Viewer, record: dict) -> bool:
    if viewer.role == ADMIN:
        return True
    if viewer.role in (STATION_STAFF, SUPERVISOR):
        return bool(set(record.get("station_ids") or ()) & set(viewer.station_ids))
    code = viewer_scope_code(viewer)
    return viewer.role in (*REGION_ROLES, EVALUATOR) and code is not None and code in record.get("scope_codes", ())


def require_region_write(viewer: Viewer, region_code: str) -> None:
    """Money is managed by civil-affairs staff of the region and administrators, never by stations."""
    if viewer.role == STATION_STAFF:
        raise PermissionDenied("station staff do not manage funds")
    viewer.require_write(region_code=region_code)


def within(code: str, region_code: str) -> bool:
    return code.startswith(region_prefix(region_code))


# --- funding sources ----------------------------------------------------------------------------
def new_source(data: dict, source_id: str) -> dict:
    kind, domain = data["kind"], data.get("domain")
    problem = earmarks.kind_domain_problem(kind, domain)
    if problem:
        raise ValidationFailed.field("domain", problem)
    earmark = earmarks.normalise(kind, domain, data["region_code"], data.get("earmark") or {})
    return jsonable({
        "_id": source_id,
        "name": data["name"],
        "kind": kind,
        "domain": domain,
        "year": data["year"],
        "region_code": data["region_code"],
        **level_codes(data["region_code"]),
        "scope_codes": scope_codes(data["region_code"]),
        "station_ids": [],
        "funder": data["funder"],
        "document_number": data.get("document_number"),
        "amount_fen": data["amount_fen"],
        "allocated_fen": 0,
        "pending": {},
        "pending_count": 0,
        "earmark": earmark,
        "note": data.get("note"),
    })


def source_amount_change(source: dict, amount_fen: int) -> dict:
    if amount_fen < source["allocated_fen"]:
        raise RuleViolation(
            f"the source has already allocated {yuan(source['allocated_fen'])}; it cannot hold less",
            {"amount_fen": [f"at least {source['allocated_fen']} (already allocated)"]})
    return {"amount_fen": amount_fen}


def source_view(source: dict) -> dict:
    return {
        "id": source["_id"], "name": source["name"], "kind": source["kind"], "domain": source["domain"],
        "year": source["year"], "region_code": source["region_code"], "funder": source["funder"],
        "document_number": source.get("document_number"), "amount_fen": source["amount_fen"],
        "allocated_fen": source["allocated_fen"], "unallocated_fen": source["amount_fen"] - source["allocated_fen"],
        "earmark": source["earmark"], "note": source.get("note"), "version": source["_version"],
    }


# --- budget lines ---------------------------------------------------------------------------------
def new_budget_line(source: dict, data: dict, line_id: str) -> dict:
    """A budget line allocates part of a source to one station or one project of a region."""
    station_id = data.get("station_id")
    project = data.get("project")
    if bool(station_id) == bool(project):
        raise ValidationFailed.field("station_id", "name either a station or a project, not both")
    region_code = township_of(station_id) if station_id else data["project"]["region_code"]
    if not within(region_code, source["region_code"]):
        raise RuleViolation(f"{region_code} is outside the source's region {source['region_code']}",
                            {"station_id" if station_id else "project.region_code":
                             [f"must be within {source['region_code']}"]})
    domain = data.get("domain")
    problems = earmarks.problems(source["earmark"], domain=domain, station_ids=[station_id] if station_id else [],
                                 region_codes=[region_code], source_name=source["name"],
                                 check_domain=domain is not None)
    if problems:
        raise RuleViolation(problems[0], {"earmark": problems})
    return jsonable({
        "_id": line_id,
        "source_id": source["_id"],
        "source_name": source["name"],
        "source_kind": source["kind"],
        "source_domain": source["domain"],
        "funder_name": source["funder"]["name"],
        "year": source["year"],
        "region_code": region_code,
        **level_codes(region_code),
        "scope_codes": scope_codes(region_code),
        "station_id": station_id,
        "station_ids": [station_id] if station_id else [],
        "project": project,
        "domain": domain,
        "earmark": earmarks.narrow(source["earmark"], domain),
        "amount_fen": data["amount_fen"],
        "committed_fen": 0,
        "pending": {},
        "pending_count": 0,
        "note": data.get("note"),
    })


def budget_line_view(line: dict) -> dict:
    return {
        "id": line["_id"], "source_id": line["source_id"], "source_name": line["source_name"],
        "source_kind": line["source_kind"], "source_domain": line["source_domain"], "funder_name": line["funder_name"],
        "year": line["year"], "region_code": line["region_code"], "station_id": line.get("station_id"),
        "project": line.get("project"), "domain": line.get("domain"), "earmark": line["earmark"],
        "amount_fen": line["amount_fen"], "committed_fen": line["committed_fen"],
        "uncommitted_fen": line["amount_fen"] - line["committed_fen"], "note": line.get("note"),
        "version": line["_version"],
    }


def covers_contract(line: dict, contract: dict) -> str | None:
    """Why this budget line cannot fund this contract, or None."""
    if line.get("station_id"):
        if line["station_id"] not in contract["station_ids"]:
            return f"budget line {line['_id']} is for station {line['station_id']}, which this contract does not run"
    else:
        outside = [s for s in contract["station_ids"] if not within(township_of(s), line["region_code"])]
        if outside:
            return (f"budget line {line['_id']} is for {line['region_code']}; "
                    f"stations {', '.join(outside)} are outside it")
    start, end = contract["period"]["start"][:4], contract["period"]["end"][:4]
    if not start <= str(line["year"]) <= end:
        return f"budget line {line['_id']} is for {line['year']}, outside the contract period {start}–{end}"
    return None


# --- reservations (see the module docstring) -------------------------------------------------------
def reserve(holder: dict, counter: str, reservation_id: str, amount_fen: int, now: datetime,
            what: str, extra: dict | None = None) -> dict:
    """Changes that reserve `amount_fen` of `holder` (a source or a budget line) under `counter`."""
    available = holder["amount_fen"] - holder[counter]
    if amount_fen > available:
        raise RuleViolation(
            f"{what} {holder['_id']} has {yuan(available)} left; {yuan(amount_fen)} is more than that",
            {"amount_fen": [f"at most {available} fen is available"]})
    pending = {**holder.get("pending", {}), reservation_id: {"amount_fen": amount_fen, "at": timestamp(now),
                                                             **(extra or {})}}
    return {counter: holder[counter] + amount_fen, "pending": pending, "pending_count": len(pending)}


def confirm(holder: dict, reservation_id: str) -> dict | None:
    """Changes that make a reservation final (None if it is not pending any more)."""
    if reservation_id not in holder.get("pending", {}):
        return None
    pending = {k: v for k, v in holder["pending"].items() if k != reservation_id}
    return {"pending": pending, "pending_count": len(pending)}


def release(holder: dict, counter: str, reservation_id: str) -> dict | None:
    """Changes that give a pending reservation back (None if it is not pending any more)."""
    entry = holder.get("pending", {}).get(reservation_id)
    if entry is None:
        return None
    pending = {k: v for k, v in holder["pending"].items() if k != reservation_id}
    return {counter: holder[counter] - entry["amount_fen"], "pending": pending, "pending_count": len(pending)}


def reservation_is_fresh(holder: dict, reservation_id: str, now: datetime) -> bool:
    """A dependent write may only follow a reservation well inside its lease (see the docstring)."""
    entry = holder.get("pending", {}).get(reservation_id)
    return entry is not None and now - datetime.fromisoformat(entry["at"]) < RESERVATION_LEASE / 2


def stale_reservations(holder: dict, now: datetime) -> list[str]:
    return [rid for rid, entry in holder.get("pending", {}).items()
            if now - datetime.fromisoformat(entry["at"]) >= RESERVATION_LEASE]


# --- reference data ------------------------------------------------------------------------------------
def local_wage(wages: dict[tuple[str, int], dict], region_code: str, year: int) -> dict | None:
    """The most local average wage (county, city, province) of the latest year up to `year`: the
    statistics of a year are published in the spring after it, so recent years fall back to the last
    published figure (the contract records which one it used)."""
    candidates = list(dict.fromkeys([region_code[:6], region_code[:4] + "00", region_code[:2] + "0000"]))
    for code in candidates:
        years = [y for (c, y) in wages if c == code and y <= year]
        if years:
            return wages[(code, max(years))]
    return None


def effective_region(viewer: Viewer, region_code: str) -> str | None:
    """The part of `region_code` this viewer may see: the region itself, the viewer's own region when
    it lies inside the one asked for, or None when the two do not overlap. Station roles see the
    region, narrowed to their stations by the caller."""
    if viewer.role in (ADMIN, STATION_STAFF, SUPERVISOR):
        return region_code
    own = viewer_scope_code(viewer)
    if viewer.role not in (*REGION_ROLES, EVALUATOR) or own is None:
        return None
    if within(region_code, own):
        return region_code
    if within(own, region_code):
        return own
    return None


def child_region(view_code: str):
    """The next level down inside a view: province → cities, city → counties, county → townships."""
    depth = len(region_prefix(view_code))
    if depth <= 2:
        return lambda code: code[:4] + "00"
    if depth <= 4:
        return lambda code: code[:6]
    return lambda code: code
