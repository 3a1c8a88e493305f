"""A withdrawn consent on the in-memory store (domain/folds.py: consent_withdrawn, usecases/consent.py):
the household's id and what was said about it leave every read model and the alert feed at once, the
figures stay, the records show as withdrawn, and replaying the history gives the same state."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from services.common.clock import CHINA_STANDARD_TIME, FrozenClock
from services.common.events import Envelope
from services.supervision import projections
from services.supervision.usecases import alerts, consent, rollups, scorecards
from tests.support.supervision_usecases import (
    ADMIN,
    COUNTY,
    STATION,
    TOWNSHIP,
    seed_read_model,
    seed_stations,
    supervision,
)

NOW = datetime(2026, 6, 15, 10, tzinfo=CHINA_STANDARD_TIME)
HOUSEHOLD, NEIGHBOUR = "hh-withdraws-7f3a", "hh-stays-19c2"
WITHDRAWAL_ID = "ev-withdrawal-1"
TAGS = {HOUSEHOLD: "w", NEIGHBOUR: "s"}


def event(event_id: str, type_: str, payload: dict) -> Envelope:
    return Envelope(id=event_id, type=type_, version=1, occurred_at="2025-03-01T02:00:00Z", producer="casework",
                    correlation_id="c", causation_id=None, actor=None,
                    payload={"station_id": STATION, "township_code": TOWNSHIP, **payload})


def history(household: str) -> list[Envelope]:
    tag = TAGS[household]  # record ids of casework's own, which do not contain the household's id
    return [
        event(f"{tag}-1", "household.registered", {"household_id": household, "registered_on": "2025-03-01"}),
        event(f"{tag}-2", "needs.assessed", {"household_id": household, "assessed_on": "2025-03-02", "needs": [
            {"need_id": f"{tag}-need", "domain": "elderly", "need_type": "精神慰藉", "severity": "urgent"}]}),
        event(f"{tag}-3", "case.opened", {"case_id": f"{tag}-case", "household_id": household,
                                               "person_id": "p-1", "domain": "elderly", "opened_on": "2026-02-01"}),
        event(f"{tag}-4", "visit.logged", {"visit_id": f"{tag}-visit", "household_id": household,
                                                "case_id": f"{tag}-case", "visited_on": "2026-02-03"}),
    ]


WITHDRAWAL = event(WITHDRAWAL_ID, "consent.withdrawn", {
    "consent_id": "co-1", "household_id": HOUSEHOLD, "person_id": "p-1", "purposes": ["archive"],
    "withdrawn_on": "2026-06-01", "matching_need_ids": []})
LATER_VISIT = event("later-visit", "visit.logged", {"visit_id": "later-visit", "household_id": HOUSEHOLD,
                                                    "case_id": None, "visited_on": "2026-06-10"})


def fold_all(events: list[Envelope]) -> dict[str, dict]:
    """Every read model's state after `events`, as a projection (or its rebuild) folds them, in order."""
    states: dict[str, dict] = {name: {} for name in projections.NAMES}
    for name, handlers in projections.FOLDS.items():
        by_type = {contract.name: fold for contract, fold in handlers}
        for envelope in events:
            if envelope.type in by_type:
                states[name] = by_type[envelope.type](states[name], envelope)
    return states


def load(context, states: dict[str, dict]) -> None:
    for name, state in states.items():
        if name != projections.STATIONS:
            seed_read_model(context, name, state)


@pytest.fixture
def context():
    context = supervision()
    seed_stations(context)
    return context


def feed(context) -> str:
    """The alert feed (the record-by-record drill-down) as the county sees it, as text."""
    return json.dumps(alerts.list_alerts(context, COUNTY, {"limit": 100})["items"], ensure_ascii=False)


