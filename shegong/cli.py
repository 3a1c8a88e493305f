"""The `shegong` command: run, seed, token, migrate, dead letters, projections, one service."""
from __future__ import annotations

import argparse
import json
import sys

from services.contracts.vocabulary import ROSTER_SOURCES


def _patch_eventlet():
    import warnings
    warnings.filterwarnings("ignore", message="\nEventlet is deprecated")  # nameko 3 still runs on eventlet
    import eventlet
    eventlet.monkey_patch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shegong", description="Shegong social work station platform")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the whole platform locally (store, services, gateway)")
    run.add_argument("--no-seed", action="store_true", help="do not load demo data on the first start")

    service = commands.add_parser("service", help="run one service in the foreground")
    service.add_argument("name")

    migrate = commands.add_parser("migrate", help="create indexes and load reference data (idempotent)")
    migrate.add_argument("--check", action="store_true", help="exit 0 if migrations are complete, 1 if not")

    seed = commands.add_parser("seed", help="load demo data for 镇江市 (idempotent)")
    seed.add_argument("--if-empty", action="store_true", help="only when no station exists yet")

    token = commands.add_parser("token", help="print a signed development token")
    token.add_argument("--role", required=True,
                       choices=["province", "city", "county", "station_staff", "supervisor", "evaluator", "admin"])
    token.add_argument("--region", help="region code for province/city/county/evaluator roles, e.g. 321181")
    token.add_argument("--station", action="append", default=[], help="station id (repeat for supervisors)")
    token.add_argument("--user", default=None, help="user id (default: the role name)")
    token.add_argument("--hours", type=float, default=12, help="validity in hours")

    admin = commands.add_parser("admin", help="manage administrator accounts (the first one in production)")
    admin_actions = admin.add_subparsers(dest="admin_action", required=True)
    admin_create = admin_actions.add_parser("create", help="create an administrator (password from "
                                                           "SHEGONG_ADMIN_PASSWORD or a prompt)")
    admin_create.add_argument("--username", required=True)
    admin_create.add_argument("--display-name", default=None)

    letters = commands.add_parser("dead-letters", help="list or replay dead-lettered messages")
    letters.add_argument("action", choices=["list", "replay"])
    letters.add_argument("--id", action="append", default=[], help="replay only these message ids")
    letters.add_argument("--queue", default=None, help="replay only messages that failed in this queue")

    importer = commands.add_parser("import", help="import reference data or an agency's roster (row-by-row report)")
    kinds = importer.add_subparsers(dest="kind", required=True)
    for kind, columns in (("regions", "code,name,level,parent_code"),
                          ("wages", "region_code,year,monthly_wage_fen,source")):
        kinds.add_parser(kind, help=f"UTF-8 CSV: {columns}").add_argument("file", help="UTF-8 CSV with a header row")
    roster = kinds.add_parser("roster", help="an agency's roster (低保, 特困, 残联 …) as CSV or .xlsx")
    roster.add_argument("source", choices=sorted(ROSTER_SOURCES))
    roster.add_argument("file", help="CSV (UTF-8 or GBK) or .xlsx with a header row (the source's saved mapping)")
    roster.add_argument("--region", required=True, help="the county (or city, province) the roster is for")
    roster.add_argument("--background", action="store_true",
                        help="only stage the file; the casework service applies it (default: apply it now)")
    roster.add_argument("--report", default=None, help="write the row-by-row report (CSV) to this file")

    events = commands.add_parser("events", help="check a service's event history (hash chain)")
    events_actions = events.add_subparsers(dest="events_action", required=True)
    verify = events_actions.add_parser("verify",
                                       help="recompute the chain; exit 1 at the first entry that does not match")
    verify.add_argument("service", help="registry, casework, volunteers or funding")
    verify.add_argument("--from-sequence", type=int, default=None,
                        help="an earlier published head's sequence: also prove the log only grew after it")
    verify.add_argument("--from-hash", default=None, help="that head's hash")
    head = events_actions.add_parser("head", help="print the chain head (sequence and hash) to keep for later checks")
    head.add_argument("service")
    archive = events_actions.add_parser("archive", help="move old entries to a JSON-lines segment; the chain stays "
                                                        "verifiable (the segment's last hash anchors what remains)")
    archive.add_argument("service")
    archive.add_argument("--through", type=int, required=True, help="the last sequence to archive")
    archive.add_argument("--out", required=True, help="segment file to create (refuses to overwrite)")
    segment = events_actions.add_parser("verify-segment", help="check an archived segment on its own")
    segment.add_argument("file")

    commands.add_parser("rotate-keys", help="re-encrypt protected fields with the first SHEGONG_ENCRYPTION_KEY")

    read_models = commands.add_parser("projections", help="rebuild or check a read model built from events")
    read_models_actions = read_models.add_subparsers(dest="projections_action", required=True)
    for action, text in (("rebuild", "replay the producers' event history into the read model, then follow live"),
                         ("check", "compare the read model with its source services over RPC; exit 1 on differences")):
        sub = read_models_actions.add_parser(action, help=text)
        sub.add_argument("name", help="stations, staff, households, cases, visits, needs, volunteer_hours or "
                                             "evaluations; or all")
        sub.add_argument("--service", default="supervision", help="the service that keeps the read model")
        sub.add_argument("--timeout", type=float, default=600, help="seconds to wait for the service")

    args = parser.parse_args(argv)

    if args.command == "run":
        from .launcher import run as run_platform
        return run_platform(seed=not args.no_seed)

    _patch_eventlet()
    from services.common.config import ConfigurationError, settings
    try:
        config = settings()
    except ConfigurationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    if args.command == "service":
        from .runner import run_service
        run_service(args.name)
        return 0
    if args.command == "migrate":
        from .services import migrate as do_migrate
        from .services import migrations_complete
        if args.check:
            complete = migrations_complete()
            print("migrations complete" if complete else "migrations pending")
            return 0 if complete else 1
        print(json.dumps({"migrated": do_migrate()}, ensure_ascii=False))
        return 0
    if args.command == "seed":
        from .services import seed as do_seed
        print(json.dumps(do_seed(only_if_empty=args.if_empty), ensure_ascii=False))
        return 0
    if args.command == "token":
        from datetime import timedelta

        from services.common.auth import mint_token
        if config.production:
            print("refusing to mint development tokens in production mode", file=sys.stderr)
            return 2
        try:
            print(mint_token(config.token_secret, role=args.role, user_id=args.user or f"dev-{args.role}",
                             region=args.region, station_ids=args.station, ttl=timedelta(hours=args.hours)))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "admin":
        from .identity_admin import run as run_admin
        return run_admin(args.username, args.display_name)
    if args.command == "dead-letters":
        from services.common.deadletters import list_dead_letters, replay_dead_letters
        if args.action == "list":
            letters_found = list_dead_letters(config.amqp_uri)
            for letter in letters_found:
                letter.pop("body", None)
                print(json.dumps(letter, ensure_ascii=False))
            print(f"{len(letters_found)} dead-lettered message(s)", file=sys.stderr)
        else:
            replayed = replay_dead_letters(config.amqp_uri, ids=args.id or None, queue=args.queue)
            print(f"replayed {len(replayed)} message(s)", file=sys.stderr)
        return 0
    if args.command == "import" and args.kind == "roster":
        from .imports import import_roster
        job = import_roster(args.source, args.file, args.region, background=args.background, report=args.report)
        print(json.dumps({k: job[k] for k in ("id", "status", "total_rows", "rows_read", "matched", "unchanged",
                                               "created", "flagged", "failed", "left", "removal_note")},
                         ensure_ascii=False))
        return 0
    if args.command == "import":
        from .imports import import_file
        report = import_file(args.kind, args.file)
        for refusal in report["refused"]:
            print(f"row {refusal['row']}: {refusal['field']}: {refusal['reason']}", file=sys.stderr)
        print(json.dumps({k: v for k, v in report.items() if k != "refused"} | {"refused": len(report["refused"])},
                         ensure_ascii=False))
        return 0 if not report["refused"] else 1
    if args.command == "events":
        return _events(args)
    if args.command == "projections":
        from .readmodels import projections_command
        return projections_command(args, config)
    if args.command == "rotate-keys":
        from .keys import rotate_keys
        print(json.dumps(rotate_keys(), ensure_ascii=False))
        return 0
    return 1


