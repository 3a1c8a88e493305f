"""Independent reads at the same time (services/common/together.py): each result in order, the reads
overlapping (so a request waits for the slowest, not the sum), and a failure raised only once every
read has finished."""
from __future__ import annotations

import contextvars
import threading

import pytest

from services.common.together import together


def test_each_result_comes_back_in_order():
    assert together(lambda: 1) == [1]
    assert together(lambda: "page", lambda: ["policy"], lambda: {"wage": 1}) == ["page", ["policy"], {"wage": 1}]


def test_the_reads_overlap():
    # The first read can only finish with True if the second runs while it waits: one after the other,
    # it would wait out its timeout and answer False.
    second_started = threading.Event()

    def first():
        return second_started.wait(timeout=5)

    def second():
        second_started.set()
        return "second"

    assert together(first, second) == [True, "second"]


def test_a_failure_is_raised_after_every_read_has_finished():
    finished = []

    def failing():
        raise LookupError("the store said no")

    def slow():
        threading.Event().wait(timeout=0.05)
        finished.append("slow")
        return "slow"

    with pytest.raises(LookupError, match="the store said no"):
        together(failing, slow)
    assert finished == ["slow"]


def test_the_other_reads_see_the_callers_context():
    # the correlation id lives in a context variable: a read's log lines must carry the request's
    request = contextvars.ContextVar("request", default=None)
    request.set("req-1")
    assert together(request.get, request.get, request.get) == ["req-1", "req-1", "req-1"]
