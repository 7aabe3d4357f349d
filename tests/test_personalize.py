"""The Personalize adapter against botocore's Stubber on real aioboto3 clients: every request and canned
response is validated against AWS's own service model, and the exact parameters are asserted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aioboto3
import pytest
from botocore.stub import Stubber

from bff.backends.personalize import PersonalizeConfig, PersonalizeRecommender
from bff.domain.recommendations import EventType, Intent, Interaction, RecommendationRequest, Source
from bff.errors import ServiceUnavailable

ARN = "arn:aws:personalize:us-east-1:123456789012"
FOR_YOU = f"{ARN}:recommender/recommended-for-you"
POPULAR = f"{ARN}:recommender/most-viewed"
RELATED = f"{ARN}:campaign/similar-items"
TOGETHER = f"{ARN}:recommender/frequently-bought-together"
RANKING = f"{ARN}:campaign/ranking"
FILTER = f"{ARN}:filter/in-stock-not-purchased"
CONFIG = PersonalizeConfig(
    arns={
        Intent.FOR_YOU: FOR_YOU,
        Intent.POPULAR: POPULAR,
        Intent.RELATED: RELATED,
        Intent.FREQUENTLY_BOUGHT_TOGETHER: TOGETHER,
    },
    ranking_arn=RANKING,
    filter_arn=FILTER,
    filter_values={"IN_STOCK": '"true"'},
    tracking_id="tracker-1",
    max_concurrency=4,
)
WHEN = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class Stubbed:
    def __init__(self, adapter: PersonalizeRecommender, runtime: Stubber, events: Stubber) -> None:
        self.adapter, self.runtime, self.events = adapter, runtime, events


@pytest.fixture
async def personalize() -> AsyncIterator[Stubbed]:
    session = aioboto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    async with (
        session.client("personalize-runtime") as runtime,
        session.client("personalize-events") as events,
    ):
        with Stubber(runtime) as runtime_stub, Stubber(events) as events_stub:
            yield Stubbed(PersonalizeRecommender(runtime, events, CONFIG), runtime_stub, events_stub)
            runtime_stub.assert_no_pending_responses()
            events_stub.assert_no_pending_responses()


def items(*ids: str) -> dict[str, Any]:
    return {"itemList": [{"itemId": i} for i in ids], "recommendationId": "RID-1"}


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            RecommendationRequest(Intent.FOR_YOU, 4, user_id="u-1", context=(("CHANNEL", "web"),)),
            {
                "recommenderArn": FOR_YOU,
                "numResults": 12,
                "userId": "u-1",
                "filterArn": FILTER,
                "filterValues": {"IN_STOCK": '"true"'},
                "context": {"CHANNEL": "web"},
            },
        ),
        (
            # An anonymous shopper is the session its events were sent with.
            RecommendationRequest(Intent.FOR_YOU, 2, session_id="sess-9"),
            {
                "recommenderArn": FOR_YOU,
                "numResults": 8,
                "userId": "sess-9",
                "filterArn": FILTER,
                "filterValues": {"IN_STOCK": '"true"'},
            },
        ),
        (
            RecommendationRequest(Intent.POPULAR, 8),
            {"recommenderArn": POPULAR, "numResults": 20, "filterArn": FILTER, "filterValues": {"IN_STOCK": '"true"'}},
        ),
        (
            RecommendationRequest(
                Intent.RELATED,
                12,
                user_id="u-1",
                product_id="p-1",
                exclude=frozenset({"p-1"}),
                context=(("DEVICE_TYPE", "mobile"),),
            ),
            {
                "campaignArn": RELATED,
                "numResults": 29,
                "itemId": "p-1",
                "userId": "u-1",
                "filterArn": FILTER,
                "filterValues": {"IN_STOCK": '"true"'},
                "context": {"DEVICE_TYPE": "mobile"},
            },
        ),
        (
            RecommendationRequest(Intent.FREQUENTLY_BOUGHT_TOGETHER, 3, product_id="p-2"),
            {
                "recommenderArn": TOGETHER,
                "numResults": 10,
                "itemId": "p-2",
                "filterArn": FILTER,
                "filterValues": {"IN_STOCK": '"true"'},
            },
        ),
    ],
    ids=["for-you", "for-you-anonymous", "popular", "related", "bought-together"],
)
async def test_get_recommendations_parameters_per_intent(
    personalize: Stubbed, request_: RecommendationRequest, expected: dict[str, Any]
) -> None:
    personalize.runtime.add_response("get_recommendations", items("a", "b"), expected)
    [answer] = await personalize.adapter.recommend([request_])
    assert answer.item_ids == ("a", "b")
    assert answer.source is Source.PERSONALIZE
    assert answer.recommendation_id == "RID-1"


async def test_an_intent_without_an_arn_is_left_to_the_embedded_model(personalize: Stubbed) -> None:
    adapter = PersonalizeRecommender(personalize.adapter.runtime, personalize.adapter.events, PersonalizeConfig())
    answers = await adapter.recommend(
        [
            RecommendationRequest(Intent.FOR_YOU, 4, user_id="u"),
            RecommendationRequest(Intent.RECENTLY_VIEWED, 4, user_id="u"),
        ]
    )
    assert [a.source for a in answers] == [Source.NONE, Source.NONE]  # and no call was made (no stub pending)


async def test_one_call_per_list_never_more_than_the_cap_at_once(personalize: Stubbed) -> None:
    requests = [RecommendationRequest(Intent.RELATED, 4, product_id=f"p-{n}") for n in range(24)]
    for n in range(24):
        expected = {
            "campaignArn": RELATED,
            "numResults": 12,
            "itemId": f"p-{n}",
            "filterArn": FILTER,
            "filterValues": {"IN_STOCK": '"true"'},
        }
        personalize.runtime.add_response("get_recommendations", items(f"r-{n}"), expected)
    in_flight = peak = 0
    call = personalize.adapter.runtime.get_recommendations

    async def counted(**kwargs: Any) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # let the others start if the cap allowed them
        try:
            return await call(**kwargs)
        finally:
            in_flight -= 1

    personalize.adapter.runtime = type("Counted", (), {"get_recommendations": staticmethod(counted)})()
    answers = await personalize.adapter.recommend(requests)
    assert [a.item_ids for a in answers] == [(f"r-{n}",) for n in range(24)]
    assert peak == CONFIG.max_concurrency


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("ThrottlingException", "throttled"),
        ("InvalidInputException", "unavailable"),
        ("ResourceNotFoundException", "unavailable"),
    ],
)
async def test_service_errors_are_service_unavailable(personalize: Stubbed, code: str, reason: str) -> None:
    personalize.runtime.add_client_error("get_recommendations", service_error_code=code, http_status_code=400)
    with pytest.raises(ServiceUnavailable) as raised:
        await personalize.adapter.recommend([RecommendationRequest(Intent.POPULAR, 4)])
    assert raised.value.extensions["reason"] == reason


async def test_rerank_keeps_the_same_items(personalize: Stubbed) -> None:
    ranking = {
        "personalizedRanking": [{"itemId": "c"}, {"itemId": "zz-unknown"}, {"itemId": "a"}],
        "recommendationId": "R",
    }
    personalize.runtime.add_response(
        "get_personalized_ranking", ranking, {"campaignArn": RANKING, "inputList": ["a", "b", "c"], "userId": "u-1"}
    )
    assert await personalize.adapter.rerank("u-1", ["a", "b", "c"]) == ["c", "a", "b"]


async def test_put_events_batches_of_ten_per_shopper_and_session(personalize: Stubbed) -> None:
    signed_in = [
        Interaction("s-1", f"p-{n}", EventType.VIEW, WHEN, user_id="u-1", event_id=f"e-{n}") for n in range(12)
    ]
    anonymous = [
        Interaction("s-2", "p-x", EventType.ADD_TO_CART, WHEN, properties=(("recommendationId", "RID-1"),)),
        Interaction("s-2", "p-x", EventType.PURCHASE, WHEN),
    ]

    def wire(event: Interaction) -> dict[str, Any]:
        found: dict[str, Any] = {
            "eventType": event.event_type.personalize_name,
            "itemId": event.item_id,
            "sentAt": WHEN,
        }
        if event.event_id:
            found["eventId"] = event.event_id
        if event.properties:
            found["properties"] = '{"recommendationId":"RID-1"}'
        return found

    personalize.events.add_response(
        "put_events", {}, {"trackingId": "tracker-1", "sessionId": "s-2", "eventList": [wire(e) for e in anonymous]}
    )
    for chunk in (signed_in[:10], signed_in[10:]):
        personalize.events.add_response(
            "put_events",
            {},
            {"trackingId": "tracker-1", "userId": "u-1", "sessionId": "s-1", "eventList": [wire(e) for e in chunk]},
        )
    await personalize.adapter.record(signed_in + anonymous)
    assert [e.event_type.personalize_name for e in anonymous] == ["AddToCart", "Purchase"]


async def test_no_tracker_sends_nothing(personalize: Stubbed) -> None:
    adapter = PersonalizeRecommender(personalize.adapter.runtime, personalize.adapter.events, PersonalizeConfig())
    await adapter.record([Interaction("s", "p", EventType.VIEW, WHEN)])
