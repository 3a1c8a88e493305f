"""Field validators shared by every service's marshmallow schemas (identity numbers, codes, money)."""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_DIVISION = re.compile(r"^\d{6}(\d{3})?$")


def resident_id_number(value: str) -> None:
    """GB 11643 resident identity number: 18 characters with a valid check digit."""
    try:
        ric.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"not a valid resident ID number ({exc})") from None


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
    def __init__(self, **kwargs):
        super().__init__(validate=resident_id_number, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value.strip().upper()


class CreditCode(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=credit_code, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()
