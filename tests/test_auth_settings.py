"""Auth settings: production refuses the embedded issuer unless asked; Cognito needs a pool and clients."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bff.settings import Settings

PRODUCTION = {
    "env": "production",
    "cursor_secret": "x" * 40,
    "graphiql": False,
    "cors_origins": ["https://shop.example.com"],
    "catalog_backend": "dynamodb",
    "allow_sandbox_payments": True,  # the only payment provider so far
}
COGNITO = {"auth_backend": "cognito", "cognito_user_pool_id": "eu-west-1_Pool", "cognito_app_client_ids": ["web"]}


def test_production_refuses_the_local_issuer() -> None:
    with pytest.raises(ValidationError, match="BFF_AUTH_BACKEND=local"):
        Settings(**PRODUCTION)  # type: ignore[arg-type]


def test_production_takes_the_local_issuer_when_asked_for() -> None:
    assert Settings(**PRODUCTION, allow_embedded_backends=True).auth_backend == "local"  # type: ignore[arg-type]


def test_production_refuses_a_plain_http_jwks_url() -> None:
    with pytest.raises(ValidationError, match="BFF_COGNITO_JWKS_URL"):
        Settings(**PRODUCTION, **COGNITO, cognito_jwks_url="http://127.0.0.1:5000/jwks.json")  # type: ignore[arg-type]


def test_cognito_issuer_and_jwks_url_follow_the_pool() -> None:
    settings = Settings(**COGNITO, cognito_region="eu-west-1")  # type: ignore[arg-type]
    assert settings.auth_issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
    assert settings.auth_jwks_url == settings.auth_issuer + "/.well-known/jwks.json"


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"cognito_user_pool_id": None}, "BFF_COGNITO_USER_POOL_ID"),
        ({"cognito_app_client_ids": []}, "BFF_COGNITO_APP_CLIENT_IDS"),
        ({"cognito_token_use": []}, "BFF_COGNITO_TOKEN_USE"),
        ({"cognito_token_use": ["refresh"]}, "cognito_token_use"),
    ],
)
def test_cognito_needs_a_pool_and_app_clients(override: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(**{**COGNITO, **override})  # type: ignore[arg-type]


def test_environment_variables_configure_cognito(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_AUTH_BACKEND", "cognito")
    monkeypatch.setenv("BFF_COGNITO_USER_POOL_ID", "us-east-1_Pool")
    monkeypatch.setenv("BFF_COGNITO_APP_CLIENT_IDS", '["web", "ios"]')
    monkeypatch.setenv("BFF_COGNITO_TOKEN_USE", '["access"]')
    settings = Settings()
    assert (settings.cognito_app_client_ids, settings.cognito_token_use) == (["web", "ios"], ["access"])
