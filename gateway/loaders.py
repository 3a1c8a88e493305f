"""Per-request DataLoaders: resolvers ask for one thing, the loader asks the service for all of them.

With graphql-sync-dataloaders the executor (DeferredExecutionContext) first resolves a whole
level of the query, collecting `load(key)` calls, then runs each loader's batch once. A list of
N stations with their staff, compliance and region so costs one RPC call per loader, whatever N.

Loaders live for one request (they cache what they read) and are replaced before each mutation.

Resolve only NULLABLE fields through a loader. graphql-sync-dataloaders completes loader results
in callbacks; an error there in a non-null field has to propagate to a parent, which the library
does not manage (the whole response is lost). A nullable field just becomes null with its error.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from graphql_sync_dataloaders import SyncDataLoader, SyncFuture


def batch_or_fail(load_many: Callable[[list], Sequence]) -> Callable[[list], list]:
    """Make a batch function safe for SyncDataLoader.

    SyncDataLoader runs the batch function outside graphql-core's error handling: an exception
    there (a service down, a PermissionDenied) would abort the whole request. Here it becomes the
    result of each key instead, so only the fields that needed it fail, with the mapped error.
    """
    def load(keys: list) -> list:
        try:
            values = list(load_many(keys))
        except Exception as exc:  # every key of the batch fails with it, nothing else does
            return [exc] * len(keys)
        if len(values) != len(keys):
            failure = RuntimeError(f"{getattr(load_many, '__name__', 'batch')} returned {len(values)} values "
                                   f"for {len(keys)} keys")
            return [failure] * len(keys)
        return values
    load.__name__ = getattr(load_many, "__name__", "batch")
    return load


def then(value, transform: Callable):
    """Apply `transform` to a loader's result, whether it is ready or still waiting for its batch."""
    if not isinstance(value, SyncFuture):
        return transform(value)
    if value.done():
        return transform(value.result())
    derived = SyncFuture()
    # The executor dispatches a loader's batch through the callback of the futures it is handed.
    derived.deferred_callback = value.deferred_callback

    def settle():
        try:
            derived.set_result(transform(value.result()))
        except Exception as exc:
            derived.set_exception(exc)

    value.add_done_callback(settle)
    return derived


def _outcome(reply):
    try:
        return reply.result()
    except Exception as exc:
        return exc


class RegistryLoaders:
    """Batched reads of the registry for one request. Keys are station ids, region codes, or
    (id, as_of) pairs where the answer depends on the date."""

    def __init__(self, registry):
        self._registry = registry
        self.stations = SyncDataLoader(batch_or_fail(self.load_stations))
        self.regions = SyncDataLoader(batch_or_fail(self.load_regions))
        self.staff = SyncDataLoader(batch_or_fail(self.load_staff))
        self.compliance = SyncDataLoader(batch_or_fail(self.load_compliance))
        self.child_regions = SyncDataLoader(batch_or_fail(self.load_child_regions))
        self.rollups = SyncDataLoader(batch_or_fail(self.load_rollups))

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



def gather(values: list, transform: Callable = lambda results: results):
    """Combine several loader results (ready or waiting) into one, like `then` for a list.

    Only the first key queued on a loader carries the loader's dispatch (`deferred_callback`); the
    executor registers it from whichever future it is handed, so the combined future passes on
    the first one it finds among the pending values.
    """
    pending = [v for v in values if isinstance(v, SyncFuture) and not v.done()]

    def settled():
        return transform([v.result() if isinstance(v, SyncFuture) else v for v in values])

    if not pending:
        return settled()
    derived = SyncFuture()
    derived.deferred_callback = next((v.deferred_callback for v in pending if v.deferred_callback), None)
    remaining = len(pending)

    def settle():
        nonlocal remaining
        remaining -= 1
        if remaining:
            return
        try:
            derived.set_result(settled())
        except Exception as exc:
            derived.set_exception(exc)

    for value in pending:
        value.add_done_callback(settle)
    return derived


