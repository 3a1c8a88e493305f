"""Roster import (issue 13): rows/s of a 100,000-row agency roster against the platform's own bulk household import.

In one run, on a private nx-27017 over TCP (the real pymongo path), both through casework's use cases in this
process (no RPC on either side, so the figures compare the work, not the transport):
- baseline: `households.import_households` (the platform's bulk import, batches of 2,000) registers N households
  (1–4 members each) at the 镇江 demo stations;
- roster: a generated 低保 CSV of N rows — 60 % heads of those households (matched: tag and programme status
  recorded, one household write each), 30 % people unknown to the platform with a community code (created:
  a household each, in bulk), 5 % a known number under another name (flagged), 5 % unreadable ID numbers
  (failed) — staged (read, mapped, encrypted in chunks of 500) and applied chunk by chunk as the casework
  timer does;
- re-run: the same rows in another order (another file hash, so a new job): every row must come out
  `unchanged` and the store must not change.

    python -m bench.bench_rosters [--rows 100000]
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import time

from bench.bench_casework import households, prepare, stations
from bench.common import private_platform
from services.casework.storage import INDEXES, CaseworkRepository
from services.casework.usecases import Casework, roster_imports, roster_rows
from services.casework.usecases import households as household_use_cases
from services.common import storage
from services.common.auth import SYSTEM
from services.common.demo_identities import resident_id_number

BATCH = 2000
HEADERS = ["序号", "姓名", "身份证号", "村(社区)代码", "村(社区)", "家庭住址", "纳入低保日期"]


def roster_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def roster_rows_for(registered: list[dict], count: int, station_list: list[dict], rng: random.Random) -> list[list]:
    from datetime import date, timedelta
    rows: list[list] = []
    heads = [h["members"][0] for h in registered]
    for index in range(count):
        kind = index % 20
        if kind < 12:  # 60 % matched
            head = heads[index % len(heads)]
            rows.append([index + 1, head["name"], head["id_number"], "", "", "", "2024-01-01"])
        elif kind < 18:  # 30 % unknown with a community: created
            station = station_list[index % len(station_list)]
            # born 1950–1999 (the baseline's people in 1940): distinct numbers, none of them registered
            birth = date(1950, 1, 1) + timedelta(days=index % 18000)
            number = resident_id_number(station["township_code"][:6], birth, index // 18000)
            rows.append([index + 1, "新户" + "甲乙丙丁"[index % 4] + "某", number, f"{station['township_code']}201",
                         "某某村", "某某村1组1号", ""])
        elif kind == 18:  # 5 % a known number under another name: flagged
            head = heads[index % len(heads)]
            rows.append([index + 1, "别名" + "甲乙"[index % 2], head["id_number"], "", "", "", ""])
        else:  # 5 % unreadable ID numbers: failed
            rows.append([index + 1, "错号", f"3211811990010{index:05d}"[:17], "", "", "", ""])
    rng.shuffle(rows)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="roster rows and baseline households")
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    station_list = stations()
    print(f"generating {args.rows:,} households and a {args.rows:,}-row roster…", flush=True)
    baseline = households(args.rows, station_list, rng)
    # unique heads only: matched rows point at distinct people (a roster lists each person once)
    roster = roster_rows_for(baseline, args.rows, station_list, rng)
    content = roster_csv(roster)
    reordered = roster_csv(list(reversed(roster)))

    with private_platform():
        db = storage.database("casework")
        storage.ensure_indexes(db, INDEXES)
        casework = Casework(CaseworkRepository(db))
        prepare(casework, station_list)

        started = time.perf_counter()
        accepted = 0
        for first in range(0, len(baseline), BATCH):
            accepted += household_use_cases.import_households(casework, SYSTEM, baseline[first:first + BATCH])[
                "accepted"]
        baseline_seconds = time.perf_counter() - started
        print(f"baseline: {accepted:,} households in {baseline_seconds:.1f} s = "
              f"{accepted / baseline_seconds:,.0f} rows/s", flush=True)

        def run(file: bytes, name: str) -> tuple[dict, float, float]:
            began = time.perf_counter()
            job = roster_imports.stage_import(casework, SYSTEM, "321100", "dibao", name, file)
            staged = time.perf_counter() - began
            stored = casework.repo.roster_imports.require(job["id"])
            while stored["status"] == "running":
                roster_rows.process_next_chunk(casework, stored)
                stored = casework.repo.roster_imports.require(job["id"])
                if stored["next_chunk"] % 40 == 0:
                    print(f"  … {stored['counts']['rows_read']:,} rows", flush=True)
            return roster_imports.import_view(stored), staged, time.perf_counter() - began

        job, staged, total = run(content, "低保名册.csv")
        households_after = db.households.count_documents({})
        print(f"roster: {job['total_rows']:,} rows in {total:.1f} s (staging {staged:.1f} s) = "
              f"{job['total_rows'] / total:,.0f} rows/s; matched {job['matched']:,}, created {job['created']:,}, "
              f"flagged {job['flagged']:,}, failed {job['failed']:,}, left {job['left']}", flush=True)
        again, _, again_total = run(reordered, "低保名册（另存）.csv")
        print(f"re-run (same rows, another file): {again['total_rows']:,} rows in {again_total:.1f} s = "
              f"{again['total_rows'] / again_total:,.0f} rows/s; unchanged {again['unchanged']:,}, "
              f"matched {again['matched']}, created {again['created']}; households before/after: "
              f"{households_after:,}/{db.households.count_documents({}):,}", flush=True)
        ratio = (job["total_rows"] / total) / (accepted / baseline_seconds)
        print(f"ratio roster / bulk household import: {ratio:.2f}")


if __name__ == "__main__":
    main()
