"""Authentication through the HTTP app: anonymous is fine, a bad token is a clean 401, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import app_client, make_settings
from tests.jwt_tools import CLIENT_ID, ISSUER, JwksServer, SigningKey, claims

ME = "{ me { id email username displayName groups } }"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture(scope="module")
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    with JwksServer(key) as server:
        yield server


@pytest.fixture(scope="module")
async def http(seeded_dir: Path, jwks: JwksServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        seeded_dir,
        auth_backend="cognito",
        cognito_issuer=ISSUER,
        cognito_jwks_url=jwks.url,
        cognito_app_client_ids=[CLIENT_ID],
        cognito_token_use=["access", "id"],
    )
    async with app_client(settings) as client:
        yield client


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segments(header: dict[str, object], payload: dict[str, object]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def alg_none(key: SigningKey) -> str:
    return _segments({"alg": "none", "typ": "JWT", "kid": key.kid}, claims(**{"cognito:groups": ["admin"]})) + "."


def hs256_with_public_key(key: SigningKey) -> str:
    signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": key.kid}, claims())
    signature = hmac.new(key.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tampered(key: SigningKey) -> str:
    header, _, signature = key.sign(claims()).split(".")
    forged = _b64(json.dumps(claims(**{"cognito:groups": ["admin"]})).encode())
    return f"{header}.{forged}.{signature}"


def bearer(make: Callable[[SigningKey], str]) -> Callable[[SigningKey], str]:
    return lambda key: f"Bearer {make(key)}"


NOW = int(time.time())
ATTACKS: list[tuple[str, Callable[[SigningKey], str | list[str]], str]] = [
    ("alg none", bearer(alg_none), "unsupported_algorithm"),
    ("HS256 signed with the public key", bearer(hs256_with_public_key), "unsupported_algorithm"),
    ("unknown kid", bearer(lambda k: k.sign(claims(), kid="not-a-key")), "unknown_signing_key"),
    ("another key claiming our kid", bearer(lambda k: SigningKey(k.kid).sign(claims())), "bad_signature"),
    ("expired", bearer(lambda k: k.sign(claims(iat=NOW - 7200, exp=NOW - 3600))), "token_expired"),
    ("nbf in the future", bearer(lambda k: k.sign(claims(nbf=NOW + 3600))), "token_not_yet_valid"),
    ("iat in the future", bearer(lambda k: k.sign(claims(iat=NOW + 3600))), "token_not_yet_valid"),
    ("no exp", bearer(lambda k: k.sign(claims(exp=None))), "invalid_claims"),
    ("odd claim types", bearer(lambda k: k.sign(claims(exp=[1], iat={"a": 1}))), "invalid_claims"),
    ("no sub", bearer(lambda k: k.sign(claims(sub=None))), "invalid_claims"),
    ("wrong iss", bearer(lambda k: k.sign(claims(iss="https://evil.example.com/pool"))), "wrong_issuer"),
    ("wrong client_id", bearer(lambda k: k.sign(claims(client_id="other-app"))), "wrong_audience"),
    (
        "wrong aud on an id token",
        bearer(lambda k: k.sign(claims(token_use="id", client_id=None, aud="other-app"))),
        "wrong_audience",
    ),
    ("token_use not allowed", bearer(lambda k: k.sign(claims(token_use="refresh"))), "token_use_not_allowed"),
    ("tampered payload", bearer(tampered), "bad_signature"),
    ("garbage", lambda _: "Bearer not.a.token", "malformed_token"),
    ("1 MB token", lambda _: "Bearer " + "a" * 1_000_000, "malformed_token"),
    ("Bearer missing", lambda k: k.sign(claims()), "unsupported_scheme"),
    ("Basic credentials", lambda _: "Basic YWxpY2U6c2VjcmV0", "unsupported_scheme"),
    ("Bearer doubled", lambda k: f"Bearer Bearer {k.sign(claims())}", "malformed_header"),
    ("Bearer with no token", lambda _: "Bearer ", "malformed_header"),
    ("empty header", lambda _: "", "malformed_header"),
    ("blank header", lambda _: "   ", "malformed_header"),
    ("two Authorization headers", lambda k: [f"Bearer {k.sign(claims())}"] * 2, "malformed_header"),
]


@pytest.mark.parametrize(("name", "make", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
async def test_bad_tokens_are_refused_with_a_clear_reason(
    http: httpx.AsyncClient, key: SigningKey, name: str, make: Callable[[SigningKey], str | list[str]], reason: str
) -> None:
    value = make(key)
    headers = [("authorization", v) for v in (value if isinstance(value, list) else [value])]
    response = await http.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer ")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    assert "data" not in response.json()


async def test_no_token_is_anonymous(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": ME})
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}, "extensions": response.json()["extensions"]}


async def test_a_valid_token_reaches_the_resolvers(http: httpx.AsyncClient, key: SigningKey) -> None:
    token = key.sign(claims(**{"cognito:groups": ["admin"]}))
    response = await http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
    assert response.json()["data"]["me"] == {
        "id": "8d6c1a52-1111-4c4c-9999-0123456789ab",
        "email": None,
        "username": "alice",
        "displayName": "alice",
        "groups": ["admin"],
    }


async def test_answers_to_a_signed_in_caller_are_never_stored(http: httpx.AsyncClient, key: SigningKey) -> None:
    signed_in = {"authorization": f"Bearer {key.sign(claims())}"}
    public = {"query": "{ products(first: 1) { nodes { id } } }"}
    post = await http.post("/graphql", json={"query": ME}, headers=signed_in)
    get = await http.get("/graphql", params=public, headers=signed_in)
    health = await http.get("/healthz", headers=signed_in)
    refused = await http.post("/graphql", json={"query": ME}, headers={"authorization": "Bearer nope"})
    anonymous = await http.get("/graphql", params=public)

    assert post.json()["data"]["me"]["username"] == "alice"
    assert get.json()["data"]["products"]["nodes"]
    for response in (post, get, health, refused):
        assert response.headers.get_list("cache-control") == ["no-store"], response.request.url
    assert anonymous.headers["cache-control"].startswith("public")


async def test_a_refusal_is_readable_cross_origin(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": ME},
        headers={"authorization": "Bearer nope", "origin": "http://localhost:3000"},
    )
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_huge_header_over_a_real_server_is_a_clean_401(tmp_path: Path) -> None:
    import asyncio

    import uvicorn

    from bff.app import create_app
    from tests.stand_ins import free_port

    port = free_port()
    config = uvicorn.Config(create_app(make_settings(tmp_path)), port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn.Server offers a flag, not an event
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as real:
            response = await real.post(
                "/graphql", json={"query": ME}, headers={"authorization": "Bearer " + "a" * 1_000_000}
            )
    finally:
        server.should_exit = True
        await serving
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "malformed_token"
