"""DynamoDB requests for the catalog adapter: read routing (DAX or DynamoDB), batching, retries, errors.

The SDK client follows the store's call policy (``bff.backends.dynamodb_config``).

Every request goes through :meth:`DynamoRequests.call`, which picks the path (eventually-consistent reads
through DAX when one is configured, everything else to DynamoDB), counts it per path and operation in
``requests`` (tests and benchmarks read it), and turns the SDK's failures into the project's errors with a
fixed message (the AWS error code and text go to the log with the request id, never to a client): what is
left after the retries, an unreachable endpoint, a missing table or missing permissions become
``ServiceUnavailable``. Batch operations retry their unprocessed part with jittered exponential backoff. A
conditional write that loses (``ConditionalCheckFailedException``, or a transaction cancelled by a failed
condition or a concurrent transaction) is ``Conflict``: the caller re-reads and retries.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_items import Item, from_wire, to_wire
from bff.errors import Conflict, ServiceUnavailable
from bff.logs import current_request_id

log = logging.getLogger("bff.dynamodb")

# A caller runs one DynamoDB operation ("BatchGetItem", {...}) and returns the response dict.
Caller = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]

BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
# TransactWriteItems takes at most this many actions.
TRANSACTION_MAX = 100
# Why a transaction was cancelled that means "another write came first" (CancellationReasons codes).
LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
READS = frozenset({"GetItem", "BatchGetItem", "Query"})
# What a client sees of any DynamoDB failure: the cause (an AWS error code and text) is logged, never shown.
UNAVAILABLE_MESSAGE = "the catalog store is unavailable"
# Error codes that are about the request this adapter built (a bug, or an item over DynamoDB's limits): the
# caller's to handle (an import turns one into a per-record error); anything else means the store cannot serve.
REQUEST_ERRORS = frozenset({"ValidationException", "ItemCollectionSizeLimitExceededException"})


def unavailable(capability: str, path: str, operation: str, cause: object) -> ServiceUnavailable:
    """The error a client sees for a store that cannot serve; ``cause`` is logged with the request id."""
    log.warning("%s %s failed (request %s): %s", path, operation, current_request_id(), cause)
    message = UNAVAILABLE_MESSAGE if capability == "catalog" else f"the {capability} store is unavailable"
    return ServiceUnavailable(message, capability=capability, reason="unavailable")


def aioboto3_caller(client: Any) -> Caller:
    """Operations on an aiobotocore DynamoDB client (``BatchGetItem`` -> ``client.batch_get_item``)."""

    async def call(operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        method = getattr(client, snake_case(operation))
        response: dict[str, Any] = await method(**kwargs)
        return response

    return call


def snake_case(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _key_of(wire: dict[str, Any]) -> tuple[str, str]:
    return wire[s.PK]["S"], wire[s.SK]["S"]


class DynamoRequests:
    def __init__(
        self,
        table: str,
        dynamodb: Caller,
        dax: Caller | None = None,
        *,
        max_batch_attempts: int = 8,
        backoff_base: float = 0.02,
        capability: str = "catalog",
    ) -> None:
        self.table = table
        # What the errors name (the catalog's, or another store's in the same table).
        self.capability = capability
        self._dynamodb = dynamodb
        self._dax = dax
        self.max_batch_attempts = max_batch_attempts
        self.backoff_base = backoff_base
        self.requests: Counter[str] = Counter()

    @property
    def dynamodb(self) -> Caller:
        """DynamoDB itself, without the error translation of :meth:`call` (table administration)."""
        return self._dynamodb

    async def call(self, operation: str, kwargs: dict[str, Any], *, consistent: bool = False) -> dict[str, Any]:
        via_dax = self._dax is not None and operation in READS and not consistent
        path, caller = ("dax", self._dax) if via_dax else ("dynamodb", self._dynamodb)
        assert caller is not None
        self.requests[f"{path}.{operation}"] += 1
        try:
            return await caller(operation, kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise Conflict("a concurrent write came first") from exc
            cause = f"{code}: {exc.response.get('Error', {}).get('Message', '')}"
            if code == "TransactionCanceledException":
                reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", ())}
                if reasons & LOST_RACE:
                    raise Conflict("a concurrent write came first") from exc
                cause = f"cancelled: {sorted(r for r in reasons if r)}"
            elif code in REQUEST_ERRORS:
                raise
            raise unavailable(self.capability, path, operation, cause) from exc
        except BotoCoreError as exc:
            raise unavailable(self.capability, path, operation, f"{type(exc).__name__}: {exc}") from exc

    async def check_table(self) -> None:
        """Raise ``ServiceUnavailable`` saying why the table cannot serve (for ``/readyz``; no AWS names)."""
        try:
            response = await self._dynamodb("DescribeTable", {"TableName": self.table})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            log.warning("readiness: DescribeTable %s failed: %s", self.table, code)
            message = "the catalog table does not exist" if code == "ResourceNotFoundException" else None
            raise ServiceUnavailable(message or UNAVAILABLE_MESSAGE, capability="catalog") from exc
        except BotoCoreError as exc:
            log.warning("readiness: DescribeTable %s failed: %s", self.table, exc)
            raise ServiceUnavailable("the catalog store is unreachable", capability="catalog") from exc
        status = response.get("Table", {}).get("TableStatus")
        if status not in ("ACTIVE", "UPDATING"):
            raise ServiceUnavailable(f"the catalog table is {str(status).lower()}", capability="catalog")

    async def _backoff(self, attempt: int) -> None:
        # Full jitter: a random wait up to base * 2^attempt, so retrying callers do not move in lockstep.
        await asyncio.sleep(random.uniform(0, self.backoff_base * 2**attempt))  # noqa: S311 - not crypto

    async def batch_get(
        self, keys: Sequence[dict[str, str]], *, consistent: bool = False, projection: str | None = None
    ) -> dict[tuple[str, str], Item]:
        """Items by (pk, sk), fetched 100 keys per request; absent keys are simply not in the answer."""
        unique = list({(k[s.PK], k[s.SK]): k for k in keys}.values())
        chunks = [unique[i : i + BATCH_GET_MAX] for i in range(0, len(unique), BATCH_GET_MAX)]
        found: dict[tuple[str, str], Item] = {}
        for chunk in await asyncio.gather(*(self._get_chunk(c, consistent, projection) for c in chunks)):
            found.update(chunk)
        return found

    async def _get_chunk(
        self, keys: list[dict[str, str]], consistent: bool, projection: str | None
    ) -> dict[tuple[str, str], Item]:
        request: dict[str, Any] = {"Keys": [to_wire(k) for k in keys], "ConsistentRead": consistent}
        if projection:
            names = [p.strip() for p in projection.split(",")]
            request["ProjectionExpression"] = ", ".join(f"#p{i}" for i in range(len(names)))
            request["ExpressionAttributeNames"] = {f"#p{i}": n for i, n in enumerate(names)}
        found: dict[tuple[str, str], Item] = {}
        for attempt in range(self.max_batch_attempts):
            response = await self.call("BatchGetItem", {"RequestItems": {self.table: request}}, consistent=consistent)
            for wire in response.get("Responses", {}).get(self.table, []):
                found[_key_of(wire)] = from_wire(wire)
            left = response.get("UnprocessedKeys", {}).get(self.table)
            if not left or not left.get("Keys"):
                return found
            request = left
            await self._backoff(attempt)
        raise ServiceUnavailable("catalog store kept keys unprocessed (throttled)", service="dynamodb")

    async def batch_write(self, puts: Sequence[Item], deletes: Sequence[dict[str, str]] = ()) -> None:
        """Put and delete items, 25 per request, retrying the unprocessed ones (not atomic across chunks)."""
        requests = [{"PutRequest": {"Item": to_wire(p)}} for p in puts]
        requests += [{"DeleteRequest": {"Key": to_wire(k)}} for k in deletes]
        chunks = [requests[i : i + BATCH_WRITE_MAX] for i in range(0, len(requests), BATCH_WRITE_MAX)]
        # A handful of chunks in flight at once: fast imports without a burst that throttles the table.
        limit = asyncio.Semaphore(8)

        async def write(chunk: list[dict[str, Any]]) -> None:
            async with limit:
                for attempt in range(self.max_batch_attempts):
                    response = await self.call("BatchWriteItem", {"RequestItems": {self.table: chunk}})
                    chunk = response.get("UnprocessedItems", {}).get(self.table, [])
                    if not chunk:
                        return
                    await self._backoff(attempt)
                raise ServiceUnavailable("catalog store kept writes unprocessed (throttled)", service="dynamodb")

        await asyncio.gather(*(write(c) for c in chunks))

    async def transact_write(self, actions: Sequence[dict[str, Any]]) -> None:
        """One TransactWriteItems: every action (``{"Put": {...}}``, ``{"Delete": {...}}``, ``TableName`` added)
        or none. ``Conflict`` when a condition fails or a concurrent transaction touches the same items."""
        if len(actions) > TRANSACTION_MAX:
            raise ValueError(f"a transaction takes at most {TRANSACTION_MAX} actions, not {len(actions)}")
        items = [{kind: {"TableName": self.table, **body} for kind, body in a.items()} for a in actions]
        await self.call("TransactWriteItems", {"TransactItems": items})

    async def bump_generation(self) -> None:
        """Move the catalog's generation on (after a write; readers in other processes watch it)."""
        await self.call(
            "UpdateItem",
            {
                "TableName": self.table,
                "Key": to_wire(s.generation_key()),
                "UpdateExpression": "ADD #g :one",
                "ExpressionAttributeNames": {"#g": "generation"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            },
        )

    async def generation(self) -> int:
        """The catalog's generation, read consistently (never from DAX, whose item cache lags)."""
        request = {"TableName": self.table, "Key": to_wire(s.generation_key()), "ConsistentRead": True}
        item = (await self.call("GetItem", request, consistent=True)).get("Item")
        return int(from_wire(item).get("generation", 0)) if item else 0

    async def query_pages(
        self, kwargs: dict[str, Any], *, consistent: bool = False
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Every page of a Query (``LastEvaluatedKey`` followed), as raw responses."""
        request = {"TableName": self.table, **kwargs}
        if "IndexName" not in request:
            request["ConsistentRead"] = consistent
        while True:
            response = await self.call("Query", request, consistent=consistent)
            yield response
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request = {**request, "ExclusiveStartKey": last}

    async def query_items(self, kwargs: dict[str, Any], *, consistent: bool = False) -> list[Item]:
        items: list[Item] = []
        async for page in self.query_pages(kwargs, consistent=consistent):
            items += [from_wire(w) for w in page.get("Items", [])]
        return items
