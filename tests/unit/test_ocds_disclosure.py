"""The disclosure feed as OCDS: every release of a contracting process (each a picture as of its
date), records with their compiled release, and release and record packages that libcoveocds
(the OCDS Data Review Tool's library) finds valid, offline, with every extension declared."""
from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from services.common.rpc import load
from services.contracts import disclosure as shared_disclosure
from services.funding import contracts, disclosure
from services.funding.schemas import AmendmentSchema
from tests.support import funding_fixtures as fx
from tests.support import ocds_validation
from tests.support.funding_fixtures import WAGE, awarded_tender, funded, line, pay, signed

BASE = "https://data.example.org"
PUBLISHED = "2026-06-01T00:00:00Z"
RESOLVED_AT = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)
AMENDED_AT = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)


def full_history_process() -> tuple[dict, dict]:
    """A tender awarded, its contract signed and funded, paid once, a payment held then released,
    then amended (a larger amount)."""
    tender = {**awarded_tender(), "_version": 7}
    contract = pay(funded(signed(), (line(), 30_000_000)), amount_fen=1_234_567)
    contract = pay(contract, flags=["staffing"], amount_fen=1_000, voucher_number="V-held")
    changes, _ = contracts.resolve_flag(contract, "dsb_V-held", "release", "已补足人员", RESOLVED_AT, "c")
    contract = {**contract, **changes}
    amount = contract["amount_fen"] + 10_000_000
    data = load(AmendmentSchema, {"expected_version": 1, "reason": "增加服务站点工作量", "amount_fen": amount,
                                  "milestones": fx.milestones(amount)})
    contract = {**contract, **contracts.amend(contract, data, "amd_1", AMENDED_AT, "c", WAGE), "_version": 4}
    return tender, contract


def by_id(releases: list[dict]) -> dict[str, dict]:
    return {r["id"].removeprefix("ocds-sgjs21-tdr_1-"): r for r in releases}


def test_every_step_of_the_process_is_a_release_with_its_own_id_and_date():
    tender, contract = full_history_process()
    history = disclosure.releases(tender, contract)
    assert [(r["id"].removeprefix("ocds-sgjs21-tdr_1-"), r["tag"]) for r in history] == [
        ("tender", ["tender"]), ("award", ["award"]), ("contract-ctr_1", ["contract"]),
        ("commitment-cmt_0", ["planningUpdate"]), ("payment-dsb_V-1", ["implementation"]),
        ("payment-dsb_V-held", ["implementationUpdate"]), ("payment-dsb_V-held-resolved", ["implementation"]),
        ("amendment-amd_1", ["contractAmendment"])]
    dates = [r["date"] for r in history]
    assert dates == sorted(dates) and all(d.endswith("Z") for d in dates)
    assert {r["ocid"] for r in history} == {"ocds-sgjs21-tdr_1"}
    assert disclosure.releases(tender, contract) == history  # rebuilt, the same releases: ids never change


def test_each_release_shows_the_process_as_it_was_on_its_date():
    tender, contract = full_history_process()
    releases = by_id(disclosure.releases(tender, contract))
    published = releases["tender"]
    assert published["tender"]["status"] == "active" and published["tender"]["numberOfTenderers"] == 1
    assert "awards" not in published and "contracts" not in published
    assert releases["award"]["tender"]["status"] == "complete" and "contracts" not in releases["award"]
    signed_release = releases["contract-ctr_1"]
    assert "budgetBreakdown" not in signed_release["planning"]["budget"]  # nothing committed yet
    assert "implementation" not in signed_release["contracts"][0]
    committed = releases["commitment-cmt_0"]["planning"]["budget"]["budgetBreakdown"]
    assert [b["amount"]["amount"] for b in committed] == [300000.0]

    held = releases["payment-dsb_V-held"]
    assert [t["id"] for t in held["contracts"][0]["implementation"]["transactions"]] == ["dsb_V-1"]
    assert "dsb_V-held-held" in {w["id"] for w in held["withheldInformation"]}
    resolved = releases["payment-dsb_V-held-resolved"]
    assert [t["id"] for t in resolved["contracts"][0]["implementation"]["transactions"]] == ["dsb_V-1", "dsb_V-held"]
    assert "dsb_V-held-held" not in {w["id"] for w in resolved["withheldInformation"]}

    before = resolved["contracts"][0]
    after = releases["amendment-amd_1"]["contracts"][0]
    assert before["value"]["amount"] + 100000 == after["value"]["amount"]
    assert "amendments" not in before and [a["id"] for a in after["amendments"]] == ["amd_1"]


def test_the_record_compiles_the_releases_with_ocds_merging():
    tender, contract = full_history_process()
    history = disclosure.releases(tender, contract)
    record = disclosure.record(history)
    compiled = record["compiledRelease"]
    assert record["ocid"] == "ocds-sgjs21-tdr_1" and record["releases"] == history
    assert compiled["tag"] == ["compiled"] and compiled["date"] == history[-1]["date"]
    assert compiled["contracts"][0]["value"] == history[-1]["contracts"][0]["value"]
    assert [t["id"] for t in compiled["contracts"][0]["implementation"]["transactions"]] == ["dsb_V-1", "dsb_V-held"]
    # withheldInformation is a whole-list merge: the payment held earlier and since released is not listed.
    assert "dsb_V-held-held" not in {w["id"] for w in compiled["withheldInformation"]}


