"""The funding demo's disclosure (the real seeder through the real use cases, on the real document
store) published as OCDS packages that libcoveocds finds valid: every release of every process."""
from __future__ import annotations

import random

from services.common import clock, storage
from services.common.auth import ANONYMOUS, SYSTEM
from services.funding import demo as funding_demo
from services.funding.storage import FundingRepository
from services.funding.storage import load_reference_data as load_funding_reference
from services.funding.usecases import Funding
from services.registry import demo as registry_demo
from services.registry.storage import RegistryRepository
from services.registry.storage import load_reference_data as load_registry_reference
from services.registry.usecases import Registry
from tests.support import funding_fixtures as fx
from tests.support import ocds_validation
from tests.unit.test_ocds_disclosure import assert_clean

BASE = "https://open.example.gov.cn"
COUNTY = "321181"  # 丹阳市: a few of its townships keep the seeding short


def test_the_demo_disclosure_is_valid_ocds_with_whole_histories(isolated_settings, tmp_path):
    registry_db = storage.database("registry")
    load_registry_reference(registry_db)
    registry = Registry(RegistryRepository(registry_db))
    townships = registry.repo.child_regions(COUNTY)[:2]
    registry_demo.seed_city(registry, funding_demo.DEMO_CITY, random.Random(7), townships)
    funding_db = storage.database("funding")
    load_funding_reference(funding_db)
    funding = Funding(FundingRepository(funding_db))
    stations = list(registry_db.stations.find({"city_code": funding_demo.DEMO_CITY}).sort("_id", 1))
    funding_demo.prime_staffing(funding, stations)
    counts = funding_demo.DemoCity(funding, stations, random.Random(7)).seed()
    assert counts["contracts"] >= 2 and counts["disbursements"] > 0

    page = {"uri": f"{BASE}/public/ocds/releases.json?limit=100", "base_url": BASE, "limit": 100}
    releases = funding.ocds_release_package(ANONYMOUS, page)["package"]
    tags = {r["tag"][0] for r in releases["releases"]}
    assert {"tender", "award", "contract", "planningUpdate", "implementation"} <= tags
    assert len({r["id"] for r in releases["releases"]}) == len(releases["releases"])
    assert_clean(ocds_validation.review(releases, tmp_path / "releases", BASE))

    records = funding.ocds_record_package(ANONYMOUS, {**page, "uri": f"{BASE}/public/ocds/records.json?limit=100"})
    assert len(records["package"]["records"]) == len({r["ocid"] for r in releases["releases"]})
    assert_clean(ocds_validation.review(records["package"], tmp_path / "records", BASE))


def test_a_tender_cancelled_as_a_draft_was_never_public(isolated_settings):
    db = storage.database("funding")
    load_funding_reference(db)
    funding = Funding(FundingRepository(db))
    with clock.FrozenClock(fx.START) as frozen:
        draft = funding.create_tender(SYSTEM, fx.tender_input())
        funding.cancel_tender(SYSTEM, draft["id"], {"expected_version": draft["version"], "reason": "立项有误"})
        published = funding.create_tender(SYSTEM, fx.tender_input())
        published = funding.publish_tender(SYSTEM, published["id"], {"expected_version": published["version"]})
        frozen.advance(days=1)
        funding.cancel_tender(SYSTEM, published["id"], {"expected_version": published["version"],
                                                         "reason": "预算调整"})
    page = funding.ocds_release_package(ANONYMOUS, {"uri": f"{BASE}/public/ocds/releases.json", "base_url": BASE})
    assert page["total"] == 1
    assert [r["tag"] for r in page["package"]["releases"]] == [["tender"], ["tenderCancellation"]]
    assert funding.disclosure_feed(ANONYMOUS, {})["total"] == 1
    assert funding.disclosure_releases(ANONYMOUS, [f"ocds-sgjs21-{draft['id']}"]) == [None]
