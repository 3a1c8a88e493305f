"""Which process holds a claim, and whether that process still exists.

Claims (an inbox claim, an outbox lease) are tagged with the instance that took them: host, pid
and the process's start time (so a reused pid is not mistaken for the old holder). A claim of an
instance that is gone on this host is free at once instead of after its lease; a claim taken on
another host can only be judged by its lease.
"""
from __future__ import annotations

import functools
import os
import socket


def _start_ticks(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # field 22 (starttime); the command name in field 2 may contain spaces, so split after ")"
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@functools.cache
def _this(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '-'}"


def current() -> str:
    """This process's instance tag (recomputed after a fork, since the pid changes)."""
    return _this(os.getpid())


def is_gone(instance: str | None) -> bool:
    """True when `instance` ran on this host and that process no longer exists."""
    if not instance:
        return False
    try:
        host, pid_text, ticks = instance.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname() or instance == current():
        return False
    if ticks == "-":  # no /proc here: only a missing pid is proof
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return _start_ticks(pid) != ticks
