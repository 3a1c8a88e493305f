"""The matching ranking: deterministic on a fixed data set, with every hard constraint (no I/O)."""
from datetime import date

import pytest

from services.volunteers import matching
from services.volunteers.matching import (
    Need,
    ResourceCandidate,
    ServiceOffer,
    StockCandidate,
    VolunteerCandidate,
    rank,
    score_resource,
    score_stock,
    score_volunteer,
)

TODAY = date(2026, 6, 1)  # a Monday
TOWNSHIP = "321181001"
COMMUNITY = TOWNSHIP + "001"
ALL_WEEK = frozenset(range(1, 8))


def make_need(**overrides):
    values = dict(need_id="n1", domain="elderly", need_type="home_visit", severity="medium",
                  beneficiary_groups=frozenset({"elderly_living_alone"}), child_related=False, needed_by=None,
                  township_code=TOWNSHIP, community_code=COMMUNITY)
    values.update(overrides)
    return Need(**values)


def volunteer(vid, community=COMMUNITY, skills=("companionship", "home_care"), domains=("elderly",),
              weekdays=ALL_WEEK, background=None, load=0, max_load=3):
    return VolunteerCandidate(vid, f"name-{vid}", community, frozenset(skills), frozenset(domains),
                              frozenset(weekdays), background, load, max_load)


def offer(service_id="s1", domain="elderly", need_types=("home_visit",), capacity=2, groups=(), weekdays=(), load=0):
    return ServiceOffer(service_id, f"service {service_id}", domain, frozenset(need_types), capacity,
                        frozenset(groups), frozenset(weekdays), load)


def resource(rid, township=TOWNSHIP, community=None, services=None):
    return ResourceCandidate(rid, f"resource {rid}", "elderly_care_institution", township, community,
                             tuple(services or [offer()]))


def lot(donation_id, remaining, domains=(), region=None, groups=(), received_on="2026-01-01"):
    return {"donation_id": donation_id, "remaining": remaining, "received_on": received_on,
            "restrictions": {"domains": list(domains), "region_code": region, "beneficiary_groups": list(groups)}}


def test_ranking_on_a_fixed_data_set_is_deterministic_and_explained():
    need = make_need()
    volunteers = [
        volunteer("v-far", community="321181002001"),               # same county only
        volunteer("v-near", community=TOWNSHIP + "009"),             # same township
        volunteer("v-home"),                                         # same community, free
        volunteer("v-busy", load=2),                                 # same community, 2 of 3 tasks
        volunteer("v-half", skills=("companionship",)),              # one of two skills
        volunteer("v-other-county", community="321102001001"),      # outside the county: never a candidate
    ]
    resources = [resource("r1", community=COMMUNITY, services=[offer(need_types=())])]
    ranking = rank(need, list(reversed(volunteers)), resources, [], TODAY)
    assert [p.candidate_id for p in ranking.proposals] == ["v-home", "v-near", "v-busy", "v-half", "v-far", "r1"]
    assert [p.score for p in ranking.proposals] == [100.0, 92.0, 90.0, 87.5, 85.0, 75.0]
    top = ranking.proposals[0]
    assert top.breakdown == {"domain": 25.0, "skills": 25.0, "distance": 20.0, "availability": 15.0, "load": 15.0}
    assert "same community" in top.reasons
    busy = next(p for p in ranking.proposals if p.candidate_id == "v-busy")
    assert busy.breakdown["load"] == 5.0 and "2 of 3 open tasks" in busy.reasons
    assert rank(need, volunteers, resources, [], TODAY).proposals == ranking.proposals


def test_distance_tiers_from_codes():
    need = make_need()
    assert matching.distance(need, TOWNSHIP, COMMUNITY) == "community"
    assert matching.distance(need, TOWNSHIP, TOWNSHIP + "002") == "township"
    assert matching.distance(need, "321181005", None) == "county"
    assert matching.distance(need, "321102001", None) is None
    assert matching.distance(make_need(community_code=None), TOWNSHIP, COMMUNITY) == "township"


