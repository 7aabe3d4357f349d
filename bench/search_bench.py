"""Embedded search latency, in process: p50/p95 per query kind on the retail-demo-store catalog and on a
generated catalog (default 100,000 products).

    .venv/bin/python bench/search_bench.py [--products 100000] [--rounds 30]

Self-contained (no harness): builds each index in a temp dir with ``FtsProductSearch.rebuild`` and times
``search``/``suggest`` calls end to end through the port (thread hop included). Absolute times vary ±30%
between runs on these machines; compare kinds and sizes within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from bff import datasets
from bff.backends.local.fts_search import FtsProductSearch
from bff.backends.search_indexer import document
from bff.catalog_io import generate_catalog
from bff.domain.catalog import Category, Money, ProductQuery, ProductRecord
from bff.domain.search import SearchDocument, SearchRequest, SearchSort

DATASETS = datasets.datasets_dir()


def docs_from_records(categories: list[Category], records: list[ProductRecord]) -> list[SearchDocument]:
    by_id = {c.id: c for c in categories}
    # Ancestors as the catalog store would compute them.
    resolved = {}
    for c in categories:
        chain: list[str] = []
        parent = c.parent_id
        while parent is not None:
            chain.insert(0, parent)
            parent = by_id[parent].parent_id
        resolved[c.id] = dataclasses.replace(c, ancestor_ids=tuple(chain))
    out = []
    for r in records:
        price = min(v.price.amount for v in r.variants)
        product = dataclasses.replace(
            r.product,
            min_price=Money(price, r.variants[0].price.currency_code),
            available=any(v.quantity_available > 0 for v in r.variants),
        )
        out.append(document(product, resolved))
    return out


async def retail_docs() -> list[SearchDocument] | None:
    feed = DATASETS / "retail-demo-store" / "products.yaml"
    if not feed.exists():
        return None
    from bff.backends.local.sqlite_catalog import SqliteCatalogStore
    from bff.backends.search_indexer import catalog_pages, documents
    from bff.catalog_io import import_feed

    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteCatalogStore.open(Path(tmp) / "catalog.sqlite3")
        await import_feed(store, feed, fmt=None, progress=False)
        docs = [d async for page in catalog_pages(store) for d in await documents(store, page)]
        await store.close()
    return docs


def searching(request: SearchRequest) -> Callable[[FtsProductSearch], Awaitable[object]]:
    return lambda search: search.search(request)


def suggesting(prefix: str) -> Callable[[FtsProductSearch], Awaitable[object]]:
    return lambda search: search.suggest(prefix, 5)


def queries(kind: str) -> list[Callable[[FtsProductSearch], Awaitable[object]]]:
    words = ["leather backpack", "shirt", "wireless headphones", "wool jacket", "sofa", "necklace", "running shoe"]
    typos = ["backpak", "sunglases", "neklace", "jackte", "lether"]
    prefixes = ["leath", "sun", "jack", "hea", "wo"]
    filters = ProductQuery(available=True, max_price=Decimal(150))
    table: dict[str, list[Callable[[FtsProductSearch], Awaitable[object]]]] = {
        "words": [searching(SearchRequest(q)) for q in words],
        "words+facets": [searching(SearchRequest(q, with_facets=True)) for q in words],
        "words+filters+price-sort": [searching(SearchRequest(q, filters, sort=SearchSort.PRICE)) for q in words],
        "typos": [searching(SearchRequest(q)) for q in typos],
        "predictive": [suggesting(q) for q in prefixes],
        "category page facets (browse)": [
            searching(SearchRequest(None, ProductQuery(), limit=0, with_total=False, with_facets=True))
        ],
    }
    return table[kind]


KINDS = ["words", "words+facets", "words+filters+price-sort", "typos", "predictive", "category page facets (browse)"]


async def bench(name: str, docs: list[SearchDocument], rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        search = await FtsProductSearch.open(Path(tmp) / "search.sqlite3")

        async def batches() -> AsyncIterator[list[SearchDocument]]:
            for i in range(0, len(docs), 1000):
                yield docs[i : i + 1000]

        started = time.perf_counter()
        report = await search.rebuild(batches())
        print(f"\n{name}: {report.indexed} documents indexed in {time.perf_counter() - started:.1f}s")
        print(f"{'query kind':32} {'p50 ms':>8} {'p95 ms':>8} {'calls':>6}")
        for kind in KINDS:
            calls = queries(kind)
            for call in calls:  # warm the page cache
                await call(search)
            times = []
            for _ in range(rounds):
                for call in calls:
                    t = time.perf_counter()
                    await call(search)
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{kind:32} {statistics.median(times):8.2f} {p95:8.2f} {len(times):6}")
        await search.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    docs = await retail_docs()
    if docs is None:
        print(f"{datasets.missing(DATASETS / 'retail-demo-store' / 'products.yaml')}; skipping it")
    else:
        await bench("retail-demo-store", docs, args.rounds)
    started = time.perf_counter()
    categories, records = generate_catalog(products=args.products, seed=42)
    generated = docs_from_records(categories, records)
    print(f"\ngenerated {len(generated)} products in {time.perf_counter() - started:.1f}s")
    await bench(f"generated {args.products}", generated, max(3, args.rounds // 3))


if __name__ == "__main__":
    asyncio.run(main())
