"""Valid-looking identity numbers for demo data and tests (never real people's)."""
from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc


def resident_id_number(county_code: str, birth: date, sequence: int, female: bool = False) -> str:
    """GB 11643: 6-digit region, 8-digit birth date, 3-digit sequence (odd = male), check digit."""
    sequence = sequence % 500 * 2 + (0 if female else 1)
    body = f"{county_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(region_code: str, serial: int) -> str:
    """GB 32100: 5 = social organisation registered with civil affairs, 2 = social service institution."""
    body = f"52{region_code[:6]}MJ{serial:07d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return body + uscc.calc_check_digit(body)
