"""``PersonalizeRecommender``: Amazon Personalize behind the ``Recommender`` port, over aioboto3.

* ``recommend``: one ``personalize-runtime`` ``GetRecommendations`` per list, issued concurrently, at most
  ``max_concurrency`` in flight. Each intent names a recommender ARN (domain dataset groups:
  recommended-for-you, most-viewed, frequently-bought-together, ...) or a campaign ARN (custom solutions:
  user-personalization, similar-items, semantic similarity); the ARN's kind picks ``recommenderArn`` or
  ``campaignArn``. An intent with no ARN answers an empty list (``Source.NONE``): the embedded model serves
  it, without an error. ``filterArn``/``filterValues`` (exclude purchased, in stock only) apply to every
  intent but RECENTLY_VIEWED; ``context`` carries the device and channel.
* ``rerank``: ``GetPersonalizedRanking`` on the ranking campaign (personalized-ranking recipe).
* ``record``: ``personalize-events`` ``PutEvents`` to the event tracker, at most 10 events per call (the
  API's limit), grouped by shopper and session.

SDK failures become ``ServiceUnavailable`` (``reason`` ``throttled`` for throttling): the port's policy
counts them for the breaker and the recommender's field falls back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from bff.domain.recommendations import (
    Intent,
    Interaction,
    RecommendationRequest,
    Recommendations,
    Source,
    candidates_wanted,
    rerank,
)
from bff.errors import ServiceUnavailable

PUT_EVENTS_MAX = 10
RANKING_MAX = 500
NUM_RESULTS_MAX = 500
THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException", "LimitExceededException"})


@dataclass(frozen=True, slots=True)
class PersonalizeConfig:
    """What the adapter is pointed at (``bff.settings``: ``BFF_PERSONALIZE_*``)."""

    arns: Mapping[Intent, str] = field(default_factory=dict)
    ranking_arn: str | None = None
    filter_arn: str | None = None
    filter_values: Mapping[str, str] = field(default_factory=dict)
    tracking_id: str | None = None
    max_concurrency: int = 8


def _unavailable(error: Exception) -> ServiceUnavailable:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    reason = "throttled" if code in THROTTLED else "unavailable"
    return ServiceUnavailable(f"personalize: {code or type(error).__name__}", capability="recommender", reason=reason)


class PersonalizeRecommender:
    def __init__(self, runtime: Any, events: Any, config: PersonalizeConfig, stack: AsyncExitStack | None = None):
        self.runtime = runtime
        self.events = events
        self.config = config
        self._stack = stack
        self._slots = asyncio.Semaphore(config.max_concurrency)

    @classmethod
    async def open(cls, config: PersonalizeConfig, region: str, endpoint_url: str | None) -> PersonalizeRecommender:
        import aioboto3
        from botocore.config import Config

        stack = AsyncExitStack()
        # The port's deadline (300 ms by default) bounds each call; one quick retry of a throttled request.
        boto = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1, read_timeout=2)
        session = aioboto3.Session()
        runtime = await stack.enter_async_context(
            session.client("personalize-runtime", region_name=region, endpoint_url=endpoint_url, config=boto)
        )
        events = await stack.enter_async_context(
            session.client("personalize-events", region_name=region, endpoint_url=endpoint_url, config=boto)
        )
        return cls(runtime, events, config, stack)

    def request_params(self, request: RecommendationRequest) -> dict[str, Any] | None:
        """``GetRecommendations``'s parameters for ``request``; None when Personalize cannot serve it."""
        arn = self.config.arns.get(request.intent)
        user = request.user_id or request.session_id
        if arn is None or request.intent is Intent.RECENTLY_VIEWED:
            return None
        if request.intent.needs_product and not request.product_id:
            return None
        if request.intent is Intent.FOR_YOU and not user:
            return None
        params: dict[str, Any] = {
            "recommenderArn" if ":recommender/" in arn else "campaignArn": arn,
            "numResults": min(candidates_wanted(request), NUM_RESULTS_MAX),
        }
        if request.intent.needs_product:
            params["itemId"] = request.product_id
        if user:
            # An anonymous shopper is known by the session id its events were sent with.
            params["userId"] = user
        if self.config.filter_arn and request.intent.in_stock_only:
            params["filterArn"] = self.config.filter_arn
            if self.config.filter_values:
                params["filterValues"] = dict(self.config.filter_values)
        if request.context:
            params["context"] = dict(request.context)
        return params

    async def _one(self, request: RecommendationRequest) -> Recommendations:
        params = self.request_params(request)
        if params is None:
            return Recommendations.empty()
        async with self._slots:
            try:
                response = await self.runtime.get_recommendations(**params)
            except (ClientError, BotoCoreError) as error:
                raise _unavailable(error) from error
        items = tuple(i["itemId"] for i in response.get("itemList", []) if "itemId" in i)
        if not items:
            return Recommendations.empty()
        return Recommendations(items, Source.PERSONALIZE, response.get("recommendationId"))

    async def recommend(self, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
        if len(requests) == 1:
            return [await self._one(requests[0])]
        # A failed call cancels the rest: the whole batch falls back together.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._one(r)) for r in requests]
        return [t.result() for t in tasks]

    async def rerank(self, user_id: str, item_ids: Sequence[str]) -> list[str]:
        if not self.config.ranking_arn or len(item_ids) < 2:
            return list(item_ids)
        try:
            response = await self.runtime.get_personalized_ranking(
                campaignArn=self.config.ranking_arn, inputList=list(item_ids[:RANKING_MAX]), userId=user_id
            )
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error) from error
        return rerank(item_ids, [i["itemId"] for i in response.get("personalizedRanking", []) if "itemId" in i])

    async def record(self, events: Sequence[Interaction]) -> None:
        if not self.config.tracking_id or not events:
            return

        def shopper(event: Interaction) -> tuple[str, str]:
            return event.user_id or "", event.session_id

        for (user_id, session_id), group in groupby(sorted(events, key=shopper), key=shopper):
            batch = list(group)
            for start in range(0, len(batch), PUT_EVENTS_MAX):
                params: dict[str, Any] = {
                    "trackingId": self.config.tracking_id,
                    "sessionId": session_id,
                    "eventList": [_event(e) for e in batch[start : start + PUT_EVENTS_MAX]],
                }
                if user_id:
                    params["userId"] = user_id
                try:
                    await self.events.put_events(**params)
                except (ClientError, BotoCoreError) as error:
                    raise _unavailable(error) from error

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()


def _event(event: Interaction) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "eventType": event.event_type.personalize_name,
        "itemId": event.item_id,
        "sentAt": event.occurred_at,
    }
    if event.event_id:
        wire["eventId"] = event.event_id
    if event.properties:
        wire["properties"] = orjson.dumps(dict(event.properties)).decode()
    return wire
