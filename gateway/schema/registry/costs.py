"""Cost declarations of the registry's fields (guards.py: CostModel): what a JSON value or a list of
leaves holds, and the usual lengths of lists that take no page argument.
"""
from __future__ import annotations

LEAF_COSTS = {
    "RuleEvaluation.evidence": 10,  # the figures one rule read: an area, a count, a date or two
    "Viewer.stationIds": 50,  # a supervisor's assigned stations
    "Venue.equipment": 60,  # the registry accepts up to 60 items
}

# Usual lengths of lists that take no page argument, for the query cost estimate (guards.py).
LIST_SIZES = {
    "ImportPayload.refused": 200,  # refused rows of one import file
    "Query.regions": 35,     # China has 34 province-level divisions
    "Region.children": 20,   # cities of a province, counties of a city, townships of a county
    "Station.staff": 10,
    "Station.trainingTotals": 10,
    "StaffMember.training": 20,
    "ComplianceEvaluation.rules": 6,
    "RegionRollup.byRule": 6,
}
