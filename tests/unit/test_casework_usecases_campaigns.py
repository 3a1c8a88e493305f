"""campaigns: a verification campaign targets a region's groups; its progress counts who was visited."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.casework.usecases import campaigns, visits
from services.common import clock
from services.common.errors import NotFound, PermissionDenied, ValidationFailed
from tests.support import casework_fixtures as fx
from tests.support.casework_units import COUNTY, OTHER_COUNTY, OTHER_WORKER, WORKER, casework, registered


def _campaign(region: str = fx.COUNTY) -> dict:
    starts = clock.today() - timedelta(days=5)
    return {"name": "丹阳市特困老年人全面核查", "region_code": region,
            "criteria": {"tags_any": ["extreme_poverty"], "age_min": 60},
            "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=60)).isoformat()}


def test_a_campaign_counts_its_targets_and_the_visits_made_for_it():
    cw = casework()
    poor = registered(cw)
    registered(cw, fx.family_household())  # not targeted
    campaign = campaigns.create_campaign(cw, COUNTY, _campaign())
    visits.log_household_visit(cw, WORKER, poor["id"], fx.visit(poor["version"], clock.today().isoformat(),
                                                                 campaign_id=campaign["id"]))
    progress = campaigns.campaign_progress(cw, WORKER, campaign["id"], {})
    assert (progress["targeted"], progress["visited"], progress["persons_targeted"]) == (1, 1, 1)
    assert progress["items"][0]["household_id"] == poor["id"]
    assert campaigns.campaign_progress(cw, COUNTY, campaign["id"], {"visited": False})["items"] == []


def test_campaigns_are_seen_and_created_within_the_region_only():
    cw = casework()
    with pytest.raises(PermissionDenied):
        campaigns.create_campaign(cw, WORKER, _campaign())
    with pytest.raises(PermissionDenied):
        campaigns.create_campaign(cw, OTHER_COUNTY, _campaign())
    campaign = campaigns.create_campaign(cw, COUNTY, _campaign())
    assert campaigns.get_campaigns(cw, OTHER_COUNTY, [campaign["id"]]) == [None]
    assert campaigns.list_campaigns(cw, COUNTY, {})["total"] == 1
    assert campaigns.list_campaigns(cw, OTHER_WORKER, {})["total"] == 0
    with pytest.raises(NotFound):
        campaigns.campaign_progress(cw, OTHER_COUNTY, campaign["id"], {})


def test_a_campaign_cannot_end_before_it_starts_and_visits_stay_inside_it():
    cw = casework()
    with pytest.raises(ValidationFailed):
        campaigns.create_campaign(cw, COUNTY, {**_campaign(), "ends_on": "2020-01-01"})
    campaign = campaigns.create_campaign(cw, COUNTY, _campaign())
    family = registered(cw, fx.family_household())
    with pytest.raises(ValidationFailed) as caught:
        visits.log_household_visit(cw, WORKER, family["id"], fx.visit(family["version"], clock.today().isoformat(),
                                                                      campaign_id=campaign["id"]))
    assert "campaign_id" in caught.value.details
