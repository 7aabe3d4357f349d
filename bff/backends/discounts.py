"""The ``DiscountStore`` port: discount codes by code, their writes, and counting a code's uses.

Codes are matched case-insensitively: every operation normalises the codes it is given
(``bff.domain.discounts.normalise_code``), and rules are stored under their normalised code.

``upsert_discounts`` replaces a rule's terms but never its usage count: a code that exists keeps its
``times_used`` (an import or a re-run of ``bff seed`` does not hand out a limited code again); a new code starts
at the rule's ``times_used``. ``record_usage`` is the one write of the count: a conditional increment that
succeeds only while ``times_used < usage_limit`` (always, without a limit), atomic in the store, so two
checkouts can never both take a code's last use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.discounts import DiscountRule


@runtime_checkable
class DiscountStore(Protocol):
    async def get_discounts(self, codes: Sequence[str]) -> list[DiscountRule | None]:
        """The rules in the order of ``codes`` (any case), ``None`` where there is none."""

    async def upsert_discounts(self, rules: Sequence[DiscountRule]) -> None:
        """Insert or replace rules (their ``code`` normalised); an existing code keeps its usage count."""

    async def record_usage(self, code: str) -> bool:
        """Count one use of ``code`` if it is still under its usage limit; ``False`` when it is not (or is
        unknown), and then nothing changes."""

    async def close(self) -> None: ...


# `record_usage` is not idempotent: a retry after a lost answer would count the use twice.
DISCOUNTS: PortSpec[DiscountStore] = PortSpec(
    DiscountStore, "discounts", idempotent=("get_discounts",), bulk=("upsert_discounts",)
)
