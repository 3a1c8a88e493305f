"""Passwords: the rules a new one must meet, and argon2id hashing (memory-hard; parameters upgrade on sign-in)."""
from __future__ import annotations

import functools
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.errors import ValidationFailed

MAX_LENGTH = 128


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("services.identity").joinpath("reference/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_rules(password: str, username: str, min_length: int) -> None:
    def refuse(reason: str):
        raise ValidationFailed.field("password", reason)

    if not isinstance(password, str) or len(password) < min_length:
        refuse(f"must be at least {min_length} characters")
    if len(password) > MAX_LENGTH:
        refuse(f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        refuse("must not contain the user name")
    if lowered in common_passwords() or lowered.rstrip("0123456789!@#.") in common_passwords():
        refuse("is too common: choose another")
    if len(set(password)) < 4:
        refuse("needs more different characters")


@functools.cache
def hasher(memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=3, memory_cost=memory_kib, parallelism=4)


def hash_password(password: str, memory_kib: int) -> str:
    return hasher(memory_kib).hash(password)


def verify_password(stored_hash: str | None, password: str, memory_kib: int) -> bool:
    if not stored_hash:
        # Same work as a real check, so an account without a password is not told apart by timing.
        hasher(memory_kib).hash(password)
        return False
    try:
        return hasher(memory_kib).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, memory_kib: int) -> bool:
    return hasher(memory_kib).check_needs_rehash(stored_hash)
