"""A deterministic, believable demo catalog: ``generate_catalog(products, seed)``.

Every product draws from its own ``random.Random(f"{seed}/{n}")``, so product ``n`` is the same whatever the
catalog size: ``--products 500`` is a prefix of ``--products 1000`` (only sales ranks and the ``bestseller``
tag, which rank the whole set, differ). Times count back from a fixed ``BASE_TIME``, never the clock.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bff.catalog_io.demo_vocabulary import BRANCHES, LEAVES, ROOT_BY_HANDLE, LeafSpec, OptionSpec
from bff.catalog_io.slugs import numbered, slugify
from bff.domain.catalog import (
    Category,
    Image,
    Money,
    Product,
    ProductOption,
    ProductRecord,
    SelectedOption,
    Variant,
)
from bff.images import placeholder_url

BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
CURRENCY = "USD"
MIN_PRICE, MAX_PRICE = Decimal("9.99"), Decimal("499.99")
MAX_VARIANTS = 12
EXTRA_VIEWS = ("side view", "detail", "in use", "back view")
CENT = Decimal("0.01")


def placeholder_image(root: str, text: str, alt: str, size: tuple[int, int] = (800, 800)) -> Image:
    # Drawn by the app itself (bff/images.py): the store shows images offline, with nothing to host.
    return Image(url=placeholder_url(root, slugify(text), size), alt_text=alt, width=size[0], height=size[1])


def demo_categories() -> list[Category]:
    """The fixed tree: 6 roots, their branches and leaves, parents before children."""
    categories: dict[str, Category] = {}
    siblings: dict[str | None, int] = {}
    for leaf in LEAVES:
        root = ROOT_BY_HANDLE[leaf.path[0]]
        for depth, handle in enumerate(leaf.path):
            if f"cat-{handle}" in categories:
                continue
            parent = f"cat-{leaf.path[depth - 1]}" if depth else None
            if depth == 0:
                title, description = root.title, root.description
            else:
                title = leaf.title if depth == len(leaf.path) - 1 else BRANCHES[handle]
                description = f"Shop {title.lower()} from our {root.title.lower()} range."
            position = siblings[parent] = siblings.get(parent, -1) + 1
            ancestors = tuple(f"cat-{h}" for h in leaf.path[:depth])
            banner = placeholder_image(root.handle, title, title, (1200, 400))
            categories[f"cat-{handle}"] = Category(
                f"cat-{handle}", handle, title, description, parent, ancestors, banner, position
            )
    return list(categories.values())


def _pick_options(rng: random.Random, specs: tuple[OptionSpec, ...]) -> list[tuple[OptionSpec, list[str]]]:
    """A random subset of each option's values (a run of sizes, a sample of colours), at most 12 variants."""
    picked: list[tuple[OptionSpec, list[str]]] = []
    for spec in specs:
        count = rng.randint(1, len(spec.values))
        if spec.step or spec.name == "Size":
            start = rng.randint(0, len(spec.values) - count)
            values = list(spec.values[start : start + count])
        else:
            chosen = set(rng.sample(spec.values, count))
            values = [v for v in spec.values if v in chosen]
        picked.append((spec, values))
    while _combinations(picked) > MAX_VARIANTS:
        longest = max(picked, key=lambda p: len(p[1]))
        longest[1].pop()
    return picked


def _combinations(picked: list[tuple[OptionSpec, list[str]]]) -> int:
    total = 1
    for _, values in picked:
        total *= len(values)
    return total


def _price(rng: random.Random, leaf: LeafSpec) -> Decimal:
    """A base price ending in .99 (mostly), .50 or .00, leaving room for the option surcharges."""
    surcharge = sum((o.step * (len(o.values) - 1) for o in leaf.options), Decimal(0))
    low, high = leaf.price_range
    high = max(low, min(high, int(MAX_PRICE - surcharge)))
    ending = rng.choices((Decimal("-0.01"), Decimal("0.50"), Decimal(0)), weights=(8, 1, 1))[0]
    return max(MIN_PRICE, Decimal(rng.randint(low, high)) + ending).quantize(CENT)


