"""Local policies: the thresholds of the notice a region sets for its stations."""
from __future__ import annotations

from services.common.auth import Viewer
from services.common.clock import jsonable
from services.common.rpc import load
from services.registry import schemas

from .access import require_policy_setter
from .context import Registry


def set_policy(context: Registry, viewer: Viewer, data: dict) -> dict:
    policy = jsonable(load(schemas.PolicySchema, data))
    require_policy_setter(viewer, policy["region_code"])
    context.repo.save_policy(policy)
    return policy
