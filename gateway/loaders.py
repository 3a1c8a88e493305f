"""Per-request DataLoaders: resolvers ask for one thing, the loader asks the service for all of them.

The executor (gateway/dataloader.py) first resolves a whole level of the query, collecting
`load(key)` calls, then runs each loader's batch once. A list of N stations with their staff,
compliance and region so costs one RPC call per loader, whatever N.

Loaders live for one request (they cache what they read) and are replaced before each mutation.
A batch that fails (a service down, a refusal) fails only the fields that waited for its keys.
"""
from __future__ import annotations

from .dataloader import BatchQueue, DataLoader, gather, then

__all__ = ["CaseworkLoaders", "FundingLoaders", "RegistryLoaders", "VolunteersLoaders", "gather", "then"]


def _outcome(reply):
    try:
        return reply.result()
    except Exception as exc:
        return exc


class RegistryLoaders:
    """Batched reads of the registry for one request. Keys are station ids, region codes, or
    (id, as_of) pairs where the answer depends on the date."""

    def __init__(self, registry, batches: BatchQueue):
        self._registry = registry
        self.stations = DataLoader(self.load_stations, batches)
        self.regions = DataLoader(self.load_regions, batches)
        self.staff = DataLoader(self.load_staff, batches)
        self.compliance = DataLoader(self.load_compliance, batches)
        self.child_regions = DataLoader(self.load_child_regions, batches)
        self.rollups = DataLoader(self.load_rollups, batches)

    def load_stations(self, ids: list[str]) -> list[dict | None]:
        return self._registry.get_stations(list(ids))

    def load_regions(self, codes: list[str]) -> list[dict | None]:
        return self._registry.get_regions(list(codes))

    def load_staff(self, station_ids: list[str]) -> list[list[dict]]:
        by_station = self._registry.staff_for_stations(list(station_ids))
        return [by_station.get(station_id) or [] for station_id in station_ids]

    def load_compliance(self, keys: list[tuple[str, str | None]]) -> list[dict | None]:
        """One call per distinct as_of date (normally exactly one), started together."""
        ids_by_date: dict[str | None, list[str]] = {}
        for station_id, as_of in keys:
            ids_by_date.setdefault(as_of, []).append(station_id)
        replies = {as_of: self._registry.call_async("compliance_for_stations", ids, as_of=as_of)
                   for as_of, ids in ids_by_date.items()}
        results = {as_of: _outcome(reply) for as_of, reply in replies.items()}
        return [results[as_of] if isinstance(results[as_of], Exception) else results[as_of].get(station_id)
                for station_id, as_of in keys]

    def load_child_regions(self, parent_codes: list[str | None]) -> list:
        # The registry answers one parent per call; the calls at least run concurrently.
        replies = [self._registry.call_async("regions", code) for code in parent_codes]
        return [_outcome(reply) for reply in replies]

    def load_rollups(self, keys: list[tuple[str, str | None]]) -> list:
        replies = [self._registry.call_async("region_rollup", code, as_of=as_of) for code, as_of in keys]
        return [_outcome(reply) for reply in replies]


