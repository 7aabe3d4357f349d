"""``SnsNotifier``: every order status change published to an SNS topic (Pinpoint's engagement features
ended in October 2026; email/SMS subscribers, the OMS and analytics subscribe to the topic).

The message is JSON (``orderId``, ``status``, ``at``, ``message``); ``orderId`` and ``status`` are message
attributes too, so subscriptions can filter on them without reading the body.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bff.domain.orders import Notification
from bff.errors import ServiceUnavailable


class SnsNotifier:
    """The ``Notifier`` port over SNS."""

    def __init__(self, client: Any, topic_arn: str, stack: AsyncExitStack | None = None) -> None:
        self.client = client
        self.topic_arn = topic_arn
        self._stack = stack

    @classmethod
    async def open(cls, topic_arn: str, region: str, endpoint_url: str | None) -> SnsNotifier:
        import aioboto3

        stack = AsyncExitStack()
        client = await stack.enter_async_context(
            aioboto3.Session().client("sns", region_name=region, endpoint_url=endpoint_url)
        )
        return cls(client, topic_arn, stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def order_status_changed(self, notification: Notification) -> None:
        body = {
            "orderId": notification.order_id,
            "status": notification.status.value,
            "at": notification.at.isoformat(),
            "message": notification.message,
        }
        try:
            await self.client.publish(
                TopicArn=self.topic_arn,
                Message=json.dumps(body),
                Subject=f"Order {notification.status.value.replace('_', ' ').lower()}"[:100],
                MessageAttributes={
                    "orderId": {"DataType": "String", "StringValue": notification.order_id},
                    "status": {"DataType": "String", "StringValue": notification.status.value},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable("order notifications are unavailable", service="notifier") from exc
