"""Batched, cached reads for one request, and the synchronous executor that makes the batches.

A resolver asks a `DataLoader` for one key and gets a `Pending` back. Nothing is called yet: the
executor walks the rest of the query first, so every resolver of the same level queues its key,
and only when no work is left that does not wait for a loader does it run one loader's batch, with
all the keys queued so far (N stations' staff: one call). The values settle the waiting fields and
the walk goes on, level by level.

`BatchingExecutionContext` is graphql-core 3.2's own executor with `Pending` (and the coroutines
graphql-core builds around it) treated as awaitables. graphql-core already knows how to complete
an awaited value, where an error belongs (its `path`) and how a null climbs to the nearest nullable
parent; only the scheduler is ours: `asyncio.gather` becomes `_join`, and instead of an event loop
a small queue of suspended coroutines is run until the operation's value is known. So a failing
batch fails exactly the fields that waited for it, and every other field of the request resolves.

Why not graphql-sync-dataloaders 0.1.1 (unmaintained since 2022): its executor lost the error path
(graphql-core 3.2.14 needs it), and an error raised by one field before a deferred sibling had
settled broke that sibling's callback, failing unrelated fields of the same request.
"""
from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from types import CoroutineType
from typing import Any

from graphql import ExecutionContext, GraphQLObjectType, is_non_null_type, is_object_type, located_error
from graphql.pyutils import Path, Undefined, is_iterable

from .plain_fields import ORDINARY, PlainLeaves


class Pending:
    """A value that is not known yet: a loader's answer for one key, or something derived from one.

    It settles once, with a value or an error, and then calls back whoever waits. Awaiting it in a
    coroutine suspends the coroutine until then (the executor resumes it).
    """

    __slots__ = ("_settled", "_value", "_error", "_callbacks")

    def __init__(self):
        self._settled = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Pending], None]] = []

    def done(self) -> bool:
        return self._settled

    @property
    def error(self) -> BaseException | None:
        return self._error

    def result(self) -> Any:
        if not self._settled:
            raise RuntimeError("the value is not known yet: its batch has not run")
        if self._error is not None:
            raise self._error
        return self._value

    def resolve(self, value: Any) -> None:
        if isinstance(value, Pending):  # a loader result that needs another loader: settle with that one
            value.add_callback(self._adopt)
        else:
            self._settle(value, None)

    def reject(self, error: BaseException) -> None:
        self._settle(None, error)

    def add_callback(self, callback: Callable[[Pending], None]) -> None:
        if self._settled:
            callback(self)
        else:
            self._callbacks.append(callback)

    def _adopt(self, other: Pending) -> None:
        self._settle(other._value, other._error)

    def _settle(self, value: Any, error: BaseException | None) -> None:
        if self._settled:
            raise RuntimeError("a pending value settles once")
        self._settled, self._value, self._error = True, value, error
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def __await__(self):
        if not self._settled:
            yield self  # to the executor, which resumes the coroutine once this has settled
        return self.result()


def then(value: Any, transform: Callable[[Any], Any]) -> Any:
    """`transform` applied to a value that may still be pending; an error in it fails the result."""
    if not isinstance(value, Pending):
        return transform(value)
    derived = Pending()

    def settle(source: Pending) -> None:
        try:
            derived.resolve(transform(source.result()))
        except Exception as error:
            derived.reject(error)

    value.add_callback(settle)
    return derived


def gather(values: Sequence[Any], transform: Callable[[list], Any] = lambda values: values) -> Any:
    """Several values (some maybe pending) as one list, then `transform`; the first error fails it."""
    waiting = [value for value in values if isinstance(value, Pending) and not value.done()]

    def combined() -> Any:
        return transform([value.result() if isinstance(value, Pending) else value for value in values])

    if not waiting:
        return combined()
    derived = Pending()
    remaining = len(waiting)

    def settle(_source: Pending) -> None:
        nonlocal remaining
        remaining -= 1
        if remaining:
            return
        try:
            derived.resolve(combined())
        except Exception as error:
            derived.reject(error)

    for value in waiting:
        value.add_callback(settle)
    return derived


class BatchQueue:
    """The loaders of one request that have keys waiting, in the order they were first asked."""

    def __init__(self):
        self._loaders: deque[DataLoader] = deque()

    def add(self, loader: DataLoader) -> None:
        self._loaders.append(loader)

    def forget(self) -> None:
        """Drop the waiting batches: what waited for them was abandoned (a null took its place)."""
        self._loaders.clear()

    def dispatch_next(self) -> bool:
        """Run the batch of the loader that has waited longest; False when none waits."""
        if not self._loaders:
            return False
        self._loaders.popleft().dispatch()
        return True


