"""The station standard's rules at every boundary (no broker, no database)."""
from datetime import date

import pytest

from services.registry import compliance
from services.registry.compliance import JIANGSU_2021, Policy, evaluate, policy_in_force

TODAY = date(2026, 6, 30)
WAGE = {"region_code": "321100", "year": 2026, "monthly_wage_fen": 1_000_000}


def member(staff_id="s1", start="2020-01-01", end=None, hours=(), professional=True, salary=1_200_000,
           insurance=True):
    return {
        "staff_id": staff_id, "employment_start": start, "employment_end": end, "monthly_salary_fen": salary,
        "social_insurance": insurance,
        "qualification": {"kind": "certificate", "level": "social_worker", "obtained_on": "2019-01-01"}
        if professional else None,
        "training": [{"date": d, "hours": h} for d, h in hours],
    }


def station(area=40.0, signboard=True, residents=30_000, staff=None):
    return {"_id": "ST1", "name": "X", "region_code": "321181001",
            "venue": {"office_area_m2": area, "signboard_hung": signboard},
            "population": {"residents": residents, "year": 2025} if residents is not None else None,
            "staff": staff if staff is not None else [member("a"), member("b"), member("c")]}


@pytest.mark.parametrize("area,status", [(39.9, "not_met"), (40.0, "met"), (40.1, "met"), (None, "unknown")])
def test_venue_area_boundary(area, status):
    result = compliance.check_venue(station(area=area), JIANGSU_2021, TODAY)
    assert result.status == status
    assert result.evidence == {"office_area_m2": area, "minimum_m2": 40.0}


@pytest.mark.parametrize("hung,status", [(True, "met"), (False, "not_met"), (None, "unknown")])
def test_signboard(hung, status):
    assert compliance.check_signboard(station(signboard=hung), JIANGSU_2021, TODAY).status == status


@pytest.mark.parametrize("residents,staff,status", [
    (49_999, 3, "met"), (49_999, 2, "not_met"), (50_000, 2, "not_met"), (50_000, 3, "met"), (120_000, 0, "not_met"),
    (None, 3, "met"), (None, 2, "not_met"), (0, 3, "met"),
])
def test_professional_staff_minimum_of_three_binds_every_township(residents, staff, status):
    s = station(residents=residents, staff=[member(f"s{i}") for i in range(staff)])
    result = compliance.check_professional_staff(s, JIANGSU_2021, TODAY)
    assert result.status == status
    assert result.evidence["professional_staff"] == staff
    assert result.evidence["minimum"] == 3


LARGER_TOWNS_FIVE = Policy(min_professional_staff_large_town=5, source="a city asking 5 in large towns")


@pytest.mark.parametrize("residents,staff,status,minimum", [
    (49_999, 3, "met", 3), (50_000, 4, "not_met", 5), (50_000, 5, "met", 5), (50_001, 2, "not_met", 5),
    (None, 4, "unknown", None), (None, 2, "not_met", None),
])
def test_larger_town_minimum_applies_at_or_above_the_threshold(residents, staff, status, minimum):
    s = station(residents=residents, staff=[member(f"s{i}") for i in range(staff)])
    result = compliance.check_professional_staff(s, LARGER_TOWNS_FIVE, TODAY)
    assert (result.status, result.evidence["minimum"]) == (status, minimum)
    assert result.evidence["large_town_minimum"] == 5 and result.evidence["base_minimum"] == 3


def test_a_larger_town_minimum_below_the_base_never_lowers_it():
    lax = Policy(min_professional_staff_large_town=1, source="mistyped")
    s = station(residents=80_000, staff=[member("a"), member("b")])
    assert compliance.check_professional_staff(s, lax, TODAY).status == "not_met"


def test_policy_schema_refuses_a_larger_town_minimum_below_the_base():
    from marshmallow import ValidationError

    from services.registry.schemas import PolicySchema
    base = {"region_code": "3211", "effective_from": "2026-01-01", "source": "镇江市 2026"}
    loaded = PolicySchema().load({**base, "min_professional_staff_large_town": 5})
    assert loaded["min_professional_staff_large_town"] == 5
    assert PolicySchema().load(base)["min_professional_staff_large_town"] == 3
    with pytest.raises(ValidationError) as refused:
        PolicySchema().load({**base, "min_professional_staff_large_town": 2})
    assert "min_professional_staff_large_town" in refused.value.messages


def test_only_current_qualified_staff_count_as_professional():
    s = station(residents=10_000, staff=[member("a"), member("b"), member("c", professional=False),
                                        member("d", end="2026-01-31"), member("e", start="2026-12-01")])
    result = compliance.check_professional_staff(s, JIANGSU_2021, TODAY)
    assert result.status == "not_met"
    assert result.evidence["professional_staff"] == 2
    assert result.evidence["current_staff"] == 3


