"""Public disclosure (政府采购信息公开, 彩票公益金使用公告) as OCDS 1.1 releases, records and packages.

Every contracting process (a tender and the contract signed from it) is published as its whole
history: one release for each thing that happened (tender published, award, cancellation,
contract signed, each funding commitment, each amendment, each payment recorded or resolved),
each with its own id and the date it was recorded here. A release is the state of the process
as of that moment, rebuilt from the funding service's own documents and the history they keep
(bids' and payments' recording times, commitments' times, amendments' before-and-after values),
so a release with a given id never changes. A record is the process's releases plus the
compiled release that OCDS merging (ocdsmerge, the reference implementation) makes of them.

Personal data never enters a release: bidders' contact people and the leaders' review are
withheld and listed in `withheldInformation`, as are payments held for review until they are
resolved. Organisations are identified by their Unified Social Credit Identifier under
org-id.guide's scheme CN-USCI; an organisation without one has a name and no identifier.
Amounts are yuan (fen / 100, exact for any amount below 90 trillion yuan); currency CNY.
Release dates are UTC (ISO 8601 with `Z`), so they sort as they happened. Pure functions, except
that the merge rules are read once from the OCDS release schema shipped in reference/ocds/.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

import ocdsmerge
from ocdsmerge.rules import get_merge_rules

from services.common.clock import CHINA_STANDARD_TIME
from services.contracts.disclosure import LICENSE

from . import earmarks
from .contracts import HELD, OCDS_MILESTONE_TYPE, PAID
from .procurement import DRAFT, METHOD_DETAILS

OCDS_VERSION = "1.1"
REFERENCE = Path(__file__).with_name("reference") / "ocds"
RELEASE_SCHEMA = REFERENCE / "release-schema-1.1.5.json"
PUBLISHER = {"name": "乡镇(街道)社工站平台 Shegong"}
# Official extensions (the OCDS extension registry's URLs) and this platform's own, served by the gateway.
BUDGET_BREAKDOWN_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                              "ocds_budget_breakdown_extension/master/extension.json")
LOCATION_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                      "ocds_location_extension/v1.1.5/extension.json")
OWN_EXTENSION_PATH = "/public/ocds/extension/extension.json"
# org-id.guide's list code for the Unified Social Credit Identifier (统一社会信用代码, GB 32100).
CREDIT_CODE_SCHEME = "CN-USCI"
PERSONAL_DATA = "个人信息,依《个人信息保护法》不予公开 (personal data, withheld under PIPL)"
UNDER_REVIEW = "监管审查中暂缓支付,处理后公开 (payment held for supervision review; published once resolved)"
AWARD_CRITERIA = {"best_value": "ratedCriteria", "lowest_price": "priceOnly"}


def value(fen: int) -> dict:
    return {"amount": fen / 100, "currency": "CNY"}


def _datetime(day: str) -> str:
    """A date as an OCDS date-time (midnight, China time)."""
    if "T" in day:
        return day
    return datetime.combine(date.fromisoformat(day), time(), CHINA_STANDARD_TIME).isoformat()


def _moment(stamp) -> datetime:
    """A stored time (ISO text, or a datetime from the store, naive meaning UTC) as an aware datetime."""
    moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(_datetime(stamp))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def organisation_id(credit_code: str) -> str:
    return f"{CREDIT_CODE_SCHEME}-{credit_code}"


def _identifier(org: dict) -> dict | None:
    if org.get("credit_code"):
        return {"scheme": CREDIT_CODE_SCHEME, "id": org["credit_code"], "legalName": org["name"]}
    return None


def _party(party_id: str, org: dict, roles: list[str], **extra) -> dict:
    identifier = _identifier(org)
    return {"id": party_id, "name": org["name"], **({"identifier": identifier} if identifier else {}),
            "roles": roles, **extra}


def _buyer(tender: dict) -> dict:
    buyer = tender["buyer"]
    if buyer.get("credit_code"):
        return {"id": organisation_id(buyer["credit_code"]), "name": buyer["name"]}
    return {"id": f"CN-REGION-{tender['region_code']}", "name": buyer["name"]}


def _funder_id(funding: dict) -> str:
    return f"funder-{funding['source_id']}"


def _period(period: dict) -> dict:
    return {"startDate": _datetime(period["start"]), "endDate": _datetime(period["end"])}


# --- the history -------------------------------------------------------------------------------
def _contract_recorded(tender: dict, contract: dict) -> datetime:
    """When the signed contract was recorded here: its document's creation, never before the award."""
    awarded = _moment(tender["award"]["awarded_at"]) if tender.get("award") else None
    recorded = _moment(contract["_created_at"]) if contract.get("_created_at") else _moment(contract["signed_on"])
    return max(recorded, awarded) if awarded else recorded


