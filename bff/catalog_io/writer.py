"""Writing products and categories to a ``CatalogStore`` in chunks, with unique handles and per-record
failures instead of a failed batch.

Handles are unique in the store, so each one is checked against the store and against the handles given
out earlier in the same run. An item that already exists keeps its stored handle (a URL does not change
because a title did); a new one gets its wanted handle, or ``base``, ``base-2``, ``base-3``... When the
store refuses a chunk (a SKU another product owns, say), the chunk is retried one record at a time so only
the guilty records fail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import count

from bff.backends.catalog import CatalogStore
from bff.catalog_io.slugs import numbered, slugify
from bff.domain.catalog import Category, ProductRecord
from bff.errors import BadUserInput

Lookup = Callable[[Sequence[str]], Awaitable[list[str | None]]]


class HandleTaken(Exception):
    def __init__(self, handle: str, owner: str) -> None:
        super().__init__(f"handle {handle!r} is already used by {owner!r}")


class HandleAllocator:
    """Hands out handles unique across the store and this run."""

    def __init__(self, handle_of_id: Lookup, owner_of_handle: Lookup) -> None:
        self._handle_of_id = handle_of_id
        self._owner_of_handle = owner_of_handle
        self._stored_handle: dict[str, str | None] = {}
        self._stored_owner: dict[str, str | None] = {}
        self._assigned: dict[str, str] = {}

    async def prefetch(self, ids: Sequence[str], handles: Sequence[str]) -> None:
        """Look up, in one call each, the stored handles of ``ids`` and the stored owners of ``handles``."""
        new_ids = list(dict.fromkeys(i for i in ids if i not in self._stored_handle))
        if new_ids:
            self._stored_handle.update(zip(new_ids, await self._handle_of_id(new_ids), strict=True))
        new_handles = list(dict.fromkeys(h for h in handles if h not in self._stored_owner))
        if new_handles:
            self._stored_owner.update(zip(new_handles, await self._owner_of_handle(new_handles), strict=True))

    def exists(self, item_id: str) -> bool:
        """Whether the store held ``item_id`` (after ``prefetch`` of it)."""
        return self._stored_handle.get(item_id) is not None

    async def _owner(self, handle: str) -> str | None:
        if handle in self._assigned:
            return self._assigned[handle]
        if handle not in self._stored_owner:
            await self.prefetch((), (handle,))
        return self._stored_owner[handle]

    async def assign(self, item_id: str, wanted: str | None, base: str, strict: bool) -> str:
        """The handle ``item_id`` gets; raise ``HandleTaken`` when ``strict`` and ``wanted`` is taken."""
        candidates: list[str] = []
        if wanted:
            candidates.append(wanted)
        stored = self._stored_handle.get(item_id)
        if stored:
            candidates.append(stored)
        for handle in candidates:
            owner = await self._owner(handle)
            if owner in (None, item_id):
                self._assigned[handle] = item_id
                return handle
            if strict and handle == wanted:
                raise HandleTaken(handle, owner)
        for n in count(1):
            handle = numbered(base, n)
            if await self._owner(handle) in (None, item_id):
                self._assigned[handle] = item_id
                return handle
        raise AssertionError("unreachable")


def product_allocator(store: CatalogStore) -> HandleAllocator:
    async def handles(ids: Sequence[str]) -> list[str | None]:
        return [p.handle if p else None for p in await store.get_products(ids)]

    async def owners(handles: Sequence[str]) -> list[str | None]:
        return [p.id if p else None for p in await store.get_products_by_handle(handles)]

    return HandleAllocator(handles, owners)


def category_allocator(store: CatalogStore) -> HandleAllocator:
    async def handles(ids: Sequence[str]) -> list[str | None]:
        return [c.handle if c else None for c in await store.get_categories(ids)]

    async def owners(handles: Sequence[str]) -> list[str | None]:
        return [c.id if c else None for c in await store.get_categories_by_handle(handles)]

    return HandleAllocator(handles, owners)


@dataclass(slots=True)
class WriteOutcome:
    created: int = 0
    updated: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (position in the input, reason)


def _store_reason(exc: BadUserInput) -> str:
    message = exc.message
    for column, reason in (
        ("variants.sku", "a SKU is already used by another product in the catalog"),
        ("variants.id", "a variant id is already used by another product in the catalog"),
        ("handle", "the handle is already used in the catalog"),
    ):
        if column in message:
            return reason
    return message


async def write_products(
    store: CatalogStore,
    records: Sequence[ProductRecord],
    wanted_handles: Sequence[str | None],
    *,
    strict_handles: bool,
    chunk_size: int = 200,
    on_progress: Callable[[int], object] = lambda n: None,
) -> WriteOutcome:
    """Upsert ``records`` with handles from the allocator; ``wanted_handles[i]`` is record i's own."""
    outcome = WriteOutcome()
    allocator = product_allocator(store)
    for start in range(0, len(records), chunk_size):
        chunk = range(start, min(start + chunk_size, len(records)))
        bases = {i: wanted_handles[i] or slugify(records[i].product.title, "product") for i in chunk}
        await allocator.prefetch([records[i].product.id for i in chunk], list(bases.values()))
        ready: list[tuple[int, ProductRecord]] = []
        for i in chunk:
            record = records[i]
            try:
                handle = await allocator.assign(record.product.id, wanted_handles[i], bases[i], strict_handles)
            except HandleTaken as exc:
                outcome.failed.append((i, str(exc)))
                continue
            ready.append((i, replace(record, product=replace(record.product, handle=handle))))
        written = await _upsert_or_split(store, ready, outcome)
        for i in written:
            if allocator.exists(records[i].product.id):
                outcome.updated += 1
            else:
                outcome.created += 1
        on_progress(len(chunk))
    return outcome


async def _upsert_or_split(
    store: CatalogStore, ready: list[tuple[int, ProductRecord]], outcome: WriteOutcome
) -> list[int]:
    try:
        await store.upsert_products([r for _, r in ready])
        return [i for i, _ in ready]
    except BadUserInput:
        pass
    written: list[int] = []
    for i, record in ready:
        try:
            await store.upsert_products([record])
            written.append(i)
        except BadUserInput as exc:
            outcome.failed.append((i, _store_reason(exc)))
    return written


async def write_categories(
    store: CatalogStore, categories: Sequence[Category], wanted_handles: Sequence[str | None], *, strict: bool
) -> WriteOutcome:
    """Upsert ``categories`` (parents are not required to come first; the store rebuilds the tree)."""
    outcome = WriteOutcome()
    allocator = category_allocator(store)
    bases = [w or slugify(c.title, "category") for c, w in zip(categories, wanted_handles, strict=True)]
    await allocator.prefetch([c.id for c in categories], bases)
    ready: list[tuple[int, Category]] = []
    for i, category in enumerate(categories):
        try:
            handle = await allocator.assign(category.id, wanted_handles[i], bases[i], strict)
        except HandleTaken as exc:
            outcome.failed.append((i, str(exc)))
            continue
        ready.append((i, replace(category, handle=handle)))
    try:
        await store.upsert_categories([c for _, c in ready])
        written = [i for i, _ in ready]
    except BadUserInput:
        written = []
        for i, category in ready:
            try:
                await store.upsert_categories([category])
                written.append(i)
            except BadUserInput as exc:
                outcome.failed.append((i, _store_reason(exc)))
    for i in written:
        if allocator.exists(categories[i].id):
            outcome.updated += 1
        else:
            outcome.created += 1
    return outcome
