"""Property-based tests of the kernel's boundary validators (hypothesis)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from stdnum.cn import ric

from services.common import clock
from services.common.validators import OLDEST_AGE_YEARS, BirthDate, IdNumber

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"X": "Ｘ"}


class Person(Schema):
    id_number = IdNumber(required=True)
    birth_date = BirthDate(load_default=None, allow_none=True)


def id_number(born: date, sequence: int) -> str:
    body = f"321181{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


plausible_births = st.dates(min_value=date(clock.today().year - OLDEST_AGE_YEARS + 1, 1, 1), max_value=clock.today())


@given(plausible_births, st.integers(0, 999), st.lists(st.booleans(), min_size=18, max_size=18))
def test_full_width_digits_load_as_the_same_number(born, sequence, widen):
    number = id_number(born, sequence)
    typed = "".join(FULL_WIDTH[c] if wide else c for c, wide in zip(number, widen, strict=True))
    assert Person().load({"id_number": typed})["id_number"] == number


@given(st.dates(min_value=clock.today() + timedelta(days=1), max_value=date(2999, 12, 31)), st.integers(0, 999))
def test_id_numbers_born_in_the_future_are_refused(born, sequence):
    with pytest.raises(ValidationError, match="future"):
        Person().load({"id_number": id_number(born, sequence)})


@given(st.dates(min_value=clock.today() + timedelta(days=1)))
def test_future_birth_dates_are_refused(born):
    with pytest.raises(ValidationError, match="future"):
        Person().load({"id_number": id_number(date(1980, 1, 1), 1), "birth_date": born.isoformat()})


@given(st.dates(max_value=date(clock.today().year - OLDEST_AGE_YEARS - 1, 12, 31)))
def test_absurdly_old_birth_dates_are_refused(born):
    with pytest.raises(ValidationError, match="years ago"):
        Person().load({"id_number": id_number(date(1980, 1, 1), 1), "birth_date": born.isoformat()})


@given(plausible_births)
def test_plausible_birth_dates_load(born):
    loaded = Person().load({"id_number": id_number(date(1980, 1, 1), 1), "birth_date": born.isoformat()})
    assert loaded["birth_date"] == born
