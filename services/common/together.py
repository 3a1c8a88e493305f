"""Independent reads at the same time, so a request waits for the slowest of them, not for their sum.

A use case that needs a page and, beside it, some reference data (the stations page and the policies and
wages its compliance is evaluated with) would otherwise wait for each store round trip in turn; on a busy
machine each round trip is mostly waiting for the store to be scheduled. Under eventlet (every service
runs monkey-patched) each further read runs in its own green thread on its own pooled connection; the
first runs in the caller's, and each of the others in a copy of the caller's context variables (the
correlation id its log lines carry). Without eventlet the reads run one after the other, with the same results.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import eventlet
from eventlet import patcher


def together(first: Callable[[], Any], *others: Callable[[], Any]) -> list[Any]:
    """Each read's result, in order. Reads only: nothing here orders writes. The first exception raised
    (in argument order) is raised once every read has finished, so none is left running behind."""
    if not others:
        return [first()]
    if not patcher.is_monkey_patched("socket"):
        return [first(), *(read() for read in others)]
    started = [eventlet.spawn(contextvars.copy_context().run, read) for read in others]
    outcomes: list[tuple[bool, Any]] = [_outcome(first)]
    outcomes += [_outcome(thread.wait) for thread in started]
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except Exception as error:  # raised by `together` once all have finished
        return False, error
