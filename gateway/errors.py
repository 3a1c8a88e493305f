"""The one place that decides what a client sees when something goes wrong.

Expected failures are the typed domain errors of services/common/errors.py: their message, code
and field details go to the client. Anything else is a bug or an outage we did not anticipate:
the client gets "internal error" and a correlation id, the log gets the traceback. A stack trace
or an exception's text never reaches a response, because it can carry personal data or internals.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError
from nameko.exceptions import UnknownService

from services.common.errors import DomainError, UpstreamUnavailable

log = logging.getLogger("gateway.errors")

INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
MASKED_MESSAGE = "internal error"

# Codes for problems found before execution (set by the guards and the pipeline).
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"


@dataclass(frozen=True)
class ClientError:
    """What the client may know about one failure."""
    message: str
    code: str
    details: dict[str, list[str]] = field(default_factory=dict)
    expected: bool = True

    def extensions(self) -> dict:
        extensions: dict = {"code": self.code}
        if self.details:
            extensions["details"] = self.details
        return extensions


def client_error(exc: BaseException) -> ClientError:
    """THE mapping: an exception raised while serving a request → what the client sees.

    - a DomainError (raised here or by a service: it crosses RPC as itself) → its code and details,
      also when graphql-core wrapped it in a GraphQLError with the field's path;
    - a GraphQLError about the request itself (parse, validation, variables: it wraps nothing)
      → its message and the code the guards gave it;
    - nameko's UnknownService (no instance of the service has ever declared its queue, e.g. it is
      not deployed yet) → SERVICE_UNAVAILABLE, like a timeout: the client may retry later;
    - anything else → masked. That includes a GraphQLError wrapping another GraphQLError: during
      execution that means a value from a service could not be serialised, a server-side bug.
    """
    if isinstance(exc, GraphQLError):
        if exc.original_error is None:
            return ClientError(exc.message, (exc.extensions or {}).get("code") or BAD_REQUEST)
        exc = exc.original_error
        if isinstance(exc, GraphQLError):
            return ClientError(MASKED_MESSAGE, INTERNAL_SERVER_ERROR, expected=False)
    if isinstance(exc, UnknownService):
        service = exc.args[0] if exc.args else "requested"
        exc = UpstreamUnavailable(f"the {service} service is not available; try again shortly")
    if isinstance(exc, DomainError):
        return ClientError(exc.message, exc.code, camel_case_details(exc.details))
    return ClientError(MASKED_MESSAGE, INTERNAL_SERVER_ERROR, expected=False)


def format_error(error: GraphQLError, correlation_id: str | None = None) -> dict:
    """A GraphQLError from parsing, validation or execution → one entry of the response's `errors`."""
    described = client_error(error)
    formatted: dict = {"message": described.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        formatted["path"] = list(error.path)
    extensions = described.extensions()
    if error.original_error is None and error.extensions:
        # Our guards' own errors carry more than a code (the cost and its limit, say).
        extensions = {**error.extensions, **extensions}
    if not described.expected:
        cause = error.original_error if error.original_error is not None else error
        log_unexpected(cause, where=".".join(map(str, error.path or [])) or "-")
        if correlation_id:
            # The client quotes this id when reporting the problem; the log has the traceback.
            extensions["correlationId"] = correlation_id
    formatted["extensions"] = extensions
    return formatted


def log_unexpected(exc: BaseException, where: str) -> None:
    log.error("unexpected error at %s: %s", where, f"{type(exc).__name__}: {exc}"[:500],
              exc_info=(type(exc), exc, exc.__traceback__), extra={"error": type(exc).__name__})


def request_error(message: str, code: str) -> dict:
    """An entry of `errors` for a request refused before any GraphQL processing."""
    return {"message": message, "extensions": {"code": code}}


def camel_case_details(details: dict | None) -> dict[str, list[str]]:
    """Field paths from the services are snake_case (`venue.office_area_m2`); clients sent camelCase."""
    return {_camel_path(str(path)): [str(r) for r in (reasons if isinstance(reasons, (list, tuple)) else [reasons])]
            for path, reasons in (details or {}).items()}


def _camel_path(path: str) -> str:
    # `_schema` (marshmallow's whole-object key) and list indexes stay as they are.
    return ".".join(part if part.startswith("_") or part.isdigit() else to_camel_case(part)
                    for part in path.split("."))
