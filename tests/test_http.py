"""GraphQL over HTTP: methods, bodies, status codes, headers, GraphiQL and error masking."""

from __future__ import annotations

import gc
import logging
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.conftest import app_client, error_codes, make_settings

QUERY = "{ products(first: 2) { nodes { id } } }"


async def test_get_runs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": QUERY})
    assert response.status_code == 200
    assert len(response.json()["data"]["products"]["nodes"]) == 2


async def test_application_graphql_body_runs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=QUERY, headers={"content-type": "application/graphql"})
    assert len(response.json()["data"]["products"]["nodes"]) == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b'{"query": 5}', 400),
        (b'{"variables": {}}', 400),
        (b'{"query": "{ products { totalCount } }", "variables": [1]}', 400),
    ],
)
async def test_unusable_bodies_get_a_json_error(client: httpx.AsyncClient, body: bytes, status: int) -> None:
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_syntax_errors_follow_the_response_media_type(client: httpx.AsyncClient) -> None:
    legacy = await client.post("/graphql", json={"query": "{ products(first: "})
    modern = await client.post(
        "/graphql",
        json={"query": "{ products(first: "},
        headers={"accept": "application/graphql-response+json"},
    )
    assert legacy.status_code == 200
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith("application/graphql-response+json")
    assert error_codes(legacy.json()) == error_codes(modern.json()) == ["GRAPHQL_PARSE_FAILED"]


async def test_unknown_fields_are_validation_errors(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": "{ products { nope } }"})).json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize("document", ["{}", "fragment F on Query { __typename }", "query { }"])
async def test_documents_without_a_usable_operation_are_refused_not_crashed(
    client: httpx.AsyncClient, document: str
) -> None:
    response = await client.post("/graphql", json={"query": document})
    assert response.status_code == 200
    assert error_codes(response.json())[0] in {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}


async def test_depth_limit_refuses_deep_documents(client: httpx.AsyncClient) -> None:
    deep = "{ categories { nodes { " + "children { " * 14 + "id" + " }" * 14 + " } } }"
    body = (await client.post("/graphql", json={"query": deep})).json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in body["errors"][0]["message"]


async def test_mutations_and_unknown_methods_refused_over_get(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", content=b"{}")
    assert response.status_code == 405


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    made = await client.get("/healthz", headers={"x-request-id": "bad id\n"})
    assert given.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])


async def test_security_headers_cors_and_gzip(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/graphql",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,authorization",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    foreign = await client.options(
        "/graphql", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in foreign.headers
    big = await client.post(
        "/graphql",
        json={"query": "{ products(first: 50) { nodes { title description } } }"},
        headers={"accept-encoding": "gzip"},
    )
    assert big.headers["content-encoding"] == "gzip"
    assert big.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in big.headers["content-security-policy"]


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"catalog": "ok", "search": "ok", "cache": "ok", "auth": "ok"}


async def test_graphiql_page_and_every_asset_are_served_locally(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 5
    for asset in assets:
        assert asset.startswith("/graphiql-assets/"), f"{asset} would need the network"
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100
    assert "ProductPage" in page.text and "CategoryPage" in page.text
    # The examples' variables name a real product and category of this catalog.
    handle = re.search(r'\\"handle\\": \\"([^\\"]+)\\"', page.text)
    assert handle is not None


async def test_the_graphiql_page_is_the_same_on_every_request(client: httpx.AsyncClient) -> None:
    pages = [await client.get("/graphql", headers={"accept": "text/html"}) for _ in range(3)]

    assert [p.text for p in pages] == [pages[0].text] * 3
    assert [len(p.headers.get_list("content-security-policy")) for p in pages] == [1, 1, 1]
    assert [len(p.headers.get_list("x-request-id")) for p in pages] == [1, 1, 1]


async def test_the_csp_lets_no_inline_script_or_style_run(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))

    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert policy["script-src"] == "'self'"
    assert policy["style-src"].split()[0] == "'self'" and all(
        s.startswith("'sha256-") for s in policy["style-src"].split()[1:]
    )
    # the page itself needs no inline code: its only script without `src` is a JSON data block, no <style>
    assert "<style" not in page.text
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert inline == [' id="graphiql-config" type="application/json"']


async def test_unexpected_failures_are_masked_and_logged_with_an_id(
    tmp_path: Path, seeded_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "catalog.sqlite3").write_bytes((seeded_dir / "catalog.sqlite3").read_bytes())
    with sqlite3.connect(broken / "catalog.sqlite3") as conn:
        handle = conn.execute("SELECT handle FROM products LIMIT 1").fetchone()[0]
        conn.execute("UPDATE products SET tags = 'not json' WHERE handle = ?", (handle,))
    async with app_client(make_settings(broken)) as http:
        with caplog.at_level(logging.ERROR, logger="bff.errors"):
            body = (await http.post("/graphql", json={"query": f'{{ product(handle: "{handle}") {{ id }} }}'})).json()
    error = body["errors"][0]
    assert error["message"] == "Internal error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "not json" not in str(body) and "JSONDecodeError" not in str(body)
    assert error["extensions"]["errorId"] in caplog.text


async def test_start_up_sets_the_garbage_collector_thresholds(seeded_dir: Path) -> None:
    before = gc.get_threshold()
    try:
        async with app_client(make_settings(seeded_dir, gc_threshold=(1234, 5, 6), gc_freeze=False)) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert gc.get_threshold() == (1234, 5, 6)
    finally:
        gc.set_threshold(*before)
