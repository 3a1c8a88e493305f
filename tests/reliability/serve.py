"""Run one service in its own process, configured from the environment, so a test can kill it."""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import importlib  # noqa: E402
import sys  # noqa: E402

from services.common.config import Settings  # noqa: E402
from tests.support.containers import running  # noqa: E402

if __name__ == "__main__":
    module, cls = sys.argv[1].rsplit(":", 1)
    service = getattr(importlib.import_module(module), cls)
    settings = Settings.from_env()
    with running(service, settings=settings):
        while True:
            eventlet.sleep(3600)
