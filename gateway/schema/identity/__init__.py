"""Accounts and sign-in (the identity service): `signIn`, `refreshSession`, `signOut`, `createUser`, `grantRole`,
`revokeGrant`; queries `me` and `users`; registered agencies and their OAuth2 clients (agencies.py).

The domain's face for gateway/schema/__init__.py: its query and mutation fields and the cost declarations of
its fields. Sign-in needs no token: it answers an access token (send it as `Authorization: Bearer …`, it
lasts minutes) and a refresh token (keep it secret; `refreshSession` trades it for new ones, once).
"""
from __future__ import annotations

from .agencies import AgencyMutation, AgencyQuery
from .costs import LEAF_COSTS, LIST_SIZES
from .mutations import IdentityMutation
from .queries import IdentityQuery

__all__ = ["AgencyMutation", "AgencyQuery", "IdentityMutation", "IdentityQuery", "LEAF_COSTS", "LIST_SIZES"]
