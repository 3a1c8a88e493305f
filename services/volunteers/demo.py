"""Demo data for 镇江市 (321100): volunteers, teams, resources of every kind, donations, and needs
matched into every state (proposed, matched, declined to unmet,
unmet for want of a candidate). Deterministic for a given `rng`, written through the use cases.

Where the data comes from:
- stations are `ST<township_code>` for the townships in the registry's reference file
  `services/contracts/reference/demo_townships.csv` (read as a file: no other service's database is
  touched); community codes are synthetic (township code + 001…005), as no community table exists;
- needs: casework seeds households separately and its needs.assessed events reach this service only
  when both run. So the demo builds needs.assessed payloads of its own (household ids `demo-hh-…`)
  and hands them to the same use case the event handler calls (`record_assessment`), so every
  proposal, unmet reason and event is genuine. Those households exist only here, so no service is
  delivered to them: a service.delivered event for a household casework never created could never be
  recorded and would end in the dead-letter queue. Deliveries come from casework's real needs.
"""
from __future__ import annotations

import csv
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from faker import Faker

from services.common import clock, storage
from services.common.auth import SYSTEM
from services.common.clock import CHINA_STANDARD_TIME
from services.common.demo_identities import credit_code, resident_id_number
from services.common.errors import RuleViolation

from . import domain, matching
from .storage import VolunteersRepository
from .usecases import Volunteering, charity, hours, needs, resources, tasks, teams, volunteers

DEMO_CITY = "321100"
TOWNSHIPS_FILE = Path(__file__).resolve().parents[1] / "contracts" / "reference" / "demo_townships.csv"
# casework's person tags and need types (services/casework/catalogue.py), so demo needs look like real ones.
BENEFICIARY_GROUPS = {"elderly": ["elderly_living_alone", "empty_nest_elderly", "disabled_or_demented_elderly"],
                      "children": ["left_behind_child", "child_in_difficulty"],
                      "disability": ["disability", "mental_disorder"],
                      "social_assistance": ["minimum_living_guarantee", "extreme_poverty"],
                      "marriage_family": ["domestic_violence_victim"],
                      "other": ["low_income_margin"]}
NEED_TYPES = {"elderly": ["home_visit", "daily_care", "dementia_care", "psychosocial_support", "social_participation"],
              "children": ["study_support", "parenting_education", "psychosocial_support", "education_assistance"],
              "disability": ["mental_health_rehabilitation", "assistive_devices", "home_visit", "two_subsidies"],
              "social_assistance": ["basic_living", "temporary_assistance", "medical_assistance", "employment_support"],
              "marriage_family": ["marriage_counselling", "domestic_violence_crisis", "family_relationship"],
              "other": ["policy_publicity", "community_participation"]}
RESOURCE_SERVICES = {
    "community_social_organisation": ("邻里互助服务", "elderly", ["home_visit", "social_participation"]),
    "charity_organisation": ("困难家庭帮扶", "social_assistance", ["basic_living", "temporary_assistance"]),
    "community_foundation": ("微心愿助学", "children", ["education_assistance", "study_support"]),
    "volunteer_team": ("志愿结对帮扶", "elderly", ["home_visit", "daily_care"]),
    "agency_grassroots_service": ("法律援助工作站", "marriage_family",
                                  ["domestic_violence_crisis", "marriage_counselling"]),
    "community_service_centre": ("社区综合服务", "other", ["policy_publicity", "community_participation"]),
    "children_care_home": ("课后托管与心理关爱", "children", ["study_support", "psychosocial_support"]),
    "disabled_persons_home": ("托养与康复训练", "disability", ["mental_health_rehabilitation", "assistive_devices"]),
    "mental_health_rehab_point": ("精神障碍社区康复", "disability", ["mental_health_rehabilitation"]),
    "elderly_care_institution": ("日间照料与助餐", "elderly", ["daily_care", "dementia_care"]),
}
SLOTS = [("08:30", "11:30"), ("09:00", "17:00"), ("14:00", "17:00"), ("18:30", "20:30")]
GOODS = [("大米", "food", "袋"), ("食用油", "food", "桶"), ("棉被", "daily_necessities", "床"),
         ("冬衣", "clothing", "件"), ("书包文具套装", "school_supplies", "套"), ("轮椅", "assistive_devices", "台")]


def townships() -> list[dict]:
    with TOWNSHIPS_FILE.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["code"].startswith(DEMO_CITY[:4])]


def seed(rng: random.Random) -> dict:
    volunteering = Volunteering(VolunteersRepository(storage.database("volunteers")))
    if volunteering.repo.volunteers.any():
        return {"seeded": False, "reason": "volunteers already hold data"}
    return seed_city(volunteering, rng, townships())


