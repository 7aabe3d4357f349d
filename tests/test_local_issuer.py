"""The embedded issuer: a key made once in the data dir, its JWKS served, ``bff token`` tokens accepted."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from jose import jwt
from typer.testing import CliRunner

from bff.backends.local.issuer import KEY_FILE, LOCAL_ISSUER, LocalIssuer
from bff.cli import app as cli
from bff.token_cli import parse_ttl
from tests.conftest import app_client, make_settings
from tests.jwt_tools import moto_user_pool

ME = "{ me { id email username displayName groups } }"


def test_the_key_is_created_once_and_private(tmp_path: Path) -> None:
    first = LocalIssuer.load_or_create(tmp_path)
    second = LocalIssuer.load_or_create(tmp_path)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert first.kid == second.kid
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_a_key_readable_by_others_is_tightened(tmp_path: Path) -> None:
    LocalIssuer.load_or_create(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    LocalIssuer.load_or_create(tmp_path)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


async def test_the_app_serves_the_public_keys_only(tmp_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(tmp_path)
    async with app_client(make_settings(tmp_path)) as http:
        response = await http.get("/.well-known/jwks.json")
    [key] = response.json()["keys"]
    assert key["kid"] == issuer.kid
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


async def test_bff_token_signs_in_on_the_embedded_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["token", "--user", "alice@example.com", "--group", "admin", "--ttl", "1h"],
        env={"BFF_DATA_DIR": str(tmp_path), "BFF_AUTH_BACKEND": "local"},
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert jwt.get_unverified_claims(token)["iss"] == LOCAL_ISSUER
    async with app_client(make_settings(tmp_path)) as http:
        body = (await http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})).json()
    me = body["data"]["me"]
    assert (me["email"], me["username"], me["displayName"], me["groups"]) == (
        "alice@example.com",
        "alice@example.com",
        "alice",
        ["admin"],
    )


async def test_the_same_user_keeps_the_same_id(tmp_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(tmp_path)
    async with app_client(make_settings(tmp_path)) as http:
        ids = []
        for _ in range(2):
            headers = {"authorization": f"Bearer {issuer.mint('bob@example.com')}"}
            ids.append((await http.post("/graphql", json={"query": ME}, headers=headers)).json()["data"]["me"]["id"])
    assert ids[0] == ids[1]


async def test_another_data_dirs_tokens_are_refused(tmp_path: Path) -> None:
    stranger = LocalIssuer.load_or_create(tmp_path / "elsewhere").mint("mallory@example.com", groups=["admin"])
    async with app_client(make_settings(tmp_path / "shop")) as http:
        response = await http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {stranger}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "unknown_signing_key"


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("15m", 900), ("1h", 3600), ("7d", 604_800)])
def test_ttl_accepts_durations(text: str, seconds: int) -> None:
    assert parse_ttl(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["0s", "31d", "soon", "-1h"])
def test_ttl_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=r"ttl|duration"):
        parse_ttl(text)


def test_bff_token_refuses_when_cognito_is_configured(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["token", "--user", "alice@example.com"],
        env={
            "BFF_DATA_DIR": str(tmp_path),
            "BFF_AUTH_BACKEND": "cognito",
            "BFF_COGNITO_USER_POOL_ID": "us-east-1_Pool",
            "BFF_COGNITO_APP_CLIENT_IDS": '["web"]',
        },
    )
    assert result.exit_code == 2
    assert "embedded issuer only" in result.output


async def test_moto_cognito_tokens_sign_in_through_the_app(aws: str, seeded_dir: Path) -> None:
    pool, client, tokens = moto_user_pool(aws)
    settings = make_settings(
        seeded_dir,
        auth_backend="cognito",
        cognito_user_pool_id=pool,
        cognito_app_client_ids=[client],
        cognito_jwks_url=f"{aws}/{pool}/.well-known/jwks.json",
    )
    async with app_client(settings) as http:
        for token in tokens.values():
            response = await http.post("/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
            assert response.json()["data"]["me"]["groups"] == ["admin"]
        assert (await http.get("/.well-known/jwks.json")).status_code == 404
