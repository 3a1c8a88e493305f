"""Scalars shared by every part of the schema.

Dates travel as ISO strings end to end (the services store and compare them as text), so these
scalars validate and normalise strings instead of turning them into Python objects, which the
RPC serialiser would then have to encode.
"""
from __future__ import annotations

import datetime

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError, StringValueNode, print_ast

from services.common import clock


class Date(graphene.Scalar):
    """A calendar date in ISO 8601 form: 2024-06-30."""

    @staticmethod
    def serialize(value):
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str):
            return value[:10]
        raise GraphQLError(f"Date cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"Date needs a string like \"2024-06-30\", got {print_ast(node)}")
        return cls.parse_value(node.value)

    @staticmethod
    def parse_value(value):
        if not isinstance(value, str):
            raise GraphQLError(f"Date needs a string like \"2024-06-30\", got {value!r}")
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            raise GraphQLError(f"{value!r} is not a date like 2024-06-30") from None
        return parsed.isoformat()


class DateTime(graphene.Scalar):
    """A moment in ISO 8601 form with its offset, in UTC: 2024-06-30T08:15:00Z."""

    @staticmethod
    def serialize(value):
        if isinstance(value, datetime.datetime):
            return clock.timestamp(value)
        if isinstance(value, str):
            return value
        raise GraphQLError(f"DateTime cannot represent {value!r}")

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"DateTime needs a string, got {print_ast(node)}")
        return cls.parse_value(node.value)

    @staticmethod
    def parse_value(value):
        if not isinstance(value, str):
            raise GraphQLError(f"DateTime needs a string, got {value!r}")
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise GraphQLError(f"{value!r} is not a moment like 2024-06-30T08:15:00Z") from None
        if parsed.tzinfo is None:
            raise GraphQLError(f"{value!r} needs a UTC offset, e.g. Z")
        return DateTime.serialize(parsed)


class JSON(GenericScalar):
    """Any JSON value. Used for evidence, whose shape differs from rule to rule."""
