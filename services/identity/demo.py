"""Demo agencies of 镇江市 (321100), each with one OAuth2 client, for `shegong seed`.

Three bodies other platforms' referrals and rosters come from: the city's Disabled Persons' Federation, its
Women's Federation and civil affairs' social assistance. Each gets a client with scopes fitting its work. The
secrets are made at seed time (random, like every client secret, never in the repository) and written only to
`<SHEGONG_DATA_DIR>/demo-agency-clients.json` (readable by its owner only), next to the demo's logs and store:
not to the seed's result, which is kept in the store. A second seed registers nothing again (the agencies are
found by name), so the file's secrets stay the ones in use.
"""
from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

from services.common import storage
from services.common.auth import SYSTEM

from .usecases import Identity, agencies

DEMO_CITY = "321100"
CREDENTIALS_FILE = "demo-agency-clients.json"
DEMO_AGENCIES: tuple[dict[str, Any], ...] = (
    {"name": "镇江市残疾人联合会", "kind": "disabled_persons_federation", "client": "残联转介与名册系统", "scopes": {
        "domains": ["disability"], "fields_allowed": ["name", "age"],
        "mutations": ["answer_referral", "import_roster"], "roster_sources": ["disability"],
        "event_types": ["referral.made", "referral.answered", "referral.expired", "referral.revoked"]}},
    {"name": "镇江市妇女联合会", "kind": "womens_federation", "client": "妇联转介系统", "scopes": {
        "domains": ["children", "marriage_family"], "fields_allowed": ["name"], "mutations": ["answer_referral"],
        "event_types": ["referral.made", "referral.answered"]}},
    {"name": "镇江市民政局社会救助", "kind": "civil_affairs_social_assistance", "client": "社会救助名册系统",
     "scopes": {
        "domains": ["social_assistance"], "fields_allowed": ["name", "phone"],
        "mutations": ["answer_referral", "import_roster"], "roster_sources": ["dibao", "tekun", "dibao_edge"],
        "event_types": ["referral.made", "case.opened", "case.closed"]}},
)


def credentials_path() -> Path:
    return Path(os.environ.get("SHEGONG_DATA_DIR", ".data")).resolve() / CREDENTIALS_FILE


def seed(rng: random.Random) -> dict:
    return seed_agencies(Identity.over(storage.database("identity")), credentials_path())


def seed_agencies(ctx: Identity, path: Path) -> dict:
    """Register the demo agencies not registered yet, each with its client; their credentials go to `path`."""
    known = {a["name"] for a in agencies.list_agencies(ctx, SYSTEM, {"region_code": DEMO_CITY, "limit": 100})["items"]}
    made = []
    for demo in DEMO_AGENCIES:
        if demo["name"] in known:
            continue
        agency = agencies.register_agency(ctx, SYSTEM, {"name": demo["name"], "kind": demo["kind"],
                                                        "region_code": DEMO_CITY})
        client = agencies.create_client(ctx, SYSTEM, {"agency_id": agency["id"], "name": demo["client"],
                                                      "scopes": {"regions": [DEMO_CITY], **demo["scopes"]}})
        made.append({"agency": demo["name"], "agency_id": agency["id"], "client_id": client["client_id"],
                     "client_secret": client["client_secret"], "scope": client["client"]["scopes"]})
    if made:
        _write_credentials(path, made)
        print(f"  demo agency clients: their id and secret are in {path} (POST /auth/token, "
              "docs/integration.md)", file=sys.stderr, flush=True)
    return {"agencies": len(made), "credentials_file": str(path) if made else None}


def _write_credentials(path: Path, made: list[dict]) -> None:
    kept = json.loads(path.read_text()) if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump([*kept, *made], file, ensure_ascii=False, indent=2)
