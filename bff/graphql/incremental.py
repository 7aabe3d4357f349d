"""Incremental delivery: ``@defer`` and ``@stream`` as Apollo Client, urql and Shopify's Storefront API speak them.

graphql-core's incremental executor answers an initial result and then subsequent ones in the newer format of
the proposal (``pending`` entries with ids, ``incremental`` entries naming an id and a ``subPath``,
``completed``). Clients speak the format of August 2022 (``deferSpec=20220824``): every incremental entry
carries its own ``path`` and ``label``, a streamed entry the path of its first item. :class:`Parts` translates
one into the other and keeps the merged data as it goes (a stream's next index is the length of its list).

A client that asks for neither ``multipart/mixed`` nor ``text/event-stream`` gets one response: the same
operation run without the directives (:func:`inline_document`), which the compiled plans may serve. A document
with ``@defer``/``@stream`` never reaches a compiled plan (``bff.graphql.compiled`` declines it before
anything runs): the incremental executor runs it, once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DirectiveNode,
    DocumentNode,
    ExecutionResult,
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    GraphQLSchema,
    IncrementalStreamResult,
    InitialIncrementalExecutionResult,
    SubsequentIncrementalExecutionResult,
    experimental_execute_incrementally,
)
from graphql.language import REMOVE, Visitor, visit
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff import degradation

log = logging.getLogger("bff.graphql")

INCREMENTAL_DIRECTIVES = frozenset({"defer", "stream"})
MULTIPART = "multipart/mixed"
EVENT_STREAM = "text/event-stream"

Delivery = Literal["multipart", "sse"]
Payload = dict[str, Any]
Results = ExecutionResult | ExperimentalIncrementalExecutionResults


class _Directives(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        if node.name.value in INCREMENTAL_DIRECTIVES:
            self.found = True
            return self.BREAK
        return None


class _Strip(Visitor):
    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        return REMOVE if node.name.value in INCREMENTAL_DIRECTIVES else None


def has_incremental(document: DocumentNode) -> bool:
    """Whether the document uses ``@defer`` or ``@stream`` anywhere (whatever their ``if``)."""
    visitor = _Directives()
    visit(document, visitor)
    return visitor.found


def inline_document(document: DocumentNode) -> DocumentNode:
    """The document without ``@defer`` and ``@stream``: what a client that does not stream is answered."""
    stripped = visit(document, _Strip())
    assert isinstance(stripped, DocumentNode)
    return stripped


def delivery(accept: str) -> Delivery | None:
    """How the client asked to receive parts (its ``Accept``), or None for one complete response."""
    accept = accept.lower()
    if MULTIPART in accept:
        return "multipart"
    if EVENT_STREAM in accept:
        return "sse"
    return None


async def execute(
    schema: GraphQLSchema,
    document: DocumentNode,
    context: Any,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    hide_suggestions: bool,
) -> Results:
    """The initial result and the stream of the rest (or one result when nothing is deferred)."""
    result = experimental_execute_incrementally(
        schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        executor_class=StrawberryGraphQLCoreExecutionContext,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        hide_suggestions=hide_suggestions,
        # Deferred work starts beside the initial part's, not after it: the first part waits for the fast
        # services, the whole for the slowest one alone (and loaders batch across both).
        enable_early_execution=True,
    )
    if isinstance(result, ExecutionResult | ExperimentalIncrementalExecutionResults):
        return result
    return await result


def _at(data: Any, path: list[str | int]) -> Any:
    """The value at ``path`` in the merged data, or None where a parent is null or missing."""
    node = data
    for key in path:
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        old = target.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            _merge(old, value)
        elif isinstance(old, list) and isinstance(value, list) and len(old) == len(value):
            for before, after in zip(old, value, strict=True):
                if isinstance(before, dict) and isinstance(after, dict):
                    _merge(before, after)
        else:
            target[key] = value


@dataclass(frozen=True, slots=True)
class _Pending:
    path: list[str | int]
    label: str | None


@dataclass(slots=True)
class Parts:
    """graphql-core's payloads as the 2022 format's parts, and their data merged (``data``)."""

    shape_error: Callable[[GraphQLError], dict[str, Any]]  # an error as the client sees it (masked)
    data: dict[str, Any] | None = None
    pending: dict[str, _Pending] = field(default_factory=dict)
    next_index: dict[str, int] = field(default_factory=dict)  # a stream's next item index

    def _errors(self, errors: list[GraphQLError] | None) -> list[dict[str, Any]] | None:
        return [self.shape_error(e) for e in errors] if errors else None

    def _entry(self, pending: _Pending, path: list[str | int], body: Payload) -> Payload:
        entry: Payload = {**body, "path": path}
        if pending.label is not None:
            entry["label"] = pending.label
        return entry

    def initial(self, result: InitialIncrementalExecutionResult | ExecutionResult) -> Payload:
        self.data = result.data
        payload: Payload = {"data": result.data}
        if errors := self._errors(result.errors):
            payload["errors"] = errors
        pending = result.pending if isinstance(result, InitialIncrementalExecutionResult) else []
        for item in pending:
            self.pending[item.id] = _Pending(list(item.path), item.label)
        payload["hasNext"] = isinstance(result, InitialIncrementalExecutionResult) and result.has_next
        return payload

    def subsequent(self, result: SubsequentIncrementalExecutionResult) -> Payload:
        for item in result.pending or ():
            self.pending[item.id] = _Pending(list(item.path), item.label)
        entries = [self._incremental(item) for item in result.incremental or ()]
        for done in result.completed or ():
            pending = self.pending.pop(done.id, None)
            if done.errors and pending is not None:
                # The whole part failed (a non-null field of it was null): it arrives as null with its errors.
                streamed = done.id in self.next_index
                path = [*pending.path, self.next_index[done.id]] if streamed else pending.path
                body: Payload = {"items" if streamed else "data": None, "errors": self._errors(done.errors)}
                entries.append(self._entry(pending, path, body))
            self.next_index.pop(done.id, None)
        payload: Payload = {"hasNext": result.has_next}
        if entries:
            payload["incremental"] = entries
        return payload

    def _incremental(self, item: Any) -> Payload:
        pending = self.pending.get(item.id) or _Pending([], None)
        base = [*pending.path, *(item.sub_path or ())]
        body: Payload
        if isinstance(item, IncrementalStreamResult):
            found = _at(self.data, base)
            index = self.next_index.get(item.id, len(found) if isinstance(found, list) else 0)
            self.next_index[item.id] = index + len(item.items)
            if isinstance(found, list):
                found.extend(item.items)
            body, path = {"items": item.items}, [*base, index]
        else:
            target = _at(self.data, base)
            if isinstance(target, dict):
                _merge(target, item.data)
            body, path = {"data": item.data}, base
        if errors := self._errors(item.errors):
            body["errors"] = errors
        return self._entry(pending, path, body)


@dataclass(slots=True)
class Reported:
    """The degradation warnings already sent: each part carries the ones that arose since the last."""

    sent: int = 0

    def attach(self, payload: Payload) -> None:
        found = degradation.warnings()
        if len(found) > self.sent:
            payload.setdefault("extensions", {})["warnings"] = found[self.sent :]
            self.sent = len(found)


def _extend(payload: Payload, extensions: dict[str, Any] | None) -> None:
    if extensions:
        payload.setdefault("extensions", {}).update(extensions)


@dataclass(slots=True)
class Closer:
    """Ends a response's execution once, however it ends: pending work cancelled, the loaders released."""

    result: Results
    release: Callable[[], None]
    done: bool = False

    async def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            if isinstance(self.result, ExperimentalIncrementalExecutionResults):
                await self.result.subsequent_results.aclose()
        finally:
            self.release()


async def payloads(
    result: Results,
    parts: Parts,
    *,
    first: dict[str, Any] | None,
    last: Callable[[], dict[str, Any] | None],
    close: Closer,
) -> AsyncIterator[Payload]:
    """The parts of one response, in the 2022 format: the initial one, then each as it resolves.

    ``first`` extensions go with the initial part (the cost), ``last()`` with the final one (the backend calls);
    degradation warnings with the part that arose with them. Closing the iterator early (the client went
    away) cancels the work still pending; ``close`` frees the request's loaders either way.
    """
    subsequent = result.subsequent_results if isinstance(result, ExperimentalIncrementalExecutionResults) else None
    reported = Reported()
    try:
        first_result = result.initial_result if isinstance(result, ExperimentalIncrementalExecutionResults) else result
        initial = parts.initial(first_result)
        _extend(initial, first)
        reported.attach(initial)
        if subsequent is None:
            _extend(initial, last())
            yield initial
            return
        yield initial
        try:
            async for item in subsequent:
                payload = parts.subsequent(item)
                reported.attach(payload)
                if not item.has_next:
                    _extend(payload, last())
                elif "incremental" not in payload and "extensions" not in payload:
                    continue  # nothing a client could use: a part only completed (its data came before)
                yield payload
        except Exception:
            # Never a broken stream: the client is told the rest failed, and the response ends well-formed.
            log.exception("incremental delivery failed after its initial part")
            error = {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
            yield {"hasNext": False, "errors": [error]}
    finally:
        await close()
