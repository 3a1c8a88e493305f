"""`shegong run`: the whole platform on one machine, for development and small pilots.

Starts the document store (nx-27017 with its data under ./.data, unless MONGO_URI is set),
migrates, starts every service as its own process, seeds demo data on the first start only,
prints where GraphQL is, and on Ctrl+C stops everything it started.

It supervises what it started: a child that dies is restarted after a growing delay (1 s, 2 s,
4 s … at most 30 s) and the console says so. Only Ctrl+C (or SIGTERM) stops the run, or a child
that crashes SHEGONG_RESTART_LIMIT times within SHEGONG_RESTART_WINDOW_SECONDS, since restarting
something that cannot start only hides why.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from services.common.config import Settings


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _ready(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


FIRST_RESTART_DELAY_SECONDS = 1.0
LONGEST_RESTART_DELAY_SECONDS = 30.0


class GaveUp(SystemExit):
    """A child crashed too often: the run stops with this message (exit status 1)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen
    crashes: deque = field(default_factory=deque)  # monotonic times of recent crashes
    restart_at: float | None = None  # set while it waits out its backoff


class Launcher:
    def __init__(self, data_dir: Path, settings: Settings):
        self.data_dir = data_dir
        self.settings = settings
        self.store_port = int(os.environ.get("SHEGONG_LOCAL_STORE_PORT", "27017"))
        self.children: list[Child] = []
        self.env = dict(os.environ)

    def start_store(self) -> None:
        if os.environ.get("MONGO_URI"):
            print(f"document store: {os.environ['MONGO_URI']} (MONGO_URI)")
            return
        self.env["MONGO_URI"] = f"mongodb://127.0.0.1:{self.store_port}/"
        if _listening("127.0.0.1", self.store_port):
            print(f"document store: already listening on 127.0.0.1:{self.store_port}, using it")
            return
        store_dir = self.data_dir / "store"
        store_dir.mkdir(parents=True, exist_ok=True)
        exe = Path(sys.executable).with_name("nx-27017")
        command = [str(exe) if exe.exists() else (shutil.which("nx-27017") or "nx-27017"),
                   "--data-dir", str(store_dir), "--host", "127.0.0.1", "--port", str(self.store_port),
                   "--log-file", str(self.data_dir / "store.log"), "--pid-file", str(self.data_dir / "store.pid")]
        self._spawn("store", command)
        self._wait(lambda: _listening("127.0.0.1", self.store_port), 30, "the document store")
        print(f"document store: nx-27017 on 127.0.0.1:{self.store_port}, data in {store_dir}")

    def _popen(self, name: str, command: list[str]) -> subprocess.Popen:
        with open(self.data_dir / f"{name}.log", "ab") as log:
            return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def _spawn(self, name: str, command: list[str]) -> Child:
        child = Child(name, command, self._popen(name, command))
        self.children.append(child)
        return child

    def _wait(self, predicate, timeout: float, what: str) -> None:
        """Wait for a condition while keeping the children supervised (a crash during startup counts too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.supervise()
            if predicate():
                return
            time.sleep(0.2)
        raise SystemExit(f"gave up waiting for {what} after {timeout:.0f}s")

    def supervise(self) -> None:
        """Restart the children that died, each after its backoff; raise GaveUp when one crashes too often."""
        now = time.monotonic()
        window = self.settings.restart_window_seconds
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.process = self._popen(child.name, child.command)
                    child.restart_at = None
                    print(f"{child.name}: restarted (pid {child.process.pid})", flush=True)
                continue
            code = child.process.poll()
            if code is None:
                continue
            child.crashes.append(now)
            while child.crashes and now - child.crashes[0] > window:
                child.crashes.popleft()
            log = self.data_dir / f"{child.name}.log"
            if len(child.crashes) >= self.settings.restart_limit:
                raise GaveUp(f"{child.name} crashed {len(child.crashes)} times within {window}s (last exit status "
                             f"{code}); stopping. Its log: {log}")
            delay = min(FIRST_RESTART_DELAY_SECONDS * 2 ** (len(child.crashes) - 1), LONGEST_RESTART_DELAY_SECONDS)
            child.restart_at = now + delay
            print(f"{child.name} exited with status {code}; restarting in {delay:.0f}s "
                  f"(crash {len(child.crashes)} of {self.settings.restart_limit} allowed within {window}s; "
                  f"see {log})", flush=True)

    def run_cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "shegong", *args], env=self.env, check=True)

    def start_services(self) -> None:
        from .services import SERVICES
        started = [self._spawn(name, [sys.executable, "-m", "shegong", "service", name]) for name in SERVICES]
        for child in started:
            port = self.settings.port_for(child.name)
            self._wait(lambda port=port: _ready(port), 120, f"{child.name} to become ready")
            print(f"  {child.name:<10} ready on :{port} (pid {child.process.pid})", flush=True)

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.process.kill()
        self.children.clear()


def run(seed: bool = True) -> int:
    settings = Settings.from_env()
    data_dir = Path(os.environ.get("SHEGONG_DATA_DIR", ".data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    launcher = Launcher(data_dir, settings)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        launcher.start_store()
        print(f"broker: {settings.amqp_uri.split('@')[-1]}")
        launcher.run_cli("migrate")
        print(f"starting services (logs in {data_dir}/<service>.log):")
        launcher.start_services()
        if seed:
            launcher.run_cli("seed", "--if-empty")
        print()
        print(f"GraphQL: http://127.0.0.1:{settings.port_for('gateway')}/graphql"
              + ("" if settings.production else "  (open it in a browser for GraphiQL)"))
        print("A token for a county official of 丹阳市:  shegong token --role county --region 321181")
        print("Press Ctrl+C to stop.")
        while not stopping:
            launcher.supervise()
            time.sleep(0.5)
        return 0
    except GaveUp as gave_up:
        print(gave_up.message, flush=True)
        return 1
    finally:
        print("stopping...")
        launcher.stop()
        print("stopped.")
