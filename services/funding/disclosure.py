"""Public disclosure (政府采购信息公开, 彩票公益金使用公告) as releases shaped like OCDS 1.1.

One release per contracting process (a tender and the contract signed from it), rebuilt from the
two documents: its `id` carries both documents' versions, so a release with a given id never
changes. Personal data never enters a release: bidders' contact people and the leaders' review
are withheld and listed in `withheldInformation` (the OCDS withheld-information extension), as are
payments held for review until they are resolved. Amounts are yuan (fen / 100, exact for any
amount below 90 trillion yuan); currency CNY. Pure functions.
"""
from __future__ import annotations

from datetime import datetime

from . import earmarks
from .contracts import OCDS_MILESTONE_TYPE, PAID
from .procurement import CANCELLED, DRAFT, METHOD_DETAILS

PUBLISHER = {"name": "乡镇(街道)社工站平台 Shegong"}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLICATION_POLICY = ("Procurement of social work services and the use of lottery public-welfare funds, published "
                      "as the Jiangsu notice on township (street) social work stations (2021) §四(三) requires; "
                      "personal data withheld (PIPL).")
CHINA_TIME = "+08:00"
PERSONAL_DATA = "个人信息,依《个人信息保护法》不予公开 (personal data, withheld under PIPL)"
UNDER_REVIEW = "监管审查中暂缓支付,处理后公开 (payment held for supervision review; published once resolved)"
AWARD_CRITERIA = {"best_value": "ratedCriteria", "lowest_price": "priceOnly"}


def value(fen: int) -> dict:
    return {"amount": fen / 100, "currency": "CNY"}


def _datetime(day: str) -> str:
    """A date as an OCDS date-time (midnight, China time)."""
    return day if "T" in day else f"{day}T00:00:00{CHINA_TIME}"


def organisation_id(credit_code: str) -> str:
    return f"CN-USCC-{credit_code}"


def _buyer(tender: dict) -> dict:
    buyer = tender["buyer"]
    party_id = organisation_id(buyer["credit_code"]) if buyer.get("credit_code") else f"CN-REGION-{tender['region_code']}"
    return {"id": party_id, "name": buyer["name"]}


def _tender_status(tender: dict) -> str:
    if tender["status"] == CANCELLED:
        return "cancelled"
    return "complete" if tender.get("award") else "active"


def release(tender: dict, contract: dict | None) -> dict:
    if tender["status"] == DRAFT:
        raise ValueError("a draft tender is not disclosed")
    buyer = _buyer(tender)
    parties = {buyer["id"]: {**buyer, "identifier": _identifier(tender["buyer"]), "roles": ["buyer", "procuringEntity"],
                             "address": {"region": tender["region_code"], "countryName": "中国"}}}
    withheld = []
    award = tender.get("award")
    for bid in tender["bids"]:
        org = bid["organisation"]
        party_id = organisation_id(org["credit_code"])
        roles = ["tenderer"]
        if award and award["bid_id"] == bid["id"]:
            roles += ["supplier", "payee"]
        parties[party_id] = {"id": party_id, "name": org["name"], "identifier": _identifier(org), "roles": roles}
        withheld.append({"id": f"{bid['id']}-contact", "field": "parties/contactPoint",
                         "name": f"{org['name']}: 联系人姓名、电话", "rationale": PERSONAL_DATA})
        withheld.append({"id": f"{bid['id']}-leaders", "field": "bids/details/leaders",
                         "name": f"{org['name']}: 负责人、发起人和管理人员及其审查情况", "rationale": PERSONAL_DATA})
    tags = ["tenderCancellation"] if tender["status"] == CANCELLED else ["tender"]
    dates = [tender["published_at"]]
    if tender.get("cancellation"):
        dates.append(tender["cancellation"]["at"])
    awards = []
    if award:
        tags.append("award")
        dates.append(award["awarded_at"])
        supplier = organisation_id(award["operator"]["credit_code"])
        awards.append({"id": f"{tender['_id']}-award", "title": tender["title"], "status": "active",
                       "date": award["awarded_at"], "value": value(award["amount_fen"]),
                       "suppliers": [{"id": supplier, "name": award["operator"]["name"]}],
                       "contractPeriod": _period(tender["contract_period"])})
    contracts = []
    budget = {"id": f"budget-{tender['_id']}", "description": tender["project"]["name"],
              "amount": value(tender["budget_fen"]), "project": tender["project"]["name"], "projectID": tender["_id"]}
    if contract is not None:
        tags.append("contract")
        dates.append(_datetime(contract["signed_on"]))
        contracts.append(_contract(tender, contract, parties, withheld, tags, dates))
        budget["budgetBreakdown"] = [
            {"id": f["budget_line_id"], "description": f"{f['source_name']}({earmarks.KIND_TITLES[f['source_kind']]})",
             "amount": value(f["committed_fen"]), "sourceParty": {"id": _funder_id(f), "name": f["funder_name"]},
             "period": {"startDate": _datetime(f"{f['year']}-01-01"), "endDate": _datetime(f"{f['year']}-12-31")},
             "fundingSourceKind": f["source_kind"], "fundingSourceDomain": f["source_domain"]}
            for f in contract["funding"]]
    ocid = tender["ocid"]
    contract_version = contract["_version"] if contract is not None else 0
    released = {
        "ocid": ocid,
        "id": f"{ocid}-{tender['_version']:03d}-{contract_version:03d}",
        "date": max(dates, key=datetime.fromisoformat),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "parties": list(parties.values()),
        "buyer": buyer,
        "planning": {"rationale": tender["project"].get("rationale") or tender["project"]["name"], "budget": budget},
        "tender": _tender(tender),
        "awards": awards,
        "contracts": contracts,
        "withheldInformation": withheld,
    }
    return released


