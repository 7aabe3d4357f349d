"""Personalize configured in the app: its answers served as they are, and its failures (timeout, throttling,
service errors) answered by the embedded model with the `recommender` warning, per intent.

The app opens real aioboto3 clients; botocore's Stubber on its runtime client plays Personalize."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from bff.backends.personalize import PersonalizeRecommender
from bff.backends.ports import unwrap
from bff.ids import from_global_id
from tests.conftest import app_client, gql, make_settings

ARN = "arn:aws:personalize:us-east-1:123456789012"
QUERY = """query($intent: RecommendationIntent!, $id: ID) { products(first: 2) { nodes { id } }
    recommendations(intent: $intent, productId: $id, first: 4, sessionId: "s-1") { source items { id } } }"""


def settings_for(data_dir: Path, **overrides: Any) -> Any:
    return make_settings(
        data_dir,
        recommender_backend="personalize",
        personalize_for_you_arn=f"{ARN}:recommender/recommended-for-you",
        personalize_related_arn=f"{ARN}:campaign/similar-items",
        personalize_bought_together_arn=f"{ARN}:recommender/frequently-bought-together",
        recommender_rebuild_interval_seconds=0,
        **overrides,
    )


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")


@pytest.fixture
async def app(history_dir: Path, aws_credentials: None) -> AsyncIterator[tuple[app_client, Stubber]]:
    served = app_client(settings_for(history_dir))
    await served.__aenter__()
    adapter = unwrap(served.state.backends.recommender)
    assert isinstance(adapter, PersonalizeRecommender)
    with Stubber(adapter.runtime) as stub:
        yield served, stub
        stub.assert_no_pending_responses()
    await served.__aexit__(None, None, None)


async def anchor(served: app_client) -> str:
    body = await gql(served.http, "{ products(first: 1) { nodes { id } } }")
    product_id: str = body["data"]["products"]["nodes"][0]["id"]
    return product_id


@pytest.mark.parametrize("intent", ["FOR_YOU", "RELATED", "FREQUENTLY_BOUGHT_TOGETHER"])
async def test_personalize_answers_are_served_in_their_order(app: tuple[app_client, Stubber], intent: str) -> None:
    served, stub = app
    product = await anchor(served)
    listed = await gql(served.http, "{ products(first: 5, filter: {available: true}) { nodes { id } } }")
    chosen = [n["id"] for n in listed["data"]["products"]["nodes"] if n["id"] != product][:4][::-1]
    keys = [from_global_id(i)[1] for i in chosen]
    stub.add_response("get_recommendations", {"itemList": [{"itemId": k} for k in keys], "recommendationId": "R1"})
    body = await gql(served.http, QUERY, intent=intent, id=product)
    answer = body["data"]["recommendations"]
    assert answer["source"] == "PERSONALIZE"
    assert [i["id"] for i in answer["items"]] == chosen
    assert "warnings" not in body.get("extensions", {})
    # One listing, the page's products: a full list needs no best sellers.
    assert body["extensions"]["backendCalls"]["catalog.list_products"] == 1


async def test_a_short_personalize_answer_is_topped_up_with_best_sellers(app: tuple[app_client, Stubber]) -> None:
    """Personalize knows one product to recommend: it comes first, best sellers fill the list of 4."""
    served, stub = app
    sellers = await gql(
        served.http, "{ products(first: 6, sortKey: BEST_SELLING, filter: {available: true}) { nodes { id } } }"
    )
    ranked = [n["id"] for n in sellers["data"]["products"]["nodes"]]
    stub.add_response(
        "get_recommendations", {"itemList": [{"itemId": from_global_id(ranked[5])[1]}], "recommendationId": "R1"}
    )
    body = await gql(served.http, QUERY, intent="FOR_YOU", id=None)
    answer = body["data"]["recommendations"]
    assert answer["source"] == "PERSONALIZE"
    assert [i["id"] for i in answer["items"]] == [ranked[5], *ranked[:3]]
    assert "warnings" not in body.get("extensions", {})
    assert body["extensions"]["backendCalls"]["catalog.list_products"] == 2  # the page's products, the best sellers


@pytest.mark.parametrize("intent", ["FOR_YOU", "RELATED", "FREQUENTLY_BOUGHT_TOGETHER"])
@pytest.mark.parametrize("code", ["ThrottlingException", "ResourceNotFoundException", "InvalidInputException"])
async def test_personalize_errors_fall_back_to_the_embedded_model(
    app: tuple[app_client, Stubber], intent: str, code: str
) -> None:
    served, stub = app
    product = await anchor(served)
    stub.add_client_error("get_recommendations", service_error_code=code, http_status_code=400)
    body = await gql(served.http, QUERY, intent=intent, id=product)
    answer = body["data"]["recommendations"]
    assert len(body["data"]["products"]["nodes"]) == 2
    assert answer["source"] in ("EMBEDDED_MODEL", "POPULAR", "SAME_CATEGORY")
    assert len(answer["items"]) == 4
    assert [(w["code"], w["capability"]) for w in body["extensions"]["warnings"]] == [("DEGRADED", "recommender")]


async def test_a_use_case_without_an_arn_is_the_embedded_models_without_a_warning(
    app: tuple[app_client, Stubber],
) -> None:
    served, _ = app
    body = await gql(served.http, QUERY, intent="POPULAR", id=None)
    assert body["data"]["recommendations"]["source"] == "POPULAR"
    assert "warnings" not in body.get("extensions", {})
    assert body["extensions"]["backendCalls"]["recommender.recommend"] == 2  # Personalize (nothing), embedded


@pytest.mark.parametrize("intent", ["FOR_YOU", "RELATED", "FREQUENTLY_BOUGHT_TOGETHER"])
async def test_a_slow_personalize_times_out_to_the_embedded_model(
    history_dir: Path, aws_credentials: None, intent: str
) -> None:
    settings = settings_for(
        history_dir, recommender_delay_seconds=1.0, call_policy={"recommender": {"timeout_seconds": 0.02}}
    )
    async with app_client(settings) as http:
        product = (await gql(http, "{ products(first: 1) { nodes { id } } }"))["data"]["products"]["nodes"][0]["id"]
        body = await gql(http, QUERY, intent=intent, id=product)
    assert body["data"]["recommendations"]["source"] in ("EMBEDDED_MODEL", "POPULAR")
    assert len(body["data"]["recommendations"]["items"]) == 4
    assert len(body["data"]["products"]["nodes"]) == 2
    assert "did not answer in time" in body["extensions"]["warnings"][0]["message"]


async def test_a_page_of_24_products_is_one_port_call_of_24_personalize_calls(app: tuple[app_client, Stubber]) -> None:
    served, stub = app
    for _ in range(24):
        stub.add_response("get_recommendations", {"itemList": [{"itemId": "demo-00001"}, {"itemId": "demo-00002"}]})
    body = await gql(
        served.http, "{ products(first: 24) { nodes { id recommendations(first: 4) { source items { id } } } } }"
    )
    assert "errors" not in body, body
    assert {n["recommendations"]["source"] for n in body["data"]["products"]["nodes"]} <= {"PERSONALIZE", "NONE"}
    # Every stubbed response was used: one GetRecommendations per product; one port call, one product batch.
    calls = body["extensions"]["backendCalls"]
    assert calls["recommender.recommend"] == 1
    assert calls.get("catalog.get_products", 0) <= 1


async def test_repeated_failures_open_the_breaker_and_the_page_stops_waiting(app: tuple[app_client, Stubber]) -> None:
    served, stub = app
    product = await anchor(served)
    for _ in range(5):  # the recommender's breaker opens after 5 consecutive failures
        stub.add_client_error("get_recommendations", service_error_code="ThrottlingException", http_status_code=400)
        body = await gql(served.http, QUERY, intent="RELATED", id=product)
        assert "is unavailable" in body["extensions"]["warnings"][0]["message"]
    body = await gql(served.http, QUERY, intent="RELATED", id=product)  # no call reaches Personalize now
    assert body["data"]["recommendations"]["source"] == "EMBEDDED_MODEL"
    assert "switched off after repeated failures" in body["extensions"]["warnings"][0]["message"]
