"""The ``RiskAssessor`` port: screen an order before its payment, with the reasons for the decision.

Embedded: rules over the order and the buyer's history (``bff.domain.risk``). AWS: a SageMaker endpoint
scoring the same features (Amazon Fraud Detector closed to new customers in November 2025).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.orders import Order
from bff.domain.risk import CustomerHistory, RiskAssessment


@runtime_checkable
class RiskAssessor(Protocol):
    async def assess(self, order: Order, history: CustomerHistory) -> RiskAssessment:
        """APPROVE, REVIEW or DENY, with a reason per signal that counted."""

    async def close(self) -> None: ...


RISK: PortSpec[RiskAssessor] = PortSpec(RiskAssessor, "risk", idempotent=("assess",))
