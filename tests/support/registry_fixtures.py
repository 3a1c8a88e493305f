"""Helpers to build valid registry inputs for tests."""
from __future__ import annotations

from datetime import date

from services.common.demo_identities import credit_code, resident_id_number

TOWNSHIP = "321181001"  # 丹阳市云阳街道
OTHER_TOWNSHIP = "321102001"  # 京口区 (another county)


def station_input(township_code=TOWNSHIP, county_name="丹阳市", township_name="云阳街道", **overrides):
    data = {
        "township_code": township_code,
        "name": f"{county_name}{township_name}社工站",
        "venue": {"office_area_m2": 45.0, "activity_rooms": 2, "equipment": ["电脑"], "signboard_hung": True},
        "population": {"residents": 30_000, "year": 2025},
        "legal_form": "operated_by_organisation",
        "operator": {"name": "丹阳市阳光社会工作服务中心", "credit_code": credit_code(township_code, 1)},
        "status": "operating",
    }
    data.update(overrides)
    return data


def staff_input(sequence=1, professional=True, **overrides):
    data = {
        "name": f"王{'一二三四五六七八九'[sequence % 9]}",
        "id_number": resident_id_number("321181", date(1990, 1, 1 + sequence % 28), sequence),
        "phone": f"1381234{sequence:04d}",
        "role": "social_worker",
        "employment_start": "2023-03-01",
        "monthly_salary_fen": 1_300_000,
        "social_insurance": True,
        "qualification": {"kind": "certificate", "level": "social_worker", "certificate_number": f"SW{sequence:06d}",
                          "obtained_on": "2020-01-01"} if professional else None,
    }
    data.update(overrides)
    return data
