"""The table's stream consumer: stream records -> the products they touched -> this Region's search index."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bff import stream_consumer
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_items import to_wire
from bff.backends.registry import build_backends
from bff.catalog_io import generate_catalog
from bff.domain.search import SearchRequest
from bff.stream_consumer import apply, read_secrets, serve, touched_products
from tests.conftest import make_settings


def record(event: str, keys: dict[str, str], image: dict[str, Any] | None = None) -> dict[str, Any]:
    """A DynamoDB stream record as Lambda hands it over (wire-format keys and images)."""
    change: dict[str, Any] = {"Keys": to_wire(keys), "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if image is not None:
        change["OldImage" if event == "REMOVE" else "NewImage"] = to_wire({**keys, **image})
    return {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": change}


def test_records_name_the_products_they_touched() -> None:
    records = [
        record("MODIFY", s.product_key("p1"), {"title": "Lamp"}),
        record("MODIFY", s.stock_key("v9"), {"productId": "p2", "available": 0}),
        record("INSERT", s.variant_key("v7"), {"productId": "p3"}),
        record("REMOVE", s.product_key("p4"), {"title": "Gone"}),
        record("MODIFY", s.category_key("c1"), {"title": "Lighting"}),
        record("MODIFY", s.generation_key(), {"generation": 7}),
    ]

    assert touched_products(records) == ({"p1", "p2", "p3"}, {"p4"})


async def count(search: Any) -> int:
    found = await search.search(SearchRequest(text=None, limit=0, with_total=True))
    return int(found.total)


async def test_a_replicated_write_reaches_the_index_and_a_deletion_leaves_it(tmp_path: Path) -> None:
    categories, records = generate_catalog(products=6, seed=3)
    async with build_backends(make_settings(tmp_path)) as backends:
        await backends.catalog.upsert_categories(categories)
        await backends.catalog.upsert_products(records)
        ids = [r.product.id for r in records]
        # As in a replica's Region: the table holds products whose writes no listener here indexed.
        await backends.search.remove_documents(ids[:3])
        assert await count(backends.search) == 3

        report = await apply(
            backends.catalog,
            backends.search,
            [
                record("MODIFY", s.product_key(ids[0]), {"title": "x"}),
                record("MODIFY", s.stock_key(records[1].variants[0].id), {"productId": ids[1]}),
                record("INSERT", s.variant_key(records[2].variants[0].id), {"productId": ids[2]}),
                record("REMOVE", s.product_key(ids[5]), {"title": "y"}),
                record("MODIFY", s.product_key("not-in-the-table"), {"title": "z"}),
            ],
        )

        assert report == {"indexed": 3, "removed": 2}
        assert await count(backends.search) == 5
        found = await backends.search.search(SearchRequest(text=records[0].product.title, limit=10))
        assert ids[0] in found.product_ids


class RuntimeApi(BaseHTTPRequestHandler):
    """Lambda's runtime API: hands out the queued events, keeps what the function answered."""

    events: ClassVar[list[dict[str, Any]]] = []
    answers: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_GET(self) -> None:
        event = self.events.pop(0)
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{len(self.answers)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.answers.append((self.path, body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def runtime_api() -> Iterator[str]:
    RuntimeApi.events, RuntimeApi.answers = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_the_runtime_loop_answers_each_invocation_and_reports_a_failed_batch(runtime_api: str) -> None:
    RuntimeApi.events = [{"Records": [1, 2]}, {"Records": []}]

    async def handle(event: dict[str, Any]) -> dict[str, int]:
        if not event["Records"]:
            raise ValueError("no records")
        return {"indexed": len(event["Records"]), "removed": 0}

    await asyncio.wait_for(serve(runtime_api, handle, invocations=2), timeout=30)

    assert RuntimeApi.answers == [
        ("/2018-06-01/runtime/invocation/req-0/response", {"indexed": 2, "removed": 0}),
        ("/2018-06-01/runtime/invocation/req-1/error", {"errorType": "ValueError", "errorMessage": "no records"}),
    ]


def test_secrets_named_by_arn_are_read_into_the_environment(moto_endpoint: str) -> None:
    import boto3

    client = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_endpoint)
    arn = client.create_secret(Name="stream-test/cursor", SecretString="c" * 64)["ARN"]
    environ = {stream_consumer.SECRETS_FROM: json.dumps({"BFF_CURSOR_SECRET": arn}), "BFF_ENV": "production"}

    read_secrets(environ, client)

    assert environ["BFF_CURSOR_SECRET"] == "c" * 64
    untouched = {"BFF_ENV": "production"}
    read_secrets(untouched, client)
    assert untouched == {"BFF_ENV": "production"}
