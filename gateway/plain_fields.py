"""Leaf fields and plain objects read straight from a dict, without graphql-core's per-field machinery.

A page of 50 stations with staff and compliance completes about 2,500 fields, nine in ten of them
scalars or enums that graphene resolves with its default resolver (`source.get(name)`). For each one
graphql-core builds a ResolveInfo, collects the (absent) arguments, calls the resolver through two
functions and walks complete_value down to the scalar's serialize: most of the gateway's time on that
page (issue 10). For such a field the outcome is the serialised value of `source.get(name)`, so that
is what `value` computes, and it steps aside (the field then goes the ordinary way) whenever the
ordinary way could do anything else: a null for a non-null field, a value serialize refuses, a value
that is not plain data, a source that is not a dict, middleware, or a field with arguments. Errors,
their paths and null propagation therefore stay graphql-core's own.

Objects too: a page of stations still completed about 600 objects (staff members, rules, venues) one by
one through complete_value, complete_object_value and execute_fields. An object whose every selected
field is such a leaf, `__typename` or, recursively, such an object (read from a dict by the default
resolver) is built here in one pass (`object_value`); if any one of its fields steps aside, the whole
object does, and graphql-core completes it from the start (nothing here has side effects, so doing part
of the work twice changes nothing but time).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphene.types.resolver import dict_or_attr_resolver, dict_resolver
from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.execute import get_field_def
from graphql.pyutils import Undefined

# Returned by `value` when the field must be executed the ordinary way.
ORDINARY = Undefined

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, dict_resolver)
# Exact types only: a subclass (a str enum, say) may serialise differently. dict and list are the JSON
# scalar's values (evidence), which it hands on as they are.
_PLAIN = frozenset((str, int, float, bool, dict, list))


# What the execution context collects below a field: response name → the field's nodes.
CollectSubfields = Callable[[GraphQLObjectType, list[FieldNode]], dict[str, list[FieldNode]]]


# An object's selected fields in order: response name, field nodes and how to read it (None: `__typename`).
_Plan = list[tuple[str, list[FieldNode], "_Leaf | None"]]


def _not_a_leaf(value: Any) -> Any:
    raise TypeError("an object type has no serialize")


# The Python type whose values these scalars serialise as themselves (graphql-core's serialize_string,
# serialize_id and serialize_boolean return such a value unchanged): no call needed.
_SAME = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


class _Leaf:
    """A field read from a dict by the default resolver: a scalar or enum, or an object (`object_type`)."""
    __slots__ = ("key", "default", "serialize", "non_null", "memo", "object_type", "same")

    def __init__(self, key: str, default: Any, named_type, non_null: bool):
        self.key, self.default, self.non_null = key, default, non_null
        self.same: type | None = _SAME.get(named_type)
        self.object_type: GraphQLObjectType | None = named_type if is_object_type(named_type) else None
        self.serialize: Callable[[Any], Any] = _not_a_leaf if self.object_type is not None \
            else named_type.serialize
        # An enum's serialize looks its value up through the Python enum on every call; its answer
        # for a given string never changes, so it is remembered (a handful of values per type).
        self.memo: dict[str, Any] | None = {} if isinstance(named_type, GraphQLEnumType) else None


class PlainLeaves:
    """One request's fast path; remembers per (type, field) whether the field qualifies."""

    def __init__(self, schema: GraphQLSchema, collect_subfields: CollectSubfields):
        self.schema = schema
        self._collect_subfields = collect_subfields
        self._leaves: dict[tuple[str, str], _Leaf | None] = {}
        self._plans: dict[tuple, _Plan | None] = {}

    def value(self, parent_type: GraphQLObjectType, source: dict, field_nodes: list[FieldNode]) -> Any:
        """The field's completed value, or ORDINARY when graphql-core must execute it."""
        key = (parent_type.name, field_nodes[0].name.value)
        if key in self._leaves:
            leaf = self._leaves[key]
        else:
            leaf = self._leaves[key] = self._qualify(parent_type, field_nodes[0])
        if leaf is None:
            return ORDINARY
        return self._read(leaf, source, field_nodes)

    def _read(self, leaf: _Leaf, source: dict, field_nodes: list[FieldNode]) -> Any:
        raw = source.get(leaf.key, leaf.default)
        if raw is None:
            return ORDINARY if leaf.non_null else None
        kind = type(raw)
        if kind is leaf.same:
            return raw
        if leaf.object_type is not None:
            return self.object_value(leaf.object_type, field_nodes, raw) if kind is dict else ORDINARY
        if kind not in _PLAIN:  # dates, Pending, errors, other objects: the ordinary way
            return ORDINARY
        return self._serialized(leaf, raw)

    def object_value(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode], source: dict) -> Any:
        """The completed object of `source` (a dict) as `object_type` with the fields selected by
        `field_nodes`, or ORDINARY when any of them must go through graphql-core."""
        key = (object_type.name, *map(id, field_nodes))
        if key in self._plans:
            plan = self._plans[key]
        else:
            plan = self._plans[key] = self._plan(object_type, field_nodes)
        if plan is None:
            return ORDINARY
        completed: dict[str, Any] = {}
        read = self._read
        for response_name, nodes, leaf in plan:
            if leaf is None:
                completed[response_name] = object_type.name
                continue
            value = read(leaf, source, nodes)
            if value is ORDINARY:
                return ORDINARY
            completed[response_name] = value
        return completed

    def _plan(self, object_type: GraphQLObjectType, field_nodes: list[FieldNode]) -> _Plan | None:
        """The object's selected fields (no leaf for `__typename`), or None when one of them can never be
        read here (a resolver, arguments, a list): then every such object goes graphql-core's way at once."""
        if object_type.is_type_of is not None:  # its check may refuse the value: graphql-core's to make
            return None
        plan: _Plan = []
        for response_name, nodes in self._collect_subfields(object_type, field_nodes).items():
            name = nodes[0].name.value
            if name == "__typename":
                plan.append((response_name, nodes, None))
                continue
            if (object_type.name, name) not in self._leaves:
                self._leaves[(object_type.name, name)] = self._qualify(object_type, nodes[0])
            leaf = self._leaves[(object_type.name, name)]
            if leaf is None:
                return None
            plan.append((response_name, nodes, leaf))
        return plan

    @staticmethod
    def _serialized(leaf: _Leaf, raw: Any) -> Any:
        memo = leaf.memo
        if memo is not None and type(raw) is str:
            known = memo.get(raw, ORDINARY)
            if known is not ORDINARY:
                return known
        try:
            serialized = leaf.serialize(raw)
        except Exception:  # let graphql-core raise it again, with the field's path
            return ORDINARY
        if serialized is None or serialized is Undefined:
            return ORDINARY
        if memo is not None and type(raw) is str:
            memo[raw] = serialized
        return serialized

    def _qualify(self, parent_type: GraphQLObjectType, field_node: FieldNode) -> _Leaf | None:
        field_def = get_field_def(self.schema, parent_type, field_node)
        if field_def is None or field_def.args or field_node.arguments:
            return None
        resolve = field_def.resolve
        if not isinstance(resolve, partial) or resolve.func not in _DEFAULT_RESOLVERS or resolve.keywords \
                or len(resolve.args) != 2:
            return None
        non_null = is_non_null_type(field_def.type)
        named = field_def.type.of_type if non_null else field_def.type  # type: ignore[union-attr]
        if not is_leaf_type(named) and not is_object_type(named):  # lists, interfaces, unions: graphql-core's
            return None
        key, default = resolve.args
        return _Leaf(key, default, named, non_null)