def test_organisations_use_org_id_guides_credit_code_scheme():
    tender, contract = full_history_process()
    no_code = {**tender, "buyer": {**tender["buyer"], "credit_code": None}}
    latest = disclosure.release(no_code, contract)
    schemes = {p["identifier"]["scheme"] for p in latest["parties"] if "identifier" in p}
    assert schemes == {"CN-USCI"}
    assert all(p["id"].startswith(("CN-USCI-", "funder-", "CN-REGION-")) for p in latest["parties"])
    buyer = next(p for p in latest["parties"] if "buyer" in p["roles"])
    assert "identifier" not in buyer  # no credit code: named, not identified under a made-up scheme
    assert "CN-USCC" not in json.dumps(latest) and "CN-NAME" not in json.dumps(latest)


def review(package: dict, tmp_path) -> dict:
    report = ocds_validation.review(package, tmp_path, BASE)
    local = ocds_validation.local_files(BASE)
    assert set(report["requested_urls"]) <= set(local)  # answered from local files (and cached after)
    return report


def assert_clean(report: dict) -> None:
    assert report["validation_errors"] == []
    assert report["additional_fields"] == []  # every field is core or from a declared extension
    assert report["extensions"]["invalid_extension"] == {}
    assert report["additional_closed_codelist_values"] == {}
    assert report["additional_checks"] == {}


def test_the_release_package_is_valid_ocds(tmp_path):
    tender, contract = full_history_process()
    releases = [*disclosure.releases(tender, contract), *disclosure.releases({**awarded_tender(), "_id": "tdr_2",
                                                                              "ocid": "ocds-sgjs21-tdr_2"}, None)]
    package = disclosure.release_package(releases, f"{BASE}/public/ocds/releases.json", PUBLISHED, BASE)
    report = review(package, tmp_path)
    assert_clean(report)
    assert report["count"] == len(releases) == 10 and report["unique_ocids_count"] == 2
    assert package["publicationPolicy"] == f"{BASE}/public/ocds/publication-policy"
    assert f"{BASE}/public/ocds/extension/extension.json" in package["extensions"]


def test_the_record_package_is_valid_ocds(tmp_path):
    tender, contract = full_history_process()
    records = [disclosure.record(disclosure.releases(tender, contract))]
    package = disclosure.record_package(records, f"{BASE}/public/ocds/records.json", PUBLISHED, BASE)
    assert_clean(review(package, tmp_path))


def test_the_review_catches_what_the_old_package_got_wrong(tmp_path):
    """Not vacuous: no uri, a sentence as publicationPolicy and undeclared extensions are reported."""
    tender, contract = full_history_process()
    package = disclosure.release_package(disclosure.releases(tender, contract), f"{BASE}/x", PUBLISHED, BASE)
    del package["uri"], package["extensions"]
    package["publicationPolicy"] = shared_disclosure.PUBLICATION_POLICY
    report = review(package, tmp_path)
    problems = {(e["type"], e["field"], e["description"]) for e in report["validation_errors"]}
    assert problems == {("required", "", "'uri' is missing but required"),
                        ("uri", "publicationPolicy", "Invalid 'uri' found")}
    undeclared = {f["field"] for f in report["additional_fields"]}
    assert {"withheldInformation", "budgetBreakdown", "deliveryAddress"} <= undeclared


def test_personal_data_stays_out_of_the_packages():
    tender, contract = full_history_process()
    history = disclosure.releases(tender, contract)
    text = json.dumps([disclosure.record(history)], ensure_ascii=False)
    bid = fx.bid_input(1)
    for personal in (bid["contact"]["name"], bid["contact"]["phone"], bid["leaders"][0]["name"],
                     bid["leaders"][0]["id_number"], bid["leaders"][1]["name"]):
        assert personal not in text
    assert not any("contactPoint" in party for r in history for party in r["parties"])


def test_the_review_harness_refuses_the_network():
    with ocds_validation.offline_http(BASE), pytest.raises(OSError, match="offline"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)


def test_a_tender_published_only_has_one_release():
    tender = {**awarded_tender(), "award": None, "status": "published", "bids": []}
    assert [r["tag"] for r in disclosure.releases(tender, None)] == [["tender"]]
    assert disclosure.releases(tender, None)[0]["date"] == "2026-01-05T01:00:00Z"  # fx.START, in UTC


def test_compiling_records_needs_no_network():
    """The funding service merges with the shipped schema's rules: ocdsmerge downloads nothing."""
    tender, contract = full_history_process()
    disclosure._merger.cache_clear()
    with ocds_validation.offline_http(BASE) as offline:
        compiled = disclosure.record(disclosure.releases(tender, contract))["compiledRelease"]
    assert offline.requested == [] and compiled["tag"] == ["compiled"]