def _events(args) -> int:
    import re

    from services.common import storage
    from services.common.eventlog import EventLog, verify_segment
    if args.events_action == "verify-segment":
        with open(args.file, encoding="utf-8") as lines:
            report = verify_segment(lines)
        print(json.dumps(report, ensure_ascii=False))
        return 0 if report["ok"] else 1
    if not re.fullmatch(r"[a-z][a-z_]{0,40}", args.service):
        print(f"error: {args.service!r} is not a service name", file=sys.stderr)
        return 2
    event_log = EventLog(storage.database(args.service))
    if args.events_action == "head":
        print(json.dumps({"service": args.service, **event_log.head()}))
        return 0
    if args.events_action == "archive":
        from services.common.errors import DomainError
        from services.common.eventlog import EventLogCorrupt
        try:
            with open(args.out, "x", encoding="utf-8") as out:
                print(json.dumps(event_log.archive(args.through, out, args.service)))
        except (DomainError, EventLogCorrupt, FileExistsError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    if (args.from_sequence is None) != (args.from_hash is None):
        print("error: --from-sequence and --from-hash go together", file=sys.stderr)
        return 2
    report = event_log.verify(from_sequence=args.from_sequence, from_hash=args.from_hash)
    print(json.dumps({"service": args.service, **report}, ensure_ascii=False))
    if not report["ok"]:
        bad = report["first_bad"]
        print(f"{args.service}: entry {bad['sequence']} does not match: {bad['reason']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
