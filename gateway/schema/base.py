"""Helpers every schema module uses."""
from __future__ import annotations

import enum
from collections.abc import Iterable

import graphene

from services.common.errors import ValidationFailed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_NESTED = 500  # `first` of lists inside a record (a case's visits, a contract's disbursements...)


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


def page_args(**filters):
    """A paged list field's arguments: its filters plus `first` and `after`."""
    return {**filters,
            "first": graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}."),
            "after": graphene.String(description="The nextCursor of the previous page.")}


def listed(method, first, after, filters: dict):
    """Call a service's list RPC with the filters the client gave and a checked page size."""
    return method({**given(after=after, **filters), "limit": page_size(first, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)})


def at_most(first: int | None):
    """`first` of a list inside a record: None means all of them."""
    if first is None:
        return lambda items: items
    if not 1 <= first <= MAX_NESTED:
        raise ValidationFailed.field("first", f"must be between 1 and {MAX_NESTED}")
    return lambda items: None if items is None else items[:first]


def first_arg(description: str = "At most this many; all when omitted."):
    """The `first` argument of a list inside a record."""
    return graphene.Int(description=description)


# What graphene printed as the description of an enum made without one: kept where it was printed so the
# committed SDL stays byte-identical (a real description replaces it when the SDL may change).
UNDESCRIBED = "An enumeration."


def vocabulary_enum(name: str, values: Iterable[str], description: str | None = None) -> type[graphene.Enum]:
    """An enum of a vocabulary's values as the services spell them, each named in upper case."""
    meta = type("Meta", (), {"description": description})
    return type(name, (graphene.Enum,), {"Meta": meta, **{value.upper(): value for value in values}})


def page_type(name: str, item_type, what: str, with_total: bool = True, ordered_by: str | None = None):
    """A page of a list: its items, the cursor of the next page, and (`with_total`) the count of all pages."""
    order = f", in {ordered_by} order" if ordered_by else ""
    fields = {
        "__doc__": f"One page of {what}{order}. Pass `nextCursor` as `after` for the next page; "
                   "it is null on the last.",
        "items": graphene.List(graphene.NonNull(item_type), required=True),
        "next_cursor": graphene.String(),
    }
    if with_total:
        fields["total_count"] = graphene.Int(required=True, description=f"{what.capitalize()} matching the "
                                                                        "filters, all pages.")
        fields["resolve_total_count"] = staticmethod(lambda page, info: page.get("total", 0))
    return type(name, (graphene.ObjectType,), fields)


def input_type(type_name: str, doc: str, /, **fields):
    """An input type built from keyword fields (several share their fields)."""
    return type(type_name, (graphene.InputObjectType,), {"__doc__": doc, **fields})


def version_arg(description: str = "The version you read."):
    """The `expectedVersion` of a write: the version of the record the client read."""
    return graphene.Int(required=True, description=description)
