"""Names of administrative divisions, for the public resource directory.

HSDS addresses and service areas carry place names (city, state_province, a service area's name),
not codes. The names are public reference data (GB/T 2260 and the township list) shipped with
the contracts (services/contracts/divisions.py): no registry module is imported and no registry
database is read. A division not listed (another province, a community) has no name there, and
the directory then says so instead of guessing.
"""
from __future__ import annotations

from services.contracts.divisions import division_names

__all__ = ["division_names"]
