"""The gateway's fakes cannot drift from the services: each service's declared RPC methods are its
surface Protocol (tests/support/rpc_surfaces.py), and each fake answers only that Protocol's methods,
with the same parameters."""
from __future__ import annotations

import inspect

import pytest
from nameko.rpc import Rpc

from services.casework.service import CaseworkService
from services.funding.service import FundingService
from services.identity.service import IdentityService
from services.registry.service import RegistryService
from services.supervision.service import SupervisionService
from services.volunteers.service import VolunteersService
from services.webhooks.service import WebhooksService
from tests.support import gateway_casework_fakes, gateway_volunteers_fakes
from tests.support.gateway_fakes import FakeRegistry
from tests.support.gateway_funding_fakes import FakeFunding
from tests.support.rpc_surfaces import SURFACES, methods_of

SERVICES = {service.name: service for service in (RegistryService, CaseworkService, VolunteersService, FundingService,
                                                  SupervisionService, IdentityService, WebhooksService)}


def declared_rpc_methods(service_class: type) -> dict[str, inspect.Signature]:
    """The methods nameko serves as RPC for `service_class`: those carrying an Rpc entrypoint."""
    return {name: inspect.signature(member) for name, member in inspect.getmembers(service_class)
            if any(isinstance(entrypoint, Rpc) for entrypoint in getattr(member, "nameko_entrypoints", ()))}


def parameters(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    """What a caller depends on: each parameter's name, kind and default (after self; annotations aside)."""
    return [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[1:]]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_surface_protocol_is_exactly_what_the_service_declares(service):
    declared = declared_rpc_methods(SERVICES[service])
    surface = methods_of(SURFACES[service])

    assert sorted(surface) == sorted(declared), "run python -m tests.support.write_rpc_surfaces"
    changed = {name: (parameters(surface[name]), parameters(declared[name]))
               for name in declared if parameters(surface[name]) != parameters(declared[name])}
    assert changed == {}


def canned_methods(fake_class: type) -> dict[str, inspect.Signature]:
    """A canned fake's answers: its `rpc_<name>` methods."""
    return {name.removeprefix("rpc_"): inspect.signature(member) for name, member in vars(fake_class).items()
            if name.startswith("rpc_")}


@pytest.mark.parametrize(("fake_class", "service"), [(FakeRegistry, "registry"), (FakeFunding, "funding")])
def test_a_canned_fake_answers_only_its_surface_with_the_same_parameters(fake_class, service):
    surface = methods_of(SURFACES[service])
    answers = canned_methods(fake_class)

    assert sorted(set(answers) - set(surface)) == []
    assert {name: parameters(sig) for name, sig in answers.items() if parameters(sig) != parameters(surface[name])
            } == {}


def kernel_endpoints(service_class: type) -> set[str]:
    """RPC methods the service mixes in from the kernel (health, event log, access log …), not its own use cases."""
    return {name for base in service_class.__mro__[1:] for name in declared_rpc_methods(base)}


@pytest.mark.parametrize(("fake", "service"), [(gateway_casework_fakes.FakeCasework, "casework"),
                                               (gateway_volunteers_fakes.FakeVolunteers, "volunteers")])
def test_a_fake_over_the_real_use_cases_answers_its_services_own_surface_and_nothing_else(fake, service):
    instance = fake()
    surface = methods_of(SURFACES[service])
    own = set(surface) - kernel_endpoints(SERVICES[service])

    assert sorted(name for name in own if not callable(getattr(instance, name, None))) == []
    for name in ("not_an_rpc_method", "record_station"):  # record_station: an event's effect, not RPC
        with pytest.raises(AttributeError):
            getattr(instance, name)