def seed_city(volunteering: Volunteering, rng: random.Random, places: list[dict], volunteers_per_township: int = 8,
              needs_per_township: int = 6) -> dict:
    fake = Faker("zh_CN")
    fake.seed_instance(rng.randint(0, 10**6))
    today = clock.today()
    counts = {"volunteers": 0, "teams": 0, "resources": 0, "donations": 0, "needs": 0}
    kinds = list(domain.RESOURCE_KINDS)
    for serial, place in enumerate(places):
        township, station = place["code"], f"ST{place['code']}"
        communities = [f"{township}{n:03d}" for n in range(1, 6)]
        volunteer_ids = []
        for index in range(volunteers_per_township):
            domains = rng.sample(list(BENEFICIARY_GROUPS), rng.randint(1, 2))
            wanted = set().union(*(matching.DOMAIN_SKILLS[d] for d in domains))
            skills = sorted(set(rng.sample(sorted(wanted), min(2, len(wanted)))) | set(rng.sample(matching.SKILLS, 1)))
            female = rng.random() < 0.6
            volunteer = volunteers.register_volunteer(volunteering, SYSTEM, {
                "station_id": station, "name": fake.name_female() if female else fake.name_male(),
                "id_number": resident_id_number(township[:6], date(rng.randint(1955, 2004), rng.randint(1, 12),
                                                                     rng.randint(1, 28)),
                                                serial * 50 + index, female),
                "phone": f"1{rng.choice([3, 5, 7, 8])}{rng.randint(100000000, 999999999)}",
                "community_code": rng.choice(communities), "skills": skills, "domains": domains,
                "availability": [dict(zip(("start", "end"), rng.choice(SLOTS), strict=False), weekday=d)
                                 for d in sorted(rng.sample(range(1, 8), rng.randint(2, 5)))],
                "max_open_tasks": rng.choice([2, 3, 3, 4])})
            if "children" in domains or rng.random() < 0.4:
                volunteer = volunteers.record_background_check(volunteering, SYSTEM, volunteer["id"], {
                    "expected_version": volunteer["version"], "result": "passed",
                    "checked_on": (today - timedelta(days=rng.randint(10, 300))).isoformat(),
                    "valid_until": (today + timedelta(days=rng.randint(60, 700))).isoformat(),
                    "authority": f"{place['name']}派出所"})
            if rng.random() < 0.5:
                volunteer = volunteers.record_volunteer_training(volunteering, SYSTEM, volunteer["id"], {
                    "expected_version": volunteer["version"],
                    "date": (today - timedelta(days=rng.randint(5, 200))).isoformat(),
                    "topic": rng.choice(["志愿服务通识", "入户探访礼仪", "儿童保护基础", "急救知识"]),
                    "hours": rng.choice([2, 3, 4]), "provider": "镇江市志愿服务联合会"})
            volunteer_ids.append(volunteer["id"])
        counts["volunteers"] += len(volunteer_ids)

        team = teams.create_team(volunteering, SYSTEM, {
            "station_id": station, "name": f"{place['name']}社工站志愿服务队", "domains": ["elderly", "children"],
            "leader_id": volunteer_ids[0], "member_ids": volunteer_ids[:5]})
        team = teams.record_team_training(volunteering, SYSTEM, team["id"], {
            "expected_version": team["version"], "date": (today - timedelta(days=30)).isoformat(),
            "topic": "社工+志愿者联动服务", "hours": 3, "trainer": "镇江市社会工作督导中心",
            "attendee_ids": volunteer_ids[:4]})
        teams.record_supervision(volunteering, SYSTEM, team["id"], {
            "expected_version": team["version"], "date": (today - timedelta(days=10)).isoformat(),
            "supervisor": "镇江市社会工作督导中心", "notes": "服务记录规范，建议加强儿童服务的安全告知",
            "follow_ups": ["补充服务对象签字", "下月开展儿童保护培训"]})
        counts["teams"] += 1

        for offset in range(3):
            kind = kinds[(serial * 3 + offset) % len(kinds)]
            name, service_domain, need_types = RESOURCE_SERVICES[kind]
            organisation = kind in domain.ORGANISATION_KINDS
            overdue = rng.random() < 0.2
            resources.register_resource(volunteering, SYSTEM, {
                "kind": kind, "name": f"{place['name']}{domain.RESOURCE_KINDS[kind].strip('“”')}",
                "credit_code": credit_code(township[:6], serial * 10 + offset + 1) if organisation else None,
                "station_id": station, "township_code": township, "community_code": rng.choice(communities),
                "services": [{"name": name, "domain": service_domain, "need_types": need_types,
                              "capacity": rng.randint(3, 20),
                              "eligibility": {"beneficiary_groups": BENEFICIARY_GROUPS[service_domain][:1]
                                              if rng.random() < 0.3 else []},
                              "opening_hours": [{"weekday": d, "start": "08:30", "end": "17:00"}
                                                for d in range(1, 6)]}],
                "contact": {"name": fake.name(), "phone": f"0511-8{rng.randint(1000000, 9999999)}"},
                "location": {"address": f"{place['name']}{fake.street_name()}{rng.randint(1, 300)}号"},
                "reviewed_on": (today - timedelta(days=rng.randint(380, 600) if overdue
                                                  else rng.randint(10, 300))).isoformat()})
            counts["resources"] += 1

        charity.receive_donation(volunteering, SYSTEM, {
            "station_id": station, "kind": "money", "amount_fen": rng.randint(50, 500) * 10_000,
            "donor": {"kind": "organisation", "name": f"{place['name']}爱心企业",
                      "credit_code": credit_code(township[:6], 9000 + serial)},
            "restrictions": {"domains": ["social_assistance"], "region_code": township, "beneficiary_groups": []},
            "received_on": (today - timedelta(days=rng.randint(5, 90))).isoformat()})
        for item, category, unit in rng.sample(GOODS, 2):
            restricted = rng.random() < 0.5
            charity.receive_donation(volunteering, SYSTEM, {
                "station_id": station, "kind": "goods",
                "goods": {"name": item, "category": category, "unit": unit, "quantity": rng.randint(5, 60)},
                "donor": {"kind": "individual", "name": fake.name()} if rng.random() < 0.7 else {"kind": "anonymous"},
                "restrictions": {"domains": ["elderly"] if restricted else [], "region_code": None,
                                 "beneficiary_groups": []},
                "received_on": (today - timedelta(days=rng.randint(5, 90))).isoformat()})
        counts["donations"] += 3

        counts["needs"] += _seed_needs(volunteering, rng, township, station, communities, serial, needs_per_township)
    return {"seeded": True, "city": DEMO_CITY, "townships": len(places), **counts}


