"""Who may do what with webhooks: administrators set up and operate subscriptions; the service's own
consumers and sender act as SYSTEM. The one place of the service's access rules."""
from __future__ import annotations

from services.common.auth import ADMIN, Viewer
from services.common.errors import PermissionDenied


def require_administrator(viewer: Viewer, what: str) -> None:
    if viewer.role != ADMIN:
        raise PermissionDenied(f"{what} is for administrators")
