"""LiveFollower: a burst of live events becomes one running catch-up plus at most one more, never one per event."""
from __future__ import annotations

import eventlet
import pytest

from services.common.projections import LiveFollower


class SlowProjection:
    def __init__(self):
        self.catch_ups = 0

    def catch_up(self, producer):
        self.catch_ups += 1
        eventlet.sleep(0.05)  # the RPC and the write: other green threads run meanwhile
        return self.catch_ups


def test_a_burst_of_wake_ups_costs_two_catch_ups():
    follower, projection = LiveFollower(), SlowProjection()
    pool = eventlet.GreenPool()
    for _ in range(50):
        pool.spawn(follower.wake, projection, "casework")
    pool.waitall()
    assert projection.catch_ups == 2  # the first, and one more for everything that arrived during it
    follower.wake(projection, "casework")
    assert projection.catch_ups == 3  # idle again: the next event catches up at once


def test_a_failing_catch_up_leaves_the_follower_idle_and_reaches_the_event():
    class Failing(SlowProjection):
        def catch_up(self, producer):
            super().catch_up(producer)
            raise ConnectionError("casework does not answer")

    follower, projection = LiveFollower(), Failing()
    with pytest.raises(ConnectionError):  # the event is retried by its consumer
        follower.wake(projection, "casework")
    with pytest.raises(ConnectionError):
        follower.wake(projection, "casework")
    assert projection.catch_ups == 2


def test_a_lone_event_is_folded_directly_and_those_arriving_meanwhile_are_caught_up_once():
    follower, projection = LiveFollower(), SlowProjection()
    folded = []

    def fold_first():
        folded.append("first")
        eventlet.sleep(0.05)

    pool = eventlet.GreenPool()
    pool.spawn(follower.wake, projection, "casework", fold_first)
    for _ in range(20):
        pool.spawn(follower.wake, projection, "casework", lambda: folded.append("other"))
    pool.waitall()
    assert folded == ["first"] and projection.catch_ups == 1
