"""The shopper's device in Personalize's `context`: read per request from the User-Agent, sent under the
configured key beside the static context (botocore's Stubber on the app's real aioboto3 client asserts the
exact `context`), and a list that varies by device never served to another device from the response cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.stub import ANY, Stubber

from bff.backends.personalize import PersonalizeRecommender
from bff.backends.ports import unwrap
from bff.domain.devices import DeviceType, device_type
from tests.conftest import app_client, make_settings

ARN = "arn:aws:personalize:us-east-1:123456789012"
FOR_YOU = f"{ARN}:recommender/recommended-for-you"
POPULAR = f"{ARN}:recommender/most-viewed"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.7 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE, DeviceType.MOBILE),
        (ANDROID_PHONE, DeviceType.MOBILE),
        ("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) Mobile Safari", DeviceType.MOBILE),
        (IPAD, DeviceType.TABLET),
        (ANDROID_TABLET, DeviceType.TABLET),
        ("Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.1", DeviceType.TABLET),
        (WINDOWS, DeviceType.DESKTOP),
        (MAC, DeviceType.DESKTOP),
        ("curl/8.5.0", DeviceType.DESKTOP),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_the_device_type_of_a_user_agent(user_agent: str | None, expected: DeviceType | None) -> None:
    assert device_type(user_agent) is expected


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")


Served = tuple[httpx.AsyncClient, Stubber]


@pytest.fixture
def personalize_app(history_dir: Path, aws_credentials: None) -> Callable[..., AbstractAsyncContextManager[Served]]:
    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Served]:
        settings = make_settings(
            history_dir,
            recommender_backend="personalize",
            personalize_for_you_arn=FOR_YOU,
            personalize_popular_arn=POPULAR,
            recommender_rebuild_interval_seconds=0,
            recommendation_context={"CHANNEL": "web"},
            **overrides,
        )
        served = app_client(settings)
        http = await served.__aenter__()
        adapter = unwrap(served.state.backends.recommender)
        assert isinstance(adapter, PersonalizeRecommender)
        try:
            with Stubber(adapter.runtime) as stub:
                yield http, stub
                stub.assert_no_pending_responses()
        finally:
            await served.__aexit__(None, None, None)

    return start


def expect(stub: Stubber, arn: str, context: dict[str, str], user: str | None = None) -> None:
    params: dict[str, Any] = {"recommenderArn": arn, "numResults": ANY, "context": context}
    if user:
        params["userId"] = user
    stub.add_response("get_recommendations", {"itemList": [{"itemId": "demo-00001"}]}, params)


FOR_YOU_QUERY = """{ recommendations(intent: FOR_YOU, first: 4, sessionId: "s-1") { source items { id } } }"""


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [(IPHONE, "MOBILE"), (ANDROID_PHONE, "MOBILE"), (IPAD, "TABLET"), (WINDOWS, "DESKTOP"), (MAC, "DESKTOP")],
)
async def test_the_device_is_sent_in_personalizes_context(
    personalize_app: Callable[..., AbstractAsyncContextManager[Served]], user_agent: str, device: str
) -> None:
    async with personalize_app(recommendation_device_context_key="DEVICE_TYPE") as (http, stub):
        expect(stub, FOR_YOU, {"CHANNEL": "web", "DEVICE_TYPE": device}, user="s-1")
        response = await http.post("/graphql", json={"query": FOR_YOU_QUERY}, headers={"user-agent": user_agent})
    assert response.json()["data"]["recommendations"]["source"] == "PERSONALIZE", response.text


async def test_without_the_setting_or_a_user_agent_only_the_static_context_is_sent(
    personalize_app: Callable[..., AbstractAsyncContextManager[Served]],
) -> None:
    async with personalize_app() as (http, stub):
        expect(stub, FOR_YOU, {"CHANNEL": "web"}, user="s-1")
        response = await http.post("/graphql", json={"query": FOR_YOU_QUERY}, headers={"user-agent": IPHONE})
        assert response.json()["data"]["recommendations"]["source"] == "PERSONALIZE", response.text
    async with personalize_app(recommendation_device_context_key="DEVICE_TYPE") as (http, stub):
        expect(stub, FOR_YOU, {"CHANNEL": "web"}, user="s-1")
        response = await http.post("/graphql", json={"query": FOR_YOU_QUERY}, headers={"user-agent": ""})
        assert response.json()["data"]["recommendations"]["source"] == "PERSONALIZE", response.text


POPULAR_QUERY = "{ recommendations(intent: POPULAR, first: 3) { source items { id } } }"


async def test_a_list_that_varies_by_device_is_not_served_to_another_device_from_the_cache(
    personalize_app: Callable[..., AbstractAsyncContextManager[Served]],
) -> None:
    async with personalize_app(recommendation_device_context_key="DEVICE_TYPE") as (http, stub):
        expect(stub, POPULAR, {"CHANNEL": "web", "DEVICE_TYPE": "MOBILE"})
        expect(stub, POPULAR, {"CHANNEL": "web", "DEVICE_TYPE": "DESKTOP"})
        mobile = await http.get("/graphql", params={"query": POPULAR_QUERY}, headers={"user-agent": IPHONE})
        desktop = await http.get("/graphql", params={"query": POPULAR_QUERY}, headers={"user-agent": WINDOWS})
        # Both asked Personalize (the Stubber's two answers were used, each for its device): no cache hit.
        for response in (mobile, desktop):
            assert response.json()["extensions"]["backendCalls"]["recommender.recommend"] == 1
            assert "public" not in response.headers.get("cache-control", "")


async def test_without_the_device_key_the_anonymous_list_stays_publicly_cached(
    personalize_app: Callable[..., AbstractAsyncContextManager[Served]],
) -> None:
    async with personalize_app() as (http, stub):
        expect(stub, POPULAR, {"CHANNEL": "web"})
        await http.get("/graphql", params={"query": POPULAR_QUERY}, headers={"user-agent": IPHONE})
        again = await http.get("/graphql", params={"query": POPULAR_QUERY}, headers={"user-agent": WINDOWS})
        assert "recommender.recommend" not in again.json()["extensions"]["backendCalls"]
