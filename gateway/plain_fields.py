"""Leaf fields read straight from a dict, without graphql-core's per-field machinery.

A page of 50 stations with staff and compliance completes about 2,500 fields, nine in ten of them
scalars or enums that graphene resolves with its default resolver (`source.get(name)`). For each one
graphql-core builds a ResolveInfo, collects the (absent) arguments, calls the resolver through two
functions and walks complete_value down to the scalar's serialize: most of the gateway's time on that
page (issue 10). For such a field the outcome is the serialised value of `source.get(name)`, so that
is what `value` computes, and it steps aside (the field then goes the ordinary way) whenever the
ordinary way could do anything else: a null for a non-null field, a value serialize refuses, a value
that is not plain data, a source that is not a dict, middleware, or a field with arguments. Errors,
their paths and null propagation therefore stay graphql-core's own.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from graphene.types.resolver import dict_or_attr_resolver, dict_resolver
from graphql import FieldNode, GraphQLEnumType, GraphQLObjectType, GraphQLSchema, is_leaf_type, is_non_null_type
from graphql.execution.execute import get_field_def
from graphql.pyutils import Undefined

# Returned by `value` when the field must be executed the ordinary way.
ORDINARY = Undefined

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, dict_resolver)
# Exact types only: a subclass (a str enum, say) may serialise differently. dict and list are the JSON
# scalar's values (evidence), which it hands on as they are.
_PLAIN = frozenset((str, int, float, bool, dict, list))


class _Leaf:
    __slots__ = ("key", "default", "serialize", "non_null", "memo")

    def __init__(self, key: str, default: Any, leaf_type, non_null: bool):
        self.key, self.default, self.non_null = key, default, non_null
        self.serialize = leaf_type.serialize
        # An enum's serialize looks its value up through the Python enum on every call; its answer
        # for a given string never changes, so it is remembered (a handful of values per type).
        self.memo: dict[str, Any] | None = {} if isinstance(leaf_type, GraphQLEnumType) else None


class PlainLeaves:
    """One request's fast path; remembers per (type, field) whether the field qualifies."""

    def __init__(self, schema: GraphQLSchema):
        self.schema = schema
        self._leaves: dict[tuple[str, str], _Leaf | None] = {}

    def value(self, parent_type: GraphQLObjectType, source: dict, field_node: FieldNode) -> Any:
        """The field's completed value, or ORDINARY when graphql-core must execute it."""
        key = (parent_type.name, field_node.name.value)
        if key in self._leaves:
            leaf = self._leaves[key]
        else:
            leaf = self._leaves[key] = self._qualify(parent_type, field_node)
        if leaf is None:
            return ORDINARY
        raw = source.get(leaf.key, leaf.default)
        if raw is None:
            return ORDINARY if leaf.non_null else None
        if type(raw) not in _PLAIN:  # dates, Pending, errors, other objects: the ordinary way
            return ORDINARY
        return self._serialized(leaf, raw)

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
        if not is_leaf_type(named):
            return None
        key, default = resolve.args
        return _Leaf(key, default, named, non_null)

