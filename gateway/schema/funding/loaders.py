"""The funding service's batched reads (gateway/loaders.py). Keys are ids (contracts, tenders,
sources, budget lines, evaluations, indicator schemes), station ids, OCDS ocids, or (contract id, on)
pairs for the staffing check on a date.

Every loader maps to one batch RPC of the funding service, so a page of N contracts with their
disbursements, evaluations and staffing costs one call per kind of data, not one per contract.
"""
from __future__ import annotations

from gateway.loaders import batch_loader, by_date
from services.common.grouping import grouped


@batch_loader("funding", "sources")
def sources(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_sources(ids)


@batch_loader("funding", "budget_lines")
def budget_lines(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_budget_lines(ids)


@batch_loader("funding", "lines_for_sources")
def lines_for_sources(funding, source_ids: list[str]) -> list[list[dict]]:
    return grouped(funding.budget_lines_for_sources(source_ids), source_ids)


@batch_loader("funding", "tenders")
def tenders(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_tenders(ids)


@batch_loader("funding", "bids")
def bids(funding, tender_ids: list[str]) -> list[list[dict]]:
    return grouped(funding.bids_for_tenders(tender_ids), tender_ids)


@batch_loader("funding", "contracts")
def contracts(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_contracts(ids)


@batch_loader("funding", "contracts_for_stations")
def contracts_for_stations(funding, station_ids: list[str]) -> list[list[dict]]:
    return grouped(funding.contracts_for_stations(station_ids), station_ids)


@batch_loader("funding", "disbursements")
def disbursements(funding, contract_ids: list[str]) -> list[list[dict]]:
    return grouped(funding.disbursements_for_contracts(contract_ids), contract_ids)


@batch_loader("funding", "evaluations")
def evaluations(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_evaluations(ids)


@batch_loader("funding", "evaluations_for_contracts")
def evaluations_for_contracts(funding, contract_ids: list[str]) -> list[list[dict]]:
    return grouped(funding.evaluations_for_contracts(contract_ids), contract_ids)


@batch_loader("funding", "staffing")
def staffing(funding, keys: list[tuple[str, str | None]]) -> list:
    # contract_staffing answers a list in the order of the ids asked
    return by_date(funding, "contract_staffing", keys, "on",
                   pick=lambda answer, ids: dict(zip(ids, answer, strict=True)))


@batch_loader("funding", "schemes")
def schemes(funding, ids: list[str]) -> list[dict | None]:
    return funding.get_indicator_schemes(ids)


@batch_loader("funding", "releases")
def releases(funding, ocids: list[str]) -> list[dict | None]:
    return funding.disclosure_releases(ocids)
