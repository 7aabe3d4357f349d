"""``@defer``: the home page's "for you" recommendations arrive after the product grid, in one request.

The recommender is the delayed stand-in (``BFF_RECOMMENDER_DELAY_SECONDS``); each of its calls is watched
(started, finished, cancelled) so that arrival is asserted by order and by the stand-in still being pending,
never by wall-clock time.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import hashlib
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bff import metrics
from loaders import DataLoaders
from tests.conftest import app_client, error_codes, make_settings
from tests.defer_client import (
    MULTIPART_ACCEPT,
    Streamed,
    Watched,
    chunk_payload,
    merge_parts,
    multipart_payloads,
    patient_app,
    watching_the_recommender,
)

DELAY = 2.0  # far longer than the grid takes; no assertion depends on it

FOR_YOU = """fragment ForYou on Query {
  forYou: recommendations(intent: FOR_YOU, first: 8) {
    source
    items { id handle title priceRange { minVariantPrice { amount currencyCode } } }
  }
}"""
GRID = """products(first: $first, sortKey: BEST_SELLING) {
    edges { node { id handle title availableForSale priceRange { minVariantPrice { amount } } } }
    pageInfo { hasNextPage endCursor }
  }"""
HOME_DEFERRED = f"""query Home($first: Int!) {{
  {GRID}
  ...ForYou @defer(label: "forYou")
}}
{FOR_YOU}"""
HOME = HOME_DEFERRED.replace(' @defer(label: "forYou")', "")


@pytest.fixture(scope="module")
def watched() -> Iterator[Watched]:
    with watching_the_recommender() as found:
        yield found


@pytest.fixture(scope="module")
async def served(history_dir: Path, watched: Watched) -> AsyncIterator[app_client]:
    settings = make_settings(history_dir, recommender_delay_seconds=DELAY, recommender_rebuild_interval_seconds=0)
    app = patient_app(settings)
    await app.__aenter__()
    yield app
    await app.__aexit__(None, None, None)


async def post(app: app_client, query: str, accept: str = "application/json", **variables: Any) -> Any:
    body = {"query": query, "variables": variables}
    response = await app.http.post("/graphql", json=body, headers={"accept": accept})
    assert response.status_code == 200, response.text
    return response


async def test_the_grid_arrives_while_the_recommender_is_still_pending(served: app_client, watched: Watched) -> None:
    before = watched.started
    stream = Streamed(served.manager.app, HOME_DEFERRED, {"first": 24}).start()
    first = chunk_payload(await stream.next_chunk() or b"")
    # The recommender was asked (beside the grid) and has not answered: the grid did not wait for it.
    assert (watched.started - before, watched.pending) == (1, 1)
    assert stream.status == 200
    assert stream.headers["content-type"] == 'multipart/mixed; boundary="-"; deferSpec=20220824'
    assert "content-length" not in stream.headers
    assert first["hasNext"] is True
    assert "forYou" not in first["data"]
    assert len(first["data"]["products"]["edges"]) == 24

    second = chunk_payload(await stream.next_chunk() or b"")
    assert watched.pending == 0
    assert second["hasNext"] is False
    [entry] = second["incremental"]
    assert (entry["path"], entry["label"], list(entry["data"])) == ([], "forYou", ["forYou"])
    assert await stream.next_chunk() is None

    whole = (await post(served, HOME, first=24)).json()
    assert "errors" not in whole
    assert merge_parts([first, second]) == whole["data"]
    assert len(whole["data"]["forYou"]["items"]) == 8


async def test_loaders_batch_within_the_parts_as_in_one_response(served: app_client) -> None:
    """The deferred part's products come in one catalog batch: the same backend calls as without @defer."""
    parts = multipart_payloads((await post(served, HOME_DEFERRED, MULTIPART_ACCEPT, first=24)).content)
    whole = (await post(served, HOME, first=24)).json()
    assert parts[-1]["extensions"]["backendCalls"] == whole["extensions"]["backendCalls"]
    assert whole["extensions"]["backendCalls"]["catalog.get_products"] == 1


async def test_a_client_that_does_not_stream_gets_one_complete_response(served: app_client) -> None:
    deferred = (await post(served, HOME_DEFERRED, first=24)).json()
    whole = (await post(served, HOME, first=24)).json()
    assert "hasNext" not in deferred and "errors" not in deferred
    assert deferred["data"] == whole["data"]


async def test_the_cost_counts_the_deferred_part(served: app_client) -> None:
    parts = multipart_payloads((await post(served, HOME_DEFERRED, MULTIPART_ACCEPT, first=24)).content)
    whole = (await post(served, HOME, first=24)).json()
    grid_only = (await post(served, f"query Home($first: Int!) {{ {GRID} }}", first=24)).json()
    cost = parts[0]["extensions"]["cost"]["requestedQueryCost"]
    assert cost == whole["extensions"]["cost"]["requestedQueryCost"]
    assert cost > grid_only["extensions"]["cost"]["requestedQueryCost"]


async def test_a_document_over_the_cost_limit_is_refused_before_any_part(history_dir: Path, watched: Watched) -> None:
    settings = make_settings(history_dir, recommender_delay_seconds=DELAY, max_query_cost=10)
    before = watched.started
    async with patient_app(settings) as http:
        response = await http.post(
            "/graphql", json={"query": HOME_DEFERRED, "variables": {"first": 24}}, headers={"accept": MULTIPART_ACCEPT}
        )
    assert error_codes(response.json()) == ["MAX_COST_EXCEEDED"]
    assert watched.started == before


