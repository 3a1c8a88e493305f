"""kombu's "json" serializer with orjson doing the work, the same JSON on the wire (issue 10).

A page of 50 stations with staff and compliance is one 157 KB RPC reply: the stdlib encoder and
kombu's decoder (its object hook is called for every object) took about 3 ms to write it and 6 ms
to read it here, each time; orjson does either in a fraction of a millisecond. The content type stays
`application/json`, so a process with this codec and one without read each other's messages.

What kombu's codec does that orjson alone would not, and how it is kept:
- kombu writes dates, times, Decimal and bytes as `{"__type__": …, "__value__": …}` and turns them
  back on reading: those values are handed to kombu's own encoder function (`default`), and a text
  that mentions `__type__` is read by kombu's decoder;
- what orjson refuses (keys that are not strings, integers beyond 64 bits, NaN in a text, lone
  surrogates) goes to kombu's codec whole, which does what it always did; so does a text with 20
  digits in a row, which could be an integer orjson would read as a float.
Two values are written differently: a `uuid.UUID` as its plain string (kombu: a `__type__` marker)
and a float NaN or infinity as null (kombu: `NaN`, which is not JSON). The platform sends neither:
ids are strings and money is integer fen.
"""
from __future__ import annotations

from typing import Any

import kombu.serialization
import orjson
from kombu.utils import json as kombu_json

_ENCODE_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_kombu_default = kombu_json.JSONEncoder().default
_MARKER = b"__type__"
# orjson reads an integer beyond 64 bits as a float; the stdlib keeps it exact. Such a number has
# at least 20 digits in a row: a text with a run that long (in a number or a string) goes to kombu.
_DIGITS_ONLY = bytes(48 if byte in b"0123456789" else 32 for byte in range(256))
_LONG_DIGITS = b"0" * 20


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, default=_kombu_default, option=_ENCODE_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one: kombu's codec says what it would say
        return kombu_json.dumps(value)


def loads(text: str | bytes | bytearray | memoryview) -> Any:
    try:
        data = text.encode() if isinstance(text, str) else bytes(text)
    except UnicodeEncodeError:  # a lone surrogate, which only the stdlib reads
        return kombu_json.loads(text)
    if _MARKER in data or _LONG_DIGITS in data.translate(_DIGITS_ONLY):
        return kombu_json.loads(text)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return kombu_json.loads(text)


def install() -> None:
    """Make this kombu's "json" serializer in this process (idempotent)."""
    kombu.serialization.register("json", dumps, loads, content_type="application/json", content_encoding="utf-8")
