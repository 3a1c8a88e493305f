"""Limits on what a query may ask for, checked before anything runs.

A GraphQL endpoint executes whatever shape a client sends, so the shape is checked first:
- parse with `max_tokens`, so a huge document is refused before an AST is built;
- validate with the spec's rules PLUS ours (passing `rules=` replaces the spec's rules, so they
  are always listed first: without them `{ doesNotExist }` would validate);
- depth, estimated cost and alias count per operation, because each nested list multiplies the
  RPC work behind it. Page sizes may come from variables, which cached validation cannot see:
  it refuses what is too costly whatever they are (a lower bound), and `QueryGuard.measure`
  checks the exact cost with the request's variables before execution;
- introspection off in production (the committed SDL is the documentation), and no
  "did you mean" suggestions there either, which would leak the schema field by field.

Parse + validate costs about a millisecond, so the outcome is cached per query string.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    parse,
    specified_rules,
    validate,
)
from graphql.type import GraphQLInterfaceType, GraphQLObjectType

from .errors import GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

# GraphiQL's own introspection query is about 1,000 tokens; real documents stay far below this.
MAX_TOKENS = 5_000
MAX_VALIDATION_ERRORS = 20
CACHE_SIZE = 512
# Longer documents are validated every time instead of being cached: the cache must not become
# a way to pin megabytes of attacker-chosen text in memory.
MAX_CACHED_QUERY_CHARS = 20_000
PAGE_ARGUMENTS = ("first", "limit")


@dataclass(frozen=True)
class GuardLimits:
    max_depth: int
    max_cost: int
    max_aliases: int
    production: bool

    @classmethod
    def from_settings(cls, settings) -> GuardLimits:
        return cls(settings.graphql_max_depth, settings.graphql_max_cost, settings.graphql_max_aliases,
                   settings.production)


@dataclass(frozen=True, eq=False)  # compared by identity, so it can key the guard cache
class CostModel:
    """How the cost estimate sizes lists.

    Every field costs 1. A list field multiplies the cost of what is selected inside it by:
    its own `first`/`limit` argument; else the page size of its parent field (a page type such as
    `stations(first: 20) { items { ... } }` passes `first` to its list); else its entry in
    `list_sizes` ("Type.field" → the usual length of a list that is not paginated); else
    `default_list_size`. An omitted page argument counts at the field's default value.
    """
    default_list_size: int = 50
    list_sizes: Mapping[str, int] = field(default_factory=dict)
    # What a leaf costs when 1 would lie, about one per value it can hold: a JSON scalar can carry a
    # whole document, a list of ids or tags as many values as the service accepts, and some fields
    # are big whatever their type ("Query.resourceDirectory" → cost). A field's own entry wins over
    # its type's.
    leaf_costs: Mapping[str, int] = field(default_factory=dict)
    # Scalars whose values have no fixed size: every field of such a type must declare its cost.
    open_scalars: frozenset[str] = frozenset({"JSON"})

    def leaf_cost(self, parent_type_name: str, field_name: str, field_def) -> int:
        own = self.leaf_costs.get(f"{parent_type_name}.{field_name}")
        if own is not None:
            return own
        named = get_named_type(field_def.type) if field_def is not None else None
        return self.leaf_costs.get(getattr(named, "name", ""), 1)

    def undeclared(self, schema: GraphQLSchema) -> list[str]:
        """Fields ("Type.field") whose size this model could only guess, which a test keeps empty:

        - a value of an open scalar (JSON), or a list of leaves, without a leaf cost of its own: it
          would cost 1 however much it holds, and aliases of it would multiply that for free;
        - a list of objects with no page argument, no page size to inherit from the field that
          returns its type, and no declared size: it would count as `default_list_size`.
        """
        page_types = {get_named_type(f.type).name for t in _output_types(schema) for f in t.fields.values()
                      if _page_argument(f) and not is_list_type(get_nullable_type(f.type))}
        missing = []
        for parent in _output_types(schema):
            for name, field_def in parent.fields.items():
                key = f"{parent.name}.{name}"
                named = get_named_type(field_def.type)
                is_list = is_list_type(get_nullable_type(field_def.type))
                if is_leaf_type(named):
                    if (named.name in self.open_scalars or is_list) and key not in self.leaf_costs:
                        missing.append(key)
                elif is_list and not (_page_argument(field_def) or parent.name in page_types
                                      or key in self.list_sizes):
                    missing.append(key)
        return sorted(missing)


@dataclass(frozen=True)
class OperationMeasure:
    depth: int
    cost: int
    aliases: int


@dataclass(frozen=True)
class PreparedQuery:
    """The outcome of parsing and validating one query string (shared between requests: read-only)."""
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]

    @property
    def valid(self) -> bool:
        return self.document is not None and not self.errors

    @functools.cached_property
    def fragments(self) -> dict[str, FragmentDefinitionNode]:
        return _fragments(self.document) if self.document else {}


# --- measuring an operation ---------------------------------------------------------------
def measure_operation(schema: GraphQLSchema, operation: OperationDefinitionNode,
                      fragments: Mapping[str, FragmentDefinitionNode], cost_model: CostModel,
                      variables: Mapping[str, object] | None = None) -> OperationMeasure:
    """Depth, estimated cost and aliases of one operation, following its fragments.

    `variables` are the request's coerced variable values. Without them (during validation, which
    is cached per query string and so cannot know them) a page size given as a variable counts
    as the variable's default, else 1: a lower bound, so that validation only refuses what is
    too costly whatever the variables; the pipeline then measures again with the real values.

    Runs during validation, before the spec rules have vouched for the document: unknown fields,
    unknown fragments and fragment cycles are possible here and are simply not followed (the spec
    rules report them). Introspection fields are not counted: they are off in production, and
    GraphiQL's schema query would otherwise exceed the limits in development.
    """
    root_type = schema.get_root_type(operation.operation)
    defaults = _variable_defaults(operation)

    def declared_default(field_def) -> int | None:
        for name in PAGE_ARGUMENTS:
            argument = field_def.args.get(name) if field_def is not None else None
            if argument is not None and isinstance(argument.default_value, int):
                return argument.default_value
        return None

    def page_size(node: FieldNode, field_def) -> int | None:
        for argument in node.arguments:
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
            if isinstance(value, VariableNode):
                name = value.name.value
                if variables is None:
                    return defaults.get(name, 1)
                given = variables.get(name)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(0, given)
            return declared_default(field_def)
        return declared_default(field_def)

    # A fragment's measure depends only on where it is spread (type, inherited page size), so it
    # is computed once: a document spreading fragments into fragments twice over would otherwise
    # cost 2^n walks, an easy way to pin a worker with a small document.
    fragment_measures: dict[tuple, tuple[int, int, int]] = {}

    def walk(selection_set: SelectionSetNode | None, parent_type, inherited_page: int | None,
             fragment_path: frozenset[str]) -> tuple[int, int, int]:
        """(depth, cost, aliases) of a selection set."""
        depth = cost = aliases = 0
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                if selection.alias is not None:
                    aliases += 1
                field_def = _field(parent_type, name)
                if selection.selection_set is None or field_def is None:
                    depth, cost = max(depth, 1), cost + cost_model.leaf_cost(parent_type.name, name, field_def)
                    continue
                own_page = page_size(selection, field_def)
                is_list = is_list_type(get_nullable_type(field_def.type))
                child_depth, child_cost, child_aliases = walk(
                    selection.selection_set, get_named_type(field_def.type), None if is_list else own_page,
                    fragment_path)
                multiplier = 1
                if is_list:
                    multiplier = (own_page if own_page is not None else inherited_page if inherited_page is not None
                                  else cost_model.list_sizes.get(f"{parent_type.name}.{name}",
                                                                 cost_model.default_list_size))
                depth, cost = max(depth, 1 + child_depth), cost + 1 + multiplier * child_cost
                aliases += child_aliases
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = (schema.get_type(condition.name.value) if condition else None) or parent_type
                sub = walk(selection.selection_set, fragment_type, inherited_page, fragment_path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in fragment_path:
                    continue  # unknown or cyclic: the spec rules report it
                fragment_type = schema.get_type(fragment.type_condition.name.value) or parent_type
                key = (name, getattr(fragment_type, "name", None), inherited_page)
                if key not in fragment_measures:
                    fragment_measures[key] = walk(fragment.selection_set, fragment_type, inherited_page,
                                                  fragment_path | {name})
                sub = fragment_measures[key]
            else:
                continue
            depth, cost, aliases = max(depth, sub[0]), cost + sub[1], aliases + sub[2]
        return depth, cost, aliases

    if root_type is None:
        return OperationMeasure(0, 0, 0)
    return OperationMeasure(*walk(operation.selection_set, root_type, None, frozenset()))


def _output_types(schema: GraphQLSchema) -> list:
    return [t for name, t in schema.type_map.items()
            if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)) and not name.startswith("__")]


def _page_argument(field_def) -> bool:
    return any(name in field_def.args for name in PAGE_ARGUMENTS)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _field(parent_type, name: str):
    if isinstance(parent_type, (GraphQLObjectType, GraphQLInterfaceType)):
        return parent_type.fields.get(name)
    return None


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, int]:
    defaults = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    return defaults


def _operation_label(operation: OperationDefinitionNode) -> str:
    return f"'{operation.name.value}'" if operation.name else "the anonymous operation"


# --- validation rules ---------------------------------------------------------------------
class _MeasuringRule(ValidationRule):
    """Measures each operation of the document once it is entered; subclasses judge the measure."""
    cost_model = CostModel()

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        self.judge(node, measure_operation(self.context.schema, node, _fragments(self.context.document),
                                           self.cost_model))

    def judge(self, operation: OperationDefinitionNode, measure: OperationMeasure) -> None:
        raise NotImplementedError


def depth_limit(max_depth: int) -> type[ASTValidationRule]:
    """Refuses operations nested deeper than `max_depth` fields (`{ a { b } }` is 2 deep).

    Written here rather than taken from graphene's depth_limit_validator, which raises KeyError on
    an unknown fragment and recurses without end on a fragment cycle instead of reporting them.
    """
    class DepthLimitRule(_MeasuringRule):
        def judge(self, operation, measure):
            if measure.depth > max_depth:
                self.report_error(GraphQLError(
                    f"{_operation_label(operation)} is {measure.depth} levels deep; the limit is {max_depth}",
                    operation, extensions={"code": QUERY_TOO_DEEP}))
    return DepthLimitRule


def cost_limit(max_cost: int, cost_model: CostModel) -> type[ASTValidationRule]:
    """Refuses operations whose estimated cost exceeds `max_cost` whatever their variables."""
    class CostLimitRule(_MeasuringRule):
        def judge(self, operation, measure):
            refusal = cost_refusal(operation, measure, max_cost)
            if refusal is not None:
                self.report_error(refusal)
    CostLimitRule.cost_model = cost_model
    return CostLimitRule


def cost_refusal(operation: OperationDefinitionNode, measure: OperationMeasure, max_cost: int) -> GraphQLError | None:
    if measure.cost <= max_cost:
        return None
    return GraphQLError(
        f"{_operation_label(operation)} would cost about {measure.cost}; the limit is {max_cost}. "
        "Ask for smaller pages (first) or fewer nested lists.",
        operation, extensions={"code": QUERY_TOO_COSTLY, "cost": measure.cost, "maxCost": max_cost})


def alias_limit(max_aliases: int) -> type[ASTValidationRule]:
    """Aliases let one request repeat an expensive field many times; count them per operation."""
    class AliasLimitRule(_MeasuringRule):
        def judge(self, operation, measure):
            if measure.aliases > max_aliases:
                self.report_error(GraphQLError(
                    f"{_operation_label(operation)} uses {measure.aliases} aliases; the limit is {max_aliases}",
                    operation, extensions={"code": TOO_MANY_ALIASES}))
    return AliasLimitRule


class IntrospectionDisabledRule(NoSchemaIntrospectionCustomRule):
    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": INTROSPECTION_DISABLED}
        super().report_error(error)


# --- the guard ----------------------------------------------------------------------------
class QueryGuard:
    """Parses and validates query strings against one schema and one set of limits, with a cache."""

    def __init__(self, schema: GraphQLSchema, limits: GuardLimits, cost_model: CostModel,
                 cache_size: int = CACHE_SIZE):
        self.schema = schema
        self.limits = limits
        self.cost_model = cost_model
        rules = [*specified_rules, depth_limit(limits.max_depth), cost_limit(limits.max_cost, cost_model),
                 alias_limit(limits.max_aliases)]
        if limits.production:
            rules.append(IntrospectionDisabledRule)
        self.rules = tuple(rules)
        self._cached_prepare = functools.lru_cache(maxsize=cache_size)(self._prepare)

    def prepare(self, query: str) -> PreparedQuery:
        if len(query) > MAX_CACHED_QUERY_CHARS:
            return self._prepare(query)
        return self._cached_prepare(query)

    def cache_info(self):
        return self._cached_prepare.cache_info()

    def _prepare(self, query: str) -> PreparedQuery:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            error.extensions = {**(error.extensions or {}), "code": GRAPHQL_PARSE_FAILED}
            return PreparedQuery(None, (error,))
        errors = validate(self.schema, document, self.rules, max_errors=MAX_VALIDATION_ERRORS,
                          hide_suggestions=self.limits.production)
        for invalid in errors:
            if not (invalid.extensions or {}).get("code"):
                invalid.extensions = {**(invalid.extensions or {}), "code": GRAPHQL_VALIDATION_FAILED}
        return PreparedQuery(document, tuple(errors))

    def measure(self, prepared: PreparedQuery, operation: OperationDefinitionNode,
                variables: Mapping[str, object]) -> tuple[OperationMeasure, GraphQLError | None]:
        """The exact estimate for this request's variables, and the refusal if it is too costly."""
        measure = measure_operation(self.schema, operation, prepared.fragments, self.cost_model, variables)
        return measure, cost_refusal(operation, measure, self.limits.max_cost)


@functools.lru_cache(maxsize=8)
def guard_for(schema: GraphQLSchema, limits: GuardLimits, cost_model: CostModel) -> QueryGuard:
    """One guard (and so one cache) per schema and set of limits; tests switch settings freely."""
    return QueryGuard(schema, limits, cost_model)


class TokenBuckets:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute`.

    Anonymous callers cost nothing to be and can ask the public fields as often as they like; this
    bounds each address. At most `max_clients` buckets are kept (the least recently used go first),
    so a flood of addresses cannot grow memory without bound."""

    def __init__(self, per_minute: int, burst: int, max_clients: int = 10_000, now=time.monotonic):
        self.rate, self.burst, self.max_clients, self.now = per_minute / 60.0, burst, max_clients, now
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        with self._lock:
            now = self.now()
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait
