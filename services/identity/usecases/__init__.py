"""The identity service's use cases, by topic: users (accounts and grants), passwords, keys, sessions (sign-in,
refresh, sign-out). Each takes the `Identity` composition object first and the calling `viewer` second."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.common.config import IdentitySettings, settings
from services.common.protection import FieldCipher

from ..storage import Sessions, SignInAttempts, SigningKeys, Users


@dataclass
class Identity:
    users: Users
    sessions: Sessions
    keys: SigningKeys
    attempts: SignInAttempts
    cipher: FieldCipher
    policy: IdentitySettings = field(default_factory=lambda: settings().identity)
    issuer: str = ""

    @classmethod
    def over(cls, db, policy: IdentitySettings | None = None, cipher: FieldCipher | None = None) -> Identity:
        config = settings()
        policy = policy or config.identity
        return cls(Users(db), Sessions(db), SigningKeys(db), SignInAttempts(db), cipher or FieldCipher(),
                   policy, policy.issuer or config.public_url())
