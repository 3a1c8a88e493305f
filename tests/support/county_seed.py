"""Demo data for one county's stations only, written in-process through the services' own demo seeds.

Security tests need realistic records of every kind in a county the caller does not cover: the demo seeds of
every service (services/*/demo.py) produce them through the real use cases, here for two townships of 京口区
(fast enough for one module's fixture: about 15 s on this machine).
"""
from __future__ import annotations

import random

from services.casework import demo as casework_demo
from services.casework.storage import CaseworkRepository
from services.casework.usecases import Casework
from services.common import storage
from services.funding import demo as funding_demo
from services.registry import demo as registry_demo
from services.registry.storage import RegistryRepository
from services.registry.usecases import Registry
from services.volunteers import demo as volunteers_demo
from services.volunteers.storage import VolunteersRepository
from services.volunteers.usecases import Volunteering
from shegong.services import migrate

JINGKOU_TOWNSHIPS = ("321102001", "321102002")  # 京口区: two stations, the fewest the funding demo's budgets fit


def seed_townships(townships=JINGKOU_TOWNSHIPS) -> dict:
    migrate()
    registry = Registry(RegistryRepository(storage.database("registry")))
    results = {"registry": registry_demo.seed_city(registry, registry_demo.DEMO_CITY, random.Random("registry"),
                                                   townships=[registry.repo.region(code) for code in townships])}
    casework = Casework(CaseworkRepository(storage.database("casework")))
    stations = casework_demo.copy_registry_staff(casework, storage.database("registry"))
    results["casework"] = casework_demo.seed_city(casework, stations, random.Random("casework"),
                                                  households_per_station=3)
    results["funding"] = funding_demo.seed(random.Random("funding"))
    volunteering = Volunteering(VolunteersRepository(storage.database("volunteers")))
    places = [place for place in volunteers_demo.townships() if place["code"] in townships]
    results["volunteers"] = volunteers_demo.seed_city(volunteering, random.Random("volunteers"), places,
                                                      volunteers_per_township=2, needs_per_township=2)
    return results
