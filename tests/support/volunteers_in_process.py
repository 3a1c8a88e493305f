"""The volunteers service's RPC surface called in-process, without a broker: `in_process(use_cases)` answers
`client.register_volunteer(viewer, data)` and every other method VolunteersService declares, through the very
entrypoint it declares (viewer sent as on the wire), so tests and fakes cannot drift from the service."""
from __future__ import annotations

from nameko.rpc import Rpc

from services.common.auth import Viewer
from services.volunteers.service import VolunteersService
from services.volunteers.usecases import Volunteering


def declared_rpc(name: str):
    """VolunteersService's RPC entrypoint `name`, or None (nameko marks what it registered)."""
    method = None if name.startswith("_") else getattr(VolunteersService, name, None)
    entrypoints = getattr(method, "nameko_entrypoints", ())
    return method if any(isinstance(entrypoint, Rpc) for entrypoint in entrypoints) else None


class InProcessVolunteers:
    def __init__(self, use_cases: Volunteering):
        self.use_cases = use_cases

    def __getattr__(self, name: str):
        entrypoint = declared_rpc(name)
        if entrypoint is None:
            raise AttributeError(name)

        def call(viewer, *args, **kwargs):
            wire_viewer = viewer.to_dict() if isinstance(viewer, Viewer) else viewer
            return entrypoint(self, wire_viewer, *args, **kwargs)
        return call


def in_process(use_cases: Volunteering) -> InProcessVolunteers:
    return InProcessVolunteers(use_cases)