def _events(tender: dict, contract: dict | None) -> list[tuple[datetime, str, str]]:
    """(when, release id suffix, tag) of everything that happened to the process, oldest first."""
    events = [(_moment(tender["published_at"]), "tender", "tender")]
    if tender.get("award"):
        events.append((_moment(tender["award"]["awarded_at"]), "award", "award"))
    if tender.get("cancellation"):
        events.append((_moment(tender["cancellation"]["at"]), "cancellation", "tenderCancellation"))
    if contract is not None:
        events.append((_contract_recorded(tender, contract), f"contract-{contract['_id']}", "contract"))
        events += [(_moment(c["at"]), f"commitment-{c['id']}", "planningUpdate") for c in contract["commitments"]]
        events += [(_moment(a["at"]), f"amendment-{a['id']}", "contractAmendment") for a in contract["amendments"]]
        for payment in contract["disbursements"]:
            recorded = _moment(payment["recorded_at"])
            events.append((recorded, f"payment-{payment['id']}",
                           "implementation" if payment["status"] != HELD and not payment.get("resolution")
                           else "implementationUpdate"))
            if payment.get("resolution"):
                events.append((_moment(payment["resolution"]["at"]), f"payment-{payment['id']}-resolved",
                               "implementation" if payment["status"] == PAID else "implementationUpdate"))
    return sorted(events, key=lambda event: event[0])  # stable: what was recorded together keeps its order


def _payment_status(payment: dict, moment: datetime) -> str | None:
    """A payment's status as of a moment: None before it was recorded."""
    if _moment(payment["recorded_at"]) > moment:
        return None
    resolution = payment.get("resolution")
    if resolution and _moment(resolution["at"]) <= moment:
        return payment["status"]
    return HELD if resolution or payment["status"] == HELD else payment["status"]


def _contract_as_of(contract: dict, moment: datetime) -> dict:
    """The contract's terms as of a moment: later amendments undone from their before-values."""
    state = {"amount_fen": contract["amount_fen"], "period": dict(contract["period"]),
             "station_ids": list(contract["station_ids"]), "milestones": list(contract["milestones"])}
    for amendment in reversed(contract["amendments"]):
        if _moment(amendment["at"]) <= moment:
            break
        for key, change in amendment["changes"].items():
            if key == "period_end":
                state["period"]["end"] = change["before"]
            elif key in state:
                state[key] = change["before"]
    state["amendments"] = [a for a in contract["amendments"] if _moment(a["at"]) <= moment]
    committed: dict[str, int] = {}
    for commitment in contract["commitments"]:
        if _moment(commitment["at"]) <= moment:
            committed[commitment["budget_line_id"]] = committed.get(commitment["budget_line_id"], 0) \
                + commitment["amount_fen"]
    state["funding"] = [{**f, "committed_fen": committed[f["budget_line_id"]]}
                        for f in contract["funding"] if committed.get(f["budget_line_id"])]
    state["payments"] = [(p, status) for p in contract["disbursements"]
                         if (status := _payment_status(p, moment)) is not None]
    return state


def releases(tender: dict, contract: dict | None) -> list[dict]:
    """Every release of the contracting process, oldest first; each a full picture as of its date."""
    if tender["status"] == DRAFT:
        raise ValueError("a draft tender is not disclosed")
    return [_release(tender, contract, when, f"{tender['ocid']}-{suffix}", tag)
            for when, suffix, tag in _events(tender, contract)]


def release(tender: dict, contract: dict | None) -> dict:
    """The latest release: the process as it stands now."""
    return releases(tender, contract)[-1]


