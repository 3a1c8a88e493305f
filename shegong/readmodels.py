"""`shegong projections rebuild|check NAME`: operate the read models a service builds from events."""
from __future__ import annotations

import json
import re
import sys

READ_MODELS = ("stations", "staff", "households", "cases", "visits", "needs", "volunteer_hours", "evaluations",
               "contract_money")
CHECKABLE = READ_MODELS  # every read model has its sources to compare with


def projections_command(args, config) -> int:
    from services.common.auth import SYSTEM
    from services.common.errors import DomainError
    from services.common.rpc_client import KernelRpcClient

    if not re.fullmatch(r"[a-z][a-z_]{0,40}", args.service):
        print(f"error: {args.service!r} is not a service name", file=sys.stderr)
        return 2
    every = READ_MODELS if args.projections_action == "rebuild" else CHECKABLE
    names = every if args.name == "all" else (args.name,)
    differences = 0
    with KernelRpcClient(uri=config.amqp_uri, timeout=args.timeout) as client:
        service = getattr(client, args.service)
        for name in names:
            try:
                if args.projections_action == "rebuild":
                    print(json.dumps(service.projection_rebuild(SYSTEM.to_dict(), name), ensure_ascii=False))
                    continue
                report = service.check_read_model(SYSTEM.to_dict(), name)
            except DomainError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            for difference in report["differences"]:
                field = f".{difference['field']}" if difference["field"] else ""
                print(f"{name} {difference['id']}{field}: "
                      f"read model {json.dumps(difference['read_model'], ensure_ascii=False)}"
                      f" != source {json.dumps(difference['source'], ensure_ascii=False)}")
            differences += len(report["differences"])
            print(json.dumps({"name": name, "records": report["records"], "positions": report["positions"],
                              "differences": len(report["differences"])}, ensure_ascii=False), file=sys.stderr)
    return 1 if differences else 0
