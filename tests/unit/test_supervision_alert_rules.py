"""Alert rules as pure functions: thresholds at their boundaries, the policy in force, stable alert ids."""
from __future__ import annotations

from datetime import UTC, date, datetime

from services.supervision.domain import alerts
from services.supervision.domain.alerts import AlertPolicy, conditions, months_before, policy_in_force, subject_digest
from services.supervision.domain.figures import ReadModels

T = "321181001"
NOW = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)
TODAY = date(2026, 6, 30)


def models(**parts) -> ReadModels:
    return ReadModels(**parts)


def test_the_most_local_policy_in_force_applies():
    county = AlertPolicy(region_code="321181", effective_from=date(2026, 7, 1), need_unmet_days=60)
    city = AlertPolicy(region_code="321100", effective_from=date(2025, 1, 1), need_unmet_days=45)
    assert policy_in_force([county, city], T, TODAY).need_unmet_days == 45
    assert policy_in_force([county, city], T, date(2026, 7, 1)).need_unmet_days == 60
    assert policy_in_force([county, city], "320102001", TODAY).need_unmet_days == 30  # the province default


def test_months_before_keeps_the_day_where_it_exists():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 6, 30), 12) == date(2025, 6, 30)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_each_rule_at_its_threshold():
    crisis = {"c1": [{"station": "ST" + T, "township": T, "domain": "children",
                      "flagged_at": "2026-06-29T04:00:00.000000Z",
                      "due_at": "x", "first_contact_at": None, "overdue_detected_at": None}]}
    assert conditions(models(crisis=crisis), [], NOW, TODAY) == {}  # exactly 24 hours: not late yet
    late = conditions(models(crisis=crisis), [], NOW.replace(second=1), TODAY)
    [(alert_id, condition)] = late.items()
    assert alert_id == "crisis_no_first_contact:c1:2026-06-29T04:00:00.000000Z"
    assert condition.severity == alerts.CRITICAL
    crisis["c1"][0]["first_contact_at"] = "2026-06-30T03:00:00.000000Z"
    assert conditions(models(crisis=crisis), [], NOW.replace(second=1), TODAY) == {}

    needs = {"n1": {"current": True, "delivered_on": None, "first_assessed_on": "2026-05-31", "household": "h",
                    "station": "ST" + T, "township": T, "domain": "elderly", "need_type": "home_visit",
                    "severity": "urgent"}}
    assert conditions(models(needs=needs), [], NOW, TODAY) == {}  # 30 days open: not more than 30
    assert conditions(models(needs=needs), [], NOW, date(2026, 7, 1))["need_unmet:n1"].severity == alerts.HIGH
    needs["n1"]["delivered_on"] = "2026-06-20"
    assert conditions(models(needs=needs), [], NOW, date(2026, 7, 1)) == {}

    households = {hid: {"station": "ST" + T, "township": T, "registered_on": "2024-01-01", "assessed_on": [on]}
                  for hid, on in (("h1", "2025-06-30"), ("h2", "2025-07-01"))}
    found = conditions(models(households=households), [], NOW, TODAY)
    assert set(found) == {f"archive_not_reviewed:{subject_digest('h1')}:2025-06-30"}

    stations = {"ST" + T: {"township": T, "compliance": "not_met", "not_met_since": "2026-03-01",
                           "rules": {"venue_area": "met", "professional_staff": "not_met"}}}
    [station] = conditions(models(stations=stations), [], NOW, TODAY).values()
    assert station.evidence["failing_rules"] == ["professional_staff"] and station.alert_id.endswith(":2026-03-01")