def _release(tender: dict, contract: dict | None, moment: datetime, release_id: str, tag: str) -> dict:
    buyer = _buyer(tender)
    parties = {buyer["id"]: _party(buyer["id"], tender["buyer"], ["buyer", "procuringEntity"],
                                   address={"region": tender["region_code"], "countryName": "中国"})}
    withheld = []
    award = tender.get("award") if tender.get("award") and _moment(tender["award"]["awarded_at"]) <= moment else None
    cancelled = bool(tender.get("cancellation")) and _moment(tender["cancellation"]["at"]) <= moment
    bids = [b for b in tender["bids"] if _moment(b["received_at"]) <= moment]
    for bid in bids:
        org = bid["organisation"]
        party_id = organisation_id(org["credit_code"])
        roles = ["tenderer"]
        if award and award["bid_id"] == bid["id"]:
            roles += ["supplier", "payee"]
        parties[party_id] = _party(party_id, org, roles)
        withheld.append({"id": f"{bid['id']}-contact", "field": "parties/contactPoint",
                         "name": f"{org['name']}: 联系人姓名、电话", "rationale": PERSONAL_DATA})
        withheld.append({"id": f"{bid['id']}-leaders", "field": "bids/details/leaders",
                         "name": f"{org['name']}: 负责人、发起人和管理人员及其审查情况", "rationale": PERSONAL_DATA})
    awards = []
    if award:
        supplier = organisation_id(award["operator"]["credit_code"])
        awards.append({"id": f"{tender['_id']}-award", "title": tender["title"], "status": "active",
                       "date": award["awarded_at"], "value": value(award["amount_fen"]),
                       "suppliers": [{"id": supplier, "name": award["operator"]["name"]}],
                       "contractPeriod": _period(tender["contract_period"])})
    budget = {"id": f"budget-{tender['_id']}", "description": tender["project"]["name"],
              "amount": value(tender["budget_fen"]), "project": tender["project"]["name"], "projectID": tender["_id"]}
    contracts = []
    if contract is not None and _contract_recorded(tender, contract) <= moment:
        state = _contract_as_of(contract, moment)
        contracts.append(_contract(tender, contract, state, parties, withheld))
        if state["funding"]:
            budget["budgetBreakdown"] = [
                {"id": f["budget_line_id"],
                 "description": f"{f['source_name']}({earmarks.KIND_TITLES[f['source_kind']]})",
                 "amount": value(f["committed_fen"]), "sourceParty": {"id": _funder_id(f), "name": f["funder_name"]},
                 "period": {"startDate": _datetime(f"{f['year']}-01-01"), "endDate": _datetime(f"{f['year']}-12-31")},
                 **({"fundingSourceKind": f["source_kind"]} if f.get("source_kind") else {}),
                 **({"fundingSourceDomain": f["source_domain"]} if f.get("source_domain") else {})}
                for f in state["funding"]]
    return {
        "ocid": tender["ocid"],
        "id": release_id,
        "date": _utc(moment),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "parties": list(parties.values()),
        "buyer": buyer,
        "planning": {"rationale": tender["project"].get("rationale") or tender["project"]["name"], "budget": budget},
        "tender": _tender(tender, bids, award, cancelled),
        # OCDS leaves out what is empty: no `awards` before the award, no `contracts` before signing.
        **({"awards": awards} if awards else {}),
        **({"contracts": contracts} if contracts else {}),
        **({"withheldInformation": withheld} if withheld else {}),
    }


def _tender(tender: dict, bids: list[dict], award: dict | None, cancelled: bool) -> dict:
    status = "cancelled" if cancelled else ("complete" if award else "active")
    return {
        "id": tender["_id"], "title": tender["title"], "description": tender.get("description") or tender["title"],
        "status": status, "value": value(tender["budget_fen"]),
        "procurementMethod": tender["method"], "procurementMethodDetails": METHOD_DETAILS[tender["method"]],
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA.get(tender["award_criteria"], "ratedCriteria"),
        **({"eligibilityCriteria": "; ".join(tender["eligibility"])} if tender["eligibility"] else {}),
        "tenderPeriod": {"startDate": tender["published_at"], "endDate": tender["deadline"]},
        "contractPeriod": _period(tender["contract_period"]),
        "numberOfTenderers": len(bids),
        **({"tenderers": [{"id": organisation_id(b["organisation"]["credit_code"]),
                           "name": b["organisation"]["name"]} for b in bids]} if bids else {}),
        "items": [{"id": station_id, "description": f"乡镇(街道)社工站运营服务 {station_id}",
                   "deliveryAddress": {"region": station_id[2:], "countryName": "中国"}}
                  for station_id in tender["station_ids"]],
        **({"documents": [{"id": f"{tender['_id']}-doc-{i + 1}", "title": d["title"],
                           **({"url": d["url"]} if d.get("url") else {}), "documentType": "tenderNotice"}
                          for i, d in enumerate(tender["documents"])]} if tender["documents"] else {}),
    }