async def test_a_client_that_disconnects_leaves_no_work_running(
    served: app_client, watched: Watched, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = []
    original = DataLoaders.release

    def release(self: DataLoaders) -> None:
        released.append(self)
        original(self)

    monkeypatch.setattr(DataLoaders, "release", release)
    # The request's own tasks: those created in a context holding a request's call accounting (the
    # app's periodic work, started elsewhere, is not this request's).
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    request_tasks: list[asyncio.Task[Any]] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, context: contextvars.Context | None = None) -> Any:
        task = previous(loop, coro, context=context) if previous else asyncio.Task(coro, loop=loop, context=context)
        if (context or contextvars.copy_context()).run(metrics.request_calls.get) is not None:
            request_tasks.append(task)
        return task

    loop.set_task_factory(factory)
    try:
        before = (watched.started, watched.finished, watched.cancelled)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = Streamed(served.manager.app, HOME_DEFERRED, {"first": 24}).start()
            first = chunk_payload(await stream.next_chunk() or b"")
            assert first["hasNext"] is True and watched.pending == 1
            stream.disconnect()
            await stream.finished()
            await asyncio.sleep(0)
            gc.collect()
        assert (watched.started, watched.finished, watched.cancelled) == (before[0] + 1, before[1], before[2] + 1)
    finally:
        loop.set_task_factory(previous)
    assert request_tasks  # the deferred work ran in tasks of its own
    left = [t for t in request_tasks if not t.done()]
    assert left == [], [t.get_stack(limit=3) for t in left]
    assert len(released) == 1
    assert not [w for w in caught if "never awaited" in str(w.message)]


async def test_a_degraded_deferred_part_carries_its_warning(history_dir: Path) -> None:
    settings = make_settings(
        history_dir,
        recommender_delay_seconds=1.0,
        recommender_rebuild_interval_seconds=0,
        call_policy={"recommender": {"timeout_seconds": 0.02, "breaker_failures": 0}},
    )
    async with patient_app(settings) as http:
        response = await http.post(
            "/graphql", json={"query": HOME_DEFERRED, "variables": {"first": 4}}, headers={"accept": MULTIPART_ACCEPT}
        )
    first, second = multipart_payloads(response.content)
    assert "warnings" not in first.get("extensions", {})
    assert [(w["code"], w["capability"]) for w in second["extensions"]["warnings"]] == [("DEGRADED", "recommender")]
    [entry] = second["incremental"]
    assert len(entry["data"]["forYou"]["items"]) == 8  # the fallback's list
    assert "errors" not in entry


async def test_an_error_in_a_deferred_part_keeps_the_stream_whole(served: app_client) -> None:
    query = """{ products(first: 2) { nodes { id } }
      ... @defer(label: "bad") { cart(id: "not-a-cart-id") { id } }
      ... @defer(label: "good") { categories(first: 2) { nodes { id } } } }"""
    response = await post(served, query, MULTIPART_ACCEPT)
    parts = multipart_payloads(response.content)
    entries = {e["label"]: e for p in parts[1:] for e in p.get("incremental", [])}
    assert parts[-1]["hasNext"] is False
    assert len(entries["good"]["data"]["categories"]["nodes"]) == 2
    codes = [e["extensions"]["code"] for e in entries["bad"]["errors"]]
    assert codes and "INTERNAL_SERVER_ERROR" not in codes
    assert entries["bad"]["data"] == {"cart": None}


async def test_streamed_responses_are_never_cached_and_plain_ones_are(served: app_client, watched: Watched) -> None:
    query = HOME_DEFERRED.replace("$first: Int!", "$first: Int! = 4")
    before = watched.started
    streamed = [await served.http.get("/graphql", params={"query": query}, headers={"accept": MULTIPART_ACCEPT})]
    streamed.append(await served.http.get("/graphql", params={"query": query}, headers={"accept": MULTIPART_ACCEPT}))
    assert watched.started - before == 2  # each streamed request ran
    for response in streamed:
        assert response.headers["cache-control"] == "no-store"
        assert multipart_payloads(response.content)[-1]["hasNext"] is False
    plain = [await served.http.get("/graphql", params={"query": query}) for _ in range(2)]
    assert watched.started - before == 3  # the second plain request was the cache's
    assert plain[0].json()["data"] == plain[1].json()["data"]
    assert "public" in plain[1].headers["cache-control"]


async def test_a_persisted_query_streams_over_get(served: app_client) -> None:
    query = HOME_DEFERRED.replace("$first: Int!", "$first: Int! = 3")
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    registered = await served.http.post("/graphql", json={"query": query, "extensions": extensions})
    assert "errors" not in registered.json()
    response = await served.http.get(
        "/graphql",
        params={"extensions": f'{{"persistedQuery":{{"version":1,"sha256Hash":"{digest}"}}}}'},
        headers={"accept": MULTIPART_ACCEPT},
    )
    first, second = multipart_payloads(response.content)
    assert len(first["data"]["products"]["edges"]) == 3
    assert merge_parts([first, second]) == registered.json()["data"]
