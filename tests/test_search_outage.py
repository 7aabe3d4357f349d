"""The remote-call policy proven on search: the real OpenSearch adapter against the local cluster stand-in
(``tests/opensearch_fake.py``) while it hangs, answers 503 and refuses connections.

Search is a required capability: its field is null with ``SERVICE_UNAVAILABLE`` and the rest of the document
is served. Bounds are proven by counting the requests that reach the cluster, not by timing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bff.settings import Settings
from tests.conftest import app_client, error_codes, gql, make_settings
from tests.opensearch_fake import FakeCluster, running_fake
from tests.test_opensearch_contract import SEARCH_RESPONSE

SEARCH_AND_PRODUCTS = '{ search(query: "bag", first: 2) { totalCount } products(first: 2) { nodes { id } } }'


@pytest.fixture
def cluster() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as (url, fake):
        fake.search_response = SEARCH_RESPONSE
        yield url, fake


def settings_for(data_dir: Path, url: str, **policy: Any) -> Settings:
    return make_settings(
        data_dir,
        search_backend="opensearch",
        opensearch_url=url,
        opensearch_auth="none",
        call_policy={"search": policy},
    )


def searches(fake: FakeCluster) -> int:
    return len(fake.sent("POST", "/_search"))


def retries(operation: str) -> float:
    value = REGISTRY.get_sample_value("bff_port_call_retries_total", {"capability": "search", "operation": operation})
    return value or 0.0


async def test_a_hanging_cluster_nulls_search_within_its_deadline_and_the_rest_is_served(
    seeded_dir: Path, cluster: tuple[str, FakeCluster]
) -> None:
    url, fake = cluster
    settings = settings_for(seeded_dir, url, timeout_seconds=0.3, attempts=3, breaker_failures=0)
    async with app_client(settings) as http:
        healthy = await gql(http, SEARCH_AND_PRODUCTS)
        fake.mode, fake.requests[:] = "hang", []
        started = time.monotonic()
        body = await gql(http, SEARCH_AND_PRODUCTS)
        elapsed = time.monotonic() - started

    assert "errors" not in healthy, healthy
    assert body["data"]["search"] is None
    assert body["data"]["products"] == healthy["data"]["products"]
    (error,) = body["errors"]
    assert (error["path"], error["extensions"]["code"], error["extensions"]["reason"]) == (
        ["search"],
        "SERVICE_UNAVAILABLE",
        "timeout",
    )
    # The deadline covers the retries: the hanging try is the only one, and the request waits no longer.
    assert searches(fake) == 1
    assert elapsed < 0.3 * 3 + 5  # a generous bound; the count above is the proof


async def test_idempotent_calls_are_retried_and_others_are_tried_once(
    seeded_dir: Path, cluster: tuple[str, FakeCluster]
) -> None:
    url, fake = cluster
    settings = settings_for(seeded_dir, url, attempts=3, backoff_initial_seconds=0.01, breaker_failures=0)
    app = app_client(settings)
    async with app as http:
        fake.mode, fake.requests[:] = "unavailable", []  # start-up created the alias's first index
        body = await gql(http, SEARCH_AND_PRODUCTS)
        search = app.state.backends.search
        with pytest.raises(Exception, match="unavailable") as rebuild:
            await search.rebuild(_no_batches())

    assert error_codes(body) == ["SERVICE_UNAVAILABLE"] and body["data"]["products"]["nodes"]
    assert searches(fake) == 3  # `search` is idempotent: three tries
    assert len(fake.sent("PUT", "")) == 1  # `rebuild` (creating an index) is not: one
    assert type(rebuild.value).__name__ == "ServiceUnavailable"


async def _no_batches() -> Any:
    return
    yield


async def test_the_breaker_opens_after_its_failures_and_spares_the_cluster(
    seeded_dir: Path, cluster: tuple[str, FakeCluster]
) -> None:
    url, fake = cluster
    settings = settings_for(seeded_dir, url, attempts=1, breaker_failures=3, breaker_reset_seconds=60)
    app = app_client(settings)
    async with app as http:
        fake.mode = "unavailable"
        bodies = [await gql(http, SEARCH_AND_PRODUCTS) for _ in range(5)]
        breaker = app.state.backends.search.breaker

    assert searches(fake) == 3
    assert breaker.state == "open"
    reasons = [b["errors"][0]["extensions"].get("reason") for b in bodies]
    assert reasons[3:] == ["circuit_open", "circuit_open"]
    assert all(b["data"]["products"]["nodes"] for b in bodies)


async def test_a_cluster_that_hangs_then_refuses_connections(
    seeded_dir: Path, cluster: tuple[str, FakeCluster]
) -> None:
    url, fake = cluster
    settings = settings_for(
        seeded_dir, url, timeout_seconds=0.3, attempts=2, backoff_initial_seconds=0.01, breaker_failures=3
    )
    app = app_client(settings)
    async with app as http:
        fake.mode = "hang"
        hung = await gql(http, SEARCH_AND_PRODUCTS)
        fake.refuse()
        retried_before = retries("search")
        refused = await gql(http, SEARCH_AND_PRODUCTS)
        retried = retries("search") - retried_before
        breaker = app.state.backends.search.breaker
        after = await gql(http, SEARCH_AND_PRODUCTS)

    assert [b["data"]["search"] for b in (hung, refused, after)] == [None, None, None]
    assert all(b["data"]["products"]["nodes"] for b in (hung, refused, after))
    assert hung["errors"][0]["extensions"]["reason"] == "timeout"
    # A refused connection fails fast, so it is retried: one timeout + two refusals = the breaker's three.
    assert refused["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert retried == 1
    assert breaker.state == "open"
    assert after["errors"][0]["extensions"]["reason"] == "circuit_open"