def test_diploma_below_junior_college_is_not_professional():
    m = member("a")
    m["qualification"] = {"kind": "diploma", "level": "junior_college"}
    assert compliance.is_professional(m, TODAY)
    m["qualification"] = {"kind": "diploma", "level": "secondary"}
    assert not compliance.is_professional(m, TODAY)


@pytest.mark.parametrize("hours,status", [(29.5, "not_met"), (30.0, "met"), (31, "met")])
def test_training_year_end_boundary(hours, status):
    m = member(hours=[("2025-05-01", hours)])
    assert compliance.training_status(m, JIANGSU_2021, date(2025, 12, 31))["status"] == status


def test_training_pro_rata_during_the_year():
    # 30 June: 181 of 365 days elapsed → 14.9 hours expected by now
    on_track = compliance.training_status(member(hours=[("2026-03-01", 15)]), JIANGSU_2021, TODAY)
    at_risk = compliance.training_status(member(hours=[("2026-03-01", 14.5)]), JIANGSU_2021, TODAY)
    assert on_track["status"] == "on_track" and on_track["expected_by_now"] == 14.9
    assert at_risk["status"] == "at_risk"
    met_early = compliance.training_status(member(hours=[("2026-03-01", 30)]), JIANGSU_2021, TODAY)
    assert met_early["status"] == "met"


def test_training_after_the_as_of_date_does_not_count():
    result = compliance.training_status(member(hours=[("2026-07-15", 40)]), JIANGSU_2021, TODAY)
    assert result["hours"] == 0 and result["status"] == "at_risk"


def test_training_target_prorated_for_staff_who_joined_mid_year():
    m = member(start="2025-07-02", hours=[("2025-09-01", 15.0)])
    result = compliance.training_status(m, JIANGSU_2021, date(2025, 12, 31))
    assert result["target"] == 15.0  # 30 h × 183 of 365 days
    assert result["status"] == "met"
    short = member(start="2025-07-02", hours=[("2025-09-01", 14.5)])
    assert compliance.training_status(short, JIANGSU_2021, date(2025, 12, 31))["status"] == "not_met"


def test_station_training_rule_takes_the_worst_member():
    s = station(staff=[member("a", hours=[("2026-02-01", 30)]), member("b", hours=[("2026-02-01", 15)]),
                       member("c", hours=[("2026-02-01", 1)])])
    result = compliance.check_training(s, JIANGSU_2021, TODAY)
    assert result.status == "at_risk"
    assert [m["status"] for m in result.evidence["staff"]] == ["met", "on_track", "at_risk"]


@pytest.mark.parametrize("salary,status", [(999_999, "not_met"), (1_000_000, "met"), (None, "unknown")])
def test_salary_against_local_average_wage(salary, status):
    s = station(staff=[member("a", salary=salary)])
    assert compliance.check_salary(s, JIANGSU_2021, TODAY, WAGE).status == status


def test_salary_unknown_without_a_reference_wage():
    assert compliance.check_salary(station(), JIANGSU_2021, TODAY, None).status == "unknown"


@pytest.mark.parametrize("insurance,status", [(True, "met"), (False, "not_met"), (None, "unknown")])
def test_social_insurance(insurance, status):
    s = station(staff=[member("a", insurance=insurance)])
    assert compliance.check_social_insurance(s, JIANGSU_2021, TODAY).status == status


def test_overall_status_follows_rules_and_since_is_kept_while_unchanged():
    good = station(staff=[member(f"s{i}", hours=[("2026-02-01", 30)]) for i in range(3)])
    first = evaluate(good, JIANGSU_2021, date(2026, 6, 1), WAGE)
    assert first["status"] == "met"
    later = evaluate(good, JIANGSU_2021, date(2026, 6, 30), WAGE, previous=compliance.snapshot(first))
    assert later["since"] == "2026-06-01"
    assert later["rules"]["venue_area"]["since"] == "2026-06-01"
    smaller = {**good, "venue": {"office_area_m2": 30, "signboard_hung": True}}
    changed = evaluate(smaller, JIANGSU_2021, date(2026, 6, 30), WAGE, previous=compliance.snapshot(later))
    assert changed["status"] == "not_met"
    assert changed["rules"]["venue_area"]["since"] == "2026-06-30"
    assert changed["rules"]["signboard"]["since"] == "2026-06-01"
    assert compliance.changed(compliance.snapshot(later), changed)
    assert not compliance.changed(compliance.snapshot(later), later)


