"""`shegong run`: the whole platform on one machine, for development and small pilots.

Starts the document store (nx-27017 with its data under ./.data, unless MONGO_URI is set),
migrates, starts every service as its own process, seeds demo data on the first start only,
prints where GraphQL is, and on Ctrl+C stops everything it started.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
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


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"gave up waiting for {what} after {timeout:.0f}s")


def _ready(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


class Launcher:
    def __init__(self, data_dir: Path, settings: Settings):
        self.data_dir = data_dir
        self.settings = settings
        self.store_port = int(os.environ.get("SHEGONG_LOCAL_STORE_PORT", "27017"))
        self.children: list[tuple[str, subprocess.Popen]] = []
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
        _wait(lambda: _listening("127.0.0.1", self.store_port), 30, "the document store")
        print(f"document store: nx-27017 on 127.0.0.1:{self.store_port}, data in {store_dir}")

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.data_dir / f"{name}.log", "ab")
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.children.append((name, process))
        return process

    def run_cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "shegong", *args], env=self.env, check=True)

    def start_services(self) -> None:
        from .services import SERVICES
        for name in SERVICES:
            self._spawn(name, [sys.executable, "-m", "shegong", "service", name])
        for name in SERVICES:
            port = self.settings.port_for(name)
            _wait(lambda: _ready(port) or self._died(name), 60, f"{name} to become ready")
            if self._died(name):
                raise SystemExit(f"{name} exited; see {self.data_dir / (name + '.log')}")
            print(f"  {name:<10} ready on :{port}")

    def _died(self, name: str) -> bool:
        return any(n == name and p.poll() is not None for n, p in self.children)

    def stop(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in reversed(self.children):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
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
            for name, process in launcher.children:
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping (see {data_dir}/{name}.log)")
                    stopping = True
            time.sleep(0.5)
        return 0
    finally:
        print("stopping...")
        launcher.stop()
        print("stopped.")
