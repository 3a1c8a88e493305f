"""A small slice of the demo city for the dashboard's browser tests: the same demo code as `shegong seed`
(every service's own use cases, so events, compliance and roll-ups are genuine), for a few townships of
two counties instead of all 55, so a launched platform is ready in seconds rather than minutes.

    python -m tests.support.dashboard_seed      # with MONGO_URI pointing at the launched platform's store
"""
from __future__ import annotations

import json
import random
import sys
import time

COUNTIES = ("321181", "321182")  # 丹阳市, 扬中市 of 镇江市
TOWNSHIPS_PER_COUNTY = 2


def seed() -> dict:
    from services.casework import demo as casework_demo
    from services.casework.storage import CaseworkRepository
    from services.casework.usecases import Casework
    from services.common import storage
    from services.funding import demo as funding_demo
    from services.funding.storage import FundingRepository, load_reference_data
    from services.funding.usecases import Funding
    from services.registry import demo as registry_demo
    from services.registry.storage import RegistryRepository
    from services.registry.usecases import Registry
    from services.volunteers import demo as volunteers_demo
    from services.volunteers.storage import VolunteersRepository
    from services.volunteers.usecases import Volunteering

    started = time.monotonic()
    seconds = {}
    registry = Registry(RegistryRepository(storage.database("registry")))
    townships = [t for county in COUNTIES for t in registry.repo.child_regions(county)[:TOWNSHIPS_PER_COUNTY]]
    results = {"registry": registry_demo.seed_city(registry, registry_demo.DEMO_CITY, random.Random("dash-registry"),
                                                   townships)}

    seconds["registry"] = round(time.monotonic() - started, 1)
    casework = Casework(CaseworkRepository(storage.database("casework")))
    stations = casework_demo.copy_registry_staff(casework, storage.database("registry"))
    results["casework"] = casework_demo.seed_city(casework, stations, random.Random("dash-casework"),
                                                  households_per_station=3)

    seconds["casework"] = round(time.monotonic() - started, 1)
    codes = {t.code for t in townships}
    places = [p for p in volunteers_demo.townships() if p["code"] in codes]
    volunteering = Volunteering(VolunteersRepository(storage.database("volunteers")))
    results["volunteers"] = volunteers_demo.seed_city(volunteering, random.Random("dash-volunteers"), places,
                                                      volunteers_per_township=3, needs_per_township=3)

    seconds["volunteers"] = round(time.monotonic() - started, 1)
    db = storage.database("funding")
    load_reference_data(db)
    funding = Funding(FundingRepository(db))
    funding_demo.prime_staffing(funding, stations)
    results["funding"] = funding_demo.DemoCity(funding, stations, random.Random("dash-funding")).seed()
    seconds["funding"] = round(time.monotonic() - started, 1)
    return {**results, "seconds_elapsed": seconds}


if __name__ == "__main__":
    print(json.dumps(seed(), ensure_ascii=False, default=str))
    sys.exit(0)
