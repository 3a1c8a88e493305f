"""Who is asking: the bearer token of a request → a Viewer.

No Authorization header means the public (ANONYMOUS), who see disclosed data only. A header that
is present but unusable (another scheme, a bad signature, an expired token) is refused with 401
rather than quietly downgraded to public: a client whose token expired must notice.
"""
from __future__ import annotations

from services.common.auth import ANONYMOUS, Viewer, verify_token
from services.common.errors import Unauthenticated


def viewer_from_authorization(header: str | None, secret: str) -> Viewer:
    if header is None or not header.strip():
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use an Authorization header of the form 'Bearer <token>'")
    return verify_token(secret, token.strip())
