"""Test set-up shared by every suite.

eventlet must patch the standard library before anything imports sockets or threads, or tests
that use the broker hang (stack-notes). Unit tests do not need either server; integration and
end-to-end tests get a real RabbitMQ vhost of their own and a real MongoDB wire-protocol server
(nx-27017, or the MongoDB at MONGO_URI when set).
"""
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")  # nameko 3 still runs on eventlet

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402

from tests.support.infrastructure import (  # noqa: E402
    isolated_settings,
    mongo_server,
    rabbit_vhost,
)

__all__ = ["isolated_settings", "mongo_server", "rabbit_vhost"]


def pytest_configure(config):
    os.environ.setdefault("SHEGONG_LOG_LEVEL", "WARNING")
