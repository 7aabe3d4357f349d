"""``SandboxPaymentGateway``: a payment provider's sandbox, for development, demos and tests.

Its test tokens (documented in ``docs/orders.md``) behave as a real provider's would:

| token | behaviour |
|---|---|
| ``tok_sandbox_approve`` | always approved |
| ``tok_sandbox_decline`` | always declined (``card_declined``) |
| ``tok_sandbox_transient`` | fails transiently twice (provider unavailable), then approved |
| ``tok_sandbox_timeout`` | never answers: times out after ``timeout_seconds`` |

Any other token is declined as unknown. Decisions are kept per idempotency key in a SQLite file, so a retry
(even from another process after a crash) answers the first decision and never authorises twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path

from bff.backends.local.sqlite_order_rows import in_transaction
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.backends.payments import PaymentResult, PaymentStatus
from bff.domain.catalog import Money
from bff.errors import ServiceUnavailable

APPROVE = "tok_sandbox_approve"
DECLINE = "tok_sandbox_decline"
TRANSIENT = "tok_sandbox_transient"
TIMEOUT = "tok_sandbox_timeout"
TOKENS = (APPROVE, DECLINE, TRANSIENT, TIMEOUT)
# Transient failures `tok_sandbox_transient` answers before it approves.
TRANSIENT_FAILURES = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox_payments (
    key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    amount TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    reference TEXT,
    voided INTEGER NOT NULL DEFAULT 0
)
"""


class SandboxPaymentGateway:
    """The ``PaymentGateway`` port, simulated."""

    def __init__(self, worker: SqliteWorker, timeout_seconds: float) -> None:
        self.worker = worker
        self.timeout_seconds = timeout_seconds

    @classmethod
    async def open(cls, path: Path, timeout_seconds: float = 10.0) -> SandboxPaymentGateway:
        def setup(conn: sqlite3.Connection) -> None:
            conn.execute(SCHEMA)

        worker = await SqliteWorker.open(path, "sandbox-payments", ("busy_timeout=10000",), setup)
        return cls(worker, timeout_seconds)

    async def close(self) -> None:
        await self.worker.close()

    async def authorize(self, token: str, amount: Money, idempotency_key: str) -> PaymentResult:
        def decide(conn: sqlite3.Connection) -> tuple[PaymentResult | None, int]:
            conn.execute(
                "INSERT OR IGNORE INTO sandbox_payments (key, token, amount) VALUES (?, ?, ?)",
                (idempotency_key, token, f"{amount.amount} {amount.currency_code}"),
            )
            row = conn.execute(
                "UPDATE sandbox_payments SET attempts = attempts + 1 WHERE key = ? RETURNING attempts, status, "
                "reference",
                (idempotency_key,),
            ).fetchone()
            attempts, status, reference = row
            if status is not None:
                return PaymentResult(PaymentStatus(status), reference), attempts
            result = _decision(token, attempts, idempotency_key)
            if result is not None:
                conn.execute(
                    "UPDATE sandbox_payments SET status = ?, reference = ? WHERE key = ?",
                    (result.status.value, result.reference, idempotency_key),
                )
            return result, attempts

        result, _ = await self.worker.run(lambda conn: in_transaction(conn, decide))
        if result is not None:
            return result
        if token == TIMEOUT:
            await asyncio.sleep(self.timeout_seconds)
            raise ServiceUnavailable("the payment provider did not answer in time", service="payments")
        raise ServiceUnavailable("the payment provider is unavailable (sandbox transient failure)", service="payments")

    async def void(self, idempotency_key: str) -> None:
        sql = "UPDATE sandbox_payments SET voided = 1 WHERE key = ? AND status = 'APPROVED'"
        await self.worker.run(lambda conn: in_transaction(conn, lambda c: c.execute(sql, (idempotency_key,))))

    async def authorizations(self, idempotency_key: str) -> tuple[int, str | None, bool]:
        """(attempts, decision, voided) under a key: what tests and support look at."""
        sql = "SELECT attempts, status, voided FROM sandbox_payments WHERE key = ?"
        row = await self.worker.run(lambda conn: conn.execute(sql, (idempotency_key,)).fetchone())
        return (0, None, False) if row is None else (int(row[0]), row[1], bool(row[2]))


def _decision(token: str, attempts: int, key: str) -> PaymentResult | None:
    """The sandbox's answer to a try, or None for a failure (transient or timeout)."""
    reference = "sbx_" + hashlib.sha256(key.encode()).hexdigest()[:20]
    if token == APPROVE or (token == TRANSIENT and attempts > TRANSIENT_FAILURES):
        return PaymentResult(PaymentStatus.APPROVED, reference)
    if token in (TRANSIENT, TIMEOUT):
        return None
    if token == DECLINE:
        return PaymentResult(PaymentStatus.DECLINED, reference, "card_declined")
    return PaymentResult(PaymentStatus.DECLINED, reference, "unknown sandbox token")
