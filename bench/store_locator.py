"""Nearest stores, in process: p50/p95/p99 of a nearest-20 search among 10,000 stores (the goal: p95 < 5 ms).

    .venv/bin/python bench/store_locator.py [--stores 10000] [--searches 2000]

Self-contained (no harness): generates demo stores in real cities (``generate_stores``), opens the embedded
store adapter on a temp SQLite file, and times ``nearest`` through the port (no thread hop: the index is in
memory) from origins near random stores (a shopper is near some store) and anywhere on land or sea, with the
default radius (50 km), the largest (500 km), and with the open-now and pickup filters.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bff.backends.local.stores_sqlite import SqliteStoreLocator
from bff.domain.stores import GeoPoint, NearbyQuery, StoreService
from bff.services.stores_seed import generate_stores


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(stores: int, searches: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    generated = generate_stores(stores, seed=seed)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        locator = await SqliteStoreLocator.open(Path(tmp) / "stores.sqlite3")
        await locator.upsert_stores(generated)
        near = [
            GeoPoint(s.position.latitude + rng.uniform(-0.2, 0.2), s.position.longitude + rng.uniform(-0.2, 0.2))
            for s in rng.choices(generated, k=searches)
        ]
        anywhere = [GeoPoint(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(searches)]
        now = datetime.now(UTC)
        cases = [
            ("near a store, 50 km", near, 50.0, None, None),
            ("near a store, 500 km", near, 500.0, None, None),
            ("anywhere, 500 km", anywhere, 500.0, None, None),
            ("near a store, 500 km, pickup, open now", near, 500.0, StoreService.PICKUP, now),
        ]
        for name, origins, radius, service, open_at in cases:
            timings: list[float] = []
            found = 0
            for origin in origins:
                query = NearbyQuery(origin, radius, 20, service, open_at)
                started = time.perf_counter()
                result = await locator.nearest(query)
                timings.append((time.perf_counter() - started) * 1000)
                found += len(result)
            rows.append(
                {
                    "case": name,
                    "p50_ms": round(statistics.median(timings), 3),
                    "p95_ms": round(percentile(timings, 0.95), 3),
                    "p99_ms": round(percentile(timings, 0.99), 3),
                    "mean_found": round(found / len(origins), 1),
                }
            )
        await locator.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=2000)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.stores, args.searches))
    print(f"nearest 20 among {args.stores:,} stores, {args.searches:,} searches per case")
    print(f"{'case':<42} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'found':>6}")
    for row in rows:
        print(f"{row['case']:<42} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['mean_found']:>6}")
    worst = max(float(str(r["p95_ms"])) for r in rows)
    print(f"goal p95 < 5 ms: {'met' if worst < 5 else 'MISSED'} (worst p95 {worst} ms)")


if __name__ == "__main__":
    main()
