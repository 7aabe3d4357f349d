"""Latency injection: each port operation waits a drawn delay before the adapter answers (benchmarks only)."""

from __future__ import annotations

import random
import statistics
from pathlib import Path

from bff.backends.latency import DEFAULT_MEDIAN_MS, DelaySampler, LatencyInjected, inject_latency
from bff.backends.local.recommender_embedded import EmbeddedRecommender
from bff.backends.ports import unwrap
from bff.backends.recommender import RECOMMENDER
from bff.domain.recommendations import Intent, RecommendationRequest
from tests.conftest import app_client, gql, make_settings


class Recorder:
    """Stands in for ``asyncio.sleep``: remembers each delay asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_each_operation_waits_its_capabilitys_delay_and_closing_never_waits(
    tmp_path: Path, seeded_dir: Path
) -> None:
    from bff.backends.local.sqlite_catalog import SqliteCatalogStore

    catalog = await SqliteCatalogStore.open(make_settings(seeded_dir).catalog_db_path)
    adapter = await EmbeddedRecommender.open(tmp_path / "model.sqlite3", catalog, rebuild_interval=0)
    sleep = Recorder()
    slow = inject_latency(adapter, RECOMMENDER, {"recommender": 25.0}, 0.0, sleep=sleep)
    assert isinstance(slow, LatencyInjected)

    answered = await slow.recommend([RecommendationRequest(intent=Intent.FOR_YOU, limit=3)])
    direct = await adapter.recommend([RecommendationRequest(intent=Intent.FOR_YOU, limit=3)])
    await slow.rerank("someone", ["a", "b"])
    assert answered == direct  # the adapter's own answer, only later
    assert sleep.delays == [0.025, 0.025]

    await slow.close()
    assert sleep.delays == [0.025, 0.025]
    await catalog.close()


async def test_a_capability_without_a_delay_keeps_its_adapter(tmp_path: Path, seeded_dir: Path) -> None:
    from bff.backends.local.sqlite_catalog import SqliteCatalogStore

    catalog = await SqliteCatalogStore.open(make_settings(seeded_dir).catalog_db_path)
    adapter = await EmbeddedRecommender.open(tmp_path / "model.sqlite3", catalog, rebuild_interval=0)
    assert inject_latency(adapter, RECOMMENDER, {"recommender": 0.0}, 0.1) is adapter
    await adapter.close()
    await catalog.close()


def test_delays_are_drawn_around_the_median() -> None:
    sampler = DelaySampler(40.0, 0.1, random.Random(7))
    draws = [sampler() for _ in range(4001)]
    assert abs(statistics.median(draws) - 0.040) < 0.040 * 0.02
    assert len(set(draws)) > 4000  # drawn, not fixed
    assert min(draws) > 0
    assert DelaySampler(40.0, 0.0)() == 0.040


def test_the_default_profile_names_every_remote_service() -> None:
    assert DEFAULT_MEDIAN_MS["catalog"] == 4.0 and DEFAULT_MEDIAN_MS["cache"] == 0.5
    assert DEFAULT_MEDIAN_MS["search"] == 15.0 and DEFAULT_MEDIAN_MS["recommender"] == 40.0
    assert DEFAULT_MEDIAN_MS["geocoder"] == 60.0 and DEFAULT_MEDIAN_MS["assistant"] == 150.0


async def test_the_composition_root_wraps_the_adapters(seeded_dir: Path) -> None:
    plain, slow = app_client(make_settings(seeded_dir)), app_client(make_settings(seeded_dir, latency_injection=True))
    async with plain:  # (also builds the search index, which the slow start-up would then rebuild call by call)
        backends = plain.state.backends
        for port in (backends.recommender, backends.cache, backends.search, backends.stores, backends.discounts):
            assert not isinstance(unwrap(port), LatencyInjected), port
    async with slow as http:
        body = await gql(http, "{ products(first: 2) { nodes { handle } } }")
        assert not body.get("errors") and len(body["data"]["products"]["nodes"]) == 2
        backends = slow.state.backends
        for port in (backends.recommender, backends.cache, backends.search, backends.stores, backends.discounts):
            assert isinstance(unwrap(port), LatencyInjected), port
