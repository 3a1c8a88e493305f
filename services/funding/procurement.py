"""Purchase of services (政府购买服务): tender → bids → review → award. Pure rules, no I/O.

A tender is one aggregate with its bids inside, so receiving a bid, reviewing it and awarding the
tender are each one version-checked write of that document.

The review follows the notice: the organisation's qualifications (a checklist), and the review of
its leaders, founders and managers — political quality, work experience and professional ethics,
"对政治不合格的一律不予通过" (§四(一)): one failed leader disqualifies the bid.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.common import masking
from services.common.auth import Viewer
from services.common.clock import jsonable, timestamp
from services.common.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from services.common.protection import mask_id_number, mask_phone
from services.contracts import funding as vocabulary

from .domain import scope_codes, township_of, within, yuan

OCID_PREFIX = "ocds-sgjs21"  # a 6-character publisher prefix, as OCDS ocids have
METHODS = vocabulary.PROCUREMENT_METHODS
# Shortest bidding periods of the Chinese government procurement rules: open tender 20 days,
# competitive consultation (磋商) 10 days, competitive negotiation (谈判) 3 days; single source none.
MIN_BIDDING_DAYS = {"open": 20, "selective": 10, "limited": 3, "direct": 0}
METHOD_DETAILS = {"open": "公开招标", "selective": "竞争性磋商", "limited": "竞争性谈判", "direct": "单一来源采购"}

CHECKLIST = vocabulary.BID_CHECKLIST
CHECKLIST_CODES = vocabulary.BID_CHECKLIST_CODES
LEADER_ROLES = vocabulary.LEADER_ROLES
LEADER_CRITERIA = vocabulary.LEADER_CRITERIA

DRAFT, PUBLISHED, AWARDED, CANCELLED = vocabulary.TENDER_STATUSES


def ocid_for(tender_id: str) -> str:
    return f"{OCID_PREFIX}-{tender_id}"


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def new_tender(data: dict, tender_id: str) -> dict:
    region_code = data["region_code"]
    outside = [s for s in data["station_ids"] if not within(township_of(s), region_code)]
    if outside:
        raise ValidationFailed.field("station_ids", f"{', '.join(outside)} outside the buyer's region {region_code}")
    period = data["contract_period"]
    if period["end"] < period["start"]:
        raise ValidationFailed.field("contract_period.end", "before the start")
    return jsonable({
        "_id": tender_id,
        "ocid": ocid_for(tender_id),
        "title": data["title"],
        "description": data.get("description"),
        "region_code": region_code,
        "scope_codes": scope_codes(region_code, data["station_ids"]),
        "buyer": data["buyer"],
        "project": data["project"],
        "station_ids": list(dict.fromkeys(data["station_ids"])),
        "service_domains": list(dict.fromkeys(data["service_domains"])),
        "method": data["method"],
        "budget_fen": data["budget_fen"],
        "deadline": data["deadline"],
        "contract_period": period,
        "eligibility": data.get("eligibility") or [],
        "award_criteria": data.get("award_criteria") or "best_value",
        "documents": data.get("documents") or [],
        "status": DRAFT,
        "published_at": None,
        "bids": [],
        "award": None,
        "cancellation": None,
    })


def draft_changes(tender: dict, data: dict) -> dict:
    if tender["status"] != DRAFT:
        raise Conflict(f"a {tender['status']} tender cannot be edited; publish a new one or cancel it",
                       {"status": [tender["status"]]})
    merged = {**{k: v for k, v in tender.items() if not k.startswith("_")}, **jsonable(data)}
    rebuilt = new_tender(merged, tender["_id"])
    return {k: rebuilt[k] for k in (*data.keys(), "scope_codes") if k in rebuilt}


def publish(tender: dict, now: datetime) -> dict:
    if tender["status"] != DRAFT:
        raise Conflict(f"the tender is already {tender['status']}", {"status": [tender["status"]]})
    shortest = timedelta(days=MIN_BIDDING_DAYS[tender["method"]])
    if _at(tender["deadline"]) < now + shortest or _at(tender["deadline"]) <= now:
        raise RuleViolation(
            f"a {METHOD_DETAILS[tender['method']]} tender gives bidders at least {shortest.days} days "
            f"(the deadline {tender['deadline']} is too early)",
            {"deadline": [f"at least {shortest.days} days after publication"]})
    return {"status": PUBLISHED, "published_at": timestamp(now)}


def cancel(tender: dict, reason: str, now: datetime) -> dict:
    if tender["status"] not in (DRAFT, PUBLISHED):
        raise Conflict(f"a {tender['status']} tender cannot be cancelled", {"status": [tender["status"]]})
    return {"status": CANCELLED, "cancellation": {"at": timestamp(now), "reason": reason}}


def new_bid(tender: dict, data: dict, bid_id: str, now: datetime, cipher) -> dict:
    """A bid as stored: leaders' ID numbers and the contact phone encrypted, masked copies beside."""
    if tender["status"] != PUBLISHED:
        raise Conflict(f"a {tender['status']} tender takes no bids", {"status": [tender["status"]]})
    if now > _at(tender["deadline"]):
        raise RuleViolation(f"the deadline {tender['deadline']} has passed; the bid is refused",
                            {"received_at": ["after the deadline"]})
    credit_code = data["organisation"]["credit_code"]
    if any(b["organisation"]["credit_code"] == credit_code for b in tender["bids"]):
        raise Conflict(f"{credit_code} has already bid for this tender", {"organisation.credit_code": ["already bid"]})
    if data["price_fen"] > tender["budget_fen"]:
        raise RuleViolation(f"the price {yuan(data['price_fen'])} is above the ceiling price "
                            f"{yuan(tender['budget_fen'])}",
                            {"price_fen": [f"at most {tender['budget_fen']}"]})
    seen_numbers = set()
    leaders = []
    for index, leader in enumerate(data["leaders"]):
        index_value = cipher.blind_index(leader["id_number"])
        if index_value in seen_numbers:
            raise ValidationFailed.field(f"leaders.{index}.id_number", "the same person is listed twice")
        seen_numbers.add(index_value)
        leaders.append({"id": f"L{index + 1}", "name": leader["name"], "role": leader["role"],
                        "id_number_encrypted": cipher.encrypt(leader["id_number"]), "id_index": index_value,
                        "id_number_masked": mask_id_number(leader["id_number"])})
    if not any(leader["role"] == "responsible_person" for leader in leaders):
        raise ValidationFailed.field("leaders",
                                     "name the organisation's responsible person (负责人) for the leaders' review")
    contact = data["contact"]
    return jsonable({
        "id": bid_id,
        "organisation": data["organisation"],
        "contact": {"name": contact["name"], "phone_encrypted": cipher.encrypt(contact["phone"]),
                    "phone_masked": mask_phone(contact["phone"])},
        "leaders": leaders,
        "price_fen": data["price_fen"],
        "proposal": data.get("proposal"),
        "received_at": timestamp(now),
        "review": None,
    })


