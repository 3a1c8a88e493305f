"""The hash chain of an event log, as arithmetic: canonical text, digests, links, and what makes an entry wrong.

`digest = sha256(content)`, `hash = sha256(prev_hash ‖ digest)` over the raw 32-byte values; eventlog.py keeps
the chain, verification and archive segments use these to check it.
"""
from __future__ import annotations

import hashlib
import json

import rfc8785


def canonical(value) -> str:
    """RFC 8785 (JSON Canonicalization Scheme): one text per value, whatever produced it.

    Without floats and with ASCII keys, sorted compact `json.dumps` produces exactly the RFC 8785
    text (same escapes, same key order) four times faster than the pure-Python rfc8785 library, which
    handles everything else (number formatting, UTF-16 key order). A unit test holds them equal.
    """
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return rfc8785.dumps(value).decode("utf-8")


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, str):
        return value.isascii() or not any("\ud800" <= c <= "\udfff" for c in value)
    return value is None or isinstance(value, (bool, int))


def digest_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + bytes.fromhex(digest)).hexdigest()


def entry_problem(entry: dict, prev_hash: str) -> str | None:
    content = entry.get("content")
    if not isinstance(content, str):
        return "content missing"
    if digest_of(content) != entry.get("digest"):
        return "content does not match its digest (the entry was altered)"
    if entry.get("prev_hash") != prev_hash:
        return "previous hash does not match the entry before it"
    if chain_hash(prev_hash, entry["digest"]) != entry.get("hash"):
        return "hash does not cover the previous hash and the digest"
    try:
        data = json.loads(content)
    except ValueError:
        return "content is not JSON"
    envelope, aggregate, scope = data.get("envelope") or {}, data.get("aggregate") or {}, data.get("scope") or {}
    copies = {"_id": data.get("sequence"), "recorded_at": data.get("recorded_at"), "event_id": envelope.get("id"),
              "type": envelope.get("type"), "occurred_at": envelope.get("occurred_at"),
              "aggregate_type": aggregate.get("type"), "aggregate_id": aggregate.get("id"),
              "region_code": scope.get("region_code"), "station_ids": scope.get("station_ids") or []}
    for field, expected in copies.items():
        if entry.get(field) != expected:
            return f"{field} differs from the hashed content"
    return None
