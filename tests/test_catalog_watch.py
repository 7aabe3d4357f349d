"""Catalog writes made elsewhere reach this process's caches: another process's ``bff import`` on the same
data dir, and a write whose invalidation failed because Redis was frozen. Proven by counts (one check
interval, set to 0), never by waiting."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bff.backends.cache_generation import GENERATION_KEY
from bff.backends.catalog_watch import CatalogWatch
from bff.backends.local.memory_cache import MemoryCache
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.ids import to_global_id
from tests.conftest import make_settings
from tests.stand_ins import RedisProcess
from tests.test_response_cache import calls, running

PRODUCT = 'query { product(id: "%s") { title } }' % to_global_id("Product", "demo-00001")  # noqa: UP031
RENAME = """
mutation { productUpdate(input: {id: "%s", title: "Renamed while frozen"}) { userErrors { code } } }
""" % to_global_id("Product", "demo-00001")  # noqa: UP031


@pytest.fixture
def data_dir(seeded_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(seeded_dir, tmp_path / "data"))


def import_in_another_process(data_dir: Path, feed: Path) -> None:
    env = {**os.environ, "BFF_DATA_DIR": str(data_dir), "BFF_ENV": "test"}
    code = "import sys; from bff.cli import app; sys.argv = ['bff', 'import', sys.argv[1]]; app()"
    done = subprocess.run([sys.executable, "-c", code, str(feed)], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()


async def test_a_public_get_answers_what_another_process_imported(data_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(data_dir, catalog_watch_interval_seconds=0)
    async with running(settings) as (http, state):
        before = await http.get("/graphql", params={"query": PRODUCT})
        cached = await http.get("/graphql", params={"query": PRODUCT})
        assert "catalog.get_products" not in calls(cached)  # the cache answers: it would answer stale data
        feed = tmp_path / "feed.ndjson"
        record = {"id": "demo-00001", "title": "Imported elsewhere", "variants": [{"sku": "ELSEWHERE-1", "price": 3}]}
        feed.write_text(json.dumps(record) + "\n")

        import_in_another_process(data_dir, feed)
        after = await http.get("/graphql", params={"query": PRODUCT})
        posted = await http.post("/graphql", json={"query": PRODUCT})

    assert before.json()["data"]["product"]["title"] != "Imported elsewhere"
    assert after.json()["data"] == posted.json()["data"] == {"product": {"title": "Imported elsewhere"}}
    assert state.backends.catalog_watch.retirements == 1


async def test_a_write_while_redis_is_frozen_is_not_served_stale_after(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        settings = make_settings(data_dir, cache_backend="redis", redis_url=redis.url, catalog_watch_interval_seconds=0)
        async with running(settings) as (http, state):
            assert state.backends.local_issuer is not None
            admin = {"authorization": f"Bearer {state.backends.local_issuer.mint('ops', groups=['admin'])}"}
            await http.get("/graphql", params={"query": PRODUCT})  # cached in Redis, read through it too
            assert redis.process is not None
            os.kill(redis.process.pid, signal.SIGSTOP)
            try:
                written = await http.post("/graphql", json={"query": RENAME}, headers=admin)
                during = [await http.get("/graphql", params={"query": PRODUCT}) for _ in range(2)]
            finally:
                os.kill(redis.process.pid, signal.SIGCONT)
            after = await http.get("/graphql", params={"query": PRODUCT})
    finally:
        redis.stop()

    assert written.json()["data"]["productUpdate"]["userErrors"] == []
    assert [r.json()["data"]["product"]["title"] for r in during] == ["Renamed while frozen"] * 2
    assert after.json()["data"]["product"]["title"] == "Renamed while frozen"
    watch_errors = [r for r in caplog.records if r.name == "bff.catalog_watch" and r.levelno >= logging.ERROR]
    assert len(watch_errors) == 1  # once per outage, not once per request


async def test_the_generation_is_read_at_most_once_per_interval(data_dir: Path) -> None:
    now = [100.0]
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    cache = MemoryCache()
    watch = CatalogWatch(store, cache, interval=1.0, clock=lambda: now[0])
    try:
        for _ in range(5):
            await watch.check()
        assert watch.checks == 1
        record = await store.get_product_record("demo-00001")
        assert record is not None
        await store.upsert_products([record])  # a write this watch was not told about
        await watch.check()
        assert (watch.checks, watch.retirements) == (1, 0)  # not yet: the interval has not passed

        now[0] += 1.0
        await watch.check()
        await watch.check()
    finally:
        await store.close()
    assert (watch.checks, watch.retirements) == (2, 1)
    assert await cache.get_many([GENERATION_KEY]) != [None]
