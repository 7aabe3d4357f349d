"""``CognitoTokenVerifier`` with real RS256 tokens: from a key made here, and from moto's Cognito."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bff.backends.cognito import CognitoTokenVerifier, cognito_issuer, http_jwks
from bff.backends.jwks import JwksCache
from bff.errors import ServiceUnavailable, Unauthenticated
from tests.jwt_tools import CLIENT_ID, ISSUER, JwksServer, SigningKey, claims, moto_user_pool


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    with JwksServer(key) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def verifier(url: str, http: httpx.AsyncClient, *, refresh: float = 30.0, **options: Any) -> CognitoTokenVerifier:
    keys = JwksCache(http_jwks(url, http), min_refresh_interval=refresh)
    return CognitoTokenVerifier(issuer=ISSUER, client_ids=[CLIENT_ID], keys=keys, **options)


async def test_access_token_gives_the_identity(key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient) -> None:
    token = key.sign(claims(**{"cognito:groups": ["admin", "staff"]}))
    identity = await verifier(jwks.url, http).verify(token)
    assert identity.subject == "8d6c1a52-1111-4c4c-9999-0123456789ab"
    assert identity.username == "alice"
    assert identity.groups == {"admin", "staff"}
    assert identity.is_admin


async def test_id_token_is_checked_against_aud(key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient) -> None:
    id_claims = claims(
        token_use="id", client_id=None, aud=CLIENT_ID, email="alice@example.com", **{"cognito:username": "alice"}
    )
    identity = await verifier(jwks.url, http).verify(key.sign(id_claims))
    assert (identity.email, identity.username, identity.token_use) == ("alice@example.com", "alice", "id")


async def test_token_use_can_be_restricted(key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient) -> None:
    id_token = key.sign(claims(token_use="id", client_id=None, aud=CLIENT_ID))
    with pytest.raises(Unauthenticated) as refused:
        await verifier(jwks.url, http, token_uses=["access"]).verify(id_token)
    assert refused.value.extensions["reason"] == "token_use_not_allowed"


async def test_keys_are_fetched_once_for_many_tokens(
    key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient
) -> None:
    check = verifier(jwks.url, http)
    await asyncio.gather(*(check.verify(key.sign(claims(sub=f"user-{i}"))) for i in range(50)))
    assert jwks.fetches == 1


async def test_a_rotated_key_is_accepted_after_one_refresh(
    key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient
) -> None:
    check = verifier(jwks.url, http, refresh=0.2)
    await check.verify(key.sign(claims()))
    rotated = SigningKey("key-2")
    jwks.keys.append(rotated)
    await asyncio.sleep(0.25)
    identity = await check.verify(rotated.sign(claims(sub="after-rotation")))
    assert identity.subject == "after-rotation"
    assert jwks.fetches == 2


async def test_random_kids_cannot_hammer_the_issuer(key: SigningKey, jwks: JwksServer, http: httpx.AsyncClient) -> None:
    check = verifier(jwks.url, http, refresh=30.0)
    forged = [key.sign(claims(), kid=secrets.token_hex(8)) for _ in range(1000)]
    results = await asyncio.gather(*(check.verify(t) for t in forged), return_exceptions=True)
    assert all(isinstance(r, Unauthenticated) and r.extensions["reason"] == "unknown_signing_key" for r in results)
    assert jwks.fetches <= 2
    # The real key still works, with no further fetch.
    await check.verify(key.sign(claims()))
    assert jwks.fetches <= 2


async def test_an_unreachable_issuer_is_unavailable_not_unauthenticated(
    key: SigningKey, http: httpx.AsyncClient
) -> None:
    with JwksServer() as gone:
        url = gone.url
    with pytest.raises(ServiceUnavailable):
        await verifier(url, http).verify(key.sign(claims()))


async def test_moto_cognito_tokens_verify(aws: str, http: httpx.AsyncClient) -> None:
    pool, client, tokens = moto_user_pool(aws)
    keys = JwksCache(http_jwks(f"{aws}/{pool}/.well-known/jwks.json", http))
    check = CognitoTokenVerifier(issuer=cognito_issuer("us-east-1", pool), client_ids=[client], keys=keys)
    from_id = await check.verify(tokens["id"])
    from_access = await check.verify(tokens["access"])
    assert from_id.subject == from_access.subject
    assert from_id.username == from_access.username == "alice@example.com"
    assert from_access.is_admin
    assert keys.fetches == 1


async def test_moto_tokens_for_another_app_client_are_refused(aws: str, http: httpx.AsyncClient) -> None:
    pool, _, tokens = moto_user_pool(aws)
    keys = JwksCache(http_jwks(f"{aws}/{pool}/.well-known/jwks.json", http))
    check = CognitoTokenVerifier(issuer=cognito_issuer("us-east-1", pool), client_ids=["other-client"], keys=keys)
    for token in tokens.values():
        with pytest.raises(Unauthenticated) as refused:
            await check.verify(token)
        assert refused.value.extensions["reason"] == "wrong_audience"