def _seed_needs(volunteering: Volunteering, rng: random.Random, township: str, station: str, communities: list[str],
                serial: int, count: int) -> int:
    """Needs as casework's needs.assessed would carry them, then staff decisions in every state."""
    today = clock.today()
    assessed: list[dict] = []
    for n in range(count):
        need_domain = rng.choice(list(NEED_TYPES))
        assessed.append({"need_id": f"demo-need-{township}-{n}", "domain": need_domain,
                      "need_type": rng.choice(NEED_TYPES[need_domain]),
                      "severity": rng.choice(["low", "medium", "medium", "high", "urgent"]),
                      "description": "入户评估发现的需求",
                      "beneficiary_groups": rng.sample(BENEFICIARY_GROUPS[need_domain], 1),
                      "child_related": need_domain == "children",
                      "needed_by": (today + timedelta(days=rng.randint(3, 40))).isoformat()})
    for household, chunk in enumerate((assessed[:count // 2], assessed[count // 2:])):
        needs.record_assessment(volunteering, SYSTEM, {
            "assessment_id": f"demo-asm-{township}-{household}", "household_id": f"demo-hh-{township}-{household}",
            "station_id": station, "township_code": township, "community_code": rng.choice(communities),
            "assessed_on": today.isoformat(), "risk_level": "medium", "supersedes": None, "needs": chunk})
    for position, need in enumerate(assessed):
        state = needs.get_needs(volunteering, SYSTEM, [need["need_id"]])[0]
        proposals = [p for p in state["proposals"] if p["state"] == "proposed"]
        plan = (serial + position) % 4  # 0 leave proposed · 1 and 2 accept · 3 decline all
        if not proposals or plan == 0:
            continue
        if plan == 3:
            for proposal in proposals:
                state = tasks.decline_proposal(volunteering, SYSTEM, state["id"], proposal["proposal_id"], {
                    "expected_version": state["version"], "reason": "服务对象暂不需要"})
            continue
        proposal = proposals[0]
        quantity = min(2, proposal["detail"].get("quantity", 2)) if proposal["kind"] == "charity" else None
        try:
            tasks.accept_proposal(volunteering, SYSTEM, state["id"], proposal["proposal_id"], {
                "expected_version": state["version"], "quantity": quantity})
        except RuleViolation:  # a candidate filled up by an earlier demo match: leave this one proposed
            continue
        if plan == 1 and proposal["kind"] == "volunteer":
            _approved_visit_hours(volunteering, rng, state["id"], proposal)
    return len(assessed)


def _approved_visit_hours(volunteering: Volunteering, rng: random.Random, need_id: str, proposal: dict) -> None:
    """A volunteer's first visits on an accepted task, logged and approved: the year's service hours.
    Logging hours is not a delivery (no service.delivered for the invented household), so nothing
    reaches casework."""
    task_id = domain.derived_id("tsk", proposal["proposal_id"])
    entries = []
    for days_ago in rng.sample(range(2, 60), rng.randint(1, 3)):
        start = datetime.combine(clock.today() - timedelta(days=days_ago), time(9 + rng.randint(0, 6)),
                                 CHINA_STANDARD_TIME)
        try:
            logged = hours.log_hours(volunteering, SYSTEM, proposal["candidate_id"], {
                "need_id": need_id, "task_id": task_id, "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=rng.choice([1.5, 2, 3]))).isoformat(),
                "activity": "入户陪伴与生活照料"})
        except RuleViolation:  # the same volunteer's visit for another task at that time
            continue
        entries.append(logged["entry_id"])
    if not entries:
        return
    volunteer = volunteering.repo.volunteers.require(proposal["candidate_id"])
    hours.approve_hours(volunteering, SYSTEM, proposal["candidate_id"], {
        "expected_version": volunteer["_version"], "entry_ids": entries})

