"""Casework's use cases as methods of one object, for seeding tests and for the gateway's fake client:
`CaseworkUseCases(casework).open_case(viewer, data)` calls `cases.open_case(casework, viewer, data)`."""
from __future__ import annotations

import functools
import inspect

from services.casework.usecases import (
    Casework,
    archives,
    audit,
    campaigns,
    case_reads,
    cases,
    consent,
    crisis,
    duplicates,
    households,
    inbound,
    referrals,
    visits,
)

MODULES = (households, consent, duplicates, archives, cases, case_reads, visits, crisis, referrals, campaigns,
           audit, inbound)
USE_CASES = {name: function for module in MODULES for name, function in vars(module).items()
             if inspect.isfunction(function) and function.__module__ == module.__name__ and not name.startswith("_")}


class CaseworkUseCases:
    def __init__(self, casework: Casework):
        self.casework = casework

    def __getattr__(self, name: str):
        if name not in USE_CASES:
            raise AttributeError(name)
        return functools.partial(USE_CASES[name], self.casework)
