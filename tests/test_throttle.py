"""Rate limits spent in query cost: a bucket per client that refills, in process memory and in Redis."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.requests import Request

from bff.domain.identity import Identity
from bff.graphql.throttle import Bucket, Throttle, Throttled, client_key
from tests.conftest import app_client, error_codes, make_settings
from tests.stand_ins import RedisProcess

QUERIES = Bucket(capacity=100, restore_rate=5)
MUTATIONS = Bucket(capacity=30, restore_rate=1)


@pytest.fixture(params=["memory", "redis"])
async def throttle(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Throttle]:
    url = redis_url if request.param == "redis" else None
    limiter = Throttle.from_url(url, QUERIES, MUTATIONS)
    yield limiter
    await limiter.close()


async def test_costs_are_spent_until_the_bucket_is_empty_then_refused_with_a_wait(throttle: Throttle) -> None:
    client = f"ip:test-{id(throttle)}"
    first = await throttle.spend(client, 60, mutation=False)
    second = await throttle.spend(client, 30, mutation=False)
    with pytest.raises(Throttled) as refused:
        await throttle.spend(client, 20, mutation=False)

    assert (first.currently_available, second.currently_available) == (40, 10)
    assert refused.value.code == "THROTTLED"
    # 10 left, 20 wanted, 5 restored a second: 2 seconds.
    assert refused.value.extensions["retryAfterSeconds"] == 2
    assert refused.value.extensions["cost"]["throttleStatus"]["currentlyAvailable"] == 10


async def test_mutations_and_other_clients_spend_from_their_own_buckets(throttle: Throttle) -> None:
    client = f"ip:own-{id(throttle)}"
    await throttle.spend(client, 100, mutation=False)

    mutation = await throttle.spend(client, 10, mutation=True)
    other = await throttle.spend(client + "-other", 10, mutation=False)

    assert (mutation.maximum_available, mutation.currently_available) == (30, 20)
    assert other.currently_available == 90


async def test_a_redis_outage_lets_requests_through_and_is_logged_once(
    tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisProcess(tmp_path_factory.mktemp("throttle-redis"))
    server.start()
    limiter = Throttle.from_url(server.url, QUERIES, MUTATIONS)
    try:
        await limiter.spend("ip:a", 10, mutation=False)
        server.stop()
        statuses = [await limiter.spend("ip:a", 100, mutation=False) for _ in range(3)]
    finally:
        await limiter.close()
        server.stop()

    assert all(s.currently_available == 100 for s in statuses)
    assert len([r for r in caplog.records if "rate limits not enforced" in r.message]) == 1


def _request(client: str, forwarded: str | None = None, user: Identity | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (client, 5000), "headers": headers, "user": user})


def test_the_client_is_the_user_when_signed_in_else_the_first_untrusted_address() -> None:
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    user = Identity(subject="sub-1", username="alice", email=None, groups=frozenset())

    assert client_key(_request("10.0.0.5", "1.2.3.4", user), proxies) == "user:sub-1"
    assert client_key(_request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9"), proxies) == "ip:1.2.3.4"
    # An untrusted peer's X-Forwarded-For is its own word: ignored.
    assert client_key(_request("5.5.5.5", "1.2.3.4"), proxies) == "ip:5.5.5.5"
    assert client_key(_request("5.5.5.5", "1.2.3.4"), []) == "ip:5.5.5.5"


async def test_the_api_spends_each_requests_cost_and_answers_429_when_the_bucket_is_empty(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, rate_limit=True, rate_limit_capacity=100, rate_limit_restore_rate=1)
    document = "{ products(first: 10) { nodes { title } } }"  # 2 + 10 x 1 = 12 points
    async with app_client(settings) as http:
        answers = [await http.post("/graphql", json={"query": document}) for _ in range(9)]

    spent = [a.json()["extensions"]["cost"] for a in answers[:8]]
    assert [s["requestedQueryCost"] for s in spent] == [12] * 8
    available = [s["throttleStatus"]["currentlyAvailable"] for s in spent]
    assert available[0] == 88 and available == sorted(available, reverse=True) and available[-1] <= 4
    assert spent[0]["throttleStatus"]["maximumAvailable"] == 100 and spent[0]["throttleStatus"]["restoreRate"] == 1
    refused = answers[8]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 8
    assert error_codes(refused.json()) == ["THROTTLED"]


async def test_mutations_spend_from_their_own_bucket(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, rate_limit=True, rate_limit_capacity=12, rate_limit_restore_rate=1)
    async with app_client(settings) as http:
        await http.post("/graphql", json={"query": "{ products(first: 10) { nodes { title } } }"})
        query = await http.post("/graphql", json={"query": "{ products(first: 10) { nodes { title } } }"})
        mutation = await http.post(
            "/graphql", json={"query": 'mutation { productUpdate(input: {id: "x"}) { userErrors { code } } }'}
        )

    assert query.status_code == 429
    assert error_codes(mutation.json()) == ["UNAUTHENTICATED"]  # spent from the mutation bucket, then ran


async def test_refused_documents_are_charged_by_their_size(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, rate_limit=True, rate_limit_capacity=100, rate_limit_restore_rate=1)
    broken = "{ products(first: 1) { nodes { title } } " + "#" * 2_000  # does not parse: 2,041 characters
    async with app_client(settings) as http:
        refusals = [await http.post("/graphql", json={"query": broken}) for _ in range(5)]

    # 21 points each: four fit in the bucket of 100, the fifth is throttled.
    assert [error_codes(r.json()) for r in refusals[:4]] == [["GRAPHQL_PARSE_FAILED"]] * 4
    assert refusals[4].status_code == 429 and error_codes(refusals[4].json()) == ["THROTTLED"]
