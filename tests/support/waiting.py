"""Waiting for asynchronous effects (events crossing the broker) without sleeping blindly."""
from __future__ import annotations

import time

import eventlet


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Return the first truthy value of `predicate()`; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        eventlet.sleep(interval)
    raise AssertionError(f"condition not met within {timeout:g}s")