def test_a_withdrawal_removes_the_household_from_every_read_model_and_the_figures_stay(context):
    before = fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR)])
    after = fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR), WITHDRAWAL])
    assert HOUSEHOLD in json.dumps(before)
    text = json.dumps(after, ensure_ascii=False)
    assert HOUSEHOLD not in text and "精神慰藉" in text  # the neighbour's need is untouched
    assert NEIGHBOUR in text
    [alias] = [key for key in after[projections.HOUSEHOLDS]["households"] if key.startswith("withdrawn-")]
    assert after[projections.HOUSEHOLDS]["households"][alias]["withdrawn"] is True
    need = after[projections.NEEDS]["needs"]["w-need"]
    assert need["household"] == alias and need["withdrawn"] and need["need_type"] is None and need["severity"] is None
    assert after[projections.VISITS]["visits"]["w-visit"]["household"] == alias
    assert after[projections.CASES]["cases"]["w-case"]["household"] == alias

    with FrozenClock(NOW):
        load(context, before)
        figures_before = rollups.rollup(context, COUNTY, {"region": "321181", "period": {"year": 2026}})
        load(context, after)
        figures_after = rollups.rollup(context, COUNTY, {"region": "321181", "period": {"year": 2026}})
    assert figures_after == figures_before  # counts (households, cases, visits, households visited) stay


def test_events_after_the_withdrawal_fold_into_the_withdrawn_record_and_a_replay_gives_the_same(context):
    events = [*history(HOUSEHOLD), WITHDRAWAL, LATER_VISIT, WITHDRAWAL]  # withdrawn again: nothing more changes
    live = fold_all(events)
    assert HOUSEHOLD not in json.dumps(live)
    [alias] = live[projections.HOUSEHOLDS]["households"]
    assert live[projections.VISITS]["visits"]["later-visit"]["household"] == alias
    assert fold_all(events) == live  # a rebuild replays the history and purges again, to the same state
    once = fold_all([*history(HOUSEHOLD), WITHDRAWAL, LATER_VISIT])
    assert once == live


def test_the_alert_feed_names_the_household_before_and_not_after(context):
    with FrozenClock(NOW):
        load(context, fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR)]))
        alerts.evaluate_alerts(context, ADMIN)
        shown = feed(context)
        assert HOUSEHOLD in shown and "精神慰藉" in shown  # the unmet need's evidence names the household

        # its unmet need and its archive not reviewed for 12 months
        assert consent.purge_withdrawn_household(context, HOUSEHOLD, WITHDRAWAL_ID) == 2
        assert consent.purge_withdrawn_household(context, HOUSEHOLD, WITHDRAWAL_ID) == 0  # twice: nothing more
        items = alerts.list_alerts(context, COUNTY, {"limit": 100})["items"]
        assert HOUSEHOLD not in json.dumps(items)
        withdrawn = {a["rule"]: a for a in items if a["withdrawn"]}
        assert set(withdrawn) == {"need_unmet", "archive_not_reviewed"}
        assert withdrawn["archive_not_reviewed"]["subject_id"].startswith("withdrawn-")
        need_alert = withdrawn["need_unmet"]
        assert need_alert["evidence"]["need_type"] is None and need_alert["evidence"]["household_id"].startswith(
            "withdrawn-")
        assert len(items) == 4  # both households' alerts stay listed: the feed's counts do not change
        assert NEIGHBOUR in json.dumps(items)

        # the read models fold the same event; the next evaluation keeps the household out of the feed
        load(context, fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR), WITHDRAWAL]))
        alerts.evaluate_alerts(context, ADMIN)
        assert HOUSEHOLD not in feed(context)


def test_the_scorecard_s_drill_down_shows_the_pseudonym_after_the_withdrawal(context):
    request = {"station_id": STATION, "indicator": "archive_coverage", "limit": 100}
    with FrozenClock(NOW):
        load(context, fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR)]))
        before = scorecards.scorecard_evidence(context, COUNTY, request)
        assert HOUSEHOLD in json.dumps(before)
        load(context, fold_all([*history(HOUSEHOLD), *history(NEIGHBOUR), WITHDRAWAL]))
        after = scorecards.scorecard_evidence(context, COUNTY, request)
    assert HOUSEHOLD not in json.dumps(after) and NEIGHBOUR in json.dumps(after)
    assert after["total"] == before["total"]  # the record stays, under its pseudonym
    assert any(item["id"].startswith("withdrawn-") for item in after["items"])
