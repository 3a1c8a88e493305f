"""What the volunteers types share: the station link and the charity quantity scalar."""
from __future__ import annotations

import graphene
from graphql import GraphQLError, IntValueNode, print_ast

from gateway.schema.funding.money import MAX_SAFE_FEN


class CharityQuantity(graphene.Scalar):
    """A quantity of a charity stock line in its unit, as a JSON integer: pieces, bags... and, for money,
    fen (so it is exact up to 2^53 − 1, beyond GraphQL's 32-bit Int)."""

    @staticmethod
    def serialize(value):
        return _whole_quantity(value, f"CharityQuantity cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, IntValueNode):
            raise GraphQLError(f"a quantity is a whole number, got {print_ast(node)}")
        return cls.parse_value(int(node.value))

    @staticmethod
    def parse_value(value):
        return _whole_quantity(value, f"a quantity is a whole number, got {value!r}")


def _whole_quantity(value, problem: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(problem)
    if abs(value) > MAX_SAFE_FEN:
        raise GraphQLError(f"{value} is beyond the exact range of a JSON number (±{MAX_SAFE_FEN})")
    return value
