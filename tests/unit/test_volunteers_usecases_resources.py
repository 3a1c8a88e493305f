"""usecases/resources.py on the in-memory store: the resource library, its reviews, the public's view."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import clock
from services.common.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.volunteers.usecases import reference, resources
from tests.support.volunteers_fixtures import resource_input
from tests.support.volunteers_unit import (
    ADMIN,
    COUNTY,
    OTHER_COUNTY,
    OTHER_STAFF,
    PUBLIC,
    STAFF,
    event_types,
    use_cases,
)


def test_a_registered_resource_is_announced_and_the_public_reads_it_while_active():
    ctx = use_cases()
    resource = resources.register_resource(ctx, STAFF, resource_input(reviewed_on=clock.today().isoformat()))
    assert resource["status"] == "active" and resource["review_overdue"] is False
    assert event_types(ctx, "resources", resource["id"]) == ["resource.registered"]
    assert resources.get_resources(ctx, PUBLIC, [resource["id"]])[0]["id"] == resource["id"]
    assert resources.list_resources(ctx, PUBLIC, {})["total"] == 1
    closed = resources.review_resource(ctx, STAFF, resource["id"], {
        "expected_version": 1, "reviewed_on": clock.today().isoformat(), "outcome": "closed"})
    assert closed["status"] == "closed"
    assert event_types(ctx, "resources", resource["id"]) == ["resource.registered", "resource.reviewed"]
    assert resources.get_resources(ctx, PUBLIC, [resource["id"]]) == [None]
    assert resources.list_resources(ctx, PUBLIC, {})["total"] == 0


def test_another_county_neither_registers_nor_sees_nor_reviews_it():
    ctx = use_cases()
    with pytest.raises(PermissionDenied):
        resources.register_resource(ctx, OTHER_STAFF, resource_input())
    resource = resources.register_resource(ctx, STAFF, resource_input())
    assert resources.get_resources(ctx, OTHER_COUNTY, [resource["id"]]) == [None]
    assert resources.list_resources(ctx, OTHER_COUNTY, {})["total"] == 0
    with pytest.raises(NotFound):
        resources.review_resource(ctx, OTHER_COUNTY, resource["id"], {
            "expected_version": 1, "reviewed_on": clock.today().isoformat(), "outcome": "confirmed"})


def test_updating_services_keeps_their_ids_and_refuses_empty_changes():
    ctx = use_cases()
    data = resource_input()
    resource = resources.register_resource(ctx, STAFF, data)
    with pytest.raises(ValidationFailed):
        resources.update_resource(ctx, STAFF, resource["id"], {"expected_version": 1})
    services = [*data["services"], {**data["services"][0], "name": "助餐", "need_types": ["meal_assistance"]}]
    updated = resources.update_resource(ctx, STAFF, resource["id"], {"expected_version": 1, "services": services})
    assert updated["services"][0]["service_id"] == resource["services"][0]["service_id"]
    assert len(updated["services"]) == 2


def test_a_service_holding_tasks_cannot_be_removed():
    ctx = use_cases()
    data = resource_input()
    resource = resources.register_resource(ctx, STAFF, data)
    held = {"task_id": "tsk_1", "need_id": "need_1", "service_id": resource["services"][0]["service_id"]}
    stored = ctx.repo.resources.require(resource["id"])
    ctx.repo.resources.update(resource["id"], stored["_version"], {"open_tasks": [held]})
    with pytest.raises(RuleViolation):
        resources.update_resource(ctx, STAFF, resource["id"], {
            "expected_version": 2, "services": [{**data["services"][0], "name": "另一项服务"}]})


def test_overdue_reviews_and_the_directory_export_cover_the_viewers_scope():
    ctx = use_cases()
    late = resources.register_resource(ctx, STAFF, resource_input(
        reviewed_on=(clock.today() - timedelta(days=400)).isoformat()))
    resources.register_resource(ctx, STAFF, resource_input(reviewed_on=clock.today().isoformat()))
    overdue = resources.overdue_reviews(ctx, COUNTY, {})
    assert overdue["total"] == 1 and overdue["by_station"][0]["items"][0]["id"] == late["id"]
    assert overdue["by_station"][0]["items"][0]["days_overdue"] > 0
    assert resources.overdue_reviews(ctx, OTHER_COUNTY, {})["total"] == 0
    assert resources.list_resources(ctx, ADMIN, {"review_overdue": False})["total"] == 1
    directory = resources.export_directory(ctx, PUBLIC, {"region": "321181"})
    assert directory["hsds_version"] == "3.0" and len(directory["organizations"]) == 2


def test_the_catalogue_lists_the_vocabularies():
    catalogue = reference.catalogue(use_cases(), PUBLIC)
    assert "elderly" in catalogue["domains"] and "home_visit" in catalogue["need_types"]
    assert {k["category"] for k in catalogue["resource_kinds"]} == {"organisation", "facility"}
