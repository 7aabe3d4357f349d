"""The policy every port call follows: a deadline, bounded retries of idempotent operations, a circuit breaker.

Per capability, from ``BFF_CALL_POLICY`` (fields: ``bff.settings.CallPolicy``) over the defaults below. Remote
services get a deadline and a breaker; embedded adapters (SQLite, in-memory: nothing to wait for) get none of
it unless configured, and their calls go straight through. One call of an operation::

    deadline          timeout_seconds for the whole call, retries and backoff included (none for bulk operations)
      retries         idempotent operations only: tenacity, full-jitter exponential backoff, ``attempts`` tries
        breaker       one per capability: refuses at once while open, counts each try's outcome
          adapter

Backend failures (``ServiceUnavailable``, timeouts, connection errors) are retried, counted by the breaker and
leave as ``ServiceUnavailable`` whatever their origin, with ``reason`` ``timeout``, ``circuit_open`` or
``unavailable`` (an adapter may say ``timeout`` for its own client's timeouts). Any other error (bad input,
not found) is the caller's: it passes untouched, is never retried and shows the service answered. A deadline
that expires counts as one failure for the breaker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from bff.backends.breaker import CircuitBreaker, CircuitOpen
from bff.errors import ServiceUnavailable
from bff.observability import PORT_CALL_FAILURES, PORT_CALL_RETRIES
from bff.settings import CallPolicy, Settings

Call = Callable[..., Awaitable[Any]]

BACKEND_FAILURES = (ServiceUnavailable, TimeoutError, ConnectionError)

# In-process adapters: a failure is a bug, not an outage, and there is nothing to wait for.
EMBEDDED = CallPolicy(timeout_seconds=None, attempts=1, breaker_failures=0)
# DynamoDB's client makes the attempts itself (botocore's standard mode: throttling, 5xx, timeouts and
# connection errors, writes included), with this backoff and each try's share of the deadline as its
# timeouts (bff.backends.dynamodb_config.client_config); the boundary adds the deadline and the breaker.
_TABLE = CallPolicy(
    timeout_seconds=2.0,
    attempts=3,
    backoff_initial_seconds=0.05,
    backoff_max_seconds=0.5,
    breaker_failures=5,
    breaker_reset_seconds=10,
)
# Remote capabilities without an entry here get CallPolicy's own defaults.
REMOTE_DEFAULTS: dict[str, CallPolicy] = {
    "catalog": _TABLE,
    # Discount codes and carts live in the catalog's table: the same client settings, the same policy.
    "discounts": _TABLE,
    "carts": _TABLE,
    # Pages, menus and curated collections: the same table, the same client settings.
    "content": _TABLE,
    # OpenSearch: the table's retries and breaker, a shorter deadline.
    "search": _TABLE.model_copy(update={"timeout_seconds": 1.5}),
    # The stores' own data (DynamoDB, the catalog's client settings). Searches run in memory, so calls are
    # reloads of the whole set (a Query per country, every BFF_STORES_REFRESH_SECONDS): a longer deadline.
    "stores": _TABLE.model_copy(update={"timeout_seconds": 5.0}),
    # Amazon Location Service: a page waits little for it, then falls back (embedded geocoder, straight lines).
    "geocoder": CallPolicy(timeout_seconds=1.0, attempts=2, backoff_max_seconds=0.2, breaker_failures=5),
    "routes": CallPolicy(timeout_seconds=1.5, attempts=1, breaker_failures=5),
    # Amazon Lex V2: never retried (a message moves the dialog on); a friendly fallback answers instead.
    "assistant": CallPolicy(timeout_seconds=3.0, attempts=1, breaker_failures=5),
    # Recommendations are optional: a slow recommender costs a page at most this long before its fallback.
    "recommender": CallPolicy(timeout_seconds=0.3, attempts=1, breaker_failures=5, breaker_reset_seconds=10),
    # A cache is an optimisation: its callers read the source of truth sooner than a retry would answer.
    "cache": CallPolicy(timeout_seconds=0.5, attempts=1, breaker_failures=3, breaker_reset_seconds=5),
}


def policy_for(settings: Settings, capability: str, *, remote: bool) -> CallPolicy:
    """The policy of ``capability``: its default (remote or embedded) with ``BFF_CALL_POLICY``'s overrides."""
    base = REMOTE_DEFAULTS.get(capability, CallPolicy()) if remote else EMBEDDED
    overrides = settings.call_policy.get(capability)
    return CallPolicy.model_validate({**base.model_dump(), **overrides}) if overrides else base


