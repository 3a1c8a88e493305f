"""Public disclosure: the OCDS feed and packages of every published contracting process, and the use of
lottery funds. Anyone reads them, signed in or not: they hold only what is public."""
from __future__ import annotations

from services.common import clock
from services.common.auth import Viewer
from services.common.rpc import load
from services.common.storage import Page
from services.funding import contracts as contract_rules
from services.funding import disclosure, domain, procurement, schemas, supervision

from .context import Funding

LOTTERY = "lottery"


def _histories(context: Funding, tenders: list[dict]) -> list[list[dict]]:
    """Each tender's releases, oldest first (the contract signed from it, if any, read in one query)."""
    ids = [contract_rules.contract_id_for(t["_id"]) for t in tenders]
    signed = {c["_id"]: c for c in context.repo.by_ids(context.repo.contracts, ids)}
    return [disclosure.releases(t, signed.get(contract_rules.contract_id_for(t["_id"]))) for t in tenders]


def _latest_releases(context: Funding, tenders: list[dict]) -> list[dict]:
    return [history[-1] for history in _histories(context, tenders)]


def _disclosed_page(context: Funding, f: dict) -> Page:
    return context.repo.disclosed_tender_page(region=f["region"], year=f["year"] or None, after=f["after"],
                                              limit=f["limit"])


def disclosure_feed(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    f = load(schemas.DisclosureFilterSchema, filters or {})
    page = _disclosed_page(context, f)
    return {"items": _latest_releases(context, page.docs), "next_cursor": page.next_cursor, "total": page.total,
            "package": disclosure.package(clock.timestamp(clock.utcnow()))}


def disclosure_releases(context: Funding, viewer: Viewer, ocids: list[str]) -> list[dict | None]:
    tender_ids = [o.removeprefix(procurement.OCID_PREFIX + "-") for o in ocids]
    found = {t["_id"]: t for t in context.repo.disclosed_tenders(tender_ids)}
    releases = {r["ocid"]: r for r in _latest_releases(context, list(found.values()))}
    return [releases.get(o) for o in ocids]


def ocds_release_package(context: Funding, viewer: Viewer, filters: dict) -> dict:
    """An OCDS release package: every release of a page of contracting processes."""
    f = load(schemas.OcdsPageSchema, filters or {})
    page = _disclosed_page(context, f)
    releases = [r for history in _histories(context, page.docs) for r in history]
    return {"package": disclosure.release_package(releases, f["uri"], clock.timestamp(clock.utcnow()), f["base_url"]),
            "next_cursor": page.next_cursor, "total": page.total}


def ocds_record_package(context: Funding, viewer: Viewer, filters: dict) -> dict:
    """An OCDS record package: each process of the page with its releases and its compiled release."""
    f = load(schemas.OcdsPageSchema, filters or {})
    page = _disclosed_page(context, f)
    records = [disclosure.record(history) for history in _histories(context, page.docs)]
    return {"package": disclosure.record_package(records, f["uri"], clock.timestamp(clock.utcnow()), f["base_url"]),
            "next_cursor": page.next_cursor, "total": page.total}


def lottery_fund_use(context: Funding, viewer: Viewer, filters: dict | None = None) -> dict:
    """彩票公益金使用情况: each lottery source's allocation, commitment and payments, and what they paid for."""
    f = load(schemas.LotteryFilterSchema, filters or {})
    year = f["year"] or None
    cells = supervision.merge_cells(*context.repo.money_cells(region=f["region"], year=year, source_kind=LOTTERY))
    meta = context.repo.source_summaries_of(list(cells))
    prefix = domain.region_prefix(f["region"]) if f["region"] else ""
    uses: dict[tuple[str, str], dict] = {}
    for row in context.repo.disbursement_rows(source_kind=LOTTERY, status=contract_rules.PAID, region_prefix=prefix,
                                              year=year):
        payment = row["disbursements"]
        use = uses.setdefault((payment["source_id"], row["_id"]), {
            "source_id": payment["source_id"], "contract_id": row["_id"], "ocid": row["ocid"],
            "operator_name": row["operator"]["name"], "station_ids": row["station_ids"], "paid_fen": 0})
        use["paid_fen"] += payment["amount_fen"]
    sources = []
    for source_id in sorted(cells, key=lambda s: (-meta[s]["year"], s)):
        source = meta[source_id]
        sources.append({"source_id": source_id, "name": source["name"], "domain": source["domain"],
                        "year": source["year"], "region_code": source["region_code"],
                        "amount_fen": source["amount_fen"], **cells[source_id],
                        "uses": sorted((u for (sid, _), u in uses.items() if sid == source_id),
                                       key=lambda u: u["contract_id"])})
    return {"region_code": f["region"], "year": f["year"], "sources": sources}