class FundingLoaders:
    """Batched reads of the funding service for one request. Keys are ids (contracts, tenders,
    sources, budget lines, evaluations, indicator schemes), station ids, OCDS ocids, or
    (contract id, on) pairs for the staffing check on a date.

    Every loader maps to one batch RPC of the funding service (services/funding/service.py), so a
    page of N contracts with their disbursements, evaluations and staffing costs one call per kind
    of data, not one per contract.
    """

    def __init__(self, funding):
        self._funding = funding
        self.sources = SyncDataLoader(batch_or_fail(self.load_sources))
        self.budget_lines = SyncDataLoader(batch_or_fail(self.load_budget_lines))
        self.lines_for_sources = SyncDataLoader(batch_or_fail(self.load_lines_for_sources))
        self.tenders = SyncDataLoader(batch_or_fail(self.load_tenders))
        self.bids = SyncDataLoader(batch_or_fail(self.load_bids))
        self.contracts = SyncDataLoader(batch_or_fail(self.load_contracts))
        self.contracts_for_stations = SyncDataLoader(batch_or_fail(self.load_contracts_for_stations))
        self.disbursements = SyncDataLoader(batch_or_fail(self.load_disbursements))
        self.evaluations = SyncDataLoader(batch_or_fail(self.load_evaluations))
        self.evaluations_for_contracts = SyncDataLoader(batch_or_fail(self.load_evaluations_for_contracts))
        self.staffing = SyncDataLoader(batch_or_fail(self.load_staffing))
        self.schemes = SyncDataLoader(batch_or_fail(self.load_schemes))
        self.releases = SyncDataLoader(batch_or_fail(self.load_releases))

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

    def load_staffing(self, keys: list[tuple[str, str | None]]) -> list[dict | None]:
        """One call per distinct date (normally exactly one), started together."""
        ids_by_date: dict[str | None, list[str]] = {}
        for contract_id, on in keys:
            ids_by_date.setdefault(on, []).append(contract_id)
        replies = {on: self._funding.call_async("contract_staffing", ids, on=on) for on, ids in ids_by_date.items()}
        results = {}
        for on, reply in replies.items():
            outcome = _outcome(reply)
            results[on] = outcome if isinstance(outcome, Exception) else dict(zip(ids_by_date[on], outcome, strict=False))
        return [results[on] if isinstance(results[on], Exception) else results[on].get(contract_id)
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

    def __init__(self, casework):
        self._casework = casework
        self.households = SyncDataLoader(batch_or_fail(self.load_households))
        self.persons = SyncDataLoader(batch_or_fail(self.load_persons))
        self.cases = SyncDataLoader(batch_or_fail(self.load_cases))
        self.campaigns = SyncDataLoader(batch_or_fail(self.load_campaigns))
        self.archives = SyncDataLoader(batch_or_fail(self.load_archives))
        self.archive_history = SyncDataLoader(batch_or_fail(self.load_archive_history))
        self.cases_for_households = SyncDataLoader(batch_or_fail(self.load_cases_for_households))
        self.visits_for_households = SyncDataLoader(batch_or_fail(self.load_visits_for_households))
        self.visits_for_cases = SyncDataLoader(batch_or_fail(self.load_visits_for_cases))
        self.services_for_cases = SyncDataLoader(batch_or_fail(self.load_services_for_cases))
        self.referrals_for_cases = SyncDataLoader(batch_or_fail(self.load_referrals_for_cases))
        self.caseloads = SyncDataLoader(batch_or_fail(self.load_caseloads))
        self.campaign_progress = SyncDataLoader(batch_or_fail(self.load_campaign_progress))

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

    def __init__(self, volunteers):
        self._volunteers = volunteers
        self.volunteers = SyncDataLoader(batch_or_fail(self.load_volunteers))
        self.teams = SyncDataLoader(batch_or_fail(self.load_teams))
        self.resources = SyncDataLoader(batch_or_fail(self.load_resources))
        self.stock = SyncDataLoader(batch_or_fail(self.load_stock))
        self.needs = SyncDataLoader(batch_or_fail(self.load_needs))
        self.hours = SyncDataLoader(batch_or_fail(self.load_hours))
        self.teams_for_volunteers = SyncDataLoader(batch_or_fail(self.load_teams_for_volunteers))
        self.tasks_for_volunteers = SyncDataLoader(batch_or_fail(self.load_tasks_for_volunteers))
        self.donations_for_stock = SyncDataLoader(batch_or_fail(self.load_donations_for_stock))
        self.distributions_for_households = SyncDataLoader(batch_or_fail(self.load_distributions_for_households))

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
