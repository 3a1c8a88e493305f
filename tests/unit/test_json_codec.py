"""kombu's "json" serializer is the orjson codec, and it reads and writes what kombu's own codec does."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from decimal import Decimal

import kombu.serialization
import pytest
from kombu.utils import json as kombu_json

import services.common  # noqa: F401  (installs the codec, as every kernel import does)
from services.common import json_codec

VALUES = [
    {"result": {"items": [{"id": "ST320102101", "name": "玄武区第1街道社工站", "office_area_m2": 60.0,
                           "staff": [{"hours": 18, "professional": True, "end": None}]}], "total": 154},
     "error": None},
    {"on": date(2026, 12, 4), "at": datetime(2026, 12, 4, 18, 22, tzinfo=UTC), "t": time(9, 30),
     "money": Decimal("12.50"), "raw": b"\x00\xffbytes", "text": b"plain"},
    {1: "an integer key", "big": 2 ** 70 + 1, "bigger": -(10 ** 30),
     "nested": [[[{"deep": ["\u2028", "emoji 🙂", "quote \" \\"]}]]]},
    ["a list", 1.5e-7, -0.0, 10 ** 18, (1, 2)],
    "just a string",
]


@pytest.mark.parametrize("value", VALUES)
def test_a_value_round_trips_as_with_kombus_codec(value):
    content_type, encoding, body = kombu.serialization.dumps(value, "json")
    assert (content_type, encoding) == ("application/json", "utf-8")
    assert kombu.serialization.loads(body, content_type, encoding) == kombu_json.loads(kombu_json.dumps(value))


@pytest.mark.parametrize("value", VALUES)
def test_processes_with_and_without_the_codec_read_each_other(value):
    expected = kombu_json.loads(kombu_json.dumps(value))
    assert kombu_json.loads(json_codec.dumps(value)) == expected
    assert json_codec.loads(kombu_json.dumps(value)) == expected
    assert json_codec.loads(kombu_json.dumps(value).encode()) == expected
    assert json_codec.loads(memoryview(kombu_json.dumps(value).encode())) == expected


def test_what_orjson_refuses_to_read_is_read_as_before():
    assert math.isnan(json_codec.loads('{"x": NaN}')["x"])
    assert json_codec.loads('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert json_codec.loads('{"n": [18446744073709551616]}') == {"n": [2 ** 64]}  # exact, not a float
    assert json_codec.loads('{"s": "\\ud800"}') == kombu_json.loads('{"s": "\\ud800"}')
    assert json_codec.loads('{"s": "\ud800"}') == {"s": "\ud800"}


def test_unserialisable_values_still_fail_as_kombu_fails():
    with pytest.raises(TypeError):
        kombu_json.dumps({"x": object()})
    with pytest.raises(kombu.exceptions.EncodeError):
        kombu.serialization.dumps({"x": object()}, "json")


def test_plain_data_is_written_by_orjson(monkeypatch):
    # the codec is what kombu's registry calls, and plain data does not fall back to kombu's codec
    monkeypatch.setattr(json_codec.kombu_json, "dumps", lambda value: pytest.fail("fell back to kombu's dumps"))
    monkeypatch.setattr(json_codec.kombu_json, "loads", lambda text: pytest.fail("fell back to kombu's loads"))
    content_type, encoding, body = kombu.serialization.dumps(VALUES[0], "json")
    assert body == '{"result":{"items":[{"id":"ST320102101","name":"玄武区第1街道社工站","office_area_m2":60.0,' \
                   '"staff":[{"hours":18,"professional":true,"end":null}]}],"total":154},"error":null}'
    assert kombu.serialization.loads(body, content_type, encoding) == VALUES[0]
