"""Cost of the OCDS packages (pure functions, no I/O): rebuilding a contracting process's release
history from its documents, and compiling its record with ocdsmerge. The process is the test
suite's fullest one (tender, award, contract, commitment, three payment events, an amendment:
8 releases). A page of the packages holds up to 100 processes (default 20).

    python -m bench.bench_disclosure [--processes 200]
"""
from __future__ import annotations

import argparse
import time

from bench.common import summary_ms
from services.funding import disclosure
from tests.unit.test_ocds_disclosure import full_history_process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=200)
    args = parser.parse_args()
    tender, contract = full_history_process()
    history = disclosure.releases(tender, contract)
    disclosure.record(history)  # the merge rules are read once
    rebuild, compile_record = [], []
    for _ in range(args.processes):
        start = time.perf_counter()
        history = disclosure.releases(tender, contract)
        rebuild.append(time.perf_counter() - start)
        start = time.perf_counter()
        disclosure.record(history)
        compile_record.append(time.perf_counter() - start)
    print(f"releases of one process ({len(history)} releases): {summary_ms(rebuild)}")
    print(f"record (compiledRelease) of one process: {summary_ms(compile_record)}")


if __name__ == "__main__":
    main()