def _identifier(org: dict) -> dict:
    if org.get("credit_code"):
        return {"scheme": "CN-USCC", "id": org["credit_code"], "legalName": org["name"]}
    return {"scheme": "CN-NAME", "legalName": org["name"]}


def _funder_id(funding: dict) -> str:
    return f"funder-{funding['source_id']}"


def _period(period: dict) -> dict:
    return {"startDate": _datetime(period["start"]), "endDate": _datetime(period["end"])}


def _tender(tender: dict) -> dict:
    return {
        "id": tender["_id"], "title": tender["title"], "description": tender.get("description") or tender["title"],
        "status": _tender_status(tender), "value": value(tender["budget_fen"]),
        "procurementMethod": tender["method"], "procurementMethodDetails": METHOD_DETAILS[tender["method"]],
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA.get(tender["award_criteria"], "ratedCriteria"),
        "eligibilityCriteria": "; ".join(tender["eligibility"]),
        "tenderPeriod": {"startDate": tender["published_at"], "endDate": tender["deadline"]},
        "contractPeriod": _period(tender["contract_period"]),
        "numberOfTenderers": len(tender["bids"]),
        "tenderers": [{"id": organisation_id(b["organisation"]["credit_code"]), "name": b["organisation"]["name"]}
                      for b in tender["bids"]],
        "items": [{"id": station_id, "description": f"乡镇(街道)社工站运营服务 {station_id}",
                   "deliveryAddress": {"region": station_id[2:], "countryName": "中国"}}
                  for station_id in tender["station_ids"]],
        "documents": [{"id": f"{tender['_id']}-doc-{i + 1}", "title": d["title"], "url": d.get("url"),
                       "documentType": "tenderNotice"} for i, d in enumerate(tender["documents"])],
    }


def _contract(tender: dict, contract: dict, parties: dict, withheld: list, tags: list, dates: list) -> dict:
    supplier = {"id": organisation_id(contract["operator"]["credit_code"]), "name": contract["operator"]["name"]}
    for f in contract["funding"]:
        party_id = _funder_id(f)
        parties.setdefault(party_id, {"id": party_id, "name": f["funder_name"], "roles": ["funder", "payer"]})
    funding = {f["budget_line_id"]: f for f in contract["funding"]}
    milestones = {m["id"]: m for m in contract["milestones"]}
    transactions = []
    for payment in contract["disbursements"]:
        if payment["status"] == "held":
            withheld.append({"id": f"{payment['id']}-held", "field": "contracts/implementation/transactions",
                             "name": f"{payment['paid_on']} 暂缓支付 {milestones[payment['milestone_id']]['title']}",
                             "rationale": UNDER_REVIEW})
            continue
        if payment["status"] != PAID:
            continue
        line = funding[payment["budget_line_id"]]
        milestone = milestones[payment["milestone_id"]]
        transactions.append({
            "id": payment["id"], "source": f"urn:shegong:funding-source:{line['source_id']}",
            "date": _datetime(payment["paid_on"]), "value": value(payment["amount_fen"]),
            "payer": {"id": _funder_id(line), "name": line["funder_name"]}, "payee": supplier,
            "relatedImplementationMilestone": {"id": milestone["id"], "title": milestone["title"],
                                               "type": OCDS_MILESTONE_TYPE[milestone["type"]]},
            "fundingSourceKind": line["source_kind"]})
        dates.append(_datetime(payment["paid_on"]))
    if transactions:
        tags.append("implementation")
    amendments = []
    for amendment in contract["amendments"]:
        amendments.append({"id": amendment["id"], "date": amendment["at"], "rationale": amendment["reason"],
                           "description": "changed: " + ", ".join(amendment["changes"])})
        dates.append(amendment["at"])
    if amendments:
        tags.append("contractAmendment")
    return {
        "id": contract["_id"], "awardID": f"{tender['_id']}-award", "title": contract["title"],
        "status": "active",
        "period": _period(contract["period"]), "value": value(contract["amount_fen"]),
        "dateSigned": _datetime(contract["signed_on"]),
        "items": [{"id": s, "description": f"乡镇(街道)社工站运营服务 {s}"} for s in contract["station_ids"]],
        "milestones": [{"id": m["id"], "title": m["title"], "type": OCDS_MILESTONE_TYPE[m["type"]],
                        "dueDate": _datetime(m["due_on"]),
                        "status": "met" if m["paid_fen"] == m["amount_fen"] else "scheduled",
                        "value": value(m["amount_fen"])} for m in contract["milestones"]],
        "amendments": amendments,
        "implementation": {"transactions": transactions},
    }


def package(releases: list[dict], published: str) -> dict:
    """The release-package metadata (the releases themselves travel in `items`)."""
    return {"version": "1.1", "publishedDate": published, "publisher": PUBLISHER, "license": LICENSE,
            "publicationPolicy": PUBLICATION_POLICY, "count": len(releases)}