def breaker_for(capability: str, policy: CallPolicy, on_open: Callable[[str], None]) -> CircuitBreaker | None:
    if not policy.breaker_failures:
        return None
    return CircuitBreaker(capability, policy.breaker_failures, policy.breaker_reset_seconds, on_open=on_open)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, BACKEND_FAILURES) and not isinstance(error, CircuitOpen)


def _unavailable(capability: str, error: BaseException) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"{capability} is unavailable: {type(error).__name__}", capability=capability, reason="unavailable"
    )


def guard(
    call: Call,
    capability: str,
    operation: str,
    policy: CallPolicy,
    breaker: CircuitBreaker | None,
    *,
    idempotent: bool,
    bulk: bool,
) -> Call:
    """``call`` under ``policy``; ``call`` itself when the policy asks for nothing (embedded adapters)."""
    timeout = None if bulk else policy.timeout_seconds
    retries = idempotent and policy.attempts > 1
    if breaker is None and timeout is None and not retries:
        return call
    failures = {
        r: PORT_CALL_FAILURES.labels(capability, operation, r) for r in ("unavailable", "timeout", "circuit_open")
    }
    attempt = call if breaker is None else _through(call, breaker)
    run = attempt
    if retries:
        counter = PORT_CALL_RETRIES.labels(capability, operation)

        def count_retry(_: RetryCallState) -> None:
            counter.inc()

        template = AsyncRetrying(
            stop=stop_after_attempt(policy.attempts),
            wait=wait_random_exponential(multiplier=policy.backoff_initial_seconds, max=policy.backoff_max_seconds),
            retry=retry_if_exception(_retryable),
            before_sleep=count_retry,
            reraise=True,
        )

        async def retried(*args: Any, **kwargs: Any) -> Any:
            # The first try runs bare: a retrying object costs tens of microseconds per call, paid only after
            # a failure. Its run then starts from that failure (replayed, not repeated), so `attempts` still
            # counts every try and the first backoff comes before the second.
            try:
                return await attempt(*args, **kwargs)
            except Exception as error:
                if not _retryable(error):
                    raise
                first: Exception | None = error

            async def again(*args: Any, **kwargs: Any) -> Any:
                nonlocal first
                if first is not None:
                    error, first = first, None
                    raise error
                return await attempt(*args, **kwargs)

            # A copy per run: a retrying object keeps per-run state.
            return await template.copy()(again, *args, **kwargs)

        run = retried

    async def guarded(*args: Any, **kwargs: Any) -> Any:
        deadline = asyncio.timeout(timeout) if timeout is not None else None
        try:
            if deadline is None:
                return await run(*args, **kwargs)
            async with deadline:
                return await run(*args, **kwargs)
        except CircuitOpen:
            failures["circuit_open"].inc()
            raise
        except TimeoutError as error:
            if deadline is not None and deadline.expired():
                # The try in flight was cut short: a failure the breaker did not see.
                if breaker is not None:
                    breaker.failed()
                failures["timeout"].inc()
                raise ServiceUnavailable(
                    f"{capability} did not answer within {timeout:g} s", capability=capability, reason="timeout"
                ) from error
            failures["unavailable"].inc()
            raise _unavailable(capability, error) from error
        except ServiceUnavailable as error:
            failures.get(str(error.extensions.get("reason")), failures["unavailable"]).inc()
            raise
        except ConnectionError as error:
            failures["unavailable"].inc()
            raise _unavailable(capability, error) from error

    return guarded


def _through(call: Call, breaker: CircuitBreaker) -> Call:
    """One try of ``call`` through ``breaker``."""

    async def attempt(*args: Any, **kwargs: Any) -> Any:
        trial = breaker.admit()
        try:
            result = await call(*args, **kwargs)
        except BACKEND_FAILURES:
            breaker.failed()
            raise
        except Exception:
            breaker.succeeded()  # the service answered; the error is about the request
            raise
        except BaseException:
            breaker.abandoned(trial)  # cancelled: by the deadline (counted above) or because the client left
            raise
        breaker.succeeded()
        return result

    return attempt