BatchLoad = Callable[[list], Iterable[Any]]


class DataLoader:
    """One kind of read, batched and cached for one request.

    `batch_load(keys)` answers a list of distinct keys with one value per key, in order; a value that
    is an Exception fails that key only. If the call itself raises (the service is down, a refusal)
    or answers the wrong number of values, every key of the batch fails with that error and nothing
    else does. Answers, errors included, are cached by key for the rest of the request, so a request
    sees one answer per key and asks for it once.
    """

    def __init__(self, batch_load: BatchLoad, queue: BatchQueue):
        self._batch_load = batch_load
        self._queue = queue
        self._cache: dict[Hashable, Pending] = {}
        self._waiting: list[tuple[Hashable, Pending]] = []

    @property
    def name(self) -> str:
        return getattr(self._batch_load, "__name__", "batch")

    def load(self, key: Hashable) -> Pending:
        known = self._cache.get(key)
        if known is not None:
            return known
        pending = self._cache[key] = Pending()
        if not self._waiting:
            self._queue.add(self)
        self._waiting.append((key, pending))
        return pending

    def load_many(self, keys: Iterable[Hashable]) -> Pending:
        return gather([self.load(key) for key in keys])

    def dispatch(self) -> None:
        # Keys asked for while the batch settles (a value that needs the same loader) make a new batch.
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        keys = [key for key, _ in waiting]
        try:
            values = list(self._batch_load(keys))
            if len(values) != len(keys):
                raise RuntimeError(f"{self.name} answered {len(values)} values for {len(keys)} keys")
        except Exception as error:
            for _, pending in waiting:
                pending.reject(error)
            return
        for (_, pending), value in zip(waiting, values, strict=True):
            if isinstance(value, Exception):
                pending.reject(value)
            else:
                pending.resolve(value)


def _plain_object_type(item_type) -> GraphQLObjectType | None:
    """The object type of a list's items (nullable or not) when they may be built as plain objects."""
    named = item_type.of_type if is_non_null_type(item_type) else item_type
    return named if is_object_type(named) else None


def _is_awaitable(value: Any) -> bool:
    # asked for every field value: an exact type test is the cheapest (nothing subclasses either)
    kind = type(value)
    return kind is Pending or kind is CoroutineType


