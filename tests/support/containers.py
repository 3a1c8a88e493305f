"""Start real nameko service containers in the test process, configured from Settings."""
from __future__ import annotations

import contextlib

import nameko
from nameko.containers import ServiceContainer

from services.common.rpc_client import KernelRpcClient


@contextlib.contextmanager
def running(*service_classes, settings):
    containers = []
    patch = nameko.config.patch(settings.nameko_config(service_classes[0].name))
    patch.start()
    try:
        for service_cls in service_classes:
            container = ServiceContainer(service_cls)
            container.start()
            containers.append(container)
        yield containers
    finally:
        for container in reversed(containers):
            container.stop()
        patch.stop()


@contextlib.contextmanager
def rpc_client(settings, timeout: float = 15):
    with KernelRpcClient(uri=settings.amqp_uri, timeout=timeout) as client:
        yield client
