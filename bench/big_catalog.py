"""Big catalogs, in process: p50/p95 of the embedded read paths at 100,000 generated products.

    .venv/bin/python -m bench.big_catalog [--products 100000] [--rounds 3] [--label NAME]
        [--data-dir DIR] [--only KIND ...]

Self-contained (no HTTP, no harness). Seeds the generated demo catalog (``generate_catalog``, as ``bff seed``
and ``make bench`` do) into a fresh ``SqliteCatalogStore`` and builds the embedded search index from it, then
times, end to end through the ports (thread hops included):

* category listings: 24 products of a category (each of the 6 broad top-level ones and 6 leaves), every sort
  a storefront offers, with and without filters (in stock, price range, brand, product type), first page and
  the page after it (``CatalogStore.list_products``);
* category counts: the listing's ``totalCount`` with the same filters (``CatalogStore.count_products``);
* category facets: the filter sidebar of a category page, with and without a filter chosen from it
  (``ProductSearch.search(text=None, with_facets=True)``);
* search words + facets: 48 hits, the total and the facets (the ``search`` scenario of ``make bench``);
* predictive search: ``ProductSearch.suggest`` of what a shopper types, 5 of each.

``--data-dir DIR`` keeps the catalog and the index in ``DIR``: built when it holds none, reused as they are
otherwise (an index of an earlier version gains what it lacks when opened), so a change to the read paths is
timed in seconds. ``--only`` times the kinds whose name contains one of the words given; the catalog is
generated again only for the kinds that need its records (the category ones).

Writes ``bench/results/<date>-big-catalog[-label].md`` and ``.json``. Absolute times vary by ±30% between runs
on a shared machine; compare kinds within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from bench.search_bench import docs_from_records
from bff.backends.local.fts_search import FtsProductSearch
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.domain.catalog import Category, PageRequest, ProductQuery, ProductRecord, ProductSortKey
from bff.domain.search import SearchDocument, SearchRequest

RESULTS = Path(__file__).parent / "results"
PAGE = 24
SORTS = (
    (ProductSortKey.BEST_SELLING, False),
    (ProductSortKey.PRICE, False),
    (ProductSortKey.PRICE, True),
    (ProductSortKey.TITLE, False),
    (ProductSortKey.CREATED_AT, True),
)
WORDS = ["leather backpack", "shirt", "wireless headphones", "wool jacket", "sofa", "necklace", "running shoe"]
PREFIXES = ["leath", "sun", "jack", "hea", "wo", "linen s", "wireless h", "ru"]

Call = Callable[[], Awaitable[object]]


def label(q: ProductQuery) -> str:
    """A short name for a listing's filters, to say which call was the slowest."""
    shown = {k: v for k, v in vars_of(q).items() if v not in (None, ())}
    return ", ".join(f"{k}={v}" for k, v in shown.items())


def vars_of(q: ProductQuery) -> dict[str, object]:
    return {f: getattr(q, f) for f in q.__dataclass_fields__}


def _filters(root: str, records: list[ProductRecord], subtree: set[str]) -> list[ProductQuery]:
    """No filter, in stock, a price range, in stock + price, the subtree's commonest brand, its commonest type."""
    inside = [r.product for r in records if r.product.category_id in subtree]
    vendor = Counter(p.vendor for p in inside).most_common(1)[0][0]
    product_type = Counter(p.product_type for p in inside).most_common(1)[0][0]
    return [
        ProductQuery(category_id=root),
        ProductQuery(category_id=root, available=True),
        ProductQuery(category_id=root, min_price=Decimal(50), max_price=Decimal("99.99")),
        ProductQuery(category_id=root, available=True, max_price=Decimal(150)),
        ProductQuery(category_id=root, vendors=(vendor,)),
        ProductQuery(category_id=root, product_types=(product_type,), available=True),
    ]


def subtrees(categories: list[Category]) -> dict[str, set[str]]:
    children: dict[str | None, list[str]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.id)

    def below(cid: str) -> set[str]:
        return {cid}.union(*(below(k) for k in children.get(cid, [])))

    return {c.id: below(c.id) for c in categories}


def search_workload(search: FtsProductSearch) -> dict[str, list[tuple[str, Call]]]:
    """The kinds that need no catalog records: words search and predictive search."""
    return {
        "search words + facets (48)": [
            (w, partial(search.search, SearchRequest(w, limit=48, with_total=True, with_facets=True))) for w in WORDS
        ],
        "search words (48)": [(w, partial(search.search, SearchRequest(w, limit=48))) for w in WORDS],
        "predictive search (5)": [(p, partial(search.suggest, p, 5)) for p in PREFIXES],
    }


CATEGORY_KINDS = (
    "category listing, 24, filters + sort",
    "category listing, first + next page",
    "category count (totalCount)",
    "category facets",
)


def workload(
    store: SqliteCatalogStore, search: FtsProductSearch, categories: list[Category], records: list[ProductRecord]
) -> dict[str, list[tuple[str, Call]]]:
    trees = subtrees(categories)
    roots = [c.id for c in categories if c.parent_id is None]
    sizes = Counter(r.product.category_id for r in records)
    leaves = sorted((c.id for c in categories if c.id in sizes), key=lambda cid: -sizes[cid])[:6]
    queries = [q for cid in roots + leaves for q in _filters(cid, records, trees[cid])]
    listings: list[tuple[str, Call]] = []
    pages: list[tuple[str, Call]] = []
    for q in queries:
        for sort, reverse in SORTS:
            name = f"{label(q)}; {sort.name}{' reversed' if reverse else ''}"
            listings.append((name, partial(store.list_products, q, sort, reverse, PageRequest(PAGE))))

            async def next_page(q: ProductQuery = q, s: ProductSortKey = sort, r: bool = reverse) -> object:
                first = await store.list_products(q, s, r, PageRequest(PAGE))
                if not first.keys:
                    return first
                return await store.list_products(q, s, r, PageRequest(PAGE, after=first.keys[-1]))

            pages.append((name, next_page))
    return {
        "category listing, 24, filters + sort": listings,
        "category listing, first + next page": pages,
        "category count (totalCount)": [(label(q), partial(store.count_products, q)) for q in queries],
        "category facets": [
            (label(q), partial(search.search, SearchRequest(None, q, limit=0, with_total=False, with_facets=True)))
            for q in queries
        ],
        **search_workload(search),
    }


