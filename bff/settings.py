"""Settings from the environment (prefix ``BFF_``), one instance per app, never a module global."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CURSOR_SECRET = "dev-only-cursor-secret-change-me"  # noqa: S105 - refused in production


class ProductionConfigError(ValueError):
    """A development default or backend was left on in production."""


class Settings(BaseSettings):
    """Everything the app reads from its environment; each capability picks its backend on its own."""

    model_config = SettingsConfigDict(env_prefix="BFF_", env_file=".env", extra="ignore", populate_by_name=True)

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    # Per-capability backends: "sqlite"/"memory" run embedded, the others talk to AWS.
    catalog_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    cache_backend: Literal["memory", "redis"] = Field("memory", validation_alias="BFF_CACHE")
    redis_url: str | None = None
    # Embedded backends keep state on one machine's disk; production must opt in to them knowingly.
    allow_embedded_backends: bool = False

    # AWS
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    dynamodb_table: str = "storefront"
    dax_endpoint: str | None = None

    # HTTP
    cors_origins: list[str] = ["http://localhost:3000", "http://127.0.0.1:3000"]
    graphiql: bool = True
    trusted_proxies: list[str] = []

    # GraphQL limits
    max_page_size: int = Field(100, ge=1, le=1000)
    default_page_size: int = Field(20, ge=1)
    max_depth: int = Field(12, ge=1)
    max_query_bytes: int = Field(64_000, ge=256)
    document_cache_size: int = Field(1024, ge=0)
    # Adds `extensions.backendCalls` to every response (tests and benchmarks count batching with it).
    expose_metrics: bool = False

    # Signs opaque cursors so a forged one is refused, not executed.
    cursor_secret: SecretStr = SecretStr(DEV_CURSOR_SECRET)

    @property
    def catalog_db_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @model_validator(mode="after")
    def _refuse_dev_defaults_in_production(self) -> Settings:
        if not self.is_production:
            return self
        problems = []
        if self.cursor_secret.get_secret_value() == DEV_CURSOR_SECRET:
            problems.append("BFF_CURSOR_SECRET is the development default")
        if len(self.cursor_secret.get_secret_value()) < 32:
            problems.append("BFF_CURSOR_SECRET must be at least 32 characters")
        if self.graphiql:
            problems.append("BFF_GRAPHIQL must be false (GraphiQL is a development tool)")
        if any("localhost" in o or "127.0.0.1" in o or o == "*" for o in self.cors_origins):
            problems.append("BFF_CORS_ORIGINS must list the storefront's real origins")
        if self.catalog_backend == "sqlite" and not self.allow_embedded_backends:
            problems.append("BFF_CATALOG_BACKEND=sqlite is embedded (set BFF_ALLOW_EMBEDDED_BACKENDS=true to mean it)")
        if self.expose_metrics:
            problems.append("BFF_EXPOSE_METRICS is a development aid")
        if self.aws_endpoint_url:
            problems.append("BFF_AWS_ENDPOINT_URL points AWS clients at a local stand-in")
        if problems:
            raise ProductionConfigError("refusing to start with BFF_ENV=production: " + "; ".join(problems))
        return self
