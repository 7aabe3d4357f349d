"""``seed_catalog``: write the generated demo catalog to a store (what ``bff seed`` runs)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tqdm import tqdm

from bff.backends.catalog import CatalogStore
from bff.catalog_io.demo_catalog import generate_catalog
from bff.catalog_io.writer import write_categories, write_products
from bff.errors import BadUserInput

SEED_CHUNK = 200


@dataclass(frozen=True, slots=True)
class SeedReport:
    categories: int
    products: int
    variants: int
    created: int
    updated: int
    seconds: float

    def format(self) -> str:
        return (
            f"seeded {self.products} products ({self.created} new, {self.updated} replaced), "
            f"{self.variants} variants and {self.categories} categories in {self.seconds:.1f}s"
        )

    def __str__(self) -> str:
        return self.format()


async def seed_catalog(store: CatalogStore, products: int = 1000, seed: int = 42, progress: bool = True) -> SeedReport:
    """Generate ``generate_catalog(products, seed)`` and upsert it: categories first, then products in chunks.

    Re-running with the same arguments rewrites the same rows. Over a catalog seeded with another seed,
    products keep their ids (``demo-00001``...) and a handle already taken gets a ``-2`` suffix.
    """
    started = time.perf_counter()
    categories, records = generate_catalog(products, seed)
    outcome = await write_categories(store, categories, [c.handle for c in categories], strict=False)
    if outcome.failed:
        raise BadUserInput(f"seeding categories failed: {outcome.failed[0][1]}")
    with tqdm(total=len(records), desc="seed", unit="product", disable=not progress) as bar:
        written = await write_products(
            store,
            records,
            [r.product.handle for r in records],
            strict_handles=False,
            chunk_size=SEED_CHUNK,
            on_progress=bar.update,
        )
    if written.failed:
        index, reason = written.failed[0]
        raise BadUserInput(f"seeding product {records[index].product.id} failed: {reason}")
    return SeedReport(
        categories=len(categories),
        products=len(records),
        variants=sum(len(r.variants) for r in records),
        created=written.created,
        updated=written.updated,
        seconds=time.perf_counter() - started,
    )
