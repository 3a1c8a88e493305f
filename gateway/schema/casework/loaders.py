"""Casework's batched reads (gateway/loaders.py). Keys are household, person, case and campaign ids,
station ids, or (household id, as_of) pairs for the archive on a date.

Every loader but one maps to one batch RPC of casework, so a page of N households with their
archives and cases, or N cases with their visits, services and referrals, costs one call per kind of
data. Campaign progress has no batch RPC: one call per campaign, started together.
"""
from __future__ import annotations

from gateway.loaders import batch_loader, by_date, outcome
from services.common.grouping import grouped


@batch_loader("casework", "households")
def households(casework, ids: list[str]) -> list[dict | None]:
    return casework.get_households(ids)


@batch_loader("casework", "persons")
def persons(casework, ids: list[str]) -> list[dict | None]:
    return casework.get_persons(ids)


@batch_loader("casework", "cases")
def cases(casework, ids: list[str]) -> list[dict | None]:
    return casework.get_cases(ids)


@batch_loader("casework", "roster_imports")
def roster_imports(casework, ids: list[str]) -> list[dict | None]:
    return casework.get_roster_imports(ids)


@batch_loader("casework", "campaigns")
def campaigns(casework, ids: list[str]) -> list[dict | None]:
    return casework.get_campaigns(ids)


@batch_loader("casework", "archives")
def archives(casework, keys: list[tuple[str, str | None]]) -> list:
    return by_date(casework, "archives_for_households", keys, "as_of")


@batch_loader("casework", "archive_history")
def archive_history(casework, household_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.archive_history(household_ids), household_ids)


@batch_loader("casework", "cases_for_households")
def cases_for_households(casework, household_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.cases_for_households(household_ids), household_ids)


@batch_loader("casework", "visits_for_households")
def visits_for_households(casework, household_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.visits_for_households(household_ids), household_ids)


@batch_loader("casework", "visits_for_cases")
def visits_for_cases(casework, case_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.visits_for_cases(case_ids), case_ids)


@batch_loader("casework", "services_for_cases")
def services_for_cases(casework, case_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.services_for_cases(case_ids), case_ids)


@batch_loader("casework", "referrals_for_cases")
def referrals_for_cases(casework, case_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.referrals_for_cases(case_ids), case_ids)


@batch_loader("casework", "caseloads")
def caseloads(casework, station_ids: list[str]) -> list[list[dict]]:
    return grouped(casework.caseloads_for_stations(station_ids), station_ids)


@batch_loader("casework", "campaign_progress")
def campaign_progress(casework, keys: list[tuple]) -> list:
    """Keys: (campaign id, *sorted filter items). Casework answers one campaign per call."""
    replies = [casework.call_async("campaign_progress", key[0], dict(key[1:])) for key in keys]
    return [outcome(reply) for reply in replies]
