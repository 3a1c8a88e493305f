"""A stock line (one item at one station) with its donated lots and every movement, so a distribution can
never take it below zero (the version check serialises writers)."""
from __future__ import annotations

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.errors import RuleViolation, ValidationFailed

from .. import matching
from .common import derived_id


def stock_id_for(station_id: str, category: str, item: str, unit: str) -> str:
    """One stock line per (station, item, unit): donations of the same goods add up."""
    if category == "money":
        return f"{station_id}:money"
    return derived_id("stk", station_id, category, item.strip(), unit.strip())


def new_lot(donation: dict, donation_id: str, quantity: int) -> dict:
    restrictions = donation.get("restrictions") or {}
    return jsonable({
        "donation_id": donation_id,
        "quantity": quantity,
        "remaining": quantity,
        "received_on": donation["received_on"],
        "donor": donation["donor_view"],
        "restrictions": {"domains": sorted(restrictions.get("domains") or []),
                         "region_code": restrictions.get("region_code"),
                         "beneficiary_groups": sorted(restrictions.get("beneficiary_groups") or [])},
        "notes": donation.get("notes"),
    })


def on_hand(stock: dict) -> int:
    return sum(lot["remaining"] for lot in stock["lots"])


def allocate(stock: dict, quantity: int, domain: str, region_code: str, groups) -> tuple[list[dict], list[dict]]:
    """Take `quantity` from the lots this household may receive: (lots taken, lots after).

    Restricted lots meant for this household go first (earmarked gifts are used as the donor
    intended), then the oldest. Refuses, with the reason, rather than go below zero or break an earmark.
    """
    if quantity <= 0:
        raise ValidationFailed.field("quantity", "must be at least 1")
    available = on_hand(stock)
    if quantity > available:
        raise RuleViolation(f"only {available} {stock['unit']} of {stock['item']} on hand; {quantity} requested",
                            {"quantity": [f"at most {available}"]})
    eligible: list[dict] = []
    blocked: dict[str, int] = {}
    for lot in stock["lots"]:
        if lot["remaining"] == 0:
            continue
        problem = matching.earmark_problem(lot["restrictions"], domain, region_code, groups)
        if problem:
            blocked[problem] = blocked.get(problem, 0) + lot["remaining"]
        else:
            eligible.append(lot)
    usable = sum(lot["remaining"] for lot in eligible)
    if quantity > usable:
        why = "; ".join(f"{amount} {stock['unit']} {reason}" for reason, amount in sorted(blocked.items()))
        raise RuleViolation(f"earmark: only {usable} of {available} {stock['unit']} on hand may go to this "
                            f"household ({why}); {quantity} requested", {"quantity": [f"at most {usable} here"]})
    eligible.sort(key=lambda lot: (not _restricted(lot), lot["received_on"], lot["donation_id"]))
    wanted, taken = quantity, {}
    for lot in eligible:
        if wanted == 0:
            break
        take = min(wanted, lot["remaining"])
        taken[lot["donation_id"]] = take
        wanted -= take
    lots = [{**lot, "remaining": lot["remaining"] - taken.get(lot["donation_id"], 0)} for lot in stock["lots"]]
    return [{"donation_id": k, "quantity": v} for k, v in taken.items()], lots


def _restricted(lot: dict) -> bool:
    r = lot["restrictions"]
    return bool(r["domains"] or r["region_code"] or r["beneficiary_groups"])


def stock_view(stock: dict, viewer: Viewer) -> dict:
    return {
        "id": stock["_id"], "station_id": stock["station_id"], "township_code": stock["township_code"],
        "kind": stock["kind"], "category": stock["category"], "item": stock["item"], "unit": stock["unit"],
        "on_hand": on_hand(stock),
        "earmarked": sum(lot["remaining"] for lot in stock["lots"] if _restricted(lot)),
        "lots": [lot_view(lot, viewer) for lot in stock["lots"] if lot["remaining"] > 0],
        "version": stock["_version"],
    }


def lot_view(lot: dict, viewer: Viewer) -> dict:
    """A donated lot as callers see it: the donor's phone masked (its ciphertext stays inside), an
    individual donor's name as the masking policy says; an organisation's name is not personal data."""
    donor = {k: v for k, v in lot["donor"].items() if k != "phone_encrypted"}
    if donor.get("kind") == "individual" and donor.get("name"):
        donor["name"] = masking.shown("CharityDonor.name", viewer, donor["name"])
    return {**lot, "donor": donor}


def stock_candidate(doc: dict) -> matching.StockCandidate:
    return matching.StockCandidate(id=doc["_id"], name=doc["item"], category=doc["category"], unit=doc["unit"],
                                   township_code=doc["township_code"],
                                   lots=tuple(lot for lot in doc["lots"] if lot["remaining"] > 0))
