"""``/readyz`` says why the app cannot serve (503, a reason per failing check); ``/healthz`` stays cheap."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import app_client, make_settings
from tests.jwt_tools import CLIENT_ID, ISSUER, SigningKey, claims
from tests.stand_ins import free_port

ME = "{ me { id } }"


async def readiness(settings: Any) -> tuple[int, dict[str, Any]]:
    async with app_client(settings) as http:
        assert (await http.get("/healthz")).status_code == 200  # alive whatever the backends say
        response = await http.get("/readyz")
    return response.status_code, response.json()


async def test_a_seeded_store_is_ready(seeded_dir: Path) -> None:
    status, body = await readiness(make_settings(seeded_dir))

    assert (status, body) == (
        200,
        {"status": "ok", "checks": dict.fromkeys(["catalog", "search", "cache", "auth"], "ok")},
    )


async def test_an_empty_catalog_is_not_ready(tmp_path: Path) -> None:
    status, body = await readiness(make_settings(tmp_path))

    assert status == 503
    assert body["checks"]["catalog"] == "unavailable"
    assert "no products" in body["reasons"]["catalog"]
    assert set(body["reasons"]) == {"catalog"}


async def test_a_missing_table_is_not_ready_and_says_so(aws: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, catalog_backend="dynamodb", aws_endpoint_url=aws, dynamodb_table="absent")

    status, body = await readiness(settings)

    assert status == 503
    assert body["reasons"]["catalog"] == "the catalog table does not exist"
    assert "ResourceNotFound" not in str(body)


async def test_redis_configured_and_down_is_not_ready(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=f"redis://127.0.0.1:{free_port()}/0")

    status, body = await readiness(settings)

    assert status == 503
    assert body["checks"] == {"catalog": "ok", "search": "ok", "cache": "unavailable", "auth": "ok"}


async def test_an_unreachable_jwks_is_not_ready_and_logged_once(
    seeded_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        seeded_dir,
        auth_backend="cognito",
        cognito_issuer=ISSUER,
        cognito_jwks_url=f"http://127.0.0.1:{free_port()}/.well-known/jwks.json",
        cognito_app_client_ids=[CLIENT_ID],
        jwks_min_refresh_seconds=0,  # every request and probe fetches again: the log must still say it once
    )
    token = SigningKey("key-1").sign(claims())
    app = app_client(settings)
    with caplog.at_level(logging.DEBUG, logger="bff.auth"):
        async with app as http:
            probes = [await http.get("/readyz") for _ in range(2)]
            refused = [
                await http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
                for _ in range(3)
            ]
            fetches = app.state.backends.token_verifier.keys.fetches  # type: ignore[attr-defined]

    assert [p.status_code for p in probes] == [503, 503]
    reason = probes[0].json()["reasons"]["auth"]
    assert reason.startswith("the token issuer's keys cannot be fetched: GET http://127.0.0.1")
    assert [r.status_code for r in refused] == [503] * 3
    assert fetches >= 5  # each probe and request tried again...
    errors = [r for r in caplog.records if r.name == "bff.auth" and r.levelno == logging.ERROR]
    assert len(errors) == 1  # ...and the outage was logged once, with its cause
    assert "GET http://127.0.0.1" in errors[0].getMessage()
