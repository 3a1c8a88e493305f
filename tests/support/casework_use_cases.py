"""Casework's use cases as methods of one object, for seeding tests and for the gateway's fake client:
`CaseworkUseCases(casework).open_case(viewer, data)` calls `cases.open_case(casework, viewer, data)`."""
from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

from services.casework import usecases
from services.casework.usecases import Casework

# every public function of every module of the package, by name (the names are unique across modules)
USE_CASES = {name: function
             for module in (importlib.import_module(f"{usecases.__name__}.{info.name}")
                            for info in pkgutil.iter_modules(usecases.__path__))
             for name, function in vars(module).items()
             if inspect.isfunction(function) and function.__module__ == module.__name__ and not name.startswith("_")}


class CaseworkUseCases:
    def __init__(self, casework: Casework):
        self.casework = casework

    def __getattr__(self, name: str):
        if name not in USE_CASES:
            raise AttributeError(name)
        return functools.partial(USE_CASES[name], self.casework)
