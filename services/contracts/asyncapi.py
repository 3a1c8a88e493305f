"""An AsyncAPI 3.0 description of every public event, generated from the contracts.

`python -m services.contracts.asyncapi` (`make asyncapi`) prints it. The committed copy (gateway/asyncapi.json,
served by the gateway at /public/asyncapi.json) is what other agencies read;
tests/unit/test_asyncapi.py fails when it drifts from the contracts and validates it against the AsyncAPI 3.0.0
JSON Schema. Payload schemas come from the marshmallow schemas through apispec's converter (JSON Schema as OpenAPI
3.1 writes it, which the AsyncAPI schema format accepts), so a field, a required flag or an allowed value changes
here when it changes in the contract.
"""
from __future__ import annotations

import json
import sys
from importlib import import_module

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.common.events import CONTRACTS, EnvelopeSchema, EventContract

PRODUCERS = ("registry", "casework", "volunteers", "funding", "supervision", "identity")
AMQP_BINDING_VERSION = "0.3.0"


def _contracts() -> list[EventContract]:
    for producer in PRODUCERS:
        import_module(f"services.contracts.{producer}")
    # only the platform's own producers: a test may register contracts of its own in the same process
    return sorted((c for c in CONTRACTS.values() if c.producer in PRODUCERS), key=lambda c: (c.producer, c.name))


def _message_key(contract: EventContract) -> str:
    return contract.name


def document() -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec("shegong-events", "1", "3.1.0", plugins=[plugin])
    converter = plugin.converter
    assert converter is not None  # set when the spec initialises the plugin
    envelope = converter.schema2jsonschema(EnvelopeSchema)
    envelope["properties"]["actor"] = {"anyOf": [{"$ref": "#/components/schemas/Actor"}, {"type": "null"}]}
    schemas: dict[str, dict] = {
        "Actor": {"type": "object", "description": "who caused the event", "required": ["user_id", "role"],
                  "properties": {"user_id": {"type": "string"}, "role": {"type": "string"}}},
        "Envelope": envelope,
    }
    channels: dict[str, dict] = {}
    operations: dict[str, dict] = {}
    messages: dict[str, dict] = {}
    for contract in _contracts():
        key = _message_key(contract)
        payload_schema = f"{contract.name}.v{contract.version}"
        schemas[payload_schema] = converter.schema2jsonschema(contract.schema)
        older = sorted(contract.upcasters)
        messages[key] = {
            "name": contract.name,
            "title": f"{contract.name} v{contract.version}",
            "summary": contract.description or contract.name,
            "contentType": "application/json",
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"type": "object", "properties": {
                    "type": {"const": contract.name},
                    "version": {"const": contract.version},
                    "producer": {"const": contract.producer},
                    "payload": {"$ref": f"#/components/schemas/{payload_schema}"},
                }},
            ]},
            "x-shegong-version": contract.version,
            # Consumers read older versions too: the platform upcasts them (services/common/events.py).
            "x-shegong-upcast-from-versions": older,
            "x-shegong-additive": contract.additive,
        }
        channel = f"{contract.producer}.{contract.name}"
        channels[channel] = {
            "address": contract.name,
            "title": f"{contract.name} (published by {contract.producer})",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING_VERSION,
                                  "exchange": {"name": contract.exchange, "type": "topic", "durable": True,
                                               "autoDelete": False, "vhost": "/"}}},
        }
        operations[f"{contract.producer}.publishes.{contract.name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"{contract.producer} publishes {contract.name}",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{key}"}],
        }
    # nested marshmallow schemas (e.g. a list of needs) were registered as components by the converter
    for name, nested in spec.to_dict().get("components", {}).get("schemas", {}).items():
        schemas.setdefault(name, nested)
    return {
        "asyncapi": "3.0.0",
        "id": "urn:shegong:events",
        "info": {
            "title": "Shegong platform events",
            "version": "1.0.0",
            "description": ("Every event the platform's services publish, one channel per event type on the "
                            "producer's topic exchange (`<producer>.events`, routing key = event type). Each "
                            "message is an envelope (id, type, version, occurred_at, producer, correlation_id, "
                            "causation_id, actor) around the event's payload. Personal data travels only in the "
                            "events that need it, and agencies receive only what their scopes and consent allow."),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {"broker": {"host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                               "description": "the platform's RabbitMQ (inside the cluster)"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def rendered() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rendered())
