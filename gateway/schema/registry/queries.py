"""The registry's part of the schema: regions, stations, staff and computed compliance (reads).

Every field is resolved from the registry's RPC answers (see the contract in services/registry/
service.py); the viewer goes with every call, and the registry decides what that viewer may see.
Fields that need another call (staff, compliance, regions, rollups) go through the request's
DataLoaders, so lists cost one call per kind of data, not one per item. Those fields are
nullable: when the call behind them fails, the rest of the answer still arrives, with the error.

Money is integer fen (分) in fields named `...Fen`.
"""
from __future__ import annotations

import graphene

from gateway.loaders import loader
from gateway.schema.base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, given, page_size
from gateway.schema.registry.enums import ComplianceRule, ComplianceStatus, StationStatus
from gateway.schema.registry.types import AccessLogEntry, Region, RegionRollup, Station, StationPage, Viewer
from gateway.schema.scalars import Date
from gateway.selection import selected, snake_case

# Staff fields every reply carries (the others are sent only when selected).
_STAFF_ALWAYS = {"id", "station_id", "__typename"}
# What `Station.trainingTotals` reads of each member.
_TRAINING_TOTALS = ("name", "training_hours_this_year", "employment_end")


def station_page_include(info) -> list[str]:
    """What the page's items are to carry from the registry's same read (services/registry/usecases/
    stations.list_stations): staff, and which of their fields, and today's compliance, only when selected."""
    items = selected(info).get("items", {})
    include: list[str] = []
    if "staff" in items or "trainingTotals" in items:
        wanted = {snake_case(name) for name in items.get("staff", {})} - _STAFF_ALWAYS
        if "trainingTotals" in items:
            wanted.update(_TRAINING_TOTALS)
        include += ["staff", *(f"staff.{name}" for name in sorted(wanted))]
    if "compliance" in items:
        include.append("compliance")
        if "evidence" in items["compliance"].get("rules", {}):
            include.append("compliance.evidence")
    return include


class RegistryQuery(graphene.ObjectType):
    viewer = graphene.Field(Viewer, required=True)
    regions = graphene.List(graphene.NonNull(Region),
                            parent_code=graphene.String(description="Omit for the provinces."),
                            description="The divisions directly under a region.")
    region = graphene.Field(Region, code=graphene.String(required=True))
    region_rollup = graphene.Field(RegionRollup, code=graphene.String(required=True), as_of=Date())
    stations = graphene.Field(
        StationPage,
        region=graphene.String(description="Region code or prefix: 32, 3211, 321102, 321102001…"),
        status=StationStatus(),
        compliance=ComplianceStatus(),
        failing_rule=ComplianceRule(description="Stations where this rule is not met or at risk."),
        text=graphene.String(description="Part of the station name."),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
        after=graphene.String(description="The nextCursor of the previous page."),
        description="Stations the viewer may see, filtered, one page at a time.")
    station = graphene.Field(Station, id=graphene.ID(required=True),
                             description="Null when unknown or outside the viewer's scope.")
    access_log = graphene.List(graphene.NonNull(AccessLogEntry), subject_id=graphene.ID(),
                               user_id=graphene.String(),
                               first=graphene.Int(default_value=DEFAULT_PAGE_SIZE,
                                                  description=f"1 to {MAX_PAGE_SIZE}."),
                               description="Reads of unmasked personal data, newest first.",
                               deprecation_reason="Use personalDataAccessLog: one access log across the "
                                                  "services, scoped by the viewer.")

    @staticmethod
    def resolve_viewer(root, info):
        return info.context.viewer.to_dict()

    @staticmethod
    def resolve_regions(root, info, parent_code=None):
        return loader(info, "registry.child_regions").load(parent_code)

    @staticmethod
    def resolve_region(root, info, code):
        return loader(info, "registry.regions").load(code)

    @staticmethod
    def resolve_region_rollup(root, info, code, as_of=None):
        return loader(info, "registry.rollups").load((code, as_of))

    @staticmethod
    def resolve_stations(root, info, first=DEFAULT_PAGE_SIZE, **filters):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        return info.context.service("registry").list_stations({**given(**filters), "limit": limit},
                                                              include=station_page_include(info))

    @staticmethod
    def resolve_station(root, info, id):
        return loader(info, "registry.stations").load(id)

    @staticmethod
    def resolve_access_log(root, info, first=DEFAULT_PAGE_SIZE, subject_id=None, user_id=None):
        limit = page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        query = {**given(subject_id=subject_id, user_id=user_id), "limit": limit}
        return info.context.service("registry").access_log(query)