def _variants(
    rng: random.Random, product_id: str, code: str, leaf: LeafSpec, with_options: bool
) -> tuple[tuple[ProductOption, ...], tuple[Variant, ...]]:
    picked = _pick_options(rng, leaf.options) if with_options else []
    base = _price(rng, leaf)
    sale = Decimal(str(round(rng.uniform(1.15, 1.6), 2))) if rng.random() < 0.2 else None
    sold_out = rng.random() < 0.07
    variants: list[Variant] = []
    combos = itertools.product(*(values for _, values in picked)) if picked else iter([()])
    for position, combo in enumerate(combos):
        specs = [spec for spec, _ in picked]
        surcharge = sum((s.step * s.values.index(v) for s, v in zip(specs, combo, strict=True)), Decimal(0))
        price = min(base + surcharge, MAX_PRICE).quantize(CENT)
        compare_at = None
        if sale is not None:
            compare_at = Money(((price * sale).quantize(Decimal(1)) - CENT).quantize(CENT), CURRENCY)
        quantity = 0 if sold_out or rng.random() < 0.12 else rng.randint(1, 120)
        variants.append(
            Variant(
                id=f"{product_id}-{position + 1:02d}",
                product_id=product_id,
                sku=f"{code}-{product_id.removeprefix('demo-')}-{position + 1:02d}",
                title=" / ".join(combo) or "Default Title",
                price=Money(price, CURRENCY),
                compare_at_price=compare_at,
                quantity_available=quantity,
                selected_options=tuple(SelectedOption(s.name, v) for s, v in zip(specs, combo, strict=True)),
                position=position,
            )
        )
    options = tuple(ProductOption(spec.name, tuple(values)) for spec, values in picked)
    return options, tuple(variants)


def _record(n: int, seed: int, used_handles: set[str]) -> tuple[ProductRecord, float]:
    rng = random.Random(f"{seed}/{n}")  # noqa: S311 - reproducible demo data, not secrets
    leaf = rng.choice(LEAVES)
    root = ROOT_BY_HANDLE[leaf.path[0]]
    adjective, material, noun = (
        rng.choice(root.adjectives),
        rng.choice(leaf.materials),
        rng.choice(leaf.nouns),
    )
    vendor = rng.choice(root.vendors)
    title = f"{adjective} {material} {noun}"
    handle = next(h for h in (numbered(slugify(title), i) for i in itertools.count(1)) if h not in used_handles)
    used_handles.add(handle)
    product_id = f"demo-{n:05d}"
    code = slugify(leaf.product_type).replace("-", "")[:3].upper()
    options, variants = _variants(rng, product_id, code, leaf, with_options=rng.random() >= 0.1)
    images = tuple(
        placeholder_image(root.handle, title, title)
        if i == 0
        else placeholder_image(
            root.handle,
            f"{title} ({EXTRA_VIEWS[i - 1]})",
            f"{title}, {EXTRA_VIEWS[i - 1]}",
            rng.choice(((800, 800), (800, 1000), (1200, 800))),
        )
        for i in range(rng.randint(1, 4))
    )
    age = rng.randint(1, 730)
    created = BASE_TIME - timedelta(days=age, seconds=rng.randint(0, 86_399))
    updated = created + timedelta(days=rng.randint(0, age - 1), seconds=rng.randint(0, 3_600))
    tags = {root.handle, leaf.path[-1], slugify(material), slugify(adjective)}
    if variants[0].compare_at_price is not None:
        tags.add("sale")
    if age <= 45:
        tags.add("new-arrival")
    points = rng.sample(root.selling_points, 2)
    product = Product(
        id=product_id,
        handle=handle,
        title=title,
        description=f"{title} by {vendor}, made from {material.lower()}. {points[0]} {points[1]}",
        vendor=vendor,
        product_type=leaf.product_type,
        tags=tuple(sorted(tags)),
        category_id=f"cat-{leaf.path[-1]}",
        images=images,
        options=options,
        created_at=created,
        updated_at=min(updated, BASE_TIME),
    )
    return ProductRecord(product, variants), rng.random() ** 2


def generate_catalog(products: int = 1000, seed: int = 42) -> tuple[list[Category], list[ProductRecord]]:
    """The demo categories and ``products`` product records; the same arguments give equal output."""
    if products < 0:
        raise ValueError("products must be >= 0")
    used_handles: set[str] = set()
    drawn = [_record(n, seed, used_handles) for n in range(1, products + 1)]
    # Best sellers: rank 1 is the most popular; the top 5% carry the ``bestseller`` tag.
    order = sorted(range(len(drawn)), key=lambda i: (-drawn[i][1], i))
    ranks = {index: rank for rank, index in enumerate(order, start=1)}
    top = max(1, products // 20)
    records: list[ProductRecord] = []
    for index, (record, _) in enumerate(drawn):
        product = record.product
        tags = tuple(sorted({*product.tags, "bestseller"})) if ranks[index] <= top else product.tags
        records.append(replace(record, product=replace(product, sales_rank=ranks[index], tags=tags)))
    return demo_categories(), records
