"""Demo data for 镇江市: households in every township, needs archives (some overdue), cases in every
domain at every stage, visits, services, referrals, a verification campaign, a likely duplicate
and crisis cases (one with its first contact overdue). Deterministic for a given `rng`.

Where the staff come from: the registry's seed runs first in the same process, but casework's
staff copy fills from the registry's events only while the platform runs. As an operator tool,
this seed reads the stations and their staff from the registry's database and writes them into
casework's copy through the same use cases the event handlers call (`record_station`,
`record_staff_joined`, `record_staff_left`). Everything else goes through the ordinary use cases,
so versions, events and rules are genuine.

History is simulated: the clock is set back (services.common.clock.FrozenClock) while a case's
earlier steps are recorded, so transitions, visits and the crisis flags carry realistic past
times; the 24-hour rule then finds the crisis flagged 30 hours ago overdue, as the sweep would.
"""
from __future__ import annotations

import contextlib
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from faker import Faker

from services.common import clock, storage
from services.common.auth import SYSTEM, Viewer
from services.common.demo_identities import resident_id_number
from services.common.errors import DomainError

from .storage import CaseworkRepository, registry_stations_of_city
from .usecases import (
    Casework,
    archives,
    audit,
    campaigns,
    case_reads,
    cases,
    consent,
    crisis,
    households,
    inbound,
    referrals,
    visits,
)

DEMO_CITY = "321100"
HOUSEHOLDS_PER_STATION = 6
STREET_WORDS = ["新华", "红旗", "幸福", "和平", "东风", "建设", "团结", "光明", "胜利", "长青", "永安", "民主"]
VILLAGE_WORDS = ["前", "后", "东", "西", "南", "北", "大", "小", "新", "老"]


def seed(rng: random.Random) -> dict:
    casework = Casework(CaseworkRepository(storage.database("casework")))
    stations = copy_registry_staff(casework, storage.database("registry"))
    return seed_city(casework, stations, rng)


def copy_registry_staff(casework: Casework, registry_db) -> list[dict]:
    """The stations of the demo city with their current staff, copied into casework's projection."""
    stations = []
    for station in registry_stations_of_city(registry_db, DEMO_CITY):
        inbound.record_station(casework, {
            "station_id": station["_id"], "name": station["name"], "township_code": station["township_code"],
            "county_code": station["county_code"], "city_code": station["city_code"], "status": station["status"]})
        for member in station.get("staff", []):
            inbound.record_staff_joined(casework, {
                "staff_id": member["staff_id"], "station_id": station["_id"], "region_code": station["region_code"],
                "name": member["name"], "role": member["role"], "professional": bool(member.get("qualification")),
                "employment_start": member["employment_start"]})
            if member.get("employment_end"):
                inbound.record_staff_left(casework, {"staff_id": member["staff_id"], "station_id": station["_id"],
                                                     "employment_end": member["employment_end"]})
        stations.append(station)
    return stations


