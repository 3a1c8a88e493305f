"""The dashboard's sign-in form in production mode (Debian's headless Chromium): a wrong password is refused on
the page, the right one signs in (the top bar names the role), sign-out ends the session server-side."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from gateway.service import GatewayService
from services.common import config, storage
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from services.registry.storage import load_reference_data
from shegong.identity_admin import create_administrator
from tests.support.containers import running
from tests.support.infrastructure import free_port_block, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Keeper-Of-Keys-1"

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def gateway_url(mongo_server, rabbit_vhost):
    base = config.Settings(
        amqp_uri=rabbit_vhost, mongo_uri=mongo_server, database_prefix=f"t{uuid.uuid4().hex[:10]}",
        environment="production", token_secret=uuid.uuid4().hex * 2,
        encryption_keys=(Fernet.generate_key().decode(),), http_port=free_port_block(2),
        identity=config.IdentitySettings(password_hash_memory_kib=8192))
    config.override(base)
    load_reference_data(storage.database("registry"))
    create_administrator("operator", "运维管理员", PASSWORD)
    with running(RegistryService, IdentityService, settings=dataclasses.replace(base, http_port=base.http_port + 1)), \
            running(GatewayService, settings=base):
        wait_for_port(base.http_port)
        yield f"http://127.0.0.1:{base.http_port}"
    config.override(None)


def test_signing_in_and_out_of_the_dashboard_with_a_password(gateway_url):
    done = subprocess.run([sys.executable, "-m", "tests.support.identity_browser", gateway_url,
                           json.dumps({"username": "operator", "password": PASSWORD})],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "登录失败" in report["refused"]
    assert report["viewer"].startswith("管理员")
    assert report["left_after_sign_out"] == [None, None]
    reused = requests.post(f"{gateway_url}/auth/token", data={"grant_type": "refresh_token",
                                                              "refresh_token": report["refresh_token"]}, timeout=30)
    assert reused.json()["error"] == "invalid_grant"  # signed out: the session is revoked
