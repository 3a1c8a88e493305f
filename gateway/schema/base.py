"""Helpers every schema module uses."""
from __future__ import annotations

import enum

from services.common.errors import ValidationFailed


def service_data(value):
    """GraphQL input → the plain data a service's RPC takes: enums by value, snake_case keys.

    graphene hands resolvers input objects as dicts keyed by the Python (snake_case) field names,
    holding only the fields the client sent (an explicit null stays, as None), and enum members
    rather than their values.
    """
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {key: service_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [service_data(item) for item in value]
    return value


def given(**values) -> dict:
    """The arguments the client actually gave (None = not given), ready for a service filter."""
    return {key: service_data(value) for key, value in values.items() if value is not None}


def page_size(first: int | None, maximum: int, default: int, argument: str = "first") -> int:
    """The page size asked for; an explicit null means the default."""
    if first is None:
        return default
    if not 1 <= first <= maximum:
        raise ValidationFailed.field(argument, f"must be between 1 and {maximum}")
    return first
