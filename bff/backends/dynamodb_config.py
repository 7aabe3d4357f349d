"""The DynamoDB client's settings under a call policy: its tries, the waits between them, each try's timeouts.

botocore's defaults (60 s connect and read timeouts, waits of up to 1 s then 2 s between tries) kept a request
waiting 10-15 s on an unreachable table. Here the store's policy (``bff.backends.policy``) configures the
client: botocore's standard retry mode makes ``attempts`` tries (throttling, 5xx, timeouts and connection
errors; every operation, within botocore's retry quota), waits the policy's jittered backoff between them, and
each try's connect and read timeouts are its share of the deadline, so the tries fit in ``timeout_seconds``.
The composition root then gives the port boundary one attempt (``registry._boundary``): no attempts x attempts.
"""

from __future__ import annotations

import random
from contextlib import AsyncExitStack
from typing import Any, ClassVar, Self

from botocore.config import Config
from botocore.retries.base import BaseRetryBackoff

from bff.backends.dynamodb_client import DynamoRequests, aioboto3_caller
from bff.settings import CallPolicy

# Without a deadline (``timeout_seconds: null``) each try gets these, not botocore's 60 s.
UNBOUNDED_CONNECT_SECONDS = 2.0
UNBOUNDED_READ_SECONDS = 10.0
# The client's policy when no deadline is set around its calls (a command, a test): every try gets the
# unbounded timeouts above.
NO_DEADLINE = CallPolicy(timeout_seconds=None, attempts=4, backoff_initial_seconds=0.05, backoff_max_seconds=1.0)
# No try is given less than this, however many tries share a short deadline.
MIN_TRY_SECONDS = 0.05
# The part of the deadline the tries share; the rest is for signing, connecting and the event loop's turns,
# so the last try's own timeout, not the deadline, ends a call to a hanging endpoint.
TRY_BUDGET = 0.9


class PolicyBackoff(BaseRetryBackoff):  # type: ignore[misc]
    """Full jitter: a random wait up to ``initial`` x 2^(try - 1), at most ``most`` (the call policy's)."""

    def __init__(self, initial: float, most: float) -> None:
        self.initial = initial
        self.most = most

    def delay_amount(self, context: Any) -> float:
        return random.uniform(0, min(self.initial * 2 ** (context.attempt_number - 1), self.most))  # noqa: S311


def try_seconds(policy: CallPolicy) -> float | None:
    """Each try's connect and read timeout: most of the deadline less the backoff waits, shared by the tries."""
    if policy.timeout_seconds is None:
        return None
    waits = sum(
        min(policy.backoff_initial_seconds * 2.0**i, policy.backoff_max_seconds) for i in range(policy.attempts - 1)
    )
    share: float = (policy.timeout_seconds * TRY_BUDGET - waits) / policy.attempts
    return max(share, MIN_TRY_SECONDS)


def client_config(policy: CallPolicy) -> Config:
    """botocore's settings for a DynamoDB client under ``policy``: standard retries, ``attempts`` tries in all,
    each with its share of the deadline as connect and read timeout."""
    share = try_seconds(policy)
    return Config(
        connect_timeout=share or UNBOUNDED_CONNECT_SECONDS,
        read_timeout=share or UNBOUNDED_READ_SECONDS,
        retries={"mode": "standard", "max_attempts": policy.attempts},
    )


def use_policy_backoff(client: Any, policy: CallPolicy) -> None:
    """Replace the standard retry mode's waits (up to 1 s, then 2 s, ...) by the policy's jittered backoff.

    botocore has no setting for them: its standard handler is registered again (the same checks of what is
    retryable, a retry quota of its own like botocore's), with the policy's backoff. ``client`` is an
    aiobotocore client or a boto3 one (the DAX stand-in)."""
    from botocore.retries import quota, standard

    asynchronous = hasattr(client, "__aenter__")
    if asynchronous:
        from aiobotocore.retries import standard as aio

        handler_class: Any = aio.AioRetryHandler
        policy_class: Any = aio.AioRetryPolicy
        conditions: Any = aio.AioStandardRetryConditions(max_attempts=policy.attempts)
    else:
        handler_class = standard.RetryHandler
        policy_class = standard.RetryPolicy
        conditions = standard.StandardRetryConditions(max_attempts=policy.attempts)
    events = client.meta.events
    name = client.meta.service_model.service_id.hyphenize()
    unique_id = f"retry-config-{name}"
    events.unregister(f"needs-retry.{name}", unique_id=unique_id)
    retry_quota = standard.RetryQuotaChecker(quota.RetryQuota())
    events.register(f"after-call.{name}", retry_quota.release_retry_quota)
    handler = handler_class(
        retry_policy=policy_class(
            retry_checker=conditions,
            retry_backoff=PolicyBackoff(policy.backoff_initial_seconds, policy.backoff_max_seconds),
        ),
        retry_event_adapter=standard.RetryEventAdapter(),
        retry_quota=retry_quota,
    )
    events.register(f"needs-retry.{name}", handler.needs_retry, unique_id=unique_id)


async def open_client(stack: AsyncExitStack, region: str, endpoint_url: str | None, policy: CallPolicy) -> Any:
    """An aiobotocore DynamoDB client following ``policy`` (closed with ``stack``)."""
    import aioboto3

    session = aioboto3.Session()
    client = await stack.enter_async_context(
        session.client("dynamodb", region_name=region, endpoint_url=endpoint_url, config=client_config(policy))
    )
    use_policy_backoff(client, policy)
    return client


class DynamoTableStore:
    """A store over the single table with its own client (carts, orders): ``open`` and ``close`` once, here.

    Subclasses name their ``capability`` (what the client's errors and counters say)."""

    capability: ClassVar[str]

    def __init__(self, requests: DynamoRequests, stack: AsyncExitStack | None = None) -> None:
        self.requests = requests
        self._stack = stack

    @classmethod
    async def open(
        cls, table: str, region: str, endpoint_url: str | None = None, policy: CallPolicy | None = None
    ) -> Self:
        """The store over ``table``; its client follows ``policy`` as the catalog's does (``client_config``)."""
        stack = AsyncExitStack()
        client = await open_client(stack, region, endpoint_url, policy or NO_DEADLINE)
        return cls(DynamoRequests(table, aioboto3_caller(client), capability=cls.capability), stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
