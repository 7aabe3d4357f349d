"""Catalog data in and out of a ``CatalogStore``: the demo-data generator and the feed importer.

Usage (what ``bff seed`` and ``bff import`` call)::

    from bff.catalog_io import generate_catalog, import_feed, seed_catalog

    categories, records = generate_catalog(products=1000, seed=42)      # pure, deterministic
    report = await seed_catalog(store, products=1000, seed=42, progress=True)
    print(report)                                                        # SeedReport.format()
    written = await seed_discounts(discount_store)                       # the demo discount codes

    report = await import_feed(store, Path("feed.jsonl"), fmt=None, progress=True, discounts=discount_store)
    print(report)                                                        # ImportReport.format()
    exit_code = 0 if report.ok else 1                                    # some records were rejected

``fmt`` is one of ``jsonl`` (or ``ndjson``), ``json``, ``yaml`` (or ``yml``), ``csv``, ``retail-demo-store``;
without it the extension decides, and a YAML/JSON file shaped like the AWS retail-demo-store catalog is
recognised on its own. ``import_feed`` raises ``FeedError`` (a ``BadUserInput``) when the file as a whole
cannot be read; bad records do not raise, they are listed in ``report.rejected`` with line and reason.
The feed format is documented in ``docs/catalog-feed.md``.
"""

from __future__ import annotations

from bff.catalog_io.demo_catalog import generate_catalog
from bff.catalog_io.demo_discounts import demo_discounts, seed_discounts
from bff.catalog_io.feed_records import FeedError
from bff.catalog_io.importer import import_feed
from bff.catalog_io.report import ImportReport, Rejection
from bff.catalog_io.seed import SeedReport, seed_catalog

__all__ = [
    "FeedError",
    "ImportReport",
    "Rejection",
    "SeedReport",
    "demo_discounts",
    "generate_catalog",
    "import_feed",
    "seed_catalog",
    "seed_discounts",
]