class FundingLoaders:
    """Batched reads of the funding service for one request. Keys are ids (contracts, tenders,
    sources, budget lines, evaluations, indicator schemes), station ids, OCDS ocids, or
    (contract id, on) pairs for the staffing check on a date.

    Every loader maps to one batch RPC of the funding service (services/funding/service.py), so a
    page of N contracts with their disbursements, evaluations and staffing costs one call per kind
    of data, not one per contract.
    """

    def __init__(self, funding, batches: BatchQueue):
        self._funding = funding
        self.sources = DataLoader(self.load_sources, batches)
        self.budget_lines = DataLoader(self.load_budget_lines, batches)
        self.lines_for_sources = DataLoader(self.load_lines_for_sources, batches)
        self.tenders = DataLoader(self.load_tenders, batches)
        self.bids = DataLoader(self.load_bids, batches)
        self.contracts = DataLoader(self.load_contracts, batches)
        self.contracts_for_stations = DataLoader(self.load_contracts_for_stations, batches)
        self.disbursements = DataLoader(self.load_disbursements, batches)
        self.evaluations = DataLoader(self.load_evaluations, batches)
        self.evaluations_for_contracts = DataLoader(self.load_evaluations_for_contracts, batches)
        self.staffing = DataLoader(self.load_staffing, batches)
        self.schemes = DataLoader(self.load_schemes, batches)
        self.releases = DataLoader(self.load_releases, batches)

    @staticmethod
    def _grouped(by_key: dict, keys: list) -> list[list[dict]]:
        return [by_key.get(key) or [] for key in keys]

    def load_sources(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_sources(list(ids))

    def load_budget_lines(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_budget_lines(list(ids))

    def load_lines_for_sources(self, source_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._funding.budget_lines_for_sources(list(source_ids)), source_ids)

    def load_tenders(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_tenders(list(ids))

    def load_bids(self, tender_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._funding.bids_for_tenders(list(tender_ids)), tender_ids)

    def load_contracts(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_contracts(list(ids))

    def load_contracts_for_stations(self, station_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._funding.contracts_for_stations(list(station_ids)), station_ids)

    def load_disbursements(self, contract_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._funding.disbursements_for_contracts(list(contract_ids)), contract_ids)

    def load_evaluations(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_evaluations(list(ids))

    def load_evaluations_for_contracts(self, contract_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._funding.evaluations_for_contracts(list(contract_ids)), contract_ids)

    def load_staffing(self, keys: list[tuple[str, str | None]]) -> list[dict | Exception | None]:
        """One call per distinct date (normally exactly one), started together."""
        ids_by_date: dict[str | None, list[str]] = {}
        for contract_id, on in keys:
            ids_by_date.setdefault(on, []).append(contract_id)
        replies = {on: self._funding.call_async("contract_staffing", ids, on=on) for on, ids in ids_by_date.items()}
        results: dict[str | None, dict | Exception] = {}
        for on, reply in replies.items():
            outcome = _outcome(reply)
            results[on] = (outcome if isinstance(outcome, Exception)
                           else dict(zip(ids_by_date[on], outcome, strict=True)))
        return [found if isinstance(found := results[on], Exception) else found.get(contract_id)
                for contract_id, on in keys]

    def load_schemes(self, ids: list[str]) -> list[dict | None]:
        return self._funding.get_indicator_schemes(list(ids))

    def load_releases(self, ocids: list[str]) -> list[dict | None]:
        return self._funding.disclosure_releases(list(ocids))


class CaseworkLoaders:
    """Batched reads of the casework service for one request. Keys are household, person, case and
    campaign ids, station ids, or (household id, as_of) pairs for the archive on a date.

    Every loader but one maps to one batch RPC of casework (services/casework/service.py), so a page
    of N households with their archives and cases, or N cases with their visits, services and
    referrals, costs one call per kind of data. Campaign progress has no batch RPC: one call per
    campaign, started together.
    """

    def __init__(self, casework, batches: BatchQueue):
        self._casework = casework
        self.households = DataLoader(self.load_households, batches)
        self.persons = DataLoader(self.load_persons, batches)
        self.cases = DataLoader(self.load_cases, batches)
        self.campaigns = DataLoader(self.load_campaigns, batches)
        self.archives = DataLoader(self.load_archives, batches)
        self.archive_history = DataLoader(self.load_archive_history, batches)
        self.cases_for_households = DataLoader(self.load_cases_for_households, batches)
        self.visits_for_households = DataLoader(self.load_visits_for_households, batches)
        self.visits_for_cases = DataLoader(self.load_visits_for_cases, batches)
        self.services_for_cases = DataLoader(self.load_services_for_cases, batches)
        self.referrals_for_cases = DataLoader(self.load_referrals_for_cases, batches)
        self.caseloads = DataLoader(self.load_caseloads, batches)
        self.campaign_progress = DataLoader(self.load_campaign_progress, batches)

    @staticmethod
    def _grouped(by_key: dict, keys: list) -> list[list[dict]]:
        return [by_key.get(key) or [] for key in keys]

    def load_households(self, ids: list[str]) -> list[dict | None]:
        return self._casework.get_households(list(ids))

    def load_persons(self, ids: list[str]) -> list[dict | None]:
        return self._casework.get_persons(list(ids))

    def load_cases(self, ids: list[str]) -> list[dict | None]:
        return self._casework.get_cases(list(ids))

    def load_campaigns(self, ids: list[str]) -> list[dict | None]:
        return self._casework.get_campaigns(list(ids))

    def load_archives(self, keys: list[tuple[str, str | None]]) -> list[dict | None]:
        """One call per distinct as_of date (normally exactly one), started together."""
        ids_by_date: dict[str | None, list[str]] = {}
        for household_id, as_of in keys:
            ids_by_date.setdefault(as_of, []).append(household_id)
        replies = {as_of: self._casework.call_async("archives_for_households", ids, as_of=as_of)
                   for as_of, ids in ids_by_date.items()}
        results = {as_of: _outcome(reply) for as_of, reply in replies.items()}
        return [results[as_of] if isinstance(results[as_of], Exception) else results[as_of].get(household_id)
                for household_id, as_of in keys]

    def load_archive_history(self, household_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.archive_history(list(household_ids)), household_ids)

    def load_cases_for_households(self, household_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.cases_for_households(list(household_ids)), household_ids)

    def load_visits_for_households(self, household_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.visits_for_households(list(household_ids)), household_ids)

    def load_visits_for_cases(self, case_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.visits_for_cases(list(case_ids)), case_ids)

    def load_services_for_cases(self, case_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.services_for_cases(list(case_ids)), case_ids)

    def load_referrals_for_cases(self, case_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.referrals_for_cases(list(case_ids)), case_ids)

    def load_caseloads(self, station_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._casework.caseloads_for_stations(list(station_ids)), station_ids)

    def load_campaign_progress(self, keys: list[tuple]) -> list:
        """Keys: (campaign id, *sorted filter items). Casework answers one campaign per call."""
        replies = [self._casework.call_async("campaign_progress", key[0], dict(key[1:])) for key in keys]
        return [_outcome(reply) for reply in replies]


class VolunteersLoaders:
    """Batched reads of the volunteers service for one request. Keys are volunteer, team, resource,
    stock-line and need ids, or household ids.

    Every loader maps to one batch RPC of the volunteers service (services/volunteers/service.py), so
    a page of N volunteers with their hours, teams and tasks, or N needs with their proposals'
    candidates, costs one call per kind of data, not one per item.
    """

    def __init__(self, volunteers, batches: BatchQueue):
        self._volunteers = volunteers
        self.volunteers = DataLoader(self.load_volunteers, batches)
        self.teams = DataLoader(self.load_teams, batches)
        self.resources = DataLoader(self.load_resources, batches)
        self.stock = DataLoader(self.load_stock, batches)
        self.needs = DataLoader(self.load_needs, batches)
        self.hours = DataLoader(self.load_hours, batches)
        self.teams_for_volunteers = DataLoader(self.load_teams_for_volunteers, batches)
        self.tasks_for_volunteers = DataLoader(self.load_tasks_for_volunteers, batches)
        self.donations_for_stock = DataLoader(self.load_donations_for_stock, batches)
        self.distributions_for_households = DataLoader(self.load_distributions_for_households, batches)

    @staticmethod
    def _grouped(by_key: dict, keys: list) -> list[list[dict]]:
        return [by_key.get(key) or [] for key in keys]

    def load_volunteers(self, ids: list[str]) -> list[dict | None]:
        return self._volunteers.get_volunteers(list(ids))

    def load_teams(self, ids: list[str]) -> list[dict | None]:
        return self._volunteers.get_teams(list(ids))

    def load_resources(self, ids: list[str]) -> list[dict | None]:
        return self._volunteers.get_resources(list(ids))

    def load_stock(self, ids: list[str]) -> list[dict | None]:
        return self._volunteers.get_stock(list(ids))

    def load_needs(self, ids: list[str]) -> list[dict | None]:
        return self._volunteers.get_needs(list(ids))

    def load_hours(self, volunteer_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._volunteers.hours_for_volunteers(list(volunteer_ids)), volunteer_ids)

    def load_teams_for_volunteers(self, volunteer_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._volunteers.teams_for_volunteers(list(volunteer_ids)), volunteer_ids)

    def load_tasks_for_volunteers(self, volunteer_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._volunteers.tasks_for_volunteers(list(volunteer_ids)), volunteer_ids)

    def load_donations_for_stock(self, stock_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._volunteers.donations_for_stock(list(stock_ids)), stock_ids)

    def load_distributions_for_households(self, household_ids: list[str]) -> list[list[dict]]:
        return self._grouped(self._volunteers.distributions_for_households(list(household_ids)), household_ids)
