"""Relay connection arguments -> a keyset ``PageRequest``, and a store ``Page`` -> edges + ``PageInfo``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

import strawberry

from bff.context import Context
from bff.cursors import Position
from bff.domain.catalog import Page, PageRequest
from bff.errors import BadUserInput
from resolvers.common import PageInfo
from resolvers.connection import Edge

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ConnectionArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def page_request(ctx: Context, args: ConnectionArgs, listing: str, cap: int | None = None) -> PageRequest:
    """Validate ``first/after/last/before`` against the page-size cap (``cap``, else the setting) and decode
    the cursor."""
    cap = cap or ctx.settings.max_page_size
    if args.first is not None and args.last is not None:
        raise BadUserInput("pass either `first` or `last`, not both", field="first")
    backward = args.last is not None
    size_field = "last" if backward else "first"
    size = args.last if backward else args.first
    if size is None:
        size = min(ctx.settings.default_page_size, cap)
    if size < 0:
        raise BadUserInput(f"`{size_field}` must not be negative", field=size_field)
    if size > cap:
        raise BadUserInput(f"`{size_field}` is {size}; at most {cap} items per page", field=size_field, max=cap)
    if backward and args.after is not None:
        raise BadUserInput("`after` goes with `first`; use `before` with `last`", field="after")
    if not backward and args.before is not None:
        raise BadUserInput("`before` goes with `last`; use `after` with `first`", field="before")
    cursor_field = "before" if backward else "after"
    cursor = args.before if backward else args.after
    position = None if cursor is None else ctx.cursors.decode(cursor, listing, field=cursor_field)
    return PageRequest(limit=size, after=position, backward=backward)


def edges_and_page_info(
    ctx: Context, page: Page[T], request: PageRequest, listing: str
) -> tuple[list[Edge[T]], PageInfo]:
    """The page's edges and its ``PageInfo``."""
    codec = ctx.cursors
    keys = page.keys
    edges = [
        Edge(node=item, position=Position(codec, listing, key)) for item, key in zip(page.items, keys, strict=True)
    ]
    more_before = page.has_more if request.backward else request.after is not None
    more_after = request.after is not None if request.backward else page.has_more
    start = keys[0] if keys else None
    end = keys[-1] if keys else None
    # A page the store cut short continues from the last entry it read, in the paging direction.
    if page.resume_key is not None:
        if request.backward:
            start = page.resume_key
        else:
            end = page.resume_key
    info = PageInfo(
        has_next_page=more_after,
        has_previous_page=more_before,
        start_cursor=None if start is None else codec.encode(listing, start),
        end_cursor=None if end is None else codec.encode(listing, end),
    )
    return edges, info


def slice_list(
    ctx: Context, items: list[T], keys: list[str], args: ConnectionArgs, listing: str, cap: int | None = None
) -> Page[T]:
    """Keyset paging over a list already in memory (a product's variants): same cursors, same rules."""
    request = page_request(ctx, args, listing, cap)
    positions = [(index, key) for index, key in enumerate(keys)]
    start, stop = 0, len(items)
    if request.after is not None:
        index = _index_of(request.after, positions)
        if request.backward:
            stop = index
        else:
            start = index + 1
    if request.backward:
        chosen = range(max(start, stop - request.limit), stop)
        has_more = chosen.start > start
    else:
        chosen = range(start, min(stop, start + request.limit))
        has_more = chosen.stop < stop
    return Page(items=[items[i] for i in chosen], keys=[positions[i] for i in chosen], has_more=has_more)


def _index_of(position: tuple[object, str], positions: list[tuple[int, str]]) -> int:
    index, key = position
    if isinstance(index, int) and 0 <= index < len(positions) and positions[index][1] == key:
        return index
    for i, (_, k) in enumerate(positions):
        if k == key:
            return i
    raise BadUserInput("cursor no longer points into this list", field="after")


First = Annotated[int | None, strawberry.argument(description="Page size, counted from the start or `after`.")]
After = Annotated[str | None, strawberry.argument(description="Cursor to continue after (with `first`).")]
Last = Annotated[int | None, strawberry.argument(description="Page size, counted back from the end or `before`.")]
Before = Annotated[str | None, strawberry.argument(description="Cursor to continue before (with `last`).")]