async def timed(calls: list[tuple[str, Call]], rounds: int) -> tuple[list[float], str]:
    """Every call's times (ms) over ``rounds``, and the name of the call with the highest median."""
    for _, call in calls:  # warm the page cache and the decoded rows
        await call()
    times: list[float] = []
    per_call: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, call in calls:
            started = time.perf_counter()
            await call()
            elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
            per_call.setdefault(name, []).append(elapsed)
    slowest = max(per_call, key=lambda name: statistics.median(per_call[name]))
    return times, f"{slowest} ({statistics.median(per_call[slowest]):.1f} ms)"


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def selected(only: list[str]) -> list[str]:
    kinds = [*CATEGORY_KINDS, "search words + facets (48)", "search words (48)", "predictive search (5)"]
    return [k for k in kinds if not only or any(word in k for word in only)]


async def build(data: Path, products: int, setup: dict[str, float]) -> tuple[list[Category], list[ProductRecord]]:
    """Generate the catalog, import it into ``data`` and index it."""
    started = time.perf_counter()
    categories, records = generate_catalog(products=products, seed=42)
    setup["generate s"] = time.perf_counter() - started
    store = await SqliteCatalogStore.open(data / "catalog.sqlite3")
    search = await FtsProductSearch.open(data / "search.sqlite3")
    started = time.perf_counter()
    await store.upsert_categories(categories)
    for i in range(0, len(records), 1000):
        await store.upsert_products(records[i : i + 1000])
    setup["catalog import s"] = time.perf_counter() - started
    docs = docs_from_records(categories, records)

    async def batches() -> AsyncIterator[list[SearchDocument]]:
        for i in range(0, len(docs), 1000):
            yield docs[i : i + 1000]

    started = time.perf_counter()
    await search.rebuild(batches())
    setup["search index s"] = time.perf_counter() - started
    await search.close()
    await store.close()
    (data / "products").write_text(f"{products}\n")  # written last: a build that died half way is redone
    return categories, records


def reusable(data: Path, products: int) -> bool:
    """Whether ``data`` holds a whole build of ``products`` products; if not, what a build left is removed."""
    built = data / "products"
    if built.exists() and built.read_text().strip() == str(products):
        return True
    for name in ("catalog.sqlite3", "search.sqlite3"):
        for leftover in data.glob(f"{name}*"):
            leftover.unlink()
    return False


async def measure(data: Path, args: argparse.Namespace, setup: dict[str, float]) -> list[dict[str, object]]:
    kinds = selected(args.only)
    catalog: tuple[list[Category], list[ProductRecord]] | None = None
    if not reusable(data, args.products):
        catalog = await build(data, args.products, setup)
    elif any(k in CATEGORY_KINDS for k in kinds):
        catalog = generate_catalog(products=args.products, seed=42)
    store = await SqliteCatalogStore.open(data / "catalog.sqlite3")
    search = await FtsProductSearch.open(data / "search.sqlite3")
    if setup:
        print(", ".join(f"{k} {v:.1f}" for k, v in setup.items()))
    table = search_workload(search) if catalog is None else workload(store, search, *catalog)
    rows: list[dict[str, object]] = []
    print(f"{'query kind':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'calls':>6}")
    for kind in kinds:
        times, slowest = await timed(table[kind], args.rounds)
        row = {
            "kind": kind,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 2),
            "calls": len(times),
            "slowest": slowest,
        }
        rows.append(row)
        print(f"{kind:40} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['max_ms']:8.2f} {row['calls']:6}  {slowest}")
    await search.close()
    await store.close()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--label", default="")
    parser.add_argument("--no-write", action="store_true", help="print only, write no result file")
    parser.add_argument("--data-dir", type=Path, help="keep the catalog and index here: built if empty, else reused")
    parser.add_argument("--only", nargs="*", default=[], help="time only the kinds whose name holds one of these")
    args = parser.parse_args()
    setup: dict[str, float] = {}
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        rows = await measure(args.data_dir, args, setup)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = await measure(Path(tmp), args, setup)
    if args.no_write:
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    name = f"{stamp}-big-catalog{'-' + args.label if args.label else ''}"
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "products": args.products,
        "rounds": args.rounds,
        "setup": {k: round(v, 1) for k, v in setup.items()},
        "load_average": os.getloadavg(),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2) + "\n")
    data = " --data-dir DIR" if args.data_dir else ""
    only = f" --only {' '.join(args.only)}" if args.only else ""
    lines = [
        f"# Big catalog, in process: {args.products:,} generated products ({name})",
        "",
        f"`python -m bench.big_catalog --rounds {args.rounds}{data}{only}`; setup: "
        + (", ".join(f"{k} {v:.1f}" for k, v in setup.items()) or "reused data dir")
        + "; load average at the end "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (2 CPUs)",
        "",
        "| query kind | p50 ms | p95 ms | max ms | calls | slowest call (its median) |",
        "|---|---:|---:|---:|---:|---|",
        *(
            f"| {r['kind']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['calls']} | {r['slowest']} |"
            for r in rows
        ),
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print(f"wrote bench/results/{name}.md")


if __name__ == "__main__":
    asyncio.run(main())
