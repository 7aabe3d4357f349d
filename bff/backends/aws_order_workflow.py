"""``AwsOrderWorkflow``: an order's event to the SQS FIFO queue, and its Step Functions execution.

The message's ``MessageGroupId`` is the order id (one order's events stay in order) and its
``MessageDeduplicationId`` is derived from the idempotency key (a retried checkout within SQS's 5-minute window
sends nothing new). The execution's name is the order id: Step Functions refuses a second execution of that
name (``ExecutionAlreadyExists``), so a retry never runs the workflow twice.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AsyncExitStack
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bff.domain.order_workflow import first_run_data
from bff.domain.orders import Order
from bff.errors import ServiceUnavailable

EVENT_TYPE = "OrderPlaced"


def order_event(order: Order) -> dict[str, Any]:
    """What the order management system reads: the order's id, buyer, lines and totals as charged."""
    return {
        "type": EVENT_TYPE,
        "orderId": order.id,
        "status": order.status.value,
        "createdAt": order.created_at.isoformat(),
        "customerId": order.customer_id,
        "currencyCode": order.currency_code,
        "total": str(order.total),
        "lines": [
            {"variantId": line.variant_id, "sku": line.sku, "quantity": line.quantity, "total": str(line.total.amount)}
            for line in order.lines
        ],
        "deliveryMethod": order.delivery_method,
    }


def deduplication_id(idempotency_key: str) -> str:
    """SQS takes at most 128 characters of ``[A-Za-z0-9!-/:-@[-`{-~]``: a hash of the key fits any key."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


class AwsOrderWorkflow:
    """The ``OrderWorkflow`` port over SQS FIFO and Step Functions."""

    def __init__(
        self, sqs: Any, sfn: Any, queue_url: str, state_machine_arn: str, stack: AsyncExitStack | None = None
    ) -> None:
        self.sqs = sqs
        self.sfn = sfn
        self.queue_url = queue_url
        self.state_machine_arn = state_machine_arn
        self._stack = stack

    @classmethod
    async def open(
        cls, queue_url: str, state_machine_arn: str, region: str, endpoint_url: str | None
    ) -> AwsOrderWorkflow:
        import aioboto3

        stack = AsyncExitStack()
        session = aioboto3.Session()
        sqs = await stack.enter_async_context(session.client("sqs", region_name=region, endpoint_url=endpoint_url))
        sfn = await stack.enter_async_context(
            session.client("stepfunctions", region_name=region, endpoint_url=endpoint_url)
        )
        return cls(sqs, sfn, queue_url, state_machine_arn, stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def start(self, order: Order) -> None:
        try:
            await self.sqs.send_message(
                QueueUrl=self.queue_url,
                MessageBody=json.dumps(order_event(order)),
                MessageGroupId=order.id,
                MessageDeduplicationId=deduplication_id(order.idempotency_key),
                MessageAttributes={
                    "eventType": {"DataType": "String", "StringValue": EVENT_TYPE},
                    "orderId": {"DataType": "String", "StringValue": order.id},
                    "status": {"DataType": "String", "StringValue": order.status.value},
                },
            )
            await self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=order.id,
                input=json.dumps(first_run_data(order.id)),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return  # a retried checkout: the workflow already runs
            raise ServiceUnavailable("the order workflow could not be started", service="order_workflow") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("the order workflow is unreachable", service="order_workflow") from exc

    async def review(self, order: Order, decision: str) -> None:
        """A second execution, ``<order id>-review``, from ``Route`` with the decision: one review per order."""
        try:
            await self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=f"{order.id}-review",
                input=json.dumps({**first_run_data(order.id), "review": decision}),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise ServiceUnavailable("the order workflow could not be resumed", service="order_workflow") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("the order workflow is unreachable", service="order_workflow") from exc