def test_child_related_need_requires_a_valid_background_check():
    need = make_need(domain="children", need_type="tutoring", child_related=True)
    unchecked = volunteer("v1", skills=("tutoring",), domains=("children",))
    expired = volunteer("v2", skills=("tutoring",), domains=("children",), background="2026-05-31")
    valid = volunteer("v3", skills=("tutoring",), domains=("children",), background="2026-06-01")
    assert score_volunteer(need, unchecked, TODAY).code == "no_background_check"
    assert score_volunteer(need, expired, TODAY).code == "no_background_check"
    assert score_volunteer(need, valid, TODAY).score == 100.0
    assert score_volunteer(make_need(domain="children", need_type="tutoring"), unchecked, TODAY).score == 100.0


def test_availability_in_the_needed_time():
    # Needed by Wednesday 3 June: Monday..Wednesday. A weekend-only volunteer cannot come.
    need = make_need(needed_by=date(2026, 6, 3))
    assert score_volunteer(need, volunteer("v1", weekdays={6, 7}), TODAY).code == "not_available"
    one_day = score_volunteer(need, volunteer("v2", weekdays={3}), TODAY)
    assert one_day.breakdown["availability"] == 5.0
    assert score_volunteer(need, volunteer("v3", weekdays={1, 2, 3}), TODAY).breakdown["availability"] == 15.0
    # Without a date the severity decides the window: urgent = 3 days from today.
    urgent = make_need(severity="urgent")
    assert matching.window(urgent, TODAY) == (TODAY, date(2026, 6, 4))
    assert score_volunteer(urgent, volunteer("v4", weekdays={6}), TODAY).code == "not_available"
    # A due date already passed falls back to the severity window.
    assert matching.window(make_need(needed_by=date(2026, 5, 1)), TODAY) == (TODAY, date(2026, 6, 15))


@pytest.mark.parametrize("weekdays,start,end,expected", [
    ({1}, date(2026, 6, 1), date(2026, 6, 1), 1),
    ({1}, date(2026, 6, 2), date(2026, 6, 7), 0),
    ({1, 7}, date(2026, 6, 1), date(2026, 6, 14), 4),
    (set(), date(2026, 6, 1), date(2026, 6, 30), 0),
])
def test_days_available(weekdays, start, end, expected):
    assert matching.days_available(frozenset(weekdays), start, end) == expected


def test_load_and_fit_constraints():
    need = make_need()
    assert score_volunteer(need, volunteer("v1", load=3), TODAY).code == "at_capacity"
    assert score_volunteer(need, volunteer("v2", skills=("tutoring",), domains=("children",)), TODAY).code == "no_fit"
    skill_only = score_volunteer(need, volunteer("v3", domains=("disability",)), TODAY)
    assert skill_only.breakdown["domain"] == 0 and skill_only.breakdown["skills"] == 25.0


def test_resource_eligibility_capacity_and_opening_hours():
    need = make_need()
    assert score_resource(need, resource("r1", services=[offer(groups=("disabled",))]), TODAY).code == "not_eligible"
    assert score_resource(need, resource("r2", services=[offer(capacity=1, load=1)]), TODAY).code == "at_capacity"
    weekend = resource("r3", services=[offer(weekdays=(6, 7))])
    assert score_resource(make_need(needed_by=date(2026, 6, 3)), weekend, TODAY).code == "not_available"
    best = score_resource(need, resource("r4", services=[offer("a", need_types=()), offer("b")]), TODAY)
    assert best.detail == {"service_id": "b"} and best.breakdown["skills"] == 25.0
    children_only = resource("r5", services=[offer(domain="children", need_types=())])
    assert score_resource(need, children_only, TODAY).code == "no_fit"


