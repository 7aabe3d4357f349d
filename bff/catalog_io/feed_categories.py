"""Which category each imported product goes to, and which categories an import creates.

A reference (a product's ``category``, a category's ``parent``) is matched, in order, against the feed's
categories by id and handle, then the store's by id and handle. Anything else reads as a title path
(``Apparel > Men > Shirts``): each level is found by its handle (``apparel``, ``apparel-men``...) or created
with id ``cat-<handle>``, so a feed without categories still lands in a tree, and re-importing it reuses
the categories the first run created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bff.backends.catalog import CatalogStore
from bff.catalog_io.feed_schema import FeedCategory, to_image
from bff.catalog_io.retail_demo import category_title
from bff.catalog_io.slugs import slugify
from bff.domain.catalog import Category


def _path(ref: str) -> list[str]:
    return [part.strip() for part in ref.split(">") if part.strip()]


def _path_handles(ref: str) -> list[str]:
    parts = _path(ref)
    return [slugify(" ".join(parts[: i + 1]), "category") for i in range(len(parts))]


@dataclass(slots=True)
class CategoryPlan:
    """Categories to write (the feed's, with parents resolved, then ones created from paths)."""

    categories: list[Category] = field(default_factory=list)
    wanted_handles: list[str | None] = field(default_factory=list)
    feed_positions: list[int | None] = field(default_factory=list)  # index into the feed's categories
    parent_errors: dict[int, str] = field(default_factory=dict)  # feed position -> reason
    product_categories: list[str | None] = field(default_factory=list)  # per product reference
    product_errors: dict[int, str] = field(default_factory=dict)  # product position -> reason


async def plan_categories(
    store: CatalogStore, feed: list[FeedCategory], refs: list[str | None], refused: set[str]
) -> CategoryPlan:
    """Resolve parents and product references; ``refused`` holds ids/handles of rejected feed categories."""
    by_key: dict[str, str] = {}
    for category in feed:
        by_key.setdefault(category.handle or slugify(category.title, "category"), category.id)
    by_key.update({c.id: c.id for c in feed})
    wanted = {r.strip() for r in refs if r and r.strip()} | {c.parent for c in feed if c.parent}
    handles = {h for r in wanted for h in _path_handles(r)}
    keys = sorted(wanted | handles | {f"cat-{h}" for h in handles})
    stored: dict[str, str] = {}
    if keys:
        for found in (await store.get_categories_by_handle(keys), await store.get_categories(keys)):
            stored.update({key: c.id for key, c in zip(keys, found, strict=True) if c is not None})

    def find(key: str) -> str | None:
        return by_key.get(key) or stored.get(key)

    plan = CategoryPlan()
    refused = set(refused)
    # A category whose parent fails, fails too: repeat until no new failure.
    while True:
        failing = {
            position: reason
            for position, category in enumerate(feed)
            if position not in plan.parent_errors and (reason := _parent_problem(category, find, refused))
        }
        if not failing:
            break
        for position, reason in failing.items():
            plan.parent_errors[position] = reason
            category = feed[position]
            refused |= {category.id, category.handle or slugify(category.title, "category")}
            for key in [k for k, v in by_key.items() if v == category.id]:
                del by_key[key]
    for position, category in enumerate(feed):
        if position in plan.parent_errors:
            continue
        parent_id = find(category.parent) if category.parent else None
        plan.categories.append(
            Category(
                category.id,
                category.handle or "",
                category.title,
                category.description,
                parent_id,
                image=to_image(category.image),
                position=category.position,
            )
        )
        plan.wanted_handles.append(category.handle)
        plan.feed_positions.append(position)

    for position, ref in enumerate(refs):
        ref = ref.strip() if ref else None
        if not ref:
            plan.product_categories.append(None)
        elif ref in refused:
            plan.product_categories.append(None)
            plan.product_errors[position] = f"category: {ref!r} was rejected"
        else:
            plan.product_categories.append(find(ref) or _create_path(ref, find, by_key, plan))
    return plan


def _parent_problem(category: FeedCategory, find: Callable[[str], str | None], refused: set[str]) -> str | None:
    if not category.parent:
        return None
    if category.parent in refused:
        return f"parent: category {category.parent!r} was rejected"
    parent_id = find(category.parent)
    if parent_id is None:
        return f"parent: unknown category {category.parent!r}"
    if parent_id == category.id:
        return "parent: a category cannot be its own parent"
    return None


def _create_path(ref: str, find: Callable[[str], str | None], by_key: dict[str, str], plan: CategoryPlan) -> str:
    """The id of the last level of ``ref`` read as a title path, creating the levels not found."""
    parent_id: str | None = None
    for title, handle in zip(_path(ref), _path_handles(ref), strict=True):
        existing = find(handle) or find(f"cat-{handle}")
        if existing is None:
            existing = by_key[handle] = f"cat-{handle}"
            plan.categories.append(Category(existing, handle, category_title(title), parent_id=parent_id))
            plan.wanted_handles.append(handle)
            plan.feed_positions.append(None)
        parent_id = existing
    assert parent_id is not None
    return parent_id