def find_bid(tender: dict, bid_id: str) -> dict:
    for bid in tender["bids"]:
        if bid["id"] == bid_id:
            return bid
    raise NotFound(f"tender {tender['_id']} has no bid {bid_id}", {"bid_id": ["no such bid for this tender"]})


def _after_deadline(tender: dict, now: datetime, doing: str) -> None:
    if tender["status"] != PUBLISHED:
        raise Conflict(f"a {tender['status']} tender cannot be {doing}", {"status": [tender["status"]]})
    if now <= _at(tender["deadline"]):
        raise RuleViolation(f"bids are {doing} after the deadline {tender['deadline']}, when all are in",
                            {"deadline": ["not passed yet"]})


def review(tender: dict, bid_id: str, data: dict, now: datetime, reviewer: str) -> tuple[list[dict], dict]:
    """The tender's bids with this bid's review recorded, and the review."""
    _after_deadline(tender, now, "reviewed")
    bid = find_bid(tender, bid_id)
    checklist = data["checklist"]
    missing = [c for c in CHECKLIST_CODES if c not in checklist]
    unknown = [c for c in checklist if c not in CHECKLIST_CODES]
    if missing or unknown:
        raise ValidationFailed("invalid input: checklist", {
            **({"checklist": [f"missing items: {', '.join(missing)}"]} if missing else {}),
            **({f"checklist.{c}": ["not a checklist item"] for c in unknown})})
    reviews = {r["leader_id"]: r for r in data["leaders"]}
    leader_ids = [leader["id"] for leader in bid["leaders"]]
    if set(reviews) != set(leader_ids):
        raise ValidationFailed.field("leaders", f"review every leader of the bid exactly once: {', '.join(leader_ids)}")
    scores = data["scores"]
    if sum(s["max_score"] for s in scores) != 100:
        raise ValidationFailed.field("scores", "the maximum scores of the criteria add up to 100")
    for index, score in enumerate(scores):
        if score["score"] > score["max_score"]:
            raise ValidationFailed.field(f"scores.{index}.score", f"at most {score['max_score']}")
    failed = [code for code, _, mandatory in CHECKLIST if mandatory and not checklist[code]["passed"]]
    for leader_id in leader_ids:
        failed.extend(f"leader {leader_id}: {criterion}" for criterion in LEADER_CRITERIA
                      if not reviews[leader_id][criterion])
    recorded = jsonable({
        "checklist": [{"code": code, "title": title, "mandatory": mandatory, "passed": checklist[code]["passed"],
                       "note": checklist[code].get("note")} for code, title, mandatory in CHECKLIST],
        "leaders": [{**reviews[leader_id], "passed": all(reviews[leader_id][c] for c in LEADER_CRITERIA)}
                    for leader_id in leader_ids],
        "scores": scores,
        "total_score": round(sum(s["score"] for s in scores), 2),
        "qualified": not failed,
        "failed_items": failed,
        "reviewed_at": timestamp(now),
        "reviewed_by": reviewer,
    })
    bids = [{**b, "review": recorded} if b["id"] == bid_id else b for b in tender["bids"]]
    return bids, recorded


