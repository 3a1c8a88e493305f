"""The volunteers service's batched reads (gateway/loaders.py). Keys are volunteer, team, resource,
stock-line and need ids, or household ids.

Every loader maps to one batch RPC of the volunteers service, so a page of N volunteers with their
hours, teams and tasks, or N needs with their proposals' candidates, costs one call per kind of data.
"""
from __future__ import annotations

from gateway.loaders import batch_loader
from services.common.grouping import grouped


@batch_loader("volunteers", "volunteers")
def volunteers(service, ids: list[str]) -> list[dict | None]:
    return service.get_volunteers(ids)


@batch_loader("volunteers", "teams")
def teams(service, ids: list[str]) -> list[dict | None]:
    return service.get_teams(ids)


@batch_loader("volunteers", "resources")
def resources(service, ids: list[str]) -> list[dict | None]:
    return service.get_resources(ids)


@batch_loader("volunteers", "stock")
def stock(service, ids: list[str]) -> list[dict | None]:
    return service.get_stock(ids)


@batch_loader("volunteers", "needs")
def needs(service, ids: list[str]) -> list[dict | None]:
    return service.get_needs(ids)


@batch_loader("volunteers", "hours")
def hours(service, volunteer_ids: list[str]) -> list[list[dict]]:
    return grouped(service.hours_for_volunteers(volunteer_ids), volunteer_ids)


@batch_loader("volunteers", "teams_for_volunteers")
def teams_for_volunteers(service, volunteer_ids: list[str]) -> list[list[dict]]:
    return grouped(service.teams_for_volunteers(volunteer_ids), volunteer_ids)


@batch_loader("volunteers", "tasks_for_volunteers")
def tasks_for_volunteers(service, volunteer_ids: list[str]) -> list[list[dict]]:
    return grouped(service.tasks_for_volunteers(volunteer_ids), volunteer_ids)


@batch_loader("volunteers", "donations_for_stock")
def donations_for_stock(service, stock_ids: list[str]) -> list[list[dict]]:
    return grouped(service.donations_for_stock(stock_ids), stock_ids)


@batch_loader("volunteers", "distributions_for_households")
def distributions_for_households(service, household_ids: list[str]) -> list[list[dict]]:
    return grouped(service.distributions_for_households(household_ids), household_ids)