def test_charity_stock_respects_earmarks_and_prefers_stock_given_for_the_purpose():
    need = make_need(need_type="food")
    general = StockCandidate("stk-rice", "大米", "food", "袋", TOWNSHIP, (lot("d1", 5),))
    for_elderly = StockCandidate("stk-oil", "食用油", "food", "桶", TOWNSHIP, (lot("d2", 5, domains=("elderly",)),))
    for_children = StockCandidate("stk-milk", "牛奶", "food", "箱", TOWNSHIP, (lot("d3", 5, domains=("children",)),))
    elsewhere = StockCandidate("stk-eggs", "鸡蛋", "food", "箱", TOWNSHIP, (lot("d4", 5, region="321181002"),))
    clothes = StockCandidate("stk-coat", "棉衣", "clothing", "件", TOWNSHIP, (lot("d5", 5),))
    assert score_stock(need, for_children).code == "earmarked"
    assert score_stock(need, elsewhere).code == "earmarked"
    assert score_stock(need, clothes) is None
    ranking = rank(need, [], [], [general, for_elderly, for_children, clothes], TODAY)
    charity = [p for p in ranking.proposals if p.kind == "charity"]
    assert [p.candidate_id for p in charity] == ["stk-oil", "stk-rice"]
    assert charity[0].detail == {"quantity": 5, "unit": "桶"}
    assert ranking.refusals["earmarked"] == 1


def test_earmark_rules():
    restricted = {"domains": ["children"], "region_code": "321181", "beneficiary_groups": ["left_behind_child"]}
    assert matching.earmark_problem(restricted, "elderly", "321181001001", {"left_behind_child"}) == \
        "earmarked for children"
    assert matching.earmark_problem(restricted, "children", "321102001", {"left_behind_child"}) == \
        "earmarked for region 321181"
    assert "left_behind_child" in matching.earmark_problem(restricted, "children", "321181001", {"orphans"})
    assert matching.earmark_problem(restricted, "children", "321181001001", {"left_behind_child"}) is None
    assert matching.earmark_problem({}, "elderly", "321181001", set()) is None


def test_unmet_reason_counts_refusals_and_limits_apply():
    need = make_need(domain="children", need_type="tutoring", child_related=True)
    volunteers = [volunteer(f"v{i}", skills=("tutoring",), domains=("children",)) for i in range(3)]
    ranking = rank(need, volunteers, [], [], TODAY)
    assert ranking.proposals == []
    assert ranking.unmet_reason() == ("no acceptable candidate: 3 × no valid background check "
                                      "(required for children's needs)")
    assert rank(make_need(), [], [], [], TODAY).unmet_reason().startswith("no volunteer, resource or charity")
    many = [volunteer(f"v{i:02d}") for i in range(12)]
    assert len(rank(make_need(), many, [], [], TODAY).proposals) == matching.PROPOSALS_PER_KIND["volunteer"]
    # Equal scores: ties go to the smaller id, whatever order candidates arrive in.
    assert [p.candidate_id for p in rank(make_need(), list(reversed(many)), [], [], TODAY).proposals] == \
        ["v00", "v01", "v02", "v03", "v04"]


def test_tiers_give_the_same_ranking_and_skip_tiers_that_cannot_matter():
    need = make_need()
    community = [volunteer(f"c{i}") for i in range(6)]
    township = [volunteer(f"t{i}", community=TOWNSHIP + "007") for i in range(3)]
    county = [volunteer(f"k{i}", community="321181009001") for i in range(3)]
    reads = []

    def tier(level, items):
        return matching.Tier(matching.tier_ceiling(level), lambda: reads.append(level) or items)

    flat = rank(need, community + township + county, [], [], TODAY)
    tiered = rank(need, [tier("community", community), tier("township", township), tier("county", county)],
                  [], [], TODAY)
    assert tiered.proposals == flat.proposals
    assert reads == ["community"]  # five perfect community matches: nobody farther can rank
    reads.clear()
    busy = [volunteer(f"c{i}", load=2) for i in range(6)]  # 90 points each: township volunteers can reach 92
    tiered = rank(need, [tier("community", busy), tier("township", township), tier("county", county)], [], [], TODAY)
    assert reads == ["community", "township"]
    assert tiered.proposals == rank(need, busy + township + county, [], [], TODAY).proposals
    assert [p.candidate_id for p in tiered.proposals][:3] == ["t0", "t1", "t2"]
