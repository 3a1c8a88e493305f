"""The retry schedule: exponential backoff with jitter, then the dead-letter.

After the n-th failed attempt the next waits `base · 2^(n-1)`, capped, times a jitter factor in
[0.75, 1): receivers that failed together do not all come back at the same moment, and every delay is
still longer than any earlier one (0.75 · 2 > 1) until the cap.
"""
from __future__ import annotations

import random
from collections.abc import Callable

JITTER = 0.25


def retry_delay(failed_attempts: int, base_seconds: float, cap_seconds: float,
                rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `failed_attempts` (1, 2, …) failed attempts."""
    if failed_attempts < 1:
        raise ValueError("a delay follows at least one failed attempt")
    exponent = min(failed_attempts - 1, 32)
    delay = min(cap_seconds, base_seconds * 2 ** exponent)
    return delay * (1 - JITTER + JITTER * rng())


def dead_lettered(failed_attempts: int, max_attempts: int) -> bool:
    """True when no further attempt is made."""
    return failed_attempts >= max_attempts


def succeeded(status_code: int | None) -> bool:
    """A 2xx answer is a delivery; anything else (or no answer) is a failed attempt."""
    return status_code is not None and 200 <= status_code < 300
