"""Charity: donations received into a station's stock lines, distributions to households, their returns."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, Conflict, ValidationFailed
from services.common.events import event_by
from services.common.ids import new_id
from services.common.protection import mask_phone
from services.common.rpc import load
from services.common.storage import retry_commuting
from services.contracts import volunteers as events

from .. import domain, schemas
from . import Volunteering, access


def receive_donation(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.DonationInputSchema, data)
    township = access.require_station_write(viewer, data["station_id"])
    if data["received_on"] > clock.today():
        raise ValidationFailed.field("received_on", "cannot be in the future")
    restrictions = data["restrictions"]
    if restrictions.get("region_code") and not (restrictions["region_code"].startswith(township[:6])
                                                or township.startswith(restrictions["region_code"])):
        raise ValidationFailed.field("restrictions.region_code", "must lie within or contain the station's county")
    if data["kind"] == "money":
        category, item, unit, quantity = "money", "善款", "fen", data["amount_fen"]
    else:
        goods = data["goods"]
        category, item, unit, quantity = (goods["category"], goods["name"].strip(), goods["unit"].strip(),
                                          goods["quantity"])
    donor = data["donor"]
    donation = {**data, "donor_view": {
        "kind": donor["kind"], "name": None if donor["kind"] == "anonymous" else donor.get("name"),
        "credit_code": donor.get("credit_code"), "phone": mask_phone(donor.get("phone")),
        "phone_encrypted": ctx.cipher.encrypt(donor.get("phone"))}}
    donation_id = new_id("don")
    lot = domain.new_lot(donation, donation_id, quantity)
    stock_id = domain.stock_id_for(data["station_id"], category, item, unit)
    received = event_by(viewer, events.DONATION_RECEIVED, {
        "donation_id": donation_id, "stock_id": stock_id, "station_id": data["station_id"],
        "township_code": township, "kind": data["kind"], "item": item, "unit": unit, "quantity": quantity,
        "donor_kind": donor["kind"], "restrictions": lot["restrictions"], "received_on": data["received_on"]})
    movement = {"movement_id": donation_id, "type": "donation", "quantity": quantity,
                "on": lot["received_on"], "by": viewer.user_id}

    def write():
        stock = ctx.repo.stock.get(stock_id)
        if stock is None:
            try:
                ctx.repo.stock.insert({
                    "_id": stock_id, "station_id": data["station_id"], "region_code": township,
                    "township_code": township, "kind": data["kind"], "category": category, "item": item,
                    "unit": unit, "lots": [lot], "movements": [movement], "households": []}, [received])
                return
            except Conflict:  # another donation created the line first: add to it
                raise ConcurrentModification("stock line created concurrently") from None
        ctx.repo.stock.update(stock_id, stock["_version"], {"lots": [*stock["lots"], lot],
                                                            "movements": [*stock["movements"], movement]},
                              [received])
    retry_commuting(write)
    return {"donation_id": donation_id, "stock": domain.stock_view(ctx.repo.stock.require(stock_id), viewer)}


def distribute(ctx: Volunteering, viewer: Viewer, data: dict) -> dict:
    data = load(schemas.DistributionInputSchema, data)
    access.writable(ctx.repo.stock, data["stock_id"], viewer)
    if data["distributed_on"] > clock.today():
        raise ValidationFailed.field("distributed_on", "cannot be in the future")
    distribution_id = data.get("distribution_id") or new_id("dst")
    movement = take_from_stock(ctx, viewer, data["stock_id"], distribution_id, data)
    return {"distribution": movement, "stock": domain.stock_view(ctx.repo.stock.require(data["stock_id"]), viewer)}


def take_from_stock(ctx: Volunteering, viewer: Viewer, stock_id: str, distribution_id: str, request: dict) -> dict:
    """Take stock for a household; a repeated distribution id returns the first result."""
    def write():
        stock = ctx.repo.stock.require(stock_id)
        for movement in stock["movements"]:
            if movement["movement_id"] == distribution_id:
                return movement
        taken, lots = domain.allocate(stock, request["quantity"], request["domain"], request["region_code"],
                                      frozenset(request.get("beneficiary_groups") or ()))
        movement = clock.jsonable({
            "movement_id": distribution_id, "type": "distribution", "quantity": request["quantity"],
            "household_id": request["household_id"], "need_id": request.get("need_id"), "lots": taken,
            "on": request["distributed_on"], "by": viewer.user_id})
        after = sum(lot["remaining"] for lot in lots)
        made = event_by(viewer, events.DISTRIBUTION_MADE, {
            "distribution_id": distribution_id, "stock_id": stock_id, "station_id": stock["station_id"],
            "township_code": stock["township_code"], "household_id": request["household_id"],
            "need_id": request.get("need_id"), "item": stock["item"], "unit": stock["unit"],
            "quantity": request["quantity"], "on_hand_after": after, "lots": taken,
            "distributed_on": movement["on"]})
        households = sorted(set(stock["households"]) | {request["household_id"]})
        ctx.repo.stock.update(stock_id, stock["_version"], {
            "lots": lots, "movements": [*stock["movements"], movement], "households": households}, [made])
        return movement
    return retry_commuting(write)


def return_distribution(ctx: Volunteering, viewer: Viewer, stock_id: str, distribution_id: str) -> None:
    """Undo a distribution whose match could not be recorded: the goods go back to their lots."""
    def write():
        stock = ctx.repo.stock.require(stock_id)
        movement = next((m for m in stock["movements"] if m["movement_id"] == distribution_id), None)
        if movement is None or any(m.get("returns") == distribution_id for m in stock["movements"]):
            return
        back = {t["donation_id"]: t["quantity"] for t in movement["lots"]}
        lots = [{**lot, "remaining": lot["remaining"] + back.get(lot["donation_id"], 0)} for lot in stock["lots"]]
        returned = {"movement_id": new_id("ret"), "type": "return", "returns": distribution_id,
                    "quantity": movement["quantity"], "on": clock.today().isoformat(), "by": viewer.user_id}
        ctx.repo.stock.update(stock_id, stock["_version"], {"lots": lots,
                                                            "movements": [*stock["movements"], returned]})
    retry_commuting(write)


def list_stock(ctx: Volunteering, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.StockFilterSchema, filters or {})
    page = ctx.repo.stock.listing(access.readable(viewer), f["station_id"], f["category"], f["after"], f["limit"])
    return {"items": [domain.stock_view(d, viewer) for d in page["docs"]], "next_cursor": page["next_cursor"],
            "total": page["total"]}


def get_stock(ctx: Volunteering, viewer: Viewer, ids: list[str]) -> list[dict | None]:
    found = access.visible_batch(ctx.repo.stock, viewer, ids)
    return [domain.stock_view(found[i], viewer) if i in found else None for i in ids]


def donations_for_stock(ctx: Volunteering, viewer: Viewer, stock_ids: list[str]) -> dict[str, list[dict]]:
    found = access.visible_batch(ctx.repo.stock, viewer, stock_ids)
    return {sid: [{"stock_id": sid, "item": found[sid]["item"], "unit": found[sid]["unit"],
                   **domain.lot_view(lot, viewer)}
                  for lot in found[sid]["lots"]] if sid in found else [] for sid in stock_ids}


def distributions_for_households(ctx: Volunteering, viewer: Viewer,
                                 household_ids: list[str]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {hid: [] for hid in household_ids}
    for stock in ctx.repo.stock.given_to(access.readable(viewer), household_ids):
        returned = {m["returns"] for m in stock["movements"] if m["type"] == "return"}
        for movement in stock["movements"]:
            if movement["type"] == "distribution" and movement["household_id"] in result \
                    and movement["movement_id"] not in returned:
                result[movement["household_id"]].append({
                    "stock_id": stock["_id"], "station_id": stock["station_id"], "item": stock["item"],
                    "unit": stock["unit"], **movement})
    return result
