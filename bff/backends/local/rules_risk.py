"""``RulesRiskAssessor``: the embedded risk screening, the rules of ``bff.domain.risk`` with a maintained
list of disposable email domains (the ``disposable-email-domains`` package)."""

from __future__ import annotations

from functools import cache

from bff.domain.orders import Order
from bff.domain.risk import CustomerHistory, RiskAssessment, RiskRules


@cache
def disposable_domains() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(blocklist)


class RulesRiskAssessor:
    """The ``RiskAssessor`` port, embedded."""

    def __init__(self, rules: RiskRules | None = None) -> None:
        self.rules = rules or RiskRules()

    async def assess(self, order: Order, history: CustomerHistory) -> RiskAssessment:
        return self.rules.assess(order, history, disposable_domains())

    async def close(self) -> None:
        return None
