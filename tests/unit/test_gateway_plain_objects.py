"""Objects read from dicts (list items such as staff members and rules, nested objects such as a venue)
are built in one pass, and the answer is graphql-core's to the letter: the same data, the same errors with
the same paths, the same nulls climbing to the same parents."""
from __future__ import annotations

import datetime

import graphene
import pytest
from graphql import ExecutionContext, execute, parse

from gateway.dataloader import BatchingExecutionContext
from gateway.schema.scalars import JSON, Date


class Kind(graphene.Enum):
    CAT = "cat"
    DOG = "dog"


class Address(graphene.ObjectType):
    city = graphene.String(required=True)
    street = graphene.String()


class Checked(graphene.ObjectType):
    """A type with its own is_type_of: graphql-core must keep asking it."""
    ok = graphene.Boolean()

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, dict) and "ok" in root


class Member(graphene.ObjectType):
    name = graphene.String(required=True)
    kind = Kind(required=True)
    hours = graphene.Float()
    since = Date()
    evidence = JSON()
    address = graphene.Field(Address)
    home = graphene.Field(Address, required=True)
    checked = graphene.Field(Checked)
    shout = graphene.String()

    @staticmethod
    def resolve_shout(member, info):
        return member["name"].upper()


class Query(graphene.ObjectType):
    members = graphene.List(graphene.NonNull(Member))
    maybe_members = graphene.List(Member)

    @staticmethod
    def resolve_members(root, info):
        return info.context["members"]

    @staticmethod
    def resolve_maybe_members(root, info):
        return info.context["members"]


SCHEMA = graphene.Schema(query=Query).graphql_schema
GOOD = {"name": "a", "kind": "cat", "hours": 6, "since": "2026-01-10", "evidence": {"staff": [{"hours": 18}]},
        "address": {"city": "镇江", "street": None}, "home": {"city": "南京", "street": "中山路"},
        "checked": {"ok": True}}
PLAIN = """{ members { name kind hours since evidence __typename alias: name address { city street __typename }
                       home { city } }
             maybeMembers { name home { city street } } }"""
FRAGMENTS = """{ members { ...a home { city } ... on Member { home { street } kind } } }
               fragment a on Member { name address { city } address { street } }"""
MIXED = "{ members { name shout home { city } checked { ok } } }"


def both(members: list[dict], query: str):
    document = parse(query)
    ours = execute(SCHEMA, document, context_value={"members": members},
                   execution_context_class=BatchingExecutionContext)
    stock = execute(SCHEMA, document, context_value={"members": members}, execution_context_class=ExecutionContext)
    return ours, stock


def as_compared(result):
    return result.data, [(e.message, e.path, e.locations) for e in result.errors or []]


@pytest.mark.parametrize("query", [PLAIN, FRAGMENTS, MIXED])
@pytest.mark.parametrize("members", [
    [GOOD, {**GOOD, "name": "b", "address": None, "hours": None, "evidence": None}],
    [GOOD, {**GOOD, "home": {"city": None}}],            # a null non-null field two objects down
    [GOOD, {**GOOD, "home": None}],                      # a null non-null object: the item, then the list
    [{**GOOD, "kind": "fish"}],                          # a value the enum does not know
    [{**GOOD, "hours": "six"}, {**GOOD, "address": "not an object"}],  # serialize refuses; not a dict
    [{**GOOD, "since": datetime.date(2026, 1, 10)}],     # a date object: the ordinary way
    [{**GOOD, "checked": {"nope": 1}}],                  # is_type_of refuses
    [{key: value for key, value in GOOD.items() if key != "name"}],  # the key is absent
    [],
])
def test_the_answer_is_graphql_cores(members, query):
    ours, stock = both(members, query)
    assert as_compared(ours) == as_compared(stock)


def test_plain_objects_are_built_without_graphql_cores_completion(monkeypatch):
    completed = []
    original = BatchingExecutionContext.complete_object_value

    def counting(self, return_type, field_nodes, info, path, result):
        completed.append(return_type.name)
        return original(self, return_type, field_nodes, info, path, result)

    monkeypatch.setattr(BatchingExecutionContext, "complete_object_value", counting)
    ours, stock = both([GOOD, GOOD, GOOD], PLAIN)
    assert not ours.errors and ours.data == stock.data
    assert completed == []  # every member and its addresses came from the one-pass path
    assert ours.data["members"][0] == {
        "name": "a", "kind": "CAT", "hours": 6.0, "since": "2026-01-10", "evidence": GOOD["evidence"],
        "__typename": "Member", "alias": "a", "address": {"city": "镇江", "street": None, "__typename": "Address"},
        "home": {"city": "南京"}}

    # a member with a field that has its own resolver is graphql-core's, its plain address is not;
    # the type that checks is_type_of is always graphql-core's
    completed.clear()
    ours, _ = both([GOOD], MIXED)
    assert not ours.errors
    assert completed == ["Member", "Checked"]
