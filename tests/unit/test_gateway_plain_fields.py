"""Scalars and enums read from a dict skip execute_field, and the answer is graphql-core's to the letter:
the same data, the same errors with the same paths, the same nulls climbing to the same parents."""
from __future__ import annotations

import datetime
import json

import graphene
import pytest
from graphql import ExecutionContext, execute, parse

from gateway.dataloader import BatchingExecutionContext
from gateway.http import json_response
from gateway.schema.scalars import JSON, Date


class Colour(graphene.Enum):
    RED = "red"
    GREEN = "green"


class Thing(graphene.ObjectType):
    name = graphene.String(required=True)
    note = graphene.String()
    colour = Colour()
    colours = graphene.List(graphene.NonNull(Colour))
    must_colour = Colour(required=True)
    size = graphene.Float()
    count = graphene.Int()
    flag = graphene.Boolean(required=True)
    on = Date()
    evidence = JSON()
    shout = graphene.String()
    echo = graphene.String(word=graphene.String())

    @staticmethod
    def resolve_shout(thing, info):
        return thing["name"].upper()

    @staticmethod
    def resolve_echo(thing, info, word=None):
        return word


class Query(graphene.ObjectType):
    things = graphene.List(graphene.NonNull(Thing))
    maybe_things = graphene.List(Thing)

    @staticmethod
    def resolve_things(root, info):
        return info.context["things"]

    @staticmethod
    def resolve_maybe_things(root, info):
        return info.context["things"]


SCHEMA = graphene.Schema(query=Query).graphql_schema
GOOD = {"name": "a", "note": None, "colour": "red", "colours": ["green", "red"], "must_colour": "green",
        "size": 2.5, "count": 3, "flag": True, "on": datetime.date(2026, 12, 4),
        "evidence": {"minimum_m2": 40.0, "staff": [{"hours": 18}]}}
QUERY = """{ things { name note colour colours mustColour size count flag on evidence shout echo(word: "hi")
                      __typename alias: name }
             maybeThings { name mustColour flag count } }"""


def both(things: list[dict], query: str = QUERY):
    document = parse(query)
    ours = execute(SCHEMA, document, context_value={"things": things}, execution_context_class=BatchingExecutionContext)
    stock = execute(SCHEMA, document, context_value={"things": things}, execution_context_class=ExecutionContext)
    return ours, stock


def as_compared(result):
    return result.data, [(e.message, e.path, e.locations) for e in result.errors or []]


@pytest.mark.parametrize("things", [
    [GOOD, {**GOOD, "name": "b", "colour": None, "size": 7, "evidence": None}],
    [GOOD, {**GOOD, "must_colour": None}],                 # a null non-null enum: the item, then the list
    [{**GOOD, "colour": "purple"}],                        # a value the enum does not know
    [{**GOOD, "count": "three"}, {**GOOD, "flag": None}],  # serialize refuses; a missing non-null scalar
    [{**GOOD, "colours": ["red", None]}],                  # a null inside a list of non-null enums
    [{key: value for key, value in GOOD.items() if key != "name"}],  # the key is absent
])
def test_the_answer_is_graphql_cores(things):
    ours, stock = both(things)
    assert as_compared(ours) == as_compared(stock)


def test_scalars_read_from_a_dict_skip_execute_field(monkeypatch):
    executed = []
    original = BatchingExecutionContext.execute_field

    def counting(self, parent_type, source, field_nodes, path):
        executed.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return original(self, parent_type, source, field_nodes, path)

    monkeypatch.setattr(BatchingExecutionContext, "execute_field", counting)
    ours, _ = both([GOOD, GOOD], "{ things { name colour size evidence on shout echo(word: \"x\") __typename } }")
    assert not ours.errors
    # the list, and per item the fields that are not a plain scalar read: a date value, a resolver,
    # arguments, __typename
    assert executed == ["Query.things"] + ["Thing.on", "Thing.shout", "Thing.echo", "Thing.__typename"] * 2
    assert ours.data["things"][0] == {"name": "a", "colour": "RED", "size": 2.5, "evidence": GOOD["evidence"],
                                      "on": "2026-12-04", "shout": "A", "echo": "x", "__typename": "Thing"}


def test_a_response_is_the_same_compact_json_as_before():
    payload = {"data": {"stations": {"items": [{"name": "玄武区第1街道社工站", "area": 60.0, "ok": True,
                                                "none": None, "n": 154}]}}, "extensions": {"cost": 12}}
    assert json_response(200, payload).body == json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    dated = {"at": datetime.datetime(2026, 12, 4, 18, 22, tzinfo=datetime.UTC)}
    assert json_response(200, dated).body == '{"at":"2026-12-04 18:22:00+00:00"}'  # default=str, as before
