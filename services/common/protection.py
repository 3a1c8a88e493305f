"""Personal data protection: field encryption, blind indexes and masking.

Encryption uses Fernet with a key list (first encrypts, all decrypt) so keys rotate without
downtime: add the new key first, run `shegong rotate-keys` (which also recomputes the blind
indexes), then drop the old one. The blind
index (HMAC) lets a service enforce "one ID number, one record" without storing the number.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import overload

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .config import settings


class FieldCipher:
    def __init__(self, keys: tuple[str, ...] | None = None):
        keys = keys or settings().encryption_keys
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
        # Derived from the current (first) key; `shegong rotate-keys` recomputes stored indexes.
        self._index_key = hashlib.sha256(b"shegong-blind-index:" + base64.urlsafe_b64decode(keys[0])).digest()

    @overload
    def encrypt(self, value: str) -> str: ...
    @overload
    def encrypt(self, value: None) -> None: ...
    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    @overload
    def decrypt(self, token: str) -> str: ...
    @overload
    def decrypt(self, token: None) -> None: ...
    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: no configured key matches (check SHEGONG_ENCRYPTION_KEY)") from None

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str | None) -> str | None:
    """320102199001011234 → 320102********1234 (keeps the region, hides the birth date)."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
