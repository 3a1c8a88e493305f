"""Money: integer fen (分), the scalar `Fen`, exact up to the largest integer JSON keeps exact."""
from __future__ import annotations

import graphene
from graphql import GraphQLError, IntValueNode, print_ast

MAX_SAFE_FEN = 2**53 - 1


def _whole_fen(value, problem: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(problem)
    if abs(value) > MAX_SAFE_FEN:
        raise GraphQLError(f"{value} fen is beyond the exact range of a JSON number (±{MAX_SAFE_FEN})")
    return value


class Fen(graphene.Scalar):
    """An amount of money in whole fen (分, 1/100 yuan), as a JSON integer: 12345678 is 123,456.78 yuan.

    Not GraphQL's Int, which is 32-bit: at most 2,147,483,647 fen (21.47 million yuan), less than
    many a county's budget and any province's. Fen is exact up to 2^53 − 1, as JSON numbers are.
    Fractions of a fen are refused.
    """

    @staticmethod
    def serialize(value):
        return _whole_fen(value, f"Fen cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, IntValueNode):
            raise GraphQLError(f"an amount in whole fen (分) is an integer, got {print_ast(node)}")
        return cls.parse_value(int(node.value))

    @staticmethod
    def parse_value(value):
        return _whole_fen(value, f"an amount in whole fen (分) is an integer, got {value!r}")


def fen_of(value: dict | None) -> int | None:
    """An OCDS `value` ({amount: yuan, currency}) back in fen (the feed divides fen by 100 exactly)."""
    if not value or value.get("amount") is None:
        return None
    return round(value["amount"] * 100)
