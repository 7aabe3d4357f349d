"""Automatic Persisted Queries (Apollo's protocol) and the allow-list mode, through the HTTP app."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import orjson
from typer.testing import CliRunner

from bff.cli import app as cli
from tests.conftest import app_client, error_codes, make_settings

QUERY = "query Home($first: Int) { products(first: $first) { nodes { id title } } }"
OTHER = "{ categories(first: 1) { nodes { id } } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_unknown_hash_is_not_found_then_registered_then_served_by_hash(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir)) as http:
        body = {"variables": {"first": 2}, "extensions": persisted(sha(QUERY))}
        missing = await http.post("/graphql", json=body)
        registered = await http.post("/graphql", json={**body, "query": QUERY})
        hit = await http.post("/graphql", json=body)

    assert missing.status_code == 200
    assert error_codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert len(registered.json()["data"]["products"]["nodes"]) == 2
    assert hit.json()["data"] == registered.json()["data"]


async def test_a_hash_that_is_not_the_documents_is_refused(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir)) as http:
        forged = await http.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(OTHER))})
        after = await http.post("/graphql", json={"extensions": persisted(sha(OTHER))})

    assert forged.status_code == 400
    assert error_codes(forged.json()) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert error_codes(after.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_unsupported_version_is_refused(client: httpx.AsyncClient) -> None:
    extensions = {"persistedQuery": {"version": 2, "sha256Hash": sha(QUERY)}}
    response = await client.post("/graphql", json={"query": QUERY, "extensions": extensions})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["PERSISTED_QUERY_VERSION_UNSUPPORTED"]


async def test_get_with_a_persisted_query_runs_it(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))})
    params = {
        "operationName": "Home",
        "variables": orjson.dumps({"first": 3}).decode(),
        "extensions": orjson.dumps(persisted(sha(QUERY))).decode(),
    }
    response = await client.get("/graphql", params=params)
    assert response.status_code == 200
    assert len(response.json()["data"]["products"]["nodes"]) == 3


async def test_allowlist_runs_only_registered_documents(seeded_dir: Path, tmp_path: Path) -> None:
    storefront = tmp_path / "home.graphql"
    storefront.write_text(QUERY)
    manifest = tmp_path / "persisted-queries.json"
    result = CliRunner().invoke(cli, ["persisted-queries", "register", str(storefront), "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    (operation,) = orjson.loads(manifest.read_bytes())["operations"]
    assert operation["name"] == "Home"
    assert operation["id"] == sha(operation["body"])

    settings = make_settings(seeded_dir, apq_mode="allowlist", persisted_queries_manifest=manifest)
    async with app_client(settings) as http:
        by_hash = await http.post("/graphql", json={"extensions": persisted(operation["id"])})
        by_text = await http.post("/graphql", json={"query": operation["body"]})
        unlisted = await http.post("/graphql", json={"query": OTHER})
        unlisted_hash = await http.post("/graphql", json={"query": OTHER, "extensions": persisted(sha(OTHER))})

    assert by_hash.json()["data"]["products"]["nodes"]
    assert by_text.json()["data"] == by_hash.json()["data"]
    assert error_codes(unlisted.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert error_codes(unlisted_hash.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]


async def test_register_refuses_a_document_the_schema_does_not_accept(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("query Bad { noSuchField }")
    manifest = tmp_path / "m.json"
    result = CliRunner().invoke(cli, ["persisted-queries", "register", str(bad), "--manifest", str(manifest)])
    assert result.exit_code == 1
    assert not manifest.exists()
