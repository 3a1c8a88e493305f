"""The composition object every funding use case takes first."""
from __future__ import annotations

import functools
from collections.abc import Callable

from services.common.protection import FieldCipher

from ..storage import FundingRepository


class Funding:
    """The repository and the field cipher. Seeders, benchmarks and scripts may call a use case on it by name
    (`funding.create_source(viewer, data)`), as the RPC entrypoints do."""

    def __init__(self, repository: FundingRepository, cipher: FieldCipher | None = None):
        self.repo = repository
        self.cipher = cipher or FieldCipher()

    def __getattr__(self, name: str) -> Callable:
        from . import USE_CASE_MODULES

        for module in USE_CASE_MODULES:
            use_case = getattr(module, name, None) if not name.startswith("_") else None
            if callable(use_case) and getattr(use_case, "__module__", None) == module.__name__:
                return functools.partial(use_case, self)
        raise AttributeError(f"no funding use case {name}")
