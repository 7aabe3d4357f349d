"""Production refuses development defaults; development runs with none set."""

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
    "search_backend": "opensearch",
    "auth_backend": "cognito",
    "cognito_user_pool_id": "us-east-1_Example",
    "cognito_app_client_ids": ["storefront-web"],
    # The sandbox is the only payment provider so far.
    "allow_sandbox_payments": True,
}


def test_development_needs_no_configuration() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.catalog_backend == "sqlite"
    assert settings.graphiql is True


def test_a_complete_production_configuration_is_accepted() -> None:
    assert Settings(**PRODUCTION).is_production  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"cursor_secret": "dev-only-cursor-secret-change-me"}, "BFF_CURSOR_SECRET"),
        ({"cursor_secret": "short"}, "at least 32"),
        ({"graphiql": True}, "BFF_GRAPHIQL"),
        ({"cors_origins": ["http://localhost:3000"]}, "BFF_CORS_ORIGINS"),
        ({"catalog_backend": "sqlite"}, "BFF_CATALOG_BACKEND=sqlite"),
        ({"search_backend": "embedded"}, "BFF_SEARCH_BACKEND=embedded"),
        ({"cart_backend": "sqlite"}, "BFF_CART_BACKEND=sqlite"),
        ({"expose_metrics": True}, "BFF_EXPOSE_METRICS"),
        ({"aws_endpoint_url": "http://127.0.0.1:5000"}, "BFF_AWS_ENDPOINT_URL"),
        ({"recommender_delay_seconds": 0.05}, "BFF_RECOMMENDER_DELAY_SECONDS"),
        ({"latency_injection": True}, "BFF_LATENCY_INJECTION"),
        ({"allow_sandbox_payments": False}, "BFF_PAYMENT_BACKEND=sandbox"),
    ],
)
def test_production_refuses_each_development_default(override: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(**{**PRODUCTION, **override})  # type: ignore[arg-type]


def test_embedded_catalog_in_production_only_when_asked_for() -> None:
    settings = Settings(**{**PRODUCTION, "catalog_backend": "sqlite", "allow_embedded_backends": True})  # type: ignore[arg-type]
    assert settings.catalog_backend == "sqlite"


def test_environment_variables_configure_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_MAX_PAGE_SIZE", "50")
    monkeypatch.setenv("BFF_CACHE", "redis")
    monkeypatch.setenv("BFF_CORS_ORIGINS", '["https://a.example"]')
    settings = Settings()
    assert (settings.max_page_size, settings.cache_backend, settings.cors_origins) == (
        50,
        "redis",
        ["https://a.example"],
    )
