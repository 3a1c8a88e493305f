"""Writes tests/support/rpc_surfaces.py from the services' declared RPC entrypoints.

Run `python -m tests.support.write_rpc_surfaces` after a service adds or changes an RPC method, then review the
diff: the gateway's fakes must follow (tests/unit/test_rpc_surfaces.py says where they do not).
"""
from __future__ import annotations

import inspect
from pathlib import Path

from nameko.rpc import Rpc

from services.casework.service import CaseworkService
from services.funding.service import FundingService
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from services.webhooks.service import WebhooksService

TARGET = Path(__file__).with_name("rpc_surfaces.py")
SURFACES = [(RegistryService, "RegistryRpc"), (CaseworkService, "CaseworkRpc"), (VolunteersService, "VolunteersRpc"),
            (FundingService, "FundingRpc"), (SupervisionService, "SupervisionRpc"),
            (IdentityService, "IdentityRpc"), (WebhooksService, "WebhooksRpc")]

HEADER = '''"""The RPC surface of each service as the gateway calls it: one `typing.Protocol` per service.

Written by tests/support/write_rpc_surfaces.py from the services' nameko entrypoints. The gateway's unit-test
fakes (tests/support/gateway_*fakes.py) stand in for these surfaces, and tests/unit/test_rpc_surfaces.py proves
both directions: each Protocol lists exactly the RPC methods the service class declares (names and parameters),
and each fake answers only methods of its service's Protocol, with the same parameters. A service that renames
or changes an RPC method fails that test until this file and the fakes follow.

Every method takes the caller's viewer (a `Viewer` as a dict) first and answers JSON-shaped data.
"""
from __future__ import annotations

import inspect
from typing import Any, Protocol
'''

FOOTER = '''

SURFACES = {"registry": RegistryRpc, "casework": CaseworkRpc, "volunteers": VolunteersRpc, "funding": FundingRpc,
            "supervision": SupervisionRpc, "identity": IdentityRpc, "webhooks": WebhooksRpc}


def methods_of(surface: type) -> dict[str, inspect.Signature]:
    """The RPC methods a surface Protocol declares, with their signatures (the viewer first, after self)."""
    return {name: inspect.signature(member) for name, member in vars(surface).items()
            if inspect.isfunction(member) and not name.startswith("_")}
'''


def declared(service_class: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in inspect.getmembers(service_class)
            if any(isinstance(entrypoint, Rpc) for entrypoint in getattr(member, "nameko_entrypoints", ()))}


def parameter_text(parameter: inspect.Parameter) -> str:
    annotated = parameter.name == "viewer"
    text = parameter.name + (": dict" if annotated else "")
    if parameter.default is not inspect.Parameter.empty:
        text += (" = " if annotated else "=") + repr(parameter.default)
    if parameter.kind is parameter.VAR_POSITIONAL:
        text = "*" + parameter.name
    elif parameter.kind is parameter.VAR_KEYWORD:
        text = "**" + parameter.name
    return text


def method_text(name: str, signature: inspect.Signature) -> str:
    parameters = ", ".join(["self", *(parameter_text(p) for p in list(signature.parameters.values())[1:])])
    line = f"    def {name}({parameters}) -> Any: ..."
    return line if len(line) <= 120 else f"    def {name}(\n        {parameters},\n    ) -> Any: ..."


def surfaces_text() -> str:
    parts = [HEADER]
    for service_class, protocol in SURFACES:
        methods = "\n".join(method_text(name, sig) for name, sig in sorted(declared(service_class).items()))
        parts.append(f'\n\nclass {protocol}(Protocol):\n    """`{service_class.name}`: '
                     f'{service_class.__module__}.{service_class.__name__}."""\n\n{methods}\n')
    return "".join(parts) + FOOTER


if __name__ == "__main__":
    TARGET.write_text(surfaces_text(), encoding="utf-8")