def test_stricter_local_policy_applies_from_its_effective_date():
    strict = Policy(region_code="321181", effective_from=date(2026, 7, 1), min_venue_m2=60, source="丹阳市 2026")
    policies = [strict]
    assert policy_in_force(policies, "321181001", date(2026, 6, 30)) == JIANGSU_2021
    assert policy_in_force(policies, "321181001", date(2026, 7, 1)) == strict
    assert policy_in_force(policies, "321102001", date(2026, 7, 1)) == JIANGSU_2021
    result = compliance.check_venue(station(area=50), strict, date(2026, 7, 1))
    assert result.status == "not_met" and result.evidence["minimum_m2"] == 60


# --- history: a past date reads the values in force that day --------------------------------------
def test_value_on_reads_the_entry_in_force_and_the_registered_value_before_any_change():
    record = {"venue": {"office_area_m2": 30.0}, "history": {"venue": [
        {"from": None, "value": {"office_area_m2": 45.0}}, {"from": "2026-03-01", "value": {"office_area_m2": 30.0}}]}}
    assert compliance.value_on(record, "venue", date(2026, 2, 28)) == {"office_area_m2": 45.0}
    assert compliance.value_on(record, "venue", date(2026, 3, 1)) == {"office_area_m2": 30.0}
    never_changed = {"venue": {"office_area_m2": 50.0}}
    assert compliance.value_on(never_changed, "venue", date(2020, 1, 1)) == {"office_area_m2": 50.0}


def test_compliance_as_of_before_a_venue_change_gives_the_old_result():
    from services.registry import domain
    before = station(area=45.0)
    changes = {"venue": {"office_area_m2": 30.0, "signboard_hung": True}}
    history = domain.dated_history(before, changes, compliance.DATED_STATION_FIELDS, date(2026, 3, 1))
    after = {**before, **changes, "history": history}
    assert check_on(after, date(2026, 2, 28), "venue_area") == ("met", 45.0)
    assert check_on(after, date(2026, 3, 1), "venue_area") == ("not_met", 30.0)
    assert check_on(after, TODAY, "venue_area") == ("not_met", 30.0)


def check_on(s, on, rule):
    result = evaluate(s, JIANGSU_2021, on, WAGE)["rules"][rule]
    return result["status"], result["evidence"].get("office_area_m2", result["evidence"].get("resident_population"))


def test_population_and_pay_history_feed_their_rules_on_past_dates():
    from services.registry import domain
    s = station(residents=30_000, staff=[member("a"), member("b"), member("c", salary=1_200_000)])
    s["history"] = domain.dated_history(s, {"population": {"residents": 60_000, "year": 2026}},
                                        compliance.DATED_STATION_FIELDS, date(2026, 4, 1))
    s["population"] = {"residents": 60_000, "year": 2026}
    lowered = {**s["staff"][2], "monthly_salary_fen": 900_000}
    lowered["history"] = domain.dated_history(s["staff"][2], lowered, compliance.DATED_STAFF_FIELDS, date(2026, 5, 1))
    s["staff"] = [*s["staff"][:2], lowered]
    strict = LARGER_TOWNS_FIVE
    assert evaluate(s, strict, date(2026, 3, 31), WAGE)["rules"]["professional_staff"]["status"] == "met"
    assert evaluate(s, strict, date(2026, 4, 1), WAGE)["rules"]["professional_staff"]["status"] == "not_met"
    assert evaluate(s, strict, date(2026, 4, 30), WAGE)["rules"]["salary"]["status"] == "met"
    assert evaluate(s, strict, date(2026, 5, 1), WAGE)["rules"]["salary"]["status"] == "not_met"


def test_dated_history_corrects_the_same_day_and_refuses_a_change_before_the_last():
    from services.common.errors import ValidationFailed
    from services.registry import domain
    s = station(area=45.0)
    first = domain.dated_history(s, {"venue": {"office_area_m2": 38.0}}, compliance.DATED_STATION_FIELDS,
                                 date(2026, 3, 1))
    s = {**s, "venue": {"office_area_m2": 38.0}, "history": first}
    corrected = domain.dated_history(s, {"venue": {"office_area_m2": 41.0}}, compliance.DATED_STATION_FIELDS,
                                     date(2026, 3, 1))
    assert [e["value"]["office_area_m2"] for e in corrected["venue"]] == [45.0, 41.0]
    with pytest.raises(ValidationFailed) as refused:
        domain.dated_history(s, {"venue": {"office_area_m2": 50.0}}, compliance.DATED_STATION_FIELDS,
                             date(2026, 2, 1))
    assert "effective_on" in refused.value.details
    assert domain.dated_history(s, {"name": "x"}, compliance.DATED_STATION_FIELDS, date(2026, 3, 2)) is None
