"""Field validators shared by every service's marshmallow schemas (identity numbers, codes, money)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from marshmallow import ValidationError, fields
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from . import clock

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_DIVISION = re.compile(r"^[0-9]{6}([0-9]{3})?$")


_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
              "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}


def resident_id_number(value: str) -> None:
    """GB 11643 resident identity number: 18 characters, a real birth date, a valid check digit.

    python-stdnum's `ric.validate` also looks the birth place up in its own county table, which
    lags behind division changes (丹徒区 321112, 南京溧水区 320117 … are missing) and would refuse
    real people's numbers; the province prefix is checked instead.
    """
    number = ric.compact(value)
    if len(number) != 18 or not number[:17].isdigit():
        raise ValidationError("not a valid resident ID number (18 characters: 17 digits and a check digit)")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError("not a valid resident ID number (the check digit does not match)")
    if number[:2] not in _PROVINCES:
        raise ValidationError("not a valid resident ID number (unknown province code)")
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError("not a valid resident ID number (the birth date is impossible)") from None
    try:
        plausible_birth_date(born)
    except ValidationError as exc:
        raise ValidationError(f"not a valid resident ID number ({exc.messages[0]})") from None


OLDEST_AGE_YEARS = 130


def plausible_birth_date(born: date) -> None:
    """Not in the future, and not before anyone alive was born (2999 and 1066 are typing errors)."""
    today = clock.today()
    if born > today:
        raise ValidationError("the birth date is in the future")
    if born.year < today.year - OLDEST_AGE_YEARS:
        raise ValidationError(f"the birth date is more than {OLDEST_AGE_YEARS} years ago")


class BirthDate(fields.Date):
    def __init__(self, **kwargs):
        super().__init__(validate=plausible_birth_date, **kwargs)


def credit_code(value: str) -> None:
    """GB 32100 Unified Social Credit Code: 18 characters with a valid check character."""
    try:
        uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"not a valid Unified Social Credit Code ({exc})") from None


def phone(value: str) -> None:
    if not _PHONE.match(value):
        raise ValidationError("not a mainland mobile (11 digits) or landline (area code + number) number")


def division_code(value: str) -> None:
    if not _DIVISION.match(value):
        raise ValidationError("a division code has 6 digits (county and above) or 9 digits (township)")


class Fen(fields.Integer):
    """Money in integer fen (分). Refuses fractions instead of rounding them away."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)

    def _validated(self, value):
        if isinstance(value, float):
            raise self.make_error("invalid")
        result = super()._validated(value)
        if result is not None and result < 0:
            raise ValidationError("money cannot be negative")
        return result


class IdNumber(fields.String):
    """Full-width digits (３２０１…) are the same number: NFKC folds them before the checksum, so
    the stored value and its blind index are the same whichever way it was typed."""

    def __init__(self, **kwargs):
        super().__init__(validate=resident_id_number, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return unicodedata.normalize("NFKC", value).strip().upper()


class CreditCode(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=credit_code, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


# Characters a name never contains, whatever the script: they hide or reorder what a reader sees
# (bidi overrides and isolates, zero-width joiners), end strings early in C (NUL), or drive a terminal
# (ESC and the C1 CSI begin escape sequences). Unicode's categories cover them all: Cc controls (C0, DEL,
# C1), Cf format characters (U+200B–200F, U+202A–202E, U+2060–2069, U+FEFF, …), Cs/Co surrogates and
# private use, Cn unassigned, and Zl/Zp line breaks.
_REFUSED_CATEGORIES = {"Cc": "a control character", "Cf": "an invisible formatting character",
                       "Cs": "a surrogate", "Co": "a private-use character", "Cn": "an unassigned character",
                       "Zl": "a line break", "Zp": "a paragraph break"}
_WHITESPACE_RUN = re.compile(r"\s+")


def person_or_organisation_name(value: str, max_length: int) -> str:
    """`value` as it is stored: NFKC (full-width letters and the ideographic space fold to their usual
    forms, so two spellings of one name are one name), outer blanks dropped and inner runs of blanks made
    one space. Raises ValidationError naming the first character a name cannot contain."""
    if not isinstance(value, str):
        raise ValidationError("a name is text")
    normalised = unicodedata.normalize("NFKC", value)
    for position, char in enumerate(normalised):
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind:  # tabs and newlines too: a name is one line
            raise ValidationError(f"a name cannot contain {kind} (U+{ord(char):04X} at position {position + 1})")
    folded = _WHITESPACE_RUN.sub(" ", normalised).strip()
    if not folded:
        raise ValidationError("a name cannot be blank")
    if len(folded) > max_length:
        raise ValidationError(f"a name has at most {max_length} characters")
    return folded


class Name(fields.String):
    """A person's or an organisation's name, normalised and checked once, at the boundary (issue 14,
    security 6): every schema that accepts a name uses this field, never a bare String."""

    def __init__(self, min_length: int = 1, max_length: int = 100, **kwargs):
        self.min_length, self.max_length = min_length, max_length
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        folded = person_or_organisation_name(value, self.max_length)
        if len(folded) < self.min_length:
            raise ValidationError(f"a name has at least {self.min_length} characters")
        return folded


def within_county(code: str, anchor: str) -> None:
    """A division `code` (township, community) that must lie in the county (the first 6 digits of GB/T
    2260) of `anchor`, e.g. a volunteer's community and the station they register at."""
    if code[:6] != anchor[:6]:
        raise ValidationError(f"must lie in the county {anchor[:6]} (this code is in {code[:6]})")
