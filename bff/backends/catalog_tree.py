"""Store-independent catalog rules shared by adapters that hold the category tree in memory.

The tree is small (tens to a few thousand categories), so the DynamoDB adapter reads it whole (one Query of
one partition) and answers children, top-level lists and subtree filters here, with the same ancestors,
paths and keyset order as the SQLite adapter. Listings that find ids first get their items by ``hydrate``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from bff.domain.catalog import Category, Page, PageRequest
from bff.errors import BadUserInput

T = TypeVar("T")
P = TypeVar("P")


def category_paths(
    parents: Mapping[str, str | None], positions: Mapping[str, int]
) -> dict[str, tuple[tuple[str, ...], str]]:
    """Each category's ancestors (root first) and sortable path; ``BadUserInput`` on a parent cycle."""
    result: dict[str, tuple[tuple[str, ...], str]] = {}
    for cid in parents:
        chain: list[str] = []
        node: str | None = parents[cid]
        while node is not None:
            if node == cid or node in chain:
                raise BadUserInput(f"category {cid!r} is its own ancestor")
            chain.append(node)
            node = parents.get(node)
        chain.reverse()
        path = "".join(f"/{positions.get(a, 0):05d}:{a}" for a in [*chain, cid]) + "/"
        result[cid] = (tuple(chain), path)
    return result


def subtree_ids(paths: Mapping[str, str], root_id: str) -> list[str]:
    """``root_id`` and every category under it (empty when ``root_id`` is unknown)."""
    root = paths.get(root_id)
    if root is None:
        return []
    return [cid for cid, path in paths.items() if path.startswith(root)]


def select_categories(
    categories: Sequence[tuple[Category, str]], parent_id: str | None, top_level: bool
) -> list[tuple[Category, str]]:
    """The (category, path) pairs a category listing covers, in path order."""
    if parent_id is not None:
        chosen = [c for c in categories if c[0].parent_id == parent_id]
    elif top_level:
        chosen = [c for c in categories if c[0].parent_id is None]
    else:
        chosen = list(categories)
    return sorted(chosen, key=lambda c: (c[1], c[0].id))


def keyset_page(items: Sequence[T], key: Callable[[T], tuple[str, str]], page: PageRequest) -> Page[T]:
    """A keyset page over ``items`` already sorted ascending by ``key`` (the SQLite adapter's rules)."""
    ordered = list(reversed(items)) if page.backward else list(items)
    if page.after is not None:
        value, last_id = page.after
        after = (str(value), last_id)
        ordered = [i for i in ordered if (key(i) < after if page.backward else key(i) > after)]
    chosen = ordered[: page.limit + 1]
    has_more = len(chosen) > page.limit
    chosen = chosen[: page.limit]
    if page.backward:
        chosen.reverse()
    return Page(items=chosen, keys=[key(i) for i in chosen], has_more=has_more)


async def hydrate(page: Page[str], fetch: Callable[[Sequence[str]], Awaitable[list[P | None]]]) -> Page[P]:
    """A page of ids as a page of what ``fetch`` reads for them (ids it finds nothing for are left out)."""
    found = await fetch(page.items)
    kept = [(item, key) for item, key in zip(found, page.keys, strict=True) if item is not None]
    return Page(
        items=[item for item, _ in kept],
        keys=[key for _, key in kept],
        has_more=page.has_more,
        resume_key=page.resume_key,
    )
