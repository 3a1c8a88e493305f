"""Run one nameko service in this process until SIGTERM/SIGINT, then stop it gracefully."""
from __future__ import annotations

import errno
import signal

import eventlet


def run_service(name: str) -> None:
    import nameko
    from nameko.runners import ServiceRunner

    from services.common.config import settings
    from services.common.observability import configure_logging

    from .services import service_class

    config = settings()
    configure_logging(name, config.log_level)
    nameko.config.setup(config.nameko_config(name))
    runner = ServiceRunner()
    runner.add_service(service_class(name))

    def shutdown(signum, frame):
        # Signal handlers cannot use eventlet primitives; stopping (which lets in-flight workers
        # finish) runs in a green thread.
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    waiter = eventlet.spawn(runner.wait)
    while True:
        try:
            waiter.wait()
            return
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            raise
