"""The demo seed's agencies (services/identity/demo.py): three agencies of 镇江市 with one client each, their
credentials written only to the demo's data directory (owner-readable), usable at the token endpoint's grant,
and a second seed registering nothing again."""
from __future__ import annotations

import json
import stat

from services.common.auth import Viewer
from services.common.protection import FieldCipher
from services.identity import demo
from services.identity.storage import INDEXES
from services.identity.usecases import Identity, agencies, client_credentials
from tests.support.memory_store import memory_database

PUBLIC = Viewer(user_id="anonymous", role="public")


def test_the_demo_agencies_get_a_client_each_whose_credentials_go_to_the_data_directory(tmp_path):
    ctx = Identity.over(memory_database("identity", INDEXES), cipher=FieldCipher())
    path = tmp_path / demo.CREDENTIALS_FILE
    result = demo.seed_agencies(ctx, path)
    assert result == {"agencies": 3, "credentials_file": str(path)}
    assert "secret" not in json.dumps(result)  # the seed's result is kept in the store: no secret in it
    written = json.loads(path.read_text())
    assert {entry["agency"] for entry in written} == {"镇江市残疾人联合会", "镇江市妇女联合会", "镇江市民政局社会救助"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    federation = next(entry for entry in written if entry["agency"] == "镇江市残疾人联合会")
    assert federation["scope"]["roster_sources"] == ["disability"] and federation["scope"]["regions"] == ["321100"]
    issued = client_credentials.issue_client_token(ctx, PUBLIC, {
        "client_id": federation["client_id"], "client_secret": federation["client_secret"]})
    assert "roster:disability" in issued["scope"].split() and issued["agency_id"] == federation["agency_id"]

    assert demo.seed_agencies(ctx, path) == {"agencies": 0, "credentials_file": None}  # idempotent
    assert json.loads(path.read_text()) == written
    listed = agencies.list_agencies(ctx, Viewer(user_id="root", role="admin"), {"region_code": "321100"})
    assert listed["total"] == 3