def _contract(tender: dict, contract: dict, state: dict, parties: dict, withheld: list) -> dict:
    supplier = {"id": organisation_id(contract["operator"]["credit_code"]), "name": contract["operator"]["name"]}
    for f in state["funding"]:
        party_id = _funder_id(f)
        parties.setdefault(party_id, {"id": party_id, "name": f["funder_name"],
                                      "roles": ["funder", "payer", "sourceParty"]})
    lines = {f["budget_line_id"]: f for f in contract["funding"]}
    milestones = {m["id"]: m for m in state["milestones"]}
    titles = {m["id"]: m["title"] for m in contract["milestones"]} | {m["id"]: m["title"] for m in state["milestones"]}
    paid_by_milestone: dict[str, int] = {}
    transactions = []
    for payment, status in state["payments"]:
        if status == HELD:
            withheld.append({"id": f"{payment['id']}-held", "field": "contracts/implementation/transactions",
                             "name": f"{payment['paid_on']} 暂缓支付 {titles.get(payment['milestone_id'], '')}".strip(),
                             "rationale": UNDER_REVIEW})
            continue
        if status != PAID:
            continue
        line = lines[payment["budget_line_id"]]
        paid_by_milestone[payment["milestone_id"]] = paid_by_milestone.get(payment["milestone_id"], 0) \
            + payment["amount_fen"]
        milestone = milestones.get(payment["milestone_id"]) or {"id": payment["milestone_id"],
                                                                 "title": titles.get(payment["milestone_id"])}
        reference = {"id": milestone["id"], "title": milestone["title"]}
        if milestone.get("type"):
            reference["type"] = OCDS_MILESTONE_TYPE[milestone["type"]]
        transactions.append({
            "id": payment["id"], "source": f"urn:shegong:funding-source:{line['source_id']}",
            "date": _datetime(payment["paid_on"]), "value": value(payment["amount_fen"]),
            "payer": {"id": _funder_id(line), "name": line["funder_name"]}, "payee": supplier,
            "relatedImplementationMilestone": reference, "fundingSourceKind": line["source_kind"]})
        parties.setdefault(_funder_id(line), {"id": _funder_id(line), "name": line["funder_name"],
                                              "roles": ["funder", "payer", "sourceParty"]})
    amendments = [{"id": a["id"], "date": a["at"], "rationale": a["reason"],
                   "description": "changed: " + ", ".join(a["changes"])} for a in state["amendments"]]
    return {
        "id": contract["_id"], "awardID": f"{tender['_id']}-award", "title": contract["title"],
        "status": "active",
        "period": _period(state["period"]), "value": value(state["amount_fen"]),
        "dateSigned": _datetime(contract["signed_on"]),
        "items": [{"id": s, "description": f"乡镇(街道)社工站运营服务 {s}"} for s in state["station_ids"]],
        **({"milestones": [{"id": m["id"], "title": m["title"], "type": OCDS_MILESTONE_TYPE[m["type"]],
                        "dueDate": _datetime(m["due_on"]),
                        "status": "met" if paid_by_milestone.get(m["id"], 0) >= m["amount_fen"] else "scheduled",
                        "value": value(m["amount_fen"])} for m in state["milestones"]]} if state["milestones"] else {}),
        **({"amendments": amendments} if amendments else {}),
        **({"implementation": {"transactions": transactions}} if transactions else {}),
    }


# --- records and packages ----------------------------------------------------------------------
@cache
def _merger() -> ocdsmerge.Merger:
    schema = json.loads(RELEASE_SCHEMA.read_text(encoding="utf-8"))
    rules = get_merge_rules(schema)
    # Our extension declares withheldInformation a whole-list merge: a resolved payment leaves the list.
    rules[("withheldInformation",)] = "wholeListMerge"
    return ocdsmerge.Merger(merge_rules=rules)


def record(process_releases: list[dict]) -> dict:
    """An OCDS record: the process's releases and the compiled release merged from them."""
    return {"ocid": process_releases[0]["ocid"], "releases": process_releases,
            "compiledRelease": _merger().create_compiled_release(process_releases)}


def extensions(base_url: str) -> list[str]:
    return [BUDGET_BREAKDOWN_EXTENSION, LOCATION_EXTENSION, base_url.rstrip("/") + OWN_EXTENSION_PATH]


def package_metadata(uri: str, published: str, base_url: str) -> dict:
    """What a release or record package says about itself (the releases or records travel beside it)."""
    return {"uri": uri, "version": OCDS_VERSION, "extensions": extensions(base_url), "publishedDate": published,
            "publisher": PUBLISHER, "license": LICENSE,
            "publicationPolicy": base_url.rstrip("/") + "/public/ocds/publication-policy"}


def release_package(process_releases: list[dict], uri: str, published: str, base_url: str) -> dict:
    return {**package_metadata(uri, published, base_url), "releases": process_releases}


def record_package(records: list[dict], uri: str, published: str, base_url: str) -> dict:
    return {**package_metadata(uri, published, base_url), "records": records}


def package(published: str) -> dict:
    """The package metadata the GraphQL feed shows; the gateway adds the URLs it serves the packages at."""
    return {"version": OCDS_VERSION, "publishedDate": published, "publisher": PUBLISHER, "license": LICENSE}
