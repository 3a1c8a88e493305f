"""The launcher's port block never overlaps the kernel's ephemeral range, where outgoing connections take
their local ports (a service then fails to bind: EADDRINUSE, seen in a CI rehearsal)."""
from __future__ import annotations

from tests.support.infrastructure import _ephemeral_port_range, free_port_block


def test_a_port_block_lies_below_the_ephemeral_range():
    low, _ = _ephemeral_port_range()
    for _ in range(20):
        base = free_port_block(9)
        assert base > 1024 and base + 9 <= low
