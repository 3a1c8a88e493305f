"""Privacy in aggregates on the in-memory store (services/supervision/usecases/privacy.py,
domain/suppression.py): small township counts suppressed and marked, and the totals beside them do not
give them away."""
from __future__ import annotations

import pytest

from services.common.auth import Viewer
from services.common.errors import PermissionDenied, ValidationFailed
from services.supervision.usecases import alerts, privacy
from tests.support.supervision_usecases import ADMIN, COUNTY, OTHER_COUNTY, RegistryFake, seed_read_model, supervision

CITY = Viewer("zhenjiang-official", "city", "321100")
T1, T2, T3 = "321181001", "321181002", "321181003"


class ThreeTownships(RegistryFake):
    def regions_under(self, viewer: dict, prefix: str) -> list[dict]:
        extra = [{"code": code, "name": name, "level": "township", "parent_code": "321181"}
                 for code, name in ((T2, "新桥镇"), (T3, "丹北镇"))]
        return [*super().regions_under(viewer, prefix), *[r for r in extra if r["code"].startswith(prefix)]]


def _households(township: str, count: int) -> dict:
    return {f"hh-{township}-{i}": {"township": township, "station": f"ST{township}", "registered_on": "2026-01-05",
                                   "assessed_on": []} for i in range(count)}


def _cases(township: str, domain: str, count: int) -> dict:
    return {f"cs-{township}-{domain}-{i}": {"township": township, "station": f"ST{township}", "domain": domain,
                                            "stage": "intake", "opened_on": "2026-02-01"} for i in range(count)}


@pytest.fixture
def context():
    context = supervision(ThreeTownships())
    seed_read_model(context, "households", {"households": {**_households(T1, 3), **_households(T2, 10),
                                                           **_households(T3, 7)}})
    seed_read_model(context, "cases", {"crisis": {}, "cases": {
        **_cases(T1, "children", 2), **_cases(T1, "elderly", 9), **_cases(T2, "children", 6),
        **_cases(T3, "elderly", 8)}})
    return context


def figure(region: dict, key: str) -> dict:
    return next(f for f in region["figures"] if f["key"] == key)


def children_of(result: dict) -> dict[str, dict]:
    return {child["region_code"]: child for child in result["children"]}


def unrecoverable(result: dict, key: str) -> None:
    """The parent's total minus the children shown never isolates one suppressed child."""
    hidden = [c for c in result["children"] if figure(c, key)["suppressed"]]
    assert len(hidden) != 1, f"{key}: one suppressed child would be the total minus the others"


def test_a_small_township_count_is_suppressed_for_the_city_and_not_recoverable_from_the_total(context):
    result = privacy.protected_rollup(context, CITY, {"region": "321181", "period": {"year": 2026}})

    townships = children_of(result)
    small = figure(townships[T1], "households.registered")
    assert small == {"key": "households.registered", "value": None, "suppressed": True, "reason": "small_count"}
    assert figure(townships[T3], "households.registered")["reason"] == "complementary"  # the next smallest
    assert figure(townships[T2], "households.registered")["value"] == 10
    assert figure(result["region"], "households.registered")["value"] == 20  # county level: shown
    unrecoverable(result, "households.registered")
    assert result["threshold"] == 5


def test_the_county_sees_its_own_townships_but_never_small_counts_of_children_or_crisis(context):
    result = privacy.protected_rollup(context, COUNTY, {"region": "321181", "period": {"year": 2026}})

    townships = children_of(result)
    assert figure(townships[T1], "households.registered")["value"] == 3  # inside the area
    children = figure(townships[T1], "cases.by_domain.children.opened")
    assert children["suppressed"] and children["reason"] == "sensitive" and children["value"] is None
    # cases opened (11) minus the shown domains would give the children's 2: another domain is hidden too
    assert figure(townships[T1], "cases.by_domain.elderly.opened")["suppressed"]
    assert figure(townships[T1], "cases.opened")["value"] == 11
    unrecoverable(result, "cases.by_domain.children.opened")
    assert figure(townships[T1], "crisis.flagged") == {"key": "crisis.flagged", "value": 0, "suppressed": False,
                                                         "reason": None}  # zero points at nobody


def test_the_threshold_is_policy_data(context):
    alerts.set_alert_policy(context, ADMIN, {
        "region_code": "321181", "effective_from": "2026-01-01", "crisis_first_contact_hours": 24,
        "need_unmet_days": 30, "archive_review_months": 12, "small_count_threshold": 3, "source": "丹民〔2026〕2号"})

    result = privacy.protected_rollup(context, CITY, {"region": "321181", "period": {"year": 2026}})
    assert result["threshold"] == 3
    assert figure(children_of(result)[T1], "households.registered")["value"] == 3


def test_a_township_asked_for_directly_is_protected_too(context):
    result = privacy.protected_rollup(context, CITY, {"region": T1, "period": {"year": 2026}})

    assert result["children"] == []
    assert figure(result["region"], "households.registered")["suppressed"]


def test_scope_and_validation_as_the_rollup_and_nothing_is_written(context):
    with pytest.raises(PermissionDenied):
        privacy.protected_rollup(context, OTHER_COUNTY, {"region": "321181"})
    with pytest.raises(ValidationFailed):
        privacy.protected_rollup(context, CITY, {"region": "3"})
    privacy.protected_rollup(context, CITY, {"region": "321181"})
    assert all(context.repo.db[name].count_documents({}) == 0 for name in ("alerts", "plans"))


@pytest.mark.parametrize("viewer", [CITY, COUNTY, ADMIN], ids=["city", "county", "admin"])
def test_no_figure_is_the_only_one_hidden_beside_its_total(context, viewer):
    result = privacy.protected_rollup(context, viewer, {"region": "321181", "period": {"year": 2026}})

    for key in (f["key"] for f in result["region"]["figures"]):
        if not figure(result["region"], key)["suppressed"]:
            unrecoverable(result, key)
