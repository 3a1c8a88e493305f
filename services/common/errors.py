"""Typed domain errors, shared by every service and mapped to GraphQL codes by the gateway.

Each error crosses nameko RPC as itself (registered with `deserialize_to_instance`), so the
gateway can map it in one place instead of parsing RemoteError strings.
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


@deserialize_to_instance
class ValidationFailed(DomainError):
    """Bad input. `details` maps field path → list of reasons."""
    code = "BAD_USER_INPUT"

    @classmethod
    def from_marshmallow(cls, messages: dict | list, prefix: str = "") -> ValidationFailed:
        flat = flatten_messages(messages, prefix)
        summary = "; ".join(f"{field}: {', '.join(reasons)}" for field, reasons in flat.items())
        return cls(f"invalid input: {summary}", flat)

    @classmethod
    def field(cls, field: str, reason: str) -> ValidationFailed:
        return cls(f"invalid input: {field}: {reason}", {field: [reason]})


@deserialize_to_instance
class NotFound(DomainError):
    code = "NOT_FOUND"


@deserialize_to_instance
class Conflict(DomainError):
    """The request contradicts existing data (duplicate, impossible transition)."""
    code = "CONFLICT"


@deserialize_to_instance
class ConcurrentModification(Conflict):
    """Someone else changed the record since it was read; read again and retry."""
    code = "CONCURRENT_MODIFICATION"


@deserialize_to_instance
class RuleViolation(DomainError):
    """A business rule refuses the change (over-spend, missing approval...)."""
    code = "RULE_VIOLATION"


@deserialize_to_instance
class PermissionDenied(DomainError):
    code = "FORBIDDEN"


@deserialize_to_instance
class OutOfScope(PermissionDenied):
    """An agency client asked for something its client's scopes do not name (a mutation, a field, a region)."""
    code = "OUT_OF_SCOPE"


@deserialize_to_instance
class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


@deserialize_to_instance
class TooManyAttempts(DomainError):
    """Refused by a rate limit (failed sign-ins of an account or from an address); retry later."""
    code = "TOO_MANY_REQUESTS"


@deserialize_to_instance
class UpstreamUnavailable(DomainError):
    """A service did not answer in time; its message says whether a retry is safe."""
    code = "SERVICE_UNAVAILABLE"


@deserialize_to_instance
class StoreUnavailable(UpstreamUnavailable):
    """The document store could not be reached or did not answer; an outage, not a bug."""

    @classmethod
    def from_pymongo(cls, exc: BaseException) -> StoreUnavailable:
        from pymongo.errors import ServerSelectionTimeoutError
        if isinstance(exc, ServerSelectionTimeoutError):
            # No server was selected, so no operation was sent: nothing was applied.
            advice = "nothing was changed; safe to retry"
        else:
            # The connection broke or timed out after the operation was sent: it may have been applied.
            advice = "a change may have been applied; read the current state before retrying"
        return cls(f"the document store is unavailable ({type(exc).__name__}); {advice}")


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict → {"staff.0.id_number": ["reason", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = list(messages)
        else:
            for index, value in enumerate(messages):
                flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat
