"""case_reads: the station queue (crises first), cases per household, summaries and caseloads in scope."""
from __future__ import annotations

import pytest

from services.casework.usecases import case_reads
from services.common.errors import ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import COUNTY, OTHER_COUNTY, WORKER, casework, opened, registered


def _two_cases(cw):
    elderly = opened(cw, registered(cw))
    family = registered(cw, fx.family_household())
    crisis = opened(cw, family, person_id=family["members"][1]["person_id"], domain="marriage_family",
                    source="hotline", crisis={"notes": "丈夫酒后施暴"})
    return elderly, crisis, family


def test_the_queue_puts_crises_first_and_pages_with_a_cursor():
    cw = casework()
    elderly, crisis, _ = _two_cases(cw)
    first = case_reads.list_cases(cw, COUNTY, {"limit": 1})
    assert [c["id"] for c in first["items"]] == [crisis["id"]] and first["total"] == 2
    second = case_reads.list_cases(cw, COUNTY, {"limit": 1, "after": first["next_cursor"]})
    assert [c["id"] for c in second["items"]] == [elderly["id"]] and second["next_cursor"] is None
    assert case_reads.list_cases(cw, COUNTY, {"crisis": False})["total"] == 1
    assert case_reads.list_cases(cw, COUNTY, {"stage": "open", "domain": "elderly"})["total"] == 1
    assert case_reads.list_cases(cw, OTHER_COUNTY, {})["total"] == 0
    with pytest.raises(ValidationFailed):
        case_reads.list_cases(cw, COUNTY, {"after": "not-a-cursor"})


def test_batches_hide_what_is_out_of_scope_or_protected():
    cw = casework()
    elderly, crisis, family = _two_cases(cw)
    assert case_reads.get_cases(cw, OTHER_COUNTY, [elderly["id"]]) == [None]
    assert case_reads.get_cases(cw, COUNTY, [crisis["id"]])[0]["identity_protected"] is True
    assert case_reads.cases_for_households(cw, COUNTY, [family["id"]]) == {family["id"]: []}
    assert [c["id"] for c in case_reads.cases_for_households(cw, WORKER, [elderly["household_id"]])[
        elderly["household_id"]]] == [elderly["id"]]


def test_summary_and_caseloads_count_per_station_and_worker():
    cw = casework()
    _two_cases(cw)
    summary = case_reads.case_summary(cw, COUNTY, {})
    assert (summary["open"], summary["crisis_active"], summary["overdue"]) == (2, 1, 0)
    assert summary["stations"][0]["open_by_stage"]["intake"] == 2
    assert case_reads.case_summary(cw, OTHER_COUNTY, {})["stations"] == []
    loads = {row["staff_id"]: row for row in case_reads.caseloads_for_stations(cw, COUNTY, [fx.STATION])[fx.STATION]}
    assert (loads[fx.WORKER]["open_cases"], loads[fx.WORKER]["crisis_cases"]) == (2, 1)
    assert case_reads.caseloads_for_stations(cw, OTHER_COUNTY, [fx.STATION]) == {fx.STATION: []}
