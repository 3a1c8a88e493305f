"""Real infrastructure for integration tests: a private RabbitMQ vhost and a document store."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from services.common import config

RABBIT_HOST = os.environ.get("SHEGONG_TEST_RABBIT_HOST", "127.0.0.1")


def free_port() -> int:
    """A free port below the ephemeral range (see free_port_block); several containers of one fixture take
    a block instead, so that two of them can never be handed the same port."""
    return free_port_block(1)


def _ephemeral_port_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port_block(size: int) -> int:
    """The first of `size` consecutive free ports (the launcher gives each service the next one).

    Chosen below the kernel's ephemeral range: a port inside it can be taken as the local end of some
    process's outgoing connection between this check and the service's bind (seen as EADDRINUSE)."""
    ephemeral_low = _ephemeral_port_range()[0]
    for _ in range(50):
        base = random.randint(10000, ephemeral_low - size - 1)
        sockets = []
        try:
            for offset in range(size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", base + offset))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free block of ports")


def wait_for_port(port: int, timeout: float = 20.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def queue_consumers(amqp_uri: str, queue: str) -> int:
    """How many consumers the broker has on a queue (0 while it does not exist yet)."""
    from amqp.exceptions import ChannelError

    from services.common.broker import connection

    with connection(amqp_uri) as conn:
        try:
            return conn.default_channel.queue_declare(queue, passive=True).consumer_count
        except ChannelError:
            return 0


def nx_command() -> list[str]:
    exe = Path(sys.executable).with_name("nx-27017")
    return [str(exe)] if exe.exists() else [shutil.which("nx-27017") or "nx-27017"]


class NxServer:
    def __init__(self, data_dir: str = "memory"):
        self.port = free_port()
        self.data_dir = data_dir
        self.process = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self):
        log_file = f"/tmp/nx-test-{self.port}.log"
        self.process = subprocess.Popen(
            [*nx_command(), "--data-dir", self.data_dir, "--port", str(self.port), "--log-file", log_file,
             "--pid-file", f"/tmp/nx-test-{self.port}.pid"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def mongo_server():
    """MONGO_URI when set (a real MongoDB), else a private nx-27017 on a free port."""
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    server = NxServer().start()
    yield server.uri
    server.stop()


def _rabbitmqctl(*args) -> bool:
    if not shutil.which("rabbitmqctl"):
        return False
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=60).returncode == 0


def _management(method: str, path: str) -> bool:
    try:
        response = requests.request(method, f"http://{RABBIT_HOST}:15672/api/{path}", auth=("guest", "guest"),
                                    json={"configure": ".*", "write": ".*", "read": ".*"}
                                    if "permissions" in path else None, timeout=5)
        return response.status_code < 300
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def rabbit_vhost():
    """A vhost of this test module's own, so tests never share queues with each other or with `make run`."""
    name = f"shegong-test-{uuid.uuid4().hex[:8]}"
    if _rabbitmqctl("add_vhost", name):
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        cleanup = lambda: _rabbitmqctl("delete_vhost", name)  # noqa: E731
    elif _management("PUT", f"vhosts/{name}"):
        _management("PUT", f"permissions/{name}/guest")
        cleanup = lambda: _management("DELETE", f"vhosts/{name}")  # noqa: E731
    else:
        pytest.fail("cannot create a RabbitMQ vhost: need rabbitmqctl (root) or the management plugin on :15672")
    yield f"amqp://guest:guest@{RABBIT_HOST}:5672/{name}"
    cleanup()


@pytest.fixture
def isolated_settings(mongo_server, rabbit_vhost):
    """Process settings pointing at the test broker vhost and a fresh set of databases."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = config.Settings(amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=prefix,
                               event_retry_base_ms=100, event_max_retries=2, rpc_timeout_seconds=10)
    config.override(settings)
    yield settings
    config.override(None)