def award(tender: dict, bid_id: str, reason: str | None, now: datetime) -> dict:
    _after_deadline(tender, now, "awarded")
    bid = find_bid(tender, bid_id)
    unreviewed = [b["id"] for b in tender["bids"] if b["review"] is None]
    if unreviewed:
        raise RuleViolation(f"review every bid before the award; not reviewed: {', '.join(unreviewed)}",
                            {"bid_id": ["other bids are not reviewed yet"]})
    if not bid["review"]["qualified"]:
        raise RuleViolation(f"{bid['organisation']['name']} failed the review "
                            f"({'; '.join(bid['review']['failed_items'])}) and cannot be awarded",
                            {"bid_id": ["the organisation failed the review"]})
    qualified = sorted((b for b in tender["bids"] if b["review"]["qualified"]),
                       key=lambda b: -b["review"]["total_score"])
    best = qualified[0]
    if best["review"]["total_score"] > bid["review"]["total_score"] and not reason:
        raise RuleViolation(f"{best['organisation']['name']} scored higher; awarding another bid needs a reason",
                            {"reason": ["required when the award does not go to the highest score"]})
    return {"status": AWARDED, "award": jsonable({
        "bid_id": bid_id, "operator": {"name": bid["organisation"]["name"],
                                       "credit_code": bid["organisation"]["credit_code"]},
        "amount_fen": bid["price_fen"], "awarded_at": timestamp(now), "reason": reason})}


def tender_view(tender: dict) -> dict:
    return {
        "id": tender["_id"], "ocid": tender["ocid"], "title": tender["title"], "description": tender.get("description"),
        "region_code": tender["region_code"], "buyer": tender["buyer"], "project": tender["project"],
        "station_ids": tender["station_ids"], "service_domains": tender["service_domains"],
        "method": tender["method"], "budget_fen": tender["budget_fen"], "deadline": tender["deadline"],
        "contract_period": tender["contract_period"], "eligibility": tender["eligibility"],
        "award_criteria": tender["award_criteria"], "documents": tender["documents"], "status": tender["status"],
        "published_at": tender.get("published_at"), "bid_count": len(tender["bids"]), "award": tender.get("award"),
        "cancellation": tender.get("cancellation"), "version": tender["_version"],
    }


def bid_view(tender_id: str, bid: dict, viewer: Viewer) -> dict:
    """Bids as officials see them: ID numbers and phones always masked; the people's names as the
    masking policy says (read-only roles such as evaluators get them masked)."""
    def name(field: str, value: str) -> str | None:
        return masking.shown(field, viewer, value)
    review_data = bid.get("review")
    return {
        "id": bid["id"], "tender_id": tender_id, "organisation": bid["organisation"],
        "contact": {"name": name("BidContact.name", bid["contact"]["name"]), "phone": bid["contact"]["phone_masked"]},
        "leaders": [{"id": leader["id"], "name": name("BidLeader.name", leader["name"]), "role": leader["role"],
                     "id_number": leader["id_number_masked"]}
                    for leader in bid["leaders"]],
        "price_fen": bid["price_fen"], "proposal": bid.get("proposal"), "received_at": bid["received_at"],
        "review": review_data,
    }
