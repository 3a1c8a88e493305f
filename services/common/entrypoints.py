"""A service's entrypoints are declared, not hand-written.

`use_case_rpc(UseCase.method)` is an RPC method that turns the caller's viewer (a dict on the wire) into a
`Viewer` and calls the use case with the service's composition object (`service.use_cases`); a service
that owns part of a role's scope narrows or widens the viewer first (`service.viewer_in_force(viewer)`:
supervision puts a supervisor's current assignments in place of the token's stations). Its
signature is the use case's, so nameko refuses a call with wrong arguments before any worker runs, and
errors travel as the kernel's RPC entrypoint maps them (services/common/rpc.py).

`event_handler(CONTRACT)` owns duplicate detection: each event is applied once per consumer, the
consumer being `<service>.<method>`, a name nobody types. An effect that is one write of one aggregate
says `single_write=True`: the event id then travels in that same write (storage.serving_request), so it
needs no tracking record; any other effect goes through the `Inbox`. A handler that only feeds read
models says `folded_by_position=True`: a projection skips any event at or below the history position it
has folded (projections.Projection), so a redelivery changes nothing and no inbox record is written.
A handler whose effect is one upsert per event can say `batch_size=N`: `method(self, events)` then
receives up to N fresh events at once and writes them in bulk (services/common/batching.py). One whose
effect is one new document per event, made from the event alone, adds `records="collection"` and returns
{event id: document}: the kernel writes them in one insert keyed by the event, so the record is the inbox
record (batching.EventRecords: one write per event instead of three).
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, cast

from . import storage
from .auth import Viewer
from .batching import batched_event_handler
from .consumers import Inbox, ReliableEventHandler
from .events import EventContract
from .rpc import rpc

__all__ = ["event_handler", "use_case_rpc"]


def use_case_rpc(use_case: Callable, *, kind: Callable = rpc, **rpc_options) -> Callable:
    """An RPC entrypoint for `use_case(use_cases, viewer, *args, **kwargs)`, the viewer as the first argument;
    `kind`: the RPC entrypoint (rpc.credential_rpc for replies holding credentials)."""
    parameters = list(inspect.signature(use_case).parameters.values())
    if len(parameters) < 2 or parameters[1].name != "viewer":
        raise TypeError(f"{use_case.__qualname__} does not take (use_cases, viewer, ...)")

    @functools.wraps(use_case)
    def entrypoint(service, viewer, *args, **kwargs):
        caller = Viewer.from_dict(viewer)
        in_force = getattr(service, "viewer_in_force", None)  # a service that knows better what a role may see
        return use_case(service.use_cases, in_force(caller) if in_force else caller, *args, **kwargs)

    # nameko checks a request's arguments against this signature (KernelRpc.check_signature)
    declared = cast(Any, entrypoint)
    declared.__signature__ = inspect.Signature([parameters[0].replace(name="self"), *parameters[1:]])
    del declared.__wrapped__  # or inspect.signature would look through to the use case's first parameter
    return kind(**rpc_options)(declared) if rpc_options else kind(declared)


def event_handler(contract: EventContract, *, single_write: bool = False, folded_by_position: bool = False,
                  batch_size: int | None = None, **options) -> Callable:
    """Declare `method(self, event)` as the service's consumer of `contract`, applied once per event
    (`method(self, events)` with `batch_size`)."""
    if single_write and folded_by_position:
        raise TypeError("an effect is either one aggregate write or a fold into read models, not both")
    if batch_size is not None:
        if single_write or folded_by_position:
            raise TypeError("a batched handler claims its events in the inbox: no single_write or folded_by_position")
        return batched_event_handler(contract, batch_size=batch_size, **options)

    def declare(method: Callable) -> Callable:
        if folded_by_position:
            return ReliableEventHandler.decorator(contract, **options)(method)

        @functools.wraps(method)
        def handle(service, event):
            consumer = f"{service.name}.{method.__name__}"
            if single_write:
                with storage.serving_request(f"{consumer}:{event.id}"):
                    return method(service, event)
            return Inbox(service.db, consumer).process_once(event.id, lambda: method(service, event))

        return ReliableEventHandler.decorator(contract, **options)(handle)

    return declare