class _People:
    """Valid, unique ID numbers and plausible names and phones."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(rng.randint(0, 10**6))
        self.sequence = 0

    def person(self, county: str, age: int, female: bool, surname: str | None = None, today: date | None = None,
               with_id: bool = True, with_phone: bool | None = None) -> dict:
        today = today or clock.today()
        birth = date(today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        if birth > today - timedelta(days=365 * age):
            birth = birth.replace(year=birth.year - 1)
        self.sequence += 1
        given = self.fake.first_name_female() if female else self.fake.first_name_male()
        data = {"name": (surname or self.fake.last_name()) + given, "sex": "female" if female else "male",
                "birth_date": birth.isoformat()}
        if with_id:
            data["id_number"] = resident_id_number(county, birth, self.sequence, female)
        if with_phone if with_phone is not None else age >= 18:
            data["phone"] = f"1{self.rng.choice([3, 5, 7, 8, 9])}{self.rng.randint(100000000, 999999999)}"
        return data


def _member(person: dict, relationship: str, tags=(), **extra) -> dict:
    return {**{k: person[k] for k in ("name", "id_number", "phone") if k in person},
            **({} if "id_number" in person else {"birth_date": person["birth_date"], "sex": person["sex"]}),
            "relationship": relationship, "tags": list(tags), **extra}


ARCHETYPES = ("elderly_alone", "empty_nest", "left_behind_child", "disabled_low_income", "domestic_violence",
              "serious_illness", "child_in_difficulty")


def _household_members(kind: str, people: _People, county: str,
                       rng: random.Random) -> tuple[list[dict], list[tuple[str, str, str, str]]]:
    """Members and the needs a social worker would find for one household archetype."""
    surname = people.fake.last_name()
    if kind == "elderly_alone":
        head = people.person(county, rng.randint(68, 92), rng.random() < 0.6, surname)
        tags = ["elderly_living_alone", rng.choice(["extreme_poverty", "minimum_living_guarantee"])]
        return [_member(head, "head", tags)], [
            ("elderly", "home_visit", "medium", "独居，行动不便，需要定期入户探访"),
            ("elderly", "daily_care", rng.choice(["medium", "high"]), "日常生活照料不足，需链接助餐服务")]
    if kind == "empty_nest":
        husband = people.person(county, rng.randint(66, 85), False, surname)
        wife = people.person(county, rng.randint(64, 83), True)
        return [_member(husband, "head", ["empty_nest_elderly", "disabled_or_demented_elderly", "disability"],
                        disability={"category": "physical", "grade": rng.choice([2, 3])},
                        health={"conditions": ["高血压", "脑梗后遗症"], "notes": "需定期复查"}),
                _member(wife, "spouse", ["empty_nest_elderly"])], [
            ("elderly", "disability_care", "high", "失能老人照护压力大，配偶年迈"),
            ("elderly", "psychosocial_support", "low", "子女在外务工，情绪低落")]
    if kind == "left_behind_child":
        grandfather = people.person(county, rng.randint(60, 72), False, surname)
        grandmother = people.person(county, rng.randint(58, 70), True)
        child = people.person(county, rng.randint(6, 14), rng.random() < 0.5, surname)
        return [_member(grandfather, "head",
                        ["left_behind_elderly"] if grandfather["birth_date"] <= _years_ago(60) else []),
                _member(grandmother, "spouse"), _member(child, rng.choice(["grandson", "granddaughter"]),
                                                        ["left_behind_child"])], [
            ("children", "study_support", "medium", "父母长期在外务工，课业无人辅导"),
            ("children", "psychosocial_support", "low", "亲子沟通少，需关注心理状况")]
    if kind == "disabled_low_income":
        head = people.person(county, rng.randint(38, 55), False, surname)
        spouse = people.person(county, rng.randint(36, 52), True)
        child = people.person(county, rng.randint(8, 17), rng.random() < 0.5, surname)
        return [_member(head, "head", ["minimum_living_guarantee", "disability"],
                        disability={"category": rng.choice(["physical", "visual", "hearing"]),
                                    "grade": rng.choice([1, 2, 3, 4])}),
                _member(spouse, "spouse", ["minimum_living_guarantee"]),
                _member(child, rng.choice(["son", "daughter"]), ["minimum_living_guarantee"])], [
            ("disability", "two_subsidies", "medium", "残疾人两项补贴申请需协助"),
            ("social_assistance", "employment_support", "medium", "家庭收入低，需就业帮扶"),
            ("social_assistance", "education_assistance", "low", "子女教育费用压力")]
    if kind == "domestic_violence":
        husband = people.person(county, rng.randint(32, 50), False, surname)
        wife = people.person(county, rng.randint(30, 48), True)
        child = people.person(county, rng.randint(4, 12), rng.random() < 0.5, surname)
        return [_member(husband, "head"), _member(wife, "spouse", ["domestic_violence_victim"]),
                _member(child, rng.choice(["son", "daughter"]))], [
            ("marriage_family", "domestic_violence_crisis", "high", "遭受家庭暴力，需危机介入与安全计划"),
            ("children", "psychosocial_support", "medium", "目睹家庭暴力，情绪受影响")]
    if kind == "serious_illness":
        head = people.person(county, rng.randint(45, 62), False, surname)
        spouse = people.person(county, rng.randint(43, 60), True)
        return [_member(head, "head", ["low_income_margin", "serious_illness"],
                        health={"conditions": [rng.choice(["尿毒症", "肺癌", "白血病"])], "notes": "长期治疗"}),
                _member(spouse, "spouse", ["low_income_margin"])], [
            ("social_assistance", "medical_assistance", "high", "大病医疗支出大，需医疗救助"),
            ("social_assistance", "temporary_assistance", "medium", "支出型困难，申请临时救助")]
    grandmother = people.person(county, rng.randint(62, 78), True, surname)
    child = people.person(county, rng.randint(3, 15), rng.random() < 0.5, surname)
    return [_member(grandmother, "head", ["extreme_poverty"]),
            _member(child, rng.choice(["grandson", "granddaughter"]),
                    ["de_facto_unsupported_child", "child_in_difficulty"])], [
        ("children", "guardianship_support", "high", "父母一方死亡一方失联，事实无人抚养"),
        ("children", "follow_up_verification", "medium", "困境儿童定期随访与核查评估"),
        ("other", "policy_publicity", "low", "需了解儿童福利政策与申请流程")]


def _years_ago(years: int) -> str:
    today = clock.today()
    return today.replace(year=today.year - years).isoformat()


CASE_DOMAIN = {"elderly_alone": "elderly", "empty_nest": "elderly", "left_behind_child": "children",
               "disabled_low_income": "disability", "domestic_violence": "marriage_family",
               "serious_illness": "social_assistance", "child_in_difficulty": "children"}
TARGET_STAGES = ("intake", "assessment", "plan", "in_service", "in_service", "review", "closed")


def seed_city(casework: Casework, stations: list[dict], rng: random.Random,
              households_per_station: int = HOUSEHOLDS_PER_STATION) -> dict:
    people = _People(rng)
    now = clock.utcnow()
    counts: dict[str, Any] = {"households": 0, "assessments": 0, "overdue_archives": 0, "cases": 0, "crisis_cases": 0,
              "visits": 0, "referrals": 0, "duplicate_flags": 0, "skipped": 0}
    supervisor_stations = [s["_id"] for s in stations]
    supervisor = Viewer("demo-supervisor", "supervisor", None, tuple(supervisor_stations))
    crisis_count = 0
    for station_number, station in enumerate(stations):
        staff = [m for m in station.get("staff", []) if not m.get("employment_end")]
        leads = [m for m in staff if m["role"] == "station_lead"]
        workers = [m for m in staff if m["role"] == "social_worker"] or leads
        if not workers:
            continue
        county = station["county_code"]
        township = station["township_code"]
        street = int(township[6:]) < 100
        communities = [(f"{township}{n:03d}", f"{rng.choice(STREET_WORDS)}社区") for n in (1, 2, 3)] if street else \
            [(f"{township}{n:03d}", f"{rng.choice(VILLAGE_WORDS)}{people.fake.last_name()}村") for n in (201, 202, 203)]
        for serial in range(households_per_station):
            kind = ARCHETYPES[(station_number + serial) % len(ARCHETYPES)]
            members, needs = _household_members(kind, people, county, rng)
            community_code, community_name = rng.choice(communities)
            worker = rng.choice(workers)
            worker_viewer = Viewer(worker["staff_id"], "station_staff", None, (station["_id"],))
            approver = (Viewer(leads[0]["staff_id"], "station_staff", None, (station["_id"],))
                        if leads and leads[0]["staff_id"] != worker["staff_id"] else supervisor)
            try:
                household = households.register_household(casework, worker_viewer, {
                    "station_id": station["_id"], "community_code": community_code, "community_name": community_name,
                    "address": f"{community_name}{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
                    "registered_on": (now - timedelta(days=rng.randint(400, 1100))).date().isoformat(),
                    "members": members})
            except DomainError:
                counts["skipped"] += 1
                continue
            counts["households"] += 1
            household = _record_consent(casework, worker_viewer, household, kind, now)
            if rng.random() < 0.88:
                months_ago = rng.choice([1, 2, 4, 6, 8, 10, 11, 13, 15, 20])
                assessed_on = (now - timedelta(days=30 * months_ago)).date().isoformat()
                assessors = [m for m in staff if m["employment_start"] <= assessed_on] or [worker]
                assessor = rng.choice(assessors)
                assessed_on = max(assessed_on, assessor["employment_start"])
                counts["overdue_archives"] += assessed_on < _years_ago(1)
                archives.assess_needs(casework, worker_viewer, household["id"], {
                    "expected_version": household["version"], "assessed_on": assessed_on,
                    "assessor_staff_id": assessor["staff_id"],
                    "needs": [{"domain": d, "need_type": t, "severity": s, "description": text,
                               "person_ids": [household["members"][-1]["person_id"]] if d == "children" else []}
                              for d, t, s, text in needs]})
                counts["assessments"] += 1
            else:
                counts["overdue_archives"] += 1
            if rng.random() < 0.7 or kind == "domestic_violence":
                in_crisis = kind == "domestic_violence" and crisis_count < 3
                crisis_count += in_crisis
                _seed_case(casework, household, kind, worker_viewer, approver, rng, now, in_crisis, counts,
                           overdue_crisis=in_crisis and crisis_count == 1)
    counts.update(_seed_duplicate(casework, stations, people, rng))
    counts["campaign"] = _seed_campaign(casework, stations, rng, now)
    # what the 5-minute sweep would find: the crisis flagged 30 hours ago without a contact
    counts["crisis_contact_overdue"] = len(crisis.sweep_crisis_contacts(casework, SYSTEM))
    return {"seeded": True, "city": DEMO_CITY, **counts}


def _record_consent(casework: Casework, viewer: Viewer, household: dict, kind: str, now: datetime) -> dict:
    head = household["members"][0]
    given_on = (now - timedelta(days=200)).date().isoformat()
    if kind in ("elderly_alone", "child_in_difficulty", "disabled_low_income"):
        data = {"person_id": head["person_id"], "legal_basis": "statutory_duty", "purposes": ["archive", "casework",
                "referral_sharing"], "given_on": given_on,
                "basis_note": "《社会救助暂行办法》第十条、第十一条：核查与建档"}
    else:
        data = {"person_id": head["person_id"], "legal_basis": "consent",
                "purposes": ["archive", "casework", "referral_sharing", "volunteer_matching"],
                "given_by": {"person_id": head["person_id"]}, "given_on": given_on}
    consent.record_consent(casework, viewer, household["id"], {"expected_version": household["version"], **data})
    household = households.get_households(casework, viewer, [household["id"]])[0]
    child = household["members"][-1]
    if child["relationship"] in GUARDED_BY_HEAD:
        # children's needs name the child: archiving them needs the child's own basis (a guardian's consent)
        if data["legal_basis"] == "consent":
            data = {**data, "person_id": child["person_id"],
                    "given_by": {"person_id": head["person_id"],
                                 "relationship_to_subject": GUARDED_BY_HEAD[child["relationship"]]}}
        else:
            data = {**data, "person_id": child["person_id"],
                    "basis_note": "《未成年人保护法》第九十二条、第九十三条：困境儿童核查、建档与随访"}
        consent.record_consent(casework, viewer, household["id"], {"expected_version": household["version"], **data})
        household = households.get_households(casework, viewer, [household["id"]])[0]
    return household


# The head of each demo household with a child is the child's father or grandfather.
GUARDED_BY_HEAD = {"son": "father", "daughter": "father", "grandson": "grandfather", "granddaughter": "grandfather"}


def _at(moment: datetime):
    return clock.FrozenClock(moment.astimezone(UTC))


def _seed_case(casework: Casework, household: dict, kind: str, worker: Viewer, approver: Viewer,
               rng: random.Random, now: datetime, crisis: bool, counts: dict, overdue_crisis: bool) -> None:
    domain_code = CASE_DOMAIN[kind]
    subject = household["members"][-1] if domain_code == "children" else (
        household["members"][1] if kind == "domestic_violence" else household["members"][0])
    target = "intake" if crisis else rng.choice(TARGET_STAGES)
    if crisis:
        opened = now - timedelta(hours=30 if overdue_crisis else rng.randint(2, 20))
    else:
        opened = now - timedelta(days=rng.randint(90, 170))
    with _at(opened):
        case = cases.open_case(casework, worker, {
            "household_id": household["id"], "person_id": subject["person_id"], "domain": domain_code,
            "source": "hotline" if crisis else rng.choice(["outreach", "verification", "self_referral",
                                                           "needs_assessment"]),
            "summary": "遭受家庭暴力，妇联转来求助" if crisis else f"{household['community_name']}走访发现，需跟进",
            "assigned_staff_id": worker.user_id,
            **({"crisis": {"notes": "被害人称长期遭受丈夫殴打，已报警，需临时庇护与安全计划"}} if crisis else {})})
    counts["cases"] += 1
    if crisis:
        counts["crisis_cases"] += 1
        if not overdue_crisis:
            with _at(opened + timedelta(hours=rng.randint(1, 6))):
                _visit(casework, worker, case, household, rng, phone=True)
                counts["visits"] += 1
        return
    if rng.random() < 0.15:  # a little policy-publicity work in the "other" domain too
        other = None
        with _at(opened), contextlib.suppress(DomainError):
            other = cases.open_case(casework, worker, {
                "household_id": household["id"], "domain": "other", "source": "outreach",
                "summary": "政策宣传与办事指引", "assigned_staff_id": worker.user_id})
        counts["cases"] += other is not None
    step = opened
    path = ["assessment", "plan", "in_service", "review", "closed"]
    stages = path[:path.index(target) + 1] if target != "intake" else []
    for stage in stages:
        step += timedelta(days=rng.randint(3, 12))
        with _at(step):
            case = _advance(casework, case, stage, household, worker, approver, rng, counts)
    if case["stage"] in ("in_service", "review") and rng.random() < 0.5:
        # a follow-up that was due and has not happened: shows as overdue
        with _at(now - timedelta(days=15)):
            case = case_reads.get_cases(casework, worker, [case["id"]])[0]
            _visit(casework, worker, case, household, rng, next_visit_on=(now - timedelta(days=5)).date())
            counts["visits"] += 1


def _advance(casework, case, stage, household, worker, approver, rng, counts) -> dict:
    if stage == "plan":
        case = cases.record_case_assessment(casework, worker, case["id"], {
            "expected_version": case["version"], "summary": "入户评估：家庭支持薄弱，需持续服务",
            "strengths": "本人配合，邻里关系好"})
    if stage == "in_service":
        case = cases.submit_plan(casework, worker, case["id"], {
            "expected_version": case["version"], "goals": ["改善生活照料", "链接社区资源"],
            "interventions": [{"activity_type": "resource_linking", "frequency": "每月一次"},
                              {"activity_type": "psychosocial_support", "frequency": "每两周一次"}],
            "review_on": (clock.today() + timedelta(days=rng.randint(60, 120))).isoformat()})
        case = cases.decide_plan(casework, approver, case["id"], {"expected_version": case["version"],
                                                                  "decision": "approved", "comment": "同意"})
    if stage == "review":
        _visit(casework, worker, case, household, rng)
        counts["visits"] += 1
        case = case_reads.get_cases(casework, worker, [case["id"]])[0]
        if rng.random() < 0.5:
            _refer(casework, worker, case, household, rng)
            counts["referrals"] += 1
            case = case_reads.get_cases(casework, worker, [case["id"]])[0]
    if stage == "closed":
        case = cases.request_closure(casework, worker, case["id"], {"expected_version": case["version"],
                                                                    "reason": "goals_achieved", "outcome": "achieved"})
        return cases.decide_closure(casework, approver, case["id"],
                                    {"expected_version": case["version"], "decision": "approved"})
    note = "服务目标部分达成，继续服务" if case["stage"] == "review" else None
    return cases.change_stage(casework, worker, case["id"],
                              {"expected_version": case["version"], "to": stage, "note": note})


def _visit(casework, worker, case, household, rng, phone=False, next_visit_on=None) -> None:
    today = clock.today()
    visits.log_case_visit(casework, worker, case["id"], {
        "expected_version": case["version"],
        "visit_type": "phone_call" if phone else rng.choice(["home_visit", "home_visit", "outreach"]),
        "visited_on": clock.local_date(clock.utcnow()).isoformat(), "duration_minutes": rng.choice([20, 30, 45, 60]),
        "staff_ids": [worker.user_id], "other_participants": ["村（居）委会委员"] if rng.random() < 0.4 else [],
        "notes": "了解近况，情绪稳定" if not phone else "电话联系确认安全，约定当面访谈",
        "next_visit_on": (next_visit_on or today + timedelta(days=rng.randint(20, 40))).isoformat()})


def _refer(casework, worker, case, household, rng) -> None:
    consent = next((c for c in households.get_households(casework, worker, [household["id"]])[0]["consents"]
                    if "referral_sharing" in c["purposes"]), None)
    agency = {"children": "区妇联儿童之家", "disability": "县残联康复中心", "elderly": "镇养老服务中心",
              "social_assistance": "镇社会救助服务窗口"}.get(case["domain"], "社区服务中心")
    shares = consent is not None and consent["person_id"] == case["person_id"]
    referral = referrals.make_referral(casework, worker, case["id"], {
        "expected_version": case["version"], "target": {"kind": "organisation", "name": agency},
        "service_requested": "请协助提供专业服务", "made_on": clock.today().isoformat(),
        "shares_personal_data": shares,
        "sharing_basis": {"kind": "consent", "consent_id": consent["consent_id"]} if shares else None})
    if rng.random() < 0.6:
        case = case_reads.get_cases(casework, worker, [case["id"]])[0]
        referrals.answer_referral(casework, worker, case["id"], {"expected_version": case["version"],
                                                                 "referral_id": referral["id"], "status": "accepted",
                                                                 "answered_on": clock.today().isoformat()})


def _seed_duplicate(casework: Casework, stations: list[dict], people: _People, rng: random.Random) -> dict:
    """An elderly mother recorded again, without her ID number, in her son's household: flagged."""
    alone = households.list_households(casework, SYSTEM, {"group": "elderly_living_alone", "limit": 1})["items"]
    if not alone:
        return {"duplicate_flags": 0}
    mother_household = alone[0]
    mother = mother_household["members"][0]
    revealed = audit.reveal_person(casework, SYSTEM, mother_household["id"], mother["person_id"],
                                   "演示数据：构造疑似重复登记")
    station = next(s for s in stations if s["_id"] == mother_household["station_id"])
    son = people.person(station["county_code"], 45, False, mother["name"][0])
    households.register_household(casework, SYSTEM, {
        "station_id": station["_id"], "community_code": mother_household["community_code"],
        "community_name": mother_household["community_name"], "address": f"{mother_household['community_name']}3组8号",
        "members": [_member(son, "head"),
                    {"name": mother["name"], "relationship": "mother", "birth_date": revealed["birth_date"],
                     "sex": mother["sex"]}]})
    return {"duplicate_flags": 1}


def _seed_campaign(casework: Casework, stations: list[dict], rng: random.Random, now: datetime) -> str:
    """丹阳市 checks every extreme-poverty elderly person; about half have been visited so far."""
    county = "321181"
    starts = (now - timedelta(days=30)).date()
    campaign = campaigns.create_campaign(casework, SYSTEM, {
        "name": "丹阳市特困老年人全面核查", "region_code": county,
        "criteria": {"tags_any": ["extreme_poverty"], "age_min": 60},
        "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=90)).isoformat()})
    progress = campaigns.campaign_progress(casework, SYSTEM, campaign["id"], {"limit": 500})
    staff_by_station = {s["_id"]: [m["staff_id"] for m in s.get("staff", []) if not m.get("employment_end")]
                        for s in stations}
    for item in progress["items"][::2]:
        household = households.get_households(casework, SYSTEM, [item["household_id"]])[0]
        staff = staff_by_station.get(item["station_id"])
        if not staff:
            continue
        visits.log_household_visit(casework, SYSTEM, item["household_id"], {
            "expected_version": household["version"], "campaign_id": campaign["id"], "visit_type": "home_visit",
            "visited_on": clock.local_date(now - timedelta(days=rng.randint(1, 25))).isoformat(),
            "duration_minutes": 40, "staff_ids": [rng.choice(staff)], "notes": "核查在册信息，生活状况稳定"})
    return campaign["id"]
