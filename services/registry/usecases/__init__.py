"""The registry's use cases, one module per topic; each function takes the `Registry` context, then the viewer.

stations (register, update, read, contract awards), staff (members, qualifications, training, identity),
compliance (the evaluation every station write stores, rollups, the daily sweep), regions (the division tree
and average wages), policies, audit (exports and the personal-data access log). Scope rules: access.py.
"""
from __future__ import annotations

from . import audit, compliance, inbox, policies, regions, staff, stations
from .context import Registry

USE_CASE_MODULES = (stations, staff, compliance, regions, policies, audit, inbox)

__all__ = ["Registry", "USE_CASE_MODULES", "audit", "compliance", "inbox", "policies", "regions", "staff", "stations"]
