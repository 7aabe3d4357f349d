"""The table's stream consumer (AWS Lambda, ``infra/stream.yaml``): products written anywhere reach this Region's
search index.

Within a Region the catalog's listeners index every write as it is made. A global table's replica also takes the
other Region's writes, which no listener here saw: this consumer re-indexes the products a batch of stream records
touched, read back from the table (``bff.backends.search_indexer.documents``, as ``bff reindex`` does), and drops
the deleted ones. A product the local listener already indexed gets the same document again.

``python -m bff.stream_consumer`` is the function's entry point in the container image: a loop over Lambda's
runtime API (no runtime client library needed) with the backends opened once per container. Lambda has no
``Secrets:`` as ECS tasks have: ``BFF_SECRETS_FROM`` (JSON, variable -> Secrets Manager ARN) names the secrets to
read into the environment before the settings are.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.catalog import CatalogStore
from bff.backends.search import ProductSearch
from bff.backends.search_indexer import documents

log = logging.getLogger("bff.stream")
RUNTIME = "2018-06-01/runtime/invocation"
SECRETS_FROM = "BFF_SECRETS_FROM"


def touched_products(records: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """(products to index again, products deleted) from DynamoDB stream records (new and old images)."""
    touched: set[str] = set()
    deleted: set[str] = set()
    for record in records:
        change = record.get("dynamodb", {})
        keys = change.get("Keys", {})
        pk, sk = keys.get(s.PK, {}).get("S", ""), keys.get(s.SK, {}).get("S", "")
        if pk.startswith(f"{s.PRODUCT}#") and sk == s.PRODUCT:
            product_id = pk.removeprefix(f"{s.PRODUCT}#")
            (deleted if record.get("eventName") == "REMOVE" else touched).add(product_id)
            continue
        # A variant, its stock or a listing entry: each names its product.
        image = change.get("NewImage") or change.get("OldImage") or {}
        product_id = image.get("productId", {}).get("S")
        if product_id:
            touched.add(product_id)
    return touched - deleted, deleted


async def apply(catalog: CatalogStore, search: ProductSearch, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Index the touched products as the table holds them now; remove the deleted and the vanished ones."""
    touched, deleted = touched_products(records)
    ids = sorted(touched)
    found = await catalog.get_products(ids) if ids else []
    products = [p for p in found if p is not None]
    gone = deleted | {i for i, p in zip(ids, found, strict=True) if p is None}
    if products:
        await search.index_documents(await documents(catalog, products))
    if gone:
        await search.remove_documents(sorted(gone))
    return {"indexed": len(products), "removed": len(gone)}


def read_secrets(environ: MutableMapping[str, str], client: Any = None) -> None:
    """Put each secret ``BFF_SECRETS_FROM`` names into ``environ`` under its variable (``client``: a boto3
    Secrets Manager client, by default the Region's)."""
    wanted: dict[str, str] = json.loads(environ.get(SECRETS_FROM) or "{}")
    if not wanted:
        return
    if client is None:
        import boto3

        client = boto3.client("secretsmanager", region_name=environ.get("AWS_REGION"))
    for name, arn in wanted.items():
        environ[name] = str(client.get_secret_value(SecretId=arn)["SecretString"])


async def serve(
    api: str, handle: Callable[[dict[str, Any]], Awaitable[dict[str, int]]], invocations: int | None = None
) -> None:
    """Take invocations from Lambda's runtime API at ``api`` (host:port) and answer each; ``invocations``: stop after
    that many (tests)."""
    served = 0
    while invocations is None or served < invocations:
        with await asyncio.to_thread(urllib.request.urlopen, f"http://{api}/{RUNTIME}/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        try:
            result: dict[str, Any] = await handle(event)
            path, body = f"{request_id}/response", result
        except Exception as error:  # reported to Lambda, which retries the batch (and bisects it)
            log.exception("stream batch failed")
            path, body = f"{request_id}/error", {"errorType": type(error).__name__, "errorMessage": str(error)}
        answer = urllib.request.Request(f"http://{api}/{RUNTIME}/{path}", data=json.dumps(body).encode(), method="POST")
        with await asyncio.to_thread(urllib.request.urlopen, answer):
            pass
        served += 1


async def main() -> None:
    from bff.backends.registry import build_backends
    from bff.logs import configure_logging
    from bff.settings import Settings

    read_secrets(os.environ)
    settings = Settings()
    configure_logging(settings.log_level, json=settings.is_production)
    async with build_backends(settings) as backends:

        async def handle(event: dict[str, Any]) -> dict[str, int]:
            return await apply(backends.catalog, backends.search, event.get("Records", []))

        await serve(os.environ["AWS_LAMBDA_RUNTIME_API"], handle)


if __name__ == "__main__":  # pragma: no cover - Lambda's entry point
    asyncio.run(main())
