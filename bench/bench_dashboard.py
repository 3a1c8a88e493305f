"""The dashboard's first load in headless Chromium (issue 12): transfer size, time to the first figure,
time to interactive (every figure, chart and the station table drawn), for a city official of the demo city.

Each run is a fresh browser (empty cache), signed in, opening /dashboard. Against a running platform with
the demo data (`make run`, or any gateway URL):

    .venv/bin/python -m bench.bench_dashboard --url http://127.0.0.1:8000 [--region 321100] [--runs 5]

or `--launch`, which starts its own platform (`shegong run` with its own store and vhost) and loads the
whole demo seed first (several minutes here).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _token(env: dict | None, region: str) -> str:
    role = "county" if len(region) == 6 and not region.endswith("00") else "city"
    return subprocess.run([sys.executable, "-m", "shegong", "token", "--role", role, "--region", region], env=env,
                          capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()


def load_once(url: str, token: str) -> dict:
    driver = subprocess.run([sys.executable, "-m", "tests.support.dashboard_browser", "load", url,
                             json.dumps({"token": token})], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if driver.returncode:
        raise SystemExit(driver.stderr[-3000:])
    report = json.loads(driver.stdout)
    if report["left_the_gateway"] or report["page_errors"]:
        raise SystemExit(f"the page misbehaved: {report}")
    return report


@contextlib.contextmanager
def launched_platform():
    from tests.support.launched_platform import LaunchedPlatform
    vhost = f"shegong-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True)
    with tempfile.TemporaryDirectory() as workdir:
        platform = LaunchedPlatform(Path(workdir), f"amqp://guest:guest@127.0.0.1:5672/{vhost}")
        platform.start()
        try:
            platform.wait_for_console(r"Press Ctrl\+C to stop", timeout=1800)
            yield f"http://127.0.0.1:{platform.port_of('gateway')}", platform.env
        finally:
            platform.stop()
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)


def run(url: str, env: dict | None, region: str, runs: int) -> None:
    token = _token(env, region)
    load_once(url, token)  # the gateway's first request after a start warms its caches; not counted
    reports = [load_once(url, token) for _ in range(runs)]
    first = [r["first_figure_s"] * 1000 for r in reports]
    ready = [r["interactive_s"] * 1000 for r in reports]
    transfer = reports[-1]["transfer_bytes"]
    static = sum(r["bytes"] for r in reports[-1]["responses"] if "/static/" in r["url"])
    api = sum(r["bytes"] for r in reports[-1]["responses"] if r["url"].endswith("/graphql"))
    requests = len(reports[-1]["responses"])
    print(f"dashboard first load, region {region}, {runs} cold runs (fresh browser each):")
    print(f"  time to first figure: median {statistics.median(first):.0f} ms (min {min(first):.0f}, max {max(first):.0f})")
    print(f"  time to interactive:  median {statistics.median(ready):.0f} ms (min {min(ready):.0f}, max {max(ready):.0f})")
    print(f"  transfer: {transfer / 1024:.0f} KiB in {requests} responses "
          f"(static files {static / 1024:.0f} KiB, GraphQL answers {api / 1024:.0f} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running gateway with the demo data, e.g. http://127.0.0.1:8000")
    where.add_argument("--launch", action="store_true", help="start a platform with the demo seed first")
    parser.add_argument("--region", default="321100", help="the official's region (default: the demo city)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"), None, args.region, args.runs)
        return
    with launched_platform() as (url, env):
        run(url, env, args.region, args.runs)


if __name__ == "__main__":
    main()