class BatchingExecutionContext(ExecutionContext):
    """graphql-core's execution with DataLoader results, run synchronously.

    The request's loaders queue on `context_value.batches` (a BatchQueue). Mutation fields run one
    after the other, each completed, its batches included, before the next one starts
    (`before_serial_field` is called before each).
    """

    is_awaitable = staticmethod(_is_awaitable)

    def execute_operation(self, operation, root_value):
        self._runnable: deque[tuple[Any, Pending]] = deque()
        self._batches: BatchQueue = getattr(self.context_value, "batches", None) or BatchQueue()
        self._plain_leaves = PlainLeaves(self.schema, self.collect_subfields) \
            if self.middleware_manager is None else None
        result = super().execute_operation(operation, root_value)
        return self._wait_for(result) if self.is_awaitable(result) else result

    def before_serial_field(self) -> None:
        """Called before each top-level field of a mutation."""

    def execute_fields_serially(self, parent_type, source_value, path, fields):
        results = {}
        for response_name, field_nodes in fields.items():
            # An earlier field nulled by an error may have left work behind that nothing waits for:
            # it must not run (nor read) during this one.
            self._runnable.clear()
            self._batches.forget()
            self.before_serial_field()
            result = self.execute_field(parent_type, source_value, field_nodes,
                                        Path(path, response_name, parent_type.name))
            if self.is_awaitable(result):
                result = self._wait_for(result)
            if result is not Undefined:
                results[response_name] = result
        return results

    def execute_fields(self, parent_type, source_value, path, fields):
        results: dict[str, Any] = {}
        waiting = []
        plain = self._plain_leaves if type(source_value) is dict else None
        for response_name, field_nodes in fields.items():
            if plain is not None:  # a scalar read from the dict needs none of execute_field's work
                value = plain.value(parent_type, source_value, field_nodes)
                if value is not ORDINARY:
                    results[response_name] = value
                    continue
            result = self.execute_field(parent_type, source_value, field_nodes,
                                        Path(path, response_name, parent_type.name))
            if result is Undefined:
                continue
            if self.is_awaitable(result):
                # started now, so a field raising later in this loop leaves no coroutine unstarted
                result = self._start(result)
                waiting.append(response_name)
            results[response_name] = result
        if not waiting:
            return results

        def filled(values: list) -> dict:
            results.update(zip(waiting, values, strict=True))
            return results
        return then(self._join([results[name] for name in waiting]), filled)

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        if not is_iterable(result):  # graphql-core's error (or its async iterables)
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        item_type = return_type.of_type
        # Items that are plain objects read from dicts (staff members, rules) are built in one pass.
        plain_type = _plain_object_type(item_type) if self._plain_leaves is not None else None
        completed: list[Any] = []
        waiting = []
        for index, item in enumerate(result):
            value: Any
            if plain_type is not None and type(item) is dict:
                value = self._plain_leaves.object_value(plain_type, field_nodes, item)  # type: ignore[union-attr]
                if value is not ORDINARY:
                    completed.append(value)
                    continue
            item_path = path.add_key(index, None)
            if self.is_awaitable(item):
                value = self._complete_item_later(item_type, field_nodes, info, item_path, item)
            else:
                try:
                    value = self.complete_value(item_type, field_nodes, info, item_path, item)
                    if self.is_awaitable(value):
                        value = self._item_completed_later(item_type, field_nodes, item_path, value)
                except Exception as raw_error:
                    self._item_error(raw_error, item_type, field_nodes, item_path)
                    value = None
            if self.is_awaitable(value):
                value = self._start(value)
                waiting.append(index)
            completed.append(value)
        if not waiting:
            return completed

        def filled(values: list) -> list:
            for index, value in zip(waiting, values, strict=True):
                completed[index] = value
            return completed
        return then(self._join([completed[index] for index in waiting]), filled)

    async def _complete_item_later(self, item_type, field_nodes, info, item_path, item):
        """A list item that is itself pending (a loader's value): complete it once it is known."""
        try:
            value = self.complete_value(item_type, field_nodes, info, item_path, await item)
            return await value if self.is_awaitable(value) else value
        except Exception as raw_error:
            return self._item_error(raw_error, item_type, field_nodes, item_path)

    async def _item_completed_later(self, item_type, field_nodes, item_path, completing):
        """A list item whose completion waits (its own fields use loaders)."""
        try:
            return await completing
        except Exception as raw_error:
            return self._item_error(raw_error, item_type, field_nodes, item_path)

    def _item_error(self, raw_error, item_type, field_nodes, item_path) -> None:
        """Null for the item with its error, or, for a non-null item type, the error for the list."""
        self.handle_field_error(located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path)
        return None

    # --- the scheduler -----------------------------------------------------------------------------
    def _start(self, awaitable) -> Pending:
        """Run a coroutine until it first waits; its outcome, as a Pending."""
        if isinstance(awaitable, Pending):
            return awaitable
        outcome = Pending()
        self._step(awaitable, outcome)
        return outcome

    def _step(self, coroutine, outcome: Pending) -> None:
        error = None
        while True:
            try:
                awaited = coroutine.send(None) if error is None else coroutine.throw(error)
            except StopIteration as finished:
                outcome.resolve(finished.value)
                return
            except Exception as raised:  # a non-null field's error climbing to its parent
                outcome.reject(raised)
                return
            if type(awaited) is Pending:
                break
            # Thrown back where it was awaited, so the field that awaited it fails and nothing else.
            error = TypeError(f"a resolver awaited {awaited!r}: only DataLoader values can be awaited here")
        awaited.add_callback(lambda _settled: self._runnable.append((coroutine, outcome)))

    @staticmethod
    def _join(outcomes: list[Pending]) -> Pending:
        """Started coroutines' outcomes as one list; the first error fails it, as asyncio.gather does."""
        joined = Pending()
        values: list = [None] * len(outcomes)
        remaining = len(outcomes)

        def settle(index: int, outcome: Pending) -> None:
            nonlocal remaining
            if joined.done():
                return
            if outcome.error is not None:
                joined.reject(outcome.error)
                return
            values[index] = outcome.result()
            remaining -= 1
            if not remaining:
                joined.resolve(values)

        for index, outcome in enumerate(outcomes):
            outcome.add_callback(functools.partial(settle, index))
        return joined

    def _wait_for(self, awaitable) -> Any:
        """Run suspended coroutines, and batches when nothing else can run, until `awaitable` is known."""
        outcome = self._start(awaitable)
        runnable = self._runnable
        while not outcome.done():
            if runnable:
                self._step(*runnable.popleft())
            elif not self._batches.dispatch_next():
                raise RuntimeError("the operation waits for a value that no DataLoader of this request will supply")
        return outcome.result()
