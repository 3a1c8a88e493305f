"""`shegong run` supervises its children (issue 14, faults 7).

A service killed with SIGKILL is restarted, the console says so, and the platform serves again; a
service that cannot start (its port is taken) crashes at once, again and again, and the run stops
with a message naming it instead of restarting it for ever.
"""
from __future__ import annotations

import os
import signal
import socket

import pytest
import requests

from tests.support.launched_platform import LaunchedPlatform
from tests.support.platform_client import PlatformClient
from tests.support.waiting import wait_for

STARTUP_SECONDS = 180  # store, migrations and five services on a loaded 2-core machine
RECOVERY_SECONDS = 60


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _station_count(platform: LaunchedPlatform, token: str) -> int | None:
    try:
        response = PlatformClient(f"http://127.0.0.1:{platform.port_base}/graphql").post(
            "{ stations(first: 1) { totalCount } }", token=token, timeout=10)
        body = response.json()
    except (requests.RequestException, ValueError):
        return None
    if response.status_code != 200 or body.get("errors"):
        return None
    return body["data"]["stations"]["totalCount"]


@pytest.fixture
def platform(tmp_path, rabbit_vhost):
    launched = LaunchedPlatform(tmp_path, rabbit_vhost, SHEGONG_RESTART_LIMIT="2",
                                SHEGONG_RESTART_WINDOW_SECONDS="120")
    yield launched
    if launched.process is not None and launched.process.poll() is None:
        launched.stop()


def test_a_killed_service_is_restarted_and_serves_again(platform):
    platform.start("--no-seed")
    platform.wait_for_console("Press Ctrl[+]C to stop", STARTUP_SECONDS)
    admin = platform.token("--role", "admin")
    assert _station_count(platform, admin) == 0  # the registry answers through the gateway
    killed = platform.pid_of("registry")

    os.kill(killed, signal.SIGKILL)

    restarted = int(platform.wait_for_console(r"registry: restarted \(pid (\d+)\)", RECOVERY_SECONDS).group(1))
    assert restarted != killed
    assert "registry exited with status -9; restarting in 1s (crash 1 of 2" in platform.console()
    wait_for(lambda: _answers(f"http://127.0.0.1:{platform.port_of('registry')}/health/ready"),
             timeout=RECOVERY_SECONDS, interval=0.5)
    assert wait_for(lambda: _station_count(platform, admin) == 0 or None, timeout=RECOVERY_SECONDS, interval=0.5)
    assert platform.process.poll() is None, "one crash must not stop the run"
    assert platform.stop() == 0


def test_a_service_that_crashes_at_once_repeatedly_stops_the_run(platform):
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", platform.port_of("casework")))
    blocker.listen()
    try:
        platform.start("--no-seed")
        code = platform.process.wait(timeout=STARTUP_SECONDS)
    finally:
        blocker.close()

    console = platform.console()
    assert code == 1, console[-3000:]
    assert "casework exited with status" in console
    assert "casework: restarted" in console and "restarting in 1s (crash 1 of 2" in console
    assert "casework crashed 2 times within 120s" in console
    assert "stopped." in console
    assert not _answers(f"http://127.0.0.1:{platform.port_of('gateway')}/health/live")
