"""`shegong admin create`: the first administrator (or another one), written straight into the identity
service's store, so a fresh production platform, which accepts no development token, can be signed in to.

The password comes from SHEGONG_ADMIN_PASSWORD or, when that is unset, a prompt; never from the command line
(it would stay in the shell history and the process list)."""
from __future__ import annotations

import getpass
import os
import sys

from services.common import storage
from services.common.auth import SYSTEM
from services.common.errors import DomainError


def create_administrator(username: str, display_name: str, password: str | None = None) -> dict:
    from services.identity.storage import INDEXES
    from services.identity.usecases import Identity, users

    db = storage.database("identity")
    storage.ensure_indexes(db, INDEXES)
    return users.create_user(Identity.over(db), SYSTEM, {
        "username": username, "display_name": display_name, "password": password,
        "grants": [{"role": "admin"}]})


def run(username: str, display_name: str | None) -> int:
    password = os.environ.get("SHEGONG_ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 2
    try:
        created = create_administrator(username, display_name or username, password)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"administrator {created['username']} created ({created['id']}); sign in with the signIn mutation")
    return 0
