"""The ``PaymentGateway`` port: authorise and void a payment with the provider's token, never card data.

The storefront's payment form sends card data to the provider, which answers a token; the token is all the
BFF sees and keeps. ``authorize`` is idempotent on its key (the order id): asked again, the provider answers
the first decision and never charges twice. A decline is an answer (``PaymentResult``); a failure worth
retrying (the provider down, a timeout) raises ``ServiceUnavailable``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.catalog import Money


class PaymentStatus(enum.StrEnum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


@dataclass(frozen=True, slots=True)
class PaymentResult:
    status: PaymentStatus
    reference: str  # the provider's id of the authorisation (or of the decline)
    message: str = ""


@runtime_checkable
class PaymentGateway(Protocol):
    async def authorize(self, token: str, amount: Money, idempotency_key: str) -> PaymentResult:
        """Authorise ``amount`` on the payment method ``token`` stands for, once per ``idempotency_key``."""

    async def void(self, idempotency_key: str) -> None:
        """Release the authorisation made under ``idempotency_key`` (nothing when there is none)."""

    async def close(self) -> None: ...


# Both are idempotent on their key: retrying them is safe.
PAYMENTS: PortSpec[PaymentGateway] = PortSpec(PaymentGateway, "payments", idempotent=("authorize", "void"))
