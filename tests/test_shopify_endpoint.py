"""Shopify's endpoint shape: ``POST /api/<version>/graphql.json``, its tokens, and the buyer's address that a
server-side caller names for the rate limits."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from bff.settings import Settings
from bff.storefront_api import FOLLOWED_VERSION
from tests.conftest import app_client, error_codes, make_settings
from tests.test_hosted_checkout import patient
from tests.test_settings import PRODUCTION

QUERY = {"query": "{ products(first: 2) { nodes { handle } } }"}
PUBLIC = "public-storefront-token"
PRIVATE = "p" * 40


@pytest.mark.parametrize("version", ["2025-01", "2024-04", "unstable", "2099-13"])
async def test_every_version_is_served_by_the_current_schema(client: httpx.AsyncClient, version: str) -> None:
    response = await client.post(f"/api/{version}/graphql.json", json=QUERY)
    direct = await client.post("/graphql", json=QUERY)

    assert response.status_code == 200
    assert response.json()["data"] == direct.json()["data"] and len(response.json()["data"]["products"]["nodes"]) == 2
    assert response.headers["x-shopify-api-version"] == FOLLOWED_VERSION


async def test_only_post_and_only_version_shaped_paths(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/2025-01/graphql.json", params=QUERY)).status_code == 405
    refused = await client.post("/api/not..a.version/graphql.json", json=QUERY)
    assert refused.status_code == 404


async def test_without_a_configured_token_any_or_none_is_accepted(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"X-Shopify-Storefront-Access-Token": "anything"}):
        assert (await client.post("/api/2025-01/graphql.json", json=QUERY, headers=headers)).status_code == 200


async def test_a_configured_public_token_is_required(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, storefront_public_token=PUBLIC, storefront_private_token=PRIVATE)
    async with patient(app_client(settings)) as http:
        missing = await http.post("/api/2025-01/graphql.json", json=QUERY)
        wrong = await http.post(
            "/api/2025-01/graphql.json", json=QUERY, headers={"X-Shopify-Storefront-Access-Token": "x"}
        )
        right = await http.post(
            "/api/2025-01/graphql.json", json=QUERY, headers={"X-Shopify-Storefront-Access-Token": PUBLIC}
        )
        private = await http.post(
            "/api/2025-01/graphql.json", json=QUERY, headers={"Shopify-Storefront-Private-Token": PRIVATE}
        )
        wrong_private = await http.post(
            "/api/2025-01/graphql.json", json=QUERY, headers={"Shopify-Storefront-Private-Token": PUBLIC}
        )
        bad_ip = await http.post(
            "/api/2025-01/graphql.json",
            json=QUERY,
            headers={"Shopify-Storefront-Private-Token": PRIVATE, "Shopify-Storefront-Buyer-IP": "not-an-address"},
        )

    for refused in (missing, wrong, wrong_private):
        assert refused.status_code == 401 and error_codes(refused.json()) == ["UNAUTHENTICATED"]
    assert right.status_code == 200 and "errors" not in right.json()
    assert private.status_code == 200 and "errors" not in private.json()
    assert bad_ip.status_code == 400 and error_codes(bad_ip.json()) == ["BAD_USER_INPUT"]


async def _until_throttled(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    """Requests answered before the first 429 (at most 50 sent)."""
    for sent in range(50):
        if (await http.post("/api/2025-01/graphql.json", json=QUERY, headers=headers)).status_code == 429:
            return sent
    raise AssertionError("never throttled")


async def test_the_rate_limits_spend_from_the_buyer_a_private_caller_names(seeded_dir: Path) -> None:
    settings = make_settings(
        seeded_dir, rate_limit=True, rate_limit_capacity=30, rate_limit_restore_rate=1, storefront_private_token=PRIVATE
    )

    def buyer(address: str, private: bool = True) -> dict[str, str]:
        headers = {"Shopify-Storefront-Buyer-IP": address}
        return {**headers, "Shopify-Storefront-Private-Token": PRIVATE} if private else headers

    async with patient(app_client(settings)) as http:
        first = await _until_throttled(http, buyer("203.0.113.7"))
        other = await http.post("/api/2025-01/graphql.json", json=QUERY, headers=buyer("203.0.113.8"))
        own = await _until_throttled(http, {})  # the server's own address: a bucket of its own
        # Without the private token the header names nobody: the request spends from the caller's address.
        unverified = await http.post("/api/2025-01/graphql.json", json=QUERY, headers=buyer("203.0.113.9", False))

    assert first >= 2 and own == first
    assert other.status_code == 200
    assert unverified.status_code == 429


def test_production_refuses_a_short_private_token() -> None:
    with pytest.raises(ValidationError, match="BFF_STOREFRONT_PRIVATE_TOKEN"):
        Settings(**PRODUCTION, storefront_private_token="short")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="BFF_CHECKOUT_BASE_URL"):
        Settings(**PRODUCTION, checkout_base_url="http://shop.example.com")  # type: ignore[arg-type]
    accepted = Settings(**PRODUCTION, storefront_private_token=PRIVATE)  # type: ignore[arg-type]
    assert accepted.storefront_private_token is not None
    assert PRIVATE not in repr(accepted)  # a secret: never printed
