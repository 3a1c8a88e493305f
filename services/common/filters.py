"""Store filters built from outside text without ever handing that text to the store as a pattern.

A caller's text inside `$regex` lets them widen their scope ("321181|" matches everything) or make the
store's regex engine backtrack for hours (nested groups). Prefixes become ranges on the ordered field
(which an index serves), free text is escaped.
"""
from __future__ import annotations

import re


def prefix_range(prefix: str) -> dict:
    """Strings starting with `prefix`, as `{"$gte": prefix, "$lt": <next prefix>}`.

    The upper bound is the prefix with its last character incremented, so "3211" covers "3211…"
    but not "3212". An empty prefix is refused: it would mean everything, which callers must say
    by leaving the condition out."""
    if not prefix:
        raise ValueError("a prefix range needs a non-empty prefix")
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def contains_text(text: str) -> dict:
    """Values containing `text` literally (the text escaped, never interpreted)."""
    return {"$regex": re.escape(text)}


def starts_with_text(text: str) -> dict:
    return {"$regex": "^" + re.escape(text)}
