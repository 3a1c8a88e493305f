"""Property-based tests of the kernel's boundary validators (hypothesis)."""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from stdnum.cn import ric

from services.common import clock
from services.common.validators import OLDEST_AGE_YEARS, BirthDate, IdNumber, Name, within_county

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


# --- names (issue 14, security 6) ------------------------------------------------------------
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
ESCAPES = ["\x1b[31m", "\x1b]0;title\x07", "\x9b2J"]


class Named(Schema):
    name = Name(2, 40, required=True)


# Names as people and organisations write them: CJK, Latin, the middle dot of transliterated names.
name_text = st.text(st.characters(categories=("Lo", "Lu", "Ll"), include_characters="·"), min_size=2, max_size=20)


@given(name_text, st.integers(0, 18), st.sampled_from(BIDI + ZERO_WIDTH + CONTROLS + ESCAPES))
def test_a_name_with_any_hidden_control_or_escape_is_refused(name, position, hidden):
    at = min(position, len(name))
    with pytest.raises(ValidationError):
        Named().load({"name": name[:at] + hidden + name[at:]})


@given(name_text)
def test_a_plain_name_loads_as_its_nfkc_form(name):
    folded = unicodedata.normalize("NFKC", name)
    if 2 <= len(folded) <= 40 and folded == folded.strip() and " " not in folded:
        assert Named().load({"name": name})["name"] == folded


@given(st.text(st.sampled_from(" \u3000\u00a0\u2002\u2003"), min_size=0, max_size=10))
def test_blank_only_names_are_refused(blank):
    with pytest.raises(ValidationError):
        Named().load({"name": blank})


@given(st.text(st.characters(categories=("Lo",)), min_size=41, max_size=80))
def test_over_long_names_are_refused(name):
    with pytest.raises(ValidationError):
        Named().load({"name": name})


@given(st.text(st.sampled_from("王五丽"), min_size=1, max_size=4), st.text(st.sampled_from("　  \u00a0"), min_size=1))
def test_full_width_and_repeated_blanks_fold_to_one_space(first, blanks):
    assert Named().load({"name": f"　{first}{blanks}张{blanks}"})["name"] == f"{first} 张"


def test_full_width_latin_folds_to_ascii():
    assert Named().load({"name": "ＡＢＣ社工中心"})["name"] == "ABC社工中心"


@given(st.from_regex(r"\A32\d{4}\Z"), st.from_regex(r"\A32\d{4}\Z"), st.from_regex(r"\A\d{6}\Z"))
def test_a_community_lies_in_the_county_of_its_anchor(county, other, rest):
    within_county(county + rest, county + "001")
    if other != county:
        with pytest.raises(ValidationError, match="county"):
            within_county(other + rest, county + "001")
