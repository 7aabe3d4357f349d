"""DAX for eventually-consistent catalog reads, behind the same async ``Caller`` as DynamoDB.

DAX speaks its own binary protocol, so an aioboto3 client pointed at a DAX endpoint does not work; the
official client (``amazon-dax-client``) is synchronous and has boto3's low-level interface. It runs here on
a small thread pool: each read costs a thread hop (~50 µs) and concurrency is capped by the pool size, in
exchange for DAX's microsecond item and query caches. The package is imported only when
``BFF_DAX_ENDPOINT`` is set (``pip install amazon-dax-client``).

An ``http(s)://`` endpoint is taken as a DynamoDB-API stand-in (moto in tests, a local run): the same
thread-pool path with boto3's synchronous DynamoDB client in place of the DAX one.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bff.backends.dynamodb_client import snake_case
from bff.backends.dynamodb_config import NO_DEADLINE, client_config, use_policy_backoff
from bff.settings import CallPolicy


class ThreadedCaller:
    """A ``Caller`` over a synchronous boto3-shaped client, run on a bounded thread pool."""

    def __init__(self, client: Any, max_workers: int = 16) -> None:
        self._client = client
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="dax")

    async def __call__(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self._client, snake_case(operation))
        response: dict[str, Any] = await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: method(**kwargs)
        )
        return response

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
        self._executor.shutdown(wait=False)


def open_dax(endpoint: str, region: str, max_workers: int = 16, policy: CallPolicy | None = None) -> ThreadedCaller:
    """The DAX read path for ``endpoint`` (``daxs://cluster...:9111``, or an ``http(s)://`` stand-in).

    A stand-in's client follows ``policy`` like DynamoDB's (tries, backoff, each try's timeouts): a thread
    the deadline gave up on is not held for botocore's 60 s. The DAX client keeps its own timeouts."""
    if endpoint.startswith(("http://", "https://")):
        import boto3

        policy = policy or NO_DEADLINE
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region, config=client_config(policy))
        use_policy_backoff(client, policy)
    else:
        try:
            from amazondax import AmazonDaxClient  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:  # pragma: no cover - depends on the deployment's extras
            raise RuntimeError("BFF_DAX_ENDPOINT is set but amazon-dax-client is not installed") from exc
        client = AmazonDaxClient(endpoint_url=endpoint, region_name=region)
    return ThreadedCaller(client, max_workers=max_workers)
