"""``SageMakerRiskAssessor``: risk screening by a model behind a SageMaker endpoint.

Amazon Fraud Detector closed to new customers in November 2025 and AWS points to SageMaker: the adapter sends
the order's features as one CSV row to ``sagemaker-runtime`` ``InvokeEndpoint`` and reads a fraud score in
[0, 1] back (the first number of the answer, CSV or JSON ``{"score": ...}``). A score at or above
``deny_threshold`` cancels the order, at or above ``review_threshold`` holds it for review. The features, in
order: order total, number of lines, earlier orders, largest earlier total, recent orders, recent orders from
the client address, billing/shipping country mismatch (0/1), disposable email domain (0/1).
"""

from __future__ import annotations

import inspect
import json
from contextlib import AsyncExitStack
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bff.backends.local.rules_risk import disposable_domains
from bff.domain.orders import Order
from bff.domain.risk import CustomerHistory, RiskAssessment, RiskDecision
from bff.errors import ServiceUnavailable


def features(order: Order, history: CustomerHistory) -> list[float]:
    domain = order.email.rpartition("@")[2].lower()
    mismatch = order.billing_address.country_code.upper() != order.shipping_address.country_code.upper()
    return [
        float(order.total),
        float(len(order.lines)),
        float(history.orders),
        float(history.largest_total),
        float(history.recent_orders),
        float(history.recent_orders_from_address),
        1.0 if mismatch else 0.0,
        1.0 if domain in disposable_domains() else 0.0,
    ]


def read_score(body: bytes) -> float:
    text = body.decode().strip()
    if text.startswith("{"):
        return float(json.loads(text)["score"])
    return float(text.split(",")[0].split()[0])


class SageMakerRiskAssessor:
    """The ``RiskAssessor`` port over a SageMaker endpoint."""

    def __init__(
        self,
        client: Any,
        endpoint: str,
        deny_threshold: float,
        review_threshold: float,
        stack: AsyncExitStack | None = None,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.deny_threshold = deny_threshold
        self.review_threshold = review_threshold
        self._stack = stack

    @classmethod
    async def open(
        cls, endpoint: str, deny_threshold: float, review_threshold: float, region: str, endpoint_url: str | None
    ) -> SageMakerRiskAssessor:
        import aioboto3

        stack = AsyncExitStack()
        client = await stack.enter_async_context(
            aioboto3.Session().client("sagemaker-runtime", region_name=region, endpoint_url=endpoint_url)
        )
        return cls(client, endpoint, deny_threshold, review_threshold, stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def assess(self, order: Order, history: CustomerHistory) -> RiskAssessment:
        row = ",".join(f"{value:g}" for value in features(order, history))
        try:
            response = await self.client.invoke_endpoint(
                EndpointName=self.endpoint, ContentType="text/csv", Accept="text/csv", Body=row.encode()
            )
            raw = response["Body"].read()
            body: bytes = await raw if inspect.isawaitable(raw) else raw
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable("the risk model is unavailable", service="risk") from exc
        score = read_score(body)
        if score >= self.deny_threshold:
            decision = RiskDecision.DENY
        elif score >= self.review_threshold:
            decision = RiskDecision.REVIEW
        else:
            decision = RiskDecision.APPROVE
        reasons = () if decision == RiskDecision.APPROVE else (f"fraud model score {score:.2f}",)
        return RiskAssessment(decision, reasons, score)
