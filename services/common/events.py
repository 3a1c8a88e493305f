"""Event contracts and the envelope every event travels in.

An `EventContract` is declared once, in the producing service's `events.py`, and imported by
producers and consumers alike. Producers validate the payload before it is stored in the outbox;
consumers validate on receipt (`read_event`) and get the payload upcast to the version they know.

Versioning, in the eventsourcing library's spirit:
- an older event is brought up to the consumer's version by the contract's upcasters
  (`upcasters[n]` turns a version-n payload into version n+1);
- a newer event is readable by an older consumer only when the contract promised additive
  changes (`additive=True`): unknown fields are dropped and the known ones must still validate.
Anything else is refused with a reason, which the consumer entrypoint dead-letters.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.types import UnknownOption

from . import clock
from .ids import new_event_id
from .observability import current_correlation_id


class EventContractViolation(Exception):
    """A producer tried to publish a payload that breaks its own contract (a programming error)."""


class UnreadableEvent(Exception):
    """A received message cannot be read as a known event; it must be dead-lettered, not retried."""


@dataclass(frozen=True)
class EventContract:
    name: str
    version: int
    producer: str
    schema: type[Schema]
    description: str = ""
    upcasters: dict[int, Callable[[dict], dict]] = field(default_factory=dict)
    additive: bool = True

    @property
    def exchange(self) -> str:
        return f"{self.producer}.events"

    def validate(self, payload: dict) -> dict:
        errors = schema_instance(self.schema, RAISE).validate(payload)
        if errors:
            raise EventContractViolation(f"{self.name} v{self.version}: {errors}")
        return payload

    def upcast(self, payload: dict, from_version: int) -> dict:
        version = from_version
        while version < self.version:
            step = self.upcasters.get(version)
            if step is None:
                raise UnreadableEvent(f"{self.name}: no upcaster from version {version} to {version + 1}")
            payload = step(dict(payload))
            version += 1
        return payload


CONTRACTS: dict[str, EventContract] = {}


@functools.cache
def schema_instance(schema: type[Schema], unknown: UnknownOption) -> Schema:
    """One instance per schema and unknown-field policy, built once: building a marshmallow schema copies
    its declared fields (about a third of a consumer's CPU per event in bench_kernel), and an instance
    keeps no state between loads, so every event can share it."""
    return schema(unknown=unknown)


def contract(name: str, version: int, producer: str, schema: type[Schema], description: str = "",
             upcasters: dict | None = None, additive: bool = True) -> EventContract:
    """Declare an event type. Names say what happened, in the past tense: `station.registered`."""
    declared = EventContract(name, version, producer, schema, description, dict(upcasters or {}), additive)
    existing = CONTRACTS.get(name)
    if existing is not None and existing != declared:
        raise ValueError(f"event {name} is declared twice with different contracts")
    CONTRACTS[name] = declared
    return declared


class ActorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.String(required=True)
    role = fields.String(required=True)


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+(\.[a-z_]+)+$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(required=True, allow_none=True)
    actor = fields.Nested(ActorSchema, required=True, allow_none=True)
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    version: int
    occurred_at: str
    producer: str
    correlation_id: str
    causation_id: str | None
    actor: dict | None
    payload: dict

    def to_dict(self) -> dict:
        return {
            "id": self.id, "type": self.type, "version": self.version, "occurred_at": self.occurred_at,
            "producer": self.producer, "correlation_id": self.correlation_id,
            "causation_id": self.causation_id, "actor": self.actor, "payload": self.payload,
        }


def new_event(event: EventContract, payload: dict, *, correlation_id: str, actor: dict | None = None,
              causation_id: str | None = None, occurred_at: datetime | None = None) -> Envelope:
    event.validate(payload)
    return Envelope(
        id=new_event_id(),
        type=event.name,
        version=event.version,
        occurred_at=clock.timestamp(occurred_at or clock.utcnow()),
        producer=event.producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        actor=actor,
        payload=payload,
    )


def read_event(body, expected: EventContract) -> Envelope:
    """Validate a received message and return it at the version `expected` knows."""
    if not isinstance(body, dict):
        raise UnreadableEvent(f"message body is {type(body).__name__}, not an event envelope")
    errors = schema_instance(EnvelopeSchema, RAISE).validate(body)
    if errors:
        raise UnreadableEvent(f"malformed envelope: {errors}")
    if body["type"] != expected.name:
        raise UnreadableEvent(f"expected {expected.name}, got {body['type']}")
    version, payload = body["version"], body["payload"]
    unknown: UnknownOption
    if version < expected.version:
        payload = expected.upcast(payload, version)
        unknown = RAISE
    elif version > expected.version:
        if not expected.additive:
            raise UnreadableEvent(
                f"{expected.name} version {version} is newer than this consumer knows ({expected.version}) "
                f"and the contract does not promise additive changes")
        unknown = EXCLUDE
    else:
        unknown = RAISE
    try:
        loaded = schema_instance(expected.schema, unknown).load(payload)
    except ValidationError as exc:
        raise UnreadableEvent(f"{expected.name} v{version} payload invalid: {exc.messages}") from None
    # Consumers get JSON-shaped data (what was sent), minus fields their version does not know.
    known = schema_instance(expected.schema, EXCLUDE).dump(loaded)
    return Envelope(
        id=str(body["id"]), type=body["type"], version=expected.version, occurred_at=body["occurred_at"],
        producer=body["producer"], correlation_id=body["correlation_id"], causation_id=body["causation_id"],
        actor=body["actor"], payload=known,
    )


def event_by(viewer, contract: EventContract, payload: dict, **envelope) -> Envelope:
    """The event `viewer` caused: payload made plain JSON (clock.jsonable), the request's correlation id, the
    viewer as actor. The one way services build the events they publish."""
    return new_event(contract, clock.jsonable(payload), correlation_id=current_correlation_id(),
                     actor={"user_id": viewer.user_id, "role": viewer.role}, **envelope)
