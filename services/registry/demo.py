"""Demo data: every township of 镇江市 with a station, staff, training and a realistic mix of
compliant and non-compliant stations. Deterministic (fixed random seed), idempotent, and written
through the same use cases as real writes, so events and compliance are genuine."""
from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from services.common import clock, storage
from services.common.auth import SYSTEM
from services.common.demo_identities import credit_code, resident_id_number
from services.common.errors import Conflict

from .storage import RegistryRepository
from .usecases import Registry

DEMO_CITY = "321100"
TRAINING_TOPICS = ["个案工作实务", "社会救助政策解读", "儿童保护与儿童督导", "老年社会工作", "家庭暴力危机干预",
                   "社区资源链接", "社会工作伦理", "心理健康与精神康复", "志愿服务管理", "需求评估方法"]
PROVIDERS = ["镇江市民政局", "江苏省社会工作者协会", "江苏大学社会工作系", "镇江市社会工作督导中心"]


def seed(rng: random.Random) -> dict:
    registry = Registry(RegistryRepository(storage.database("registry")))
    return seed_city(registry, DEMO_CITY, rng)


def seed_city(registry: Registry, city_code: str, rng: random.Random, townships=None) -> dict:
    fake = Faker("zh_CN")
    fake.seed_instance(rng.randint(0, 10**6))
    today = clock.today()
    counties = {r.code: r for r in registry.repo.child_regions(city_code)}
    townships = townships or [t for county in counties for t in registry.repo.child_regions(county)]
    wage_table = registry.repo.wages()
    created = staff_count = 0
    for serial, township in enumerate(townships, start=1):
        county = counties.get(township.parent_code) or registry.repo.region(township.parent_code)
        profile = rng.random()  # one draw decides which rules this station will miss
        try:
            station = registry.register_station(SYSTEM, {
                "township_code": township.code,
                "name": f"{county.name}{township.name}社工站",
                "venue": {"office_area_m2": (round(rng.uniform(26, 39.5), 1) if profile < 0.12
                                             else round(rng.uniform(40, 160), 1)),
                          "activity_rooms": rng.randint(1, 4),
                          "equipment": rng.sample(["电脑", "打印机", "档案柜", "投影仪", "心理咨询室设备",
                                                   "儿童活动器材"], 3),
                          "signboard_hung": not (0.12 <= profile < 0.18),
                          "address": f"{county.name}{township.name}{fake.street_name()}{rng.randint(1, 200)}号"},
                "population": {"residents": rng.randint(12_000, 85_000), "year": today.year - 1},
                "legal_form": "operated_by_organisation",
                "operator": {"name": f"{county.name}{fake.last_name()}"
                                     f"{rng.choice(['阳光', '同心', '善邻', '众诚', '惠民'])}社会工作服务中心",
                             "credit_code": credit_code(county.code, serial),
                             "contact_phone": f"0511-8{rng.randint(1000000, 9999999)}"},
                "coordinator": {"name": fake.name(),
                                "title": "分管民政副镇长" if township.name.endswith("镇") else "分管民政副主任",
                                "phone": fake.phone_number()},
                "status": "operating" if profile < 0.93 else "planned",
                "status_since": (today - timedelta(days=rng.randint(200, 1400))).isoformat(),
            })
        except Conflict:
            continue
        created += 1
        wage = (wage_table.get((DEMO_CITY, today.year - 1)) or wage_table.get((DEMO_CITY, 2024))
                or {"monthly_wage_fen": 1_000_000})
        headcount = 2 if 0.18 <= profile < 0.30 else rng.randint(3, 5)
        for index in range(headcount):
            start = today - timedelta(days=rng.randint(300, 2000))
            professional = index < 2 or rng.random() < 0.7
            underpaid = 0.30 <= profile < 0.38 and index == 0
            salary = int(wage["monthly_wage_fen"] * (rng.uniform(0.8, 0.97) if underpaid else rng.uniform(1.0, 1.35)))
            female = rng.random() < 0.7
            birth = date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
            qualification = None
            if professional:
                qualification = ({"kind": "certificate",
                                  "level": rng.choice(["assistant_social_worker", "social_worker"]),
                                  "certificate_number": f"JS{rng.randint(10**7, 10**8 - 1)}",
                                  "obtained_on": (start - timedelta(days=rng.randint(30, 900))).isoformat()}
                                 if rng.random() < 0.75 else
                                 {"kind": "diploma", "level": rng.choice(["junior_college", "bachelor"]),
                                  "school": rng.choice(["江苏大学", "南京理工大学", "镇江市高等专科学校", "扬州大学"]),
                                  "graduation_year": rng.randint(2005, 2022)})
            station = registry.add_staff(SYSTEM, station["id"], {
                "name": fake.name_female() if female else fake.name_male(),
                "id_number": resident_id_number(county.code, birth, serial * 10 + index, female),
                "phone": f"1{rng.choice([3, 5, 8, 9])}{rng.randint(100000000, 999999999)}",
                "role": "station_lead" if index == 0 else "social_worker",
                "employment_start": start.isoformat(),
                "monthly_salary_fen": salary,
                "social_insurance": not (0.38 <= profile < 0.42 and index == 1),
                "qualification": qualification,
            })
            staff_count += 1
            member = station_staff(registry, station["id"])[-1]
            behind = 0.42 <= profile < 0.55 and index == 0
            year_fraction = (today - date(today.year, 1, 1)).days / 365
            hours_goal = 30 * year_fraction * (rng.uniform(0.3, 0.7) if behind else rng.uniform(1.0, 1.4))
            done = 0.0
            while done < hours_goal:
                hours = rng.choice([2, 3, 4, 6, 8])
                day = date(today.year, 1, 1) + timedelta(
                    days=rng.randint(0, max(0, (today - date(today.year, 1, 1)).days)))
                if day.isoformat() < member["employment_start"]:
                    break
                station = registry.record_training(SYSTEM, station["id"], member["id"], {
                    "expected_version": station["version"], "date": day.isoformat(), "hours": hours,
                    "topic": rng.choice(TRAINING_TOPICS), "provider": rng.choice(PROVIDERS)})
                done += hours
    return {"seeded": True, "city": city_code, "stations": created, "staff": staff_count}


def station_staff(registry: Registry, station_id: str) -> list[dict]:
    return registry.staff_for_stations(SYSTEM, [station_id])[station_id]
