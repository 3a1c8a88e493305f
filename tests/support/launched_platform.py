"""`shegong run` as a child of a test: private data directory, free ports, its console captured in a file.

The console goes to a file rather than a pipe so a test can wait for a line with a bound (a blocking
readline would hang the test when the line never comes).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from services.common.config import SERVICE_PORT_OFFSETS
from tests.support.infrastructure import free_port, free_port_block
from tests.support.waiting import wait_for


class LaunchedPlatform:
    def __init__(self, workdir: Path, amqp_uri: str, **env: str):
        self.workdir = workdir
        self.port_base = free_port_block(len(SERVICE_PORT_OFFSETS))
        self.console_path = workdir / "console.txt"
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "SHEGONG_DATA_DIR": str(workdir / "data"),
                    "SHEGONG_PORT_BASE": str(self.port_base), "SHEGONG_LOCAL_STORE_PORT": str(free_port()),
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("MONGO_URI", None)  # its own local store, unless the test passes MONGO_URI
        self.env.update(env)
        self.process: subprocess.Popen | None = None

    def start(self, *args: str) -> None:
        with open(self.console_path, "ab") as console:
            self.process = subprocess.Popen([sys.executable, "-m", "shegong", "run", *args], env=self.env,
                                            stdout=console, stderr=subprocess.STDOUT)

    def console(self) -> str:
        return self.console_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_console(self, pattern: str, timeout: float) -> re.Match:
        """The first match of `pattern` in the console; fails with the console's tail after `timeout` s."""
        try:
            return wait_for(lambda: re.search(pattern, self.console()), timeout=timeout, interval=0.2)
        except AssertionError:
            tail = self.console()[-3000:]
            raise AssertionError(f"{pattern!r} not on the console within {timeout:g}s:\n{tail}") from None

    def pid_of(self, service: str) -> int:
        return int(self.wait_for_console(rf"{service}\s+ready on :\d+ \(pid (\d+)\)", 5).group(1))

    def port_of(self, service: str) -> int:
        return self.port_base + SERVICE_PORT_OFFSETS[service]

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def token(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "shegong", "token", *args], env=self.env, text=True,
                                capture_output=True, check=True, timeout=60)
        return result.stdout.strip()
