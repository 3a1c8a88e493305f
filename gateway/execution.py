"""The request pipeline, without nameko: HTTP request in, HTTP response out.

    read params → who is asking → parse/validate (cached, guarded) → pick the operation
    → (an agency client: only its fields, gateway/agency.py) → (GET may not mutate) → coerce variables
    → cost with those variables → execute with DataLoaders (gateway/dataloader.py) → format errors

The nameko entrypoint (service.py) only adapts werkzeug to this and supplies the RPC clients.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, cast

from graphql import ExecutionResult, GraphQLError, OperationType, get_operation_ast

from services.common.errors import Unauthenticated, UpstreamUnavailable

from .agency import calls_of as agency_calls_of
from .agency import record_calls as agency_record_calls
from .agency import refusal as agency_refusal
from .auth import viewer_in_force, viewer_of_request
from .context import RequestContext
from .dataloader import BatchingExecutionContext
from .errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    INTERNAL_SERVER_ERROR,
    MASKED_MESSAGE,
    client_error,
    format_error,
    log_unexpected,
    request_error,
)
from .guards import RESPONSE_TOO_LARGE, TOO_MANY_REQUESTS, CostModel, GuardLimits, TokenBuckets, guard_for
from .http import (
    GRAPHQL_RESPONSE_JSON,
    METHOD_NOT_ALLOWED,
    HttpRequest,
    HttpResponse,
    RequestRejected,
    graphiql_response,
    json_response,
    parse_params,
    rejection_response,
    response_media_type,
    wants_graphiql,
)
from .identity_http import platform_keys


class GatewayExecutionContext(BatchingExecutionContext):
    """DataLoader-aware execution whose mutations see their own writes.

    Each top-level mutation field is completed (its batches run) before the next starts, and the
    request's loaders are renewed first, so a payload shows the state after its own write and no
    cached read from before it.
    """

    def before_serial_field(self) -> None:
        forget_reads = getattr(self.context_value, "forget_reads", None)
        if forget_reads is not None:
            forget_reads()


ContextFactory = Callable[[Any, Mapping[str, Any]], Any]


class GraphQLEndpoint:
    """Serves GraphQL over HTTP for one schema. Stateless apart from the guards' caches."""

    def __init__(self, schema, cost_model: CostModel, context_factory: ContextFactory = RequestContext):
        self.schema = getattr(schema, "graphql_schema", schema)
        self.cost_model = cost_model
        self.context_factory = context_factory
        self._buckets: dict[tuple[int, int], TokenBuckets] = {}

    def _anonymous_buckets(self, settings) -> TokenBuckets:
        # Keyed by the limits so a settings override (tests, a reload) gets its own buckets.
        limits = (settings.anonymous_requests_per_minute, settings.anonymous_burst)
        if limits not in self._buckets:
            self._buckets[limits] = TokenBuckets(*limits)
        return self._buckets[limits]

    def handle(self, request: HttpRequest, *, clients: Mapping[str, Any], settings,
               correlation_id: str | None = None, rpc_calls: Callable[[], int] = lambda: 0) -> HttpResponse:
        media_type = response_media_type(request.header("accept"))
        try:
            return self._handle(request, media_type, clients, settings, correlation_id, rpc_calls)
        except Exception as exc:  # the last line of defence: nothing unexpected leaks out
            log_unexpected(exc, where="graphql endpoint")
            error = request_error(MASKED_MESSAGE, INTERNAL_SERVER_ERROR)
            if correlation_id:
                error["extensions"]["correlationId"] = correlation_id
            return json_response(500, {"errors": [error]}, media_type)

    def _handle(self, request, media_type, clients, settings, correlation_id, rpc_calls) -> HttpResponse:
        if wants_graphiql(request) and not settings.production:
            return graphiql_response()
        try:
            params = parse_params(request)
        except RequestRejected as rejection:
            return rejection_response(rejection, media_type)

        try:
            viewer = viewer_of_request(request.header, settings.token_secret, jwks=platform_keys(clients),
                                       config=settings)
        except Unauthenticated as exc:
            described = client_error(exc)
            return json_response(401, {"errors": [request_error(described.message, described.code)]}, media_type,
                                 {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            viewer = viewer_in_force(viewer, clients)
        except UpstreamUnavailable as exc:
            described = client_error(exc)
            return json_response(503, {"errors": [request_error(described.message, described.code)]}, media_type,
                                 {"Retry-After": "5"})

        if viewer.is_public and request.client:
            wait = self._anonymous_buckets(settings).take(request.client)
            if wait > 0:
                return json_response(429, {"errors": [request_error(
                    "too many requests without a token from this address; slow down or sign in",
                    TOO_MANY_REQUESTS)]}, media_type, {"Retry-After": str(math.ceil(wait))})

        guard = guard_for(self.schema, GuardLimits.from_settings(settings), self.cost_model)
        prepared = guard.prepare(params.query)
        if prepared.document is None or not prepared.valid:
            return self._request_errors(prepared.errors, media_type)

        operation = get_operation_ast(prepared.document, params.operation_name)
        if operation is None:
            message = (f"no operation named '{params.operation_name}' in the document" if params.operation_name
                       else "the document has several operations: say which one with operationName")
            return self._request_errors([GraphQLError(message, extensions={"code": BAD_REQUEST})], media_type)
        refused = agency_refusal(viewer, operation, prepared.document)
        if refused is not None:  # an agency client asked for a field its scopes do not name
            agency_record_calls(viewer, clients, agency_calls_of(operation, prepared.document, refused=refused))
            return self._request_errors([refused], media_type)
        if request.method == "GET" and operation.operation != OperationType.QUERY:
            return rejection_response(RequestRejected(
                405, f"a {operation.operation.value} cannot be sent with GET: use POST", METHOD_NOT_ALLOWED,
                {"Allow": "POST"}), media_type)

        context = self.context_factory(viewer, clients)
        if hasattr(context, "client_address"):
            context.client_address = request.client or None
        execution = GatewayExecutionContext.build(
            self.schema, prepared.document, context_value=context, raw_variable_values=params.variables,
            operation_name=params.operation_name, hide_suggestions=settings.production)
        if isinstance(execution, list):  # the variables do not fit the operation
            errors = [_about_the_request(error, BAD_USER_INPUT) for error in execution]
            return self._request_errors(errors, media_type)
        measure, too_costly = guard.measure(prepared, operation, execution.variable_values)
        if too_costly is not None:  # only the variables made it so: validation already checked the rest
            return self._request_errors([too_costly], media_type)

        # graphql-core types build() as returning its base class; it builds the class it is called on
        result = self._execute(cast(GatewayExecutionContext, execution))
        if viewer.is_agency:
            agency_record_calls(viewer, clients, agency_calls_of(operation, prepared.document,
                                                                 errors=list(result.errors or [])))
        payload: dict = {}
        if result.errors:
            payload["errors"] = [format_error(error, correlation_id) for error in result.errors]
        payload["data"] = result.data
        if not settings.production:
            # For developers checking batching and cost; production does not advertise either.
            payload["extensions"] = {"cost": measure.cost, "rpcCalls": rpc_calls()}
        response = json_response(200, payload, media_type)
        size = len(response.body.encode())
        if size > settings.max_response_bytes:
            # The cost estimate bounds what a query asks for, not how big the stored values are.
            return self._request_errors([GraphQLError(
                f"the answer would be {size} bytes; the limit is "
                f"{settings.max_response_bytes}. Ask for fewer fields, aliases or smaller pages.",
                extensions={"code": RESPONSE_TOO_LARGE, "maxBytes": settings.max_response_bytes})], media_type)
        return response

    @staticmethod
    def _execute(execution: GatewayExecutionContext) -> ExecutionResult:
        # What graphql.execute does after building its context; built here to see the
        # variable errors first (they are a request error, not an execution error).
        errors = execution.collected_errors
        try:
            data = execution.execute_operation(execution.operation, None)
        except GraphQLError as error:
            errors.add(error, None)
            return execution.build_response(None, errors.errors)
        return execution.build_response(data, errors.errors)

    @staticmethod
    def _request_errors(errors, media_type: str) -> HttpResponse:
        """The document (or its variables) cannot run: nothing was executed, so no `data` key.
        The spec's newer media type says so with 400; plain JSON keeps the legacy 200."""
        status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
        return json_response(status, {"errors": [format_error(error) for error in errors]}, media_type)


def _about_the_request(error: GraphQLError, code: str) -> GraphQLError:
    """A variable coercion error wraps the scalar's own GraphQLError; it is about the client's input,
    not a failure of ours, so it is shown as it is (errors.client_error masks wrapped errors)."""
    return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                        extensions={**(error.extensions or {}), "code": code})
