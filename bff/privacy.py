"""Responses that must not be stored in the public response cache, whatever their document looks like.

The response cache decides from the document (``bff.graphql.response_cache.is_public``) before anything
runs; a public root field may still reach private data by its arguments (``node(id:)`` with a cart's id). A
resolver that returns such data calls :func:`mark_private`, and the response is then neither stored nor
marked cacheable. The marker is started with the request's call accounting (``bff.metrics.start_request``).
"""

from __future__ import annotations

from contextvars import ContextVar

_private: ContextVar[list[bool] | None] = ContextVar("private_response", default=None)


def start_request() -> None:
    _private.set([False])


def mark_private() -> None:
    """The current request's response holds data for one shopper only."""
    holder = _private.get()
    if holder is not None:
        holder[0] = True


def is_private() -> bool:
    holder = _private.get()
    return bool(holder and holder[0])
