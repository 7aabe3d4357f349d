"""Settings from the environment (prefix ``BFF_``), one instance per app, never a module global."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    PositiveInt,
    SecretStr,
    StringConstraints,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CURSOR_SECRET = "dev-only-cursor-secret-change-me"  # noqa: S105 - refused in production


class ProductionConfigError(ValueError):
    """A development default or backend was left on in production."""


class CallPolicy(BaseModel):
    """How calls to one capability are made (``bff.backends.policy``); the defaults suit any remote service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The most a caller waits for one call, retries and backoff included; null: no deadline.
    timeout_seconds: float | None = Field(2.0, gt=0)
    # Tries of an idempotent operation (1: no retry); other operations are tried once.
    attempts: int = Field(2, ge=1, le=10)
    # Jittered exponential backoff between tries: a random wait up to initial x 2^n, at most max.
    backoff_initial_seconds: float = Field(0.05, ge=0)
    backoff_max_seconds: float = Field(1.0, ge=0)
    # Consecutive backend failures that open the breaker (0: no breaker), and how long it stays open.
    breaker_failures: int = Field(5, ge=0)
    breaker_reset_seconds: float = Field(15.0, gt=0)


Capability = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,39}$")]


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
    # The embedded cache's bound in bytes (Redis is bounded by its own `maxmemory`; see docs/security.md).
    memory_cache_max_bytes: int = Field(64 * 1024 * 1024, ge=64 * 1024)
    redis_timeout_seconds: float = Field(0.25, gt=0)
    # Catalog reads through the shared cache: None = on unless both catalog and cache are embedded.
    catalog_read_through: bool | None = None
    catalog_cache_ttl_seconds: float = Field(300, gt=0)
    catalog_cache_negative_ttl_seconds: float = Field(30, gt=0)
    # Least time between two reads of the catalog's generation (bff/backends/catalog_watch.py): how soon
    # this process notices another one's catalog writes (`bff import`) and retires what it cached.
    catalog_watch_interval_seconds: float = Field(1.0, ge=0)
    # The most listing entries one product listing (or one filtered count) may read on DynamoDB, across the
    # category partitions it merges (~250 bytes an entry: the default is ~31 read units). A filter that
    # drops entries makes a listing read more of them; at the budget it answers the matches found so far
    # with `hasNextPage` and a cursor at the last entry read (docs/data-model.md, "Read budget").
    listing_read_budget: int = Field(1000, ge=10)
    # Least time between two replays of catalog-listener work that failed and was recorded in the store
    # (bff/backends/catalog_events.py): how soon a search index that was down catches up. 0 turns it off.
    catalog_replay_interval_seconds: float = Field(30.0, ge=0)
    # Embedded backends keep state on one machine's disk; production must opt in to them knowingly.
    allow_embedded_backends: bool = False

    # Carts: "sqlite" is its own file in the data dir, "dynamodb" the single table; None: as the catalog.
    cart_backend: Literal["sqlite", "dynamodb"] | None = None
    # Per-line quantity, lines per cart and note length a cart takes (Shopify's cap on lines is 250).
    cart_max_line_quantity: int = Field(999, ge=1, le=1_000_000)
    cart_max_lines: int = Field(250, ge=1, le=1000)
    cart_max_note_length: int = Field(2_000, ge=0, le=100_000)
    # A guest cart expires this long after its last change (a customer's cart never does).
    cart_guest_ttl_days: float = Field(10.0, gt=0)
    # Signing in with a guest cart while the customer has a cart: MERGE quantities into the guest cart,
    # KEEP_GUEST (drop the customer's old cart) or KEEP_EXISTING (drop the guest cart). See docs/carts.md.
    cart_merge_strategy: Literal["MERGE", "KEEP_GUEST", "KEEP_EXISTING"] = "MERGE"

    # AWS
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    dynamodb_table: str = "storefront"
    # DAX cluster endpoint (daxs://...); an http(s):// URL is a DynamoDB-API stand-in for local runs.
    dax_endpoint: str | None = None

    # Search: "embedded" is SQLite FTS5 in the data dir; "opensearch" a cluster (Amazon OpenSearch Service
    # signs with SigV4; a self-managed one takes basic auth or none). The index is reached through an alias.
    search_backend: Literal["embedded", "opensearch"] = "embedded"
    opensearch_url: str | None = None
    opensearch_auth: Literal["sigv4", "basic", "none"] = "sigv4"
    opensearch_username: str | None = None
    opensearch_password: SecretStr | None = None
    opensearch_service: Literal["es", "aoss"] = "es"  # SigV4 service name: managed domain or serverless
    search_index: str = Field("products", pattern=r"^[a-z0-9][a-z0-9_-]{0,100}$")
    # Primary shards of each product index (fixed when an index is created: a change applies from the next
    # `bff reindex`) and replicas of each shard (0 while a rebuild loads, then this).
    opensearch_shards: int = Field(1, ge=1, le=64)
    opensearch_replicas: int = Field(1, ge=0, le=15)
    # Embedded search: read-only connections that search side by side; None: one per CPU the process may use,
    # at most 4; 0: searches share the writer's thread, one at a time.
    search_readers: int | None = Field(None, ge=0, le=64)

    # Store locator (docs/stores.md). Stores live in the catalog's kind of store unless set: "sqlite" in the
    # data dir, "dynamodb" in the single table.
    stores_backend: Literal["sqlite", "dynamodb"] | None = None
    # "embedded": offline city/region geocoding (GeoNames); "location": Amazon Location Service `geo-places`.
    geocoder_backend: Literal["embedded", "location"] = "embedded"
    # "none": straight-line distances only; "location": driving times from `geo-routes` CalculateRouteMatrix.
    routes_backend: Literal["none", "location"] = "none"
    # Preferred language of Location Service labels (BCP 47, e.g. "en"); none: the service's default.
    location_language: str | None = Field(None, min_length=2, max_length=35)
    # Route times are asked for the nearest this many stores of a page (one CalculateRouteMatrix each page).
    stores_route_candidates: int = Field(20, ge=1, le=100)
    stores_default_radius_km: float = Field(50.0, gt=0)
    stores_max_radius_km: float = Field(500.0, gt=0, le=20_000)
    # `first` of `stores` and `storeAvailability`, and how deep `after` may page.
    stores_max_results: int = Field(50, ge=1, le=250)
    # How often the DynamoDB store adapter re-reads the stores it searches in memory.
    stores_refresh_seconds: float = Field(60.0, gt=0)

    # Content (docs/content.md): pages, menus and curated collections, beside the catalog unless set.
    content_backend: Literal["sqlite", "dynamodb"] | None = None
    # The shop as `shop` shows it; its primary domain is the storefront's address (unset: the first CORS origin).
    shop_name: str = Field("Storefront", min_length=1, max_length=255)
    shop_description: str = Field("", max_length=1000)
    shop_url: str | None = Field(None, pattern=r"^https?://[^/?#\s]+/?$")
    # The logo `shop.brand.logo` shows (an absolute https address), when there is one.
    shop_logo_url: str | None = Field(None, pattern=r"^https://\S+$", max_length=2048)

    # Chat assistant (docs/assistant.md): "embedded" trains from the bot definition in process; "lex" calls an
    # Amazon Lex V2 bot built from the same definition (`lexv2-runtime` RecognizeText).
    assistant_backend: Literal["embedded", "lex"] = "embedded"
    lex_bot_id: str | None = Field(None, pattern=r"^[0-9A-Z]{10}$")
    lex_bot_alias_id: str | None = Field(None, pattern=r"^[0-9A-Z]{10}$|^TSTALIASID$")
    lex_locale_id: str = "en_US"
    # Longest message a shopper may send (Lex V2 takes at most 1,024 characters).
    assistant_max_text_chars: int = Field(1024, ge=1, le=1024)
    # Embedded dialogs kept in memory: at most this many sessions, each forgotten after this long unused.
    assistant_max_sessions: int = Field(10_000, ge=1)
    assistant_session_ttl_seconds: float = Field(900.0, gt=0)
    # Recommendations (docs/recommendations.md). "embedded" is the model built from the store's own history
    # (`bff recommender rebuild`); "personalize" asks Amazon Personalize for each use case given an ARN below
    # (a recommender or a campaign ARN) and the embedded model for the others, and whenever Personalize fails.
    recommender_backend: Literal["embedded", "personalize"] = "embedded"
    personalize_for_you_arn: str | None = None
    personalize_popular_arn: str | None = None
    personalize_related_arn: str | None = None
    personalize_bought_together_arn: str | None = None
    # A personalized-ranking campaign: re-ranks search and category pages (with `recommendation_rerank`).
    personalize_ranking_arn: str | None = None
    # A filter applied to every list but recently viewed (e.g. exclude purchased, in stock only), and the
    # values of its placeholders as Personalize expects them, e.g. {"IN_STOCK": "\"true\""}.
    personalize_filter_arn: str | None = None
    personalize_filter_values: dict[str, str] = {}
    # The event tracker that `PutEvents` sends interactions to; none: interactions stay embedded.
    personalize_tracking_id: str | None = None
    # GetRecommendations calls in flight at once for one request (a page asking a list per product).
    personalize_max_concurrency: int = Field(8, ge=1, le=64)
    # Personalize's `context` sent with every list (keys as in the interactions schema), e.g. {"CHANNEL": "web"}.
    recommendation_context: dict[str, str] = {}
    # The interactions schema's context field that gets the shopper's device (MOBILE, TABLET or DESKTOP, read
    # from the User-Agent), e.g. "DEVICE_TYPE"; unset: the device is not sent. When set, recommendation lists
    # vary by device and are never stored in the public response cache.
    recommendation_device_context_key: str | None = Field(None, min_length=1, max_length=150)
    # Re-rank `search` and `Category.products` pages for signed-in shoppers (same items, another order).
    recommendation_rerank: bool = False
    # How often a serving process refits the embedded model when new interactions arrived (0: never; then
    # `bff recommender rebuild` does it).
    recommender_rebuild_interval_seconds: float = Field(300.0, ge=0)
    # Interactions wait in a bounded in-process buffer, sent in the background; past its size they are dropped
    # (and counted: `bff_interactions_dropped`). A flush sends at most `interaction_batch` events.
    interaction_buffer_size: int = Field(10_000, ge=1)
    interaction_batch: int = Field(100, ge=1)
    interaction_flush_seconds: float = Field(1.0, gt=0)
    # Development and benchmarks only: every recommender call first waits this long (a slow recommender).
    recommender_delay_seconds: float = Field(0.0, ge=0, le=10)
    # Development and benchmarks only: every port call first waits a delay drawn per call, a log-normal around
    # its capability's median (DynamoDB 4 ms, Redis 0.5, OpenSearch 15, Personalize 40, Location 60, Lex 150;
    # `latency_ms` overrides them by capability) with spread `latency_sigma` (bff/backends/latency.py).
    latency_injection: bool = False
    latency_ms: dict[Capability, Annotated[float, Field(ge=0, le=10_000)]] = {}
    latency_sigma: float = Field(0.1, ge=0, le=2)

    # Where relative image URLs (the app's own `/images/...`) are served from: image URLs in responses are
    # absolute on this one host (storefront frameworks allow-list image hosts). None: http://{host}:{port}.
    # Set it to the CDN in front of the app; see docs/shopify-compatibility.md for the transform parameters.
    image_base_url: str | None = None

    # HTTP
    cors_origins: list[str] = ["http://localhost:3000", "http://127.0.0.1:3000"]
    graphiql: bool = True
    # Proxies (addresses or networks) whose X-Forwarded-For names the client (the load balancer's subnets).
    trusted_proxies: list[IPvAnyNetwork] = []
    # Shopify's endpoint shape (`POST /api/<version>/graphql.json`, docs/shopify-compatibility.md). With a
    # public token, requests there must carry it in `X-Shopify-Storefront-Access-Token` (it is not a secret:
    # browsers send it). The private token is for server-side callers (`Shopify-Storefront-Private-Token`),
    # who then name the shopper's address in `Shopify-Storefront-Buyer-IP`, which the rate limits spend from.
    storefront_public_token: str | None = None
    storefront_private_token: SecretStr | None = None
    # Where `Cart.checkoutUrl` points (the hosted checkout's origin, e.g. https://shop.example.com); empty:
    # the origin the request came to.
    checkout_base_url: str = ""

    # GraphQL limits
    max_page_size: int = Field(100, ge=1, le=1000)
    default_page_size: int = Field(20, ge=1)
    max_depth: int = Field(12, ge=1)
    # A storefront's largest documents are a few KB; parsing a novel 50 KB one costs ~100 ms of CPU.
    max_query_bytes: int = Field(32_000, ge=256)
    # Parsing costs ~10 us a token in graphql-core: the tokens a document may hold bound what a new document
    # costs before it can be refused (a storefront's documents hold 60-200; GraphiQL's introspection ~180).
    max_query_tokens: int = Field(3000, ge=100)
    # Request bodies over this are refused with 413 while they stream in (every route).
    max_body_bytes: int = Field(1_000_000, ge=1024)
    # `variables` (and `extensions`): how deep lists and objects nest, how many values they hold in all.
    max_variable_depth: int = Field(32, ge=1, le=200)
    max_variable_values: int = Field(10_000, ge=1)
    document_cache_size: int = Field(1024, ge=0)
    # Estimated bytes the parsed-document cache may hold (a parsed document is ~1 KB per token).
    document_cache_bytes: int = Field(64 << 20, ge=0)
    # Calculated query cost (docs/security.md): a document costing more is refused before anything runs.
    max_query_cost: int = Field(3000, ge=1)
    # Fields one selection set may select, aliases and fragment spreads expanded.
    max_selections: int = Field(100, ge=1)
    # Schema introspection (`__schema`, `__type`); None: on, except in production.
    introspection: bool | None = None
    compiled_execution: bool = True  # run queries from a cached plan (graphql-core runs anything else)
    compiled_source: bool = True  # plans run as generated Python (false: the plan is interpreted)
    # Move what start-up allocated out of the garbage collector's reach (cuts full-collection pauses).
    gc_freeze: bool = True
    # Garbage-collector thresholds set after start-up (gc.set_threshold): requests make no reference cycles,
    # so rarer young-generation passes only save time. `[700,10,10]` is Python's own.
    gc_threshold: tuple[PositiveInt, PositiveInt, PositiveInt] = (10_000, 20, 20)
    # Adds `extensions.backendCalls` to every response (tests and benchmarks count batching with it).
    expose_metrics: bool = False
    # Remote calls: per-capability overrides of the defaults in bff/backends/policy.py, as JSON, e.g.
    # BFF_CALL_POLICY='{"search": {"timeout_seconds": 0.8, "attempts": 2}}'.
    call_policy: dict[Capability, dict[str, Any]] = {}
    # Prometheus exposition at /metrics (off by default). With a token, scrapes send `Authorization: Bearer
    # <token>`; production refuses the route without one.
    metrics_endpoint: bool = False
    metrics_token: SecretStr | None = None
    # OpenTelemetry traces: "none" does no span work at all; "otlp" exports over HTTP (the `otlp` extra; the
    # standard OTEL_EXPORTER_OTLP_* variables set the endpoint and headers); "console" prints them.
    otel_exporter: Literal["none", "otlp", "console"] = "none"
    otel_service_name: str = "storefront-bff"

    # Automatic Persisted Queries: "auto" registers on first use (Apollo's protocol); "allowlist" runs only
    # the documents of the manifest written by `bff persisted-queries register`; "off" ignores the extension.
    apq_mode: Literal["off", "auto", "allowlist"] = "auto"
    persisted_queries_manifest: Path | None = None  # default: <data_dir>/persisted-queries.json
    apq_ttl_seconds: float = Field(86_400.0, gt=0)
    # Bytes of new documents one process registers per BFF_APQ_TTL_SECONDS (past it they run unregistered).
    apq_max_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    # Whole-response cache of public (anonymous, catalog-only) GET queries, retired by any catalog write.
    response_cache: bool = True
    response_cache_ttl_seconds: float = Field(60.0, gt=0)
    response_cache_max_age: int = Field(60, ge=0)  # Cache-Control max-age (browsers)
    response_cache_s_maxage: int = Field(300, ge=0)  # Cache-Control s-maxage (CDNs)
    response_cache_vary_headers: list[str] = []  # request headers that change an answer (currency, locale)
    # A response larger than this is answered but not stored: a few such answers would crowd out the rest.
    response_cache_max_entry_bytes: int = Field(512 * 1024, ge=1024)
    # Hits of public GETs seen before answered from raw ASGI ahead of the middleware (bff.graphql.hot_hits).
    response_cache_fast_path: bool = True

    # Rate limits: each client (a signed-in `sub`, else its address, through `trusted_proxies` only) spends
    # its requests' calculated cost from a bucket of `capacity` points refilled at `restore_rate` a second;
    # mutations from a bucket of their own. Counted in Redis when the cache is Redis (shared by instances).
    rate_limit: bool = True
    rate_limit_capacity: int = Field(6000, ge=1)
    rate_limit_restore_rate: int = Field(300, ge=1)
    rate_limit_mutation_capacity: int = Field(1000, ge=1)
    rate_limit_mutation_restore_rate: int = Field(50, ge=1)

    # Signs opaque cursors so a forged one is refused, not executed.
    cursor_secret: SecretStr = SecretStr(DEV_CURSOR_SECRET)

    # Auth: "local" is the embedded issuer (key in the data dir, `bff token`); "cognito" a user pool.
    auth_backend: Literal["local", "cognito"] = "local"
    cognito_region: str | None = None  # defaults to aws_region
    cognito_user_pool_id: str | None = None
    cognito_app_client_ids: list[str] = []
    cognito_token_use: list[Literal["id", "access"]] = ["id", "access"]
    # Overrides for stand-ins: moto's tokens name the real AWS host as `iss` while its JWKS is local.
    cognito_issuer: str | None = None
    cognito_jwks_url: str | None = None
    auth_leeway_seconds: int = Field(30, ge=0, le=300)
    # An unknown `kid` refetches the JWKS at most this often, so made-up kids cannot hammer the issuer.
    jwks_min_refresh_seconds: float = Field(30.0, ge=0)

    # Orders (docs/orders.md). Orders live beside the catalog: its SQLite file, or its DynamoDB table.
    # The asynchronous workflow: "embedded" (runs in SQLite, run by a worker in the app and/or `bff worker`)
    # or "aws" (SQS FIFO to the order management system + a Step Functions execution per order).
    order_workflow_backend: Literal["embedded", "aws"] = "embedded"
    # Run the embedded workflow's worker inside the app (off when only `bff worker` processes should run it).
    order_worker_in_app: bool = True
    # Runs one worker advances at once, how long a claimed run is its alone, how often an idle worker looks.
    order_worker_concurrency: int = Field(4, ge=1, le=64)
    order_lease_seconds: float = Field(30.0, gt=0)
    order_poll_seconds: float = Field(0.5, gt=0)
    # Multiplies every retry's backoff of the embedded workflow (tests shorten it; 1 = the ASL's intervals).
    order_retry_scale: float = Field(1.0, ge=0)
    # The SQS FIFO queue of order events and the state machine running the steps (order_workflow=aws).
    order_queue_url: str | None = None
    order_state_machine_arn: str | None = None
    # Each step's Step Functions activity ARN (JSON: {"screen_risk": "arn:...", ...}), polled by `bff worker`.
    order_activity_arns: dict[str, str] = Field(default_factory=dict)
    # Payments: "sandbox" is the embedded test provider (its tokens in docs/orders.md); never in production.
    payment_backend: Literal["sandbox"] = "sandbox"
    # The sandbox approves payments without charging anyone: production refuses it unless this says it is
    # meant (a staging stack, or until a real provider's adapter replaces it).
    allow_sandbox_payments: bool = False
    # How long the sandbox's `tok_sandbox_timeout` keeps a payment waiting before it fails.
    payment_sandbox_timeout_seconds: float = Field(10.0, ge=0)
    # Risk screening: embedded "rules", or a SageMaker endpoint's fraud score (deny/review thresholds in 0..1).
    risk_backend: Literal["rules", "sagemaker"] = "rules"
    risk_sagemaker_endpoint: str | None = None
    risk_deny_threshold: float = Field(0.9, ge=0, le=1)
    risk_review_threshold: float = Field(0.6, ge=0, le=1)
    # Status-change notifications: "log" (plus the outbox every order keeps) or an SNS topic.
    notifier_backend: Literal["log", "sns"] = "log"
    order_topic_arn: str | None = None

    @property
    def catalog_db_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def discounts_db_path(self) -> Path:
        """The embedded discount codes, beside the embedded catalog (``catalog_backend=sqlite``)."""
        return self.data_dir / "discounts.sqlite3"

    @property
    def cart_db_path(self) -> Path:
        """The embedded carts: beside an embedded catalog, its own file (checkout converts the cart in the
        transaction that reserves the stock and writes the order: one file, one atomic commit)."""
        return self.catalog_db_path if self.catalog_backend == "sqlite" else self.legacy_cart_db_path

    @property
    def legacy_cart_db_path(self) -> Path:
        """The carts' own file, as earlier versions kept them (moved into the catalog's file when it opens)."""
        return self.data_dir / "carts.sqlite3"

    @property
    def carts_backend(self) -> Literal["sqlite", "dynamodb"]:
        """Where carts live: ``cart_backend``, or the catalog's backend when it is not set."""
        return self.cart_backend or self.catalog_backend

    @property
    def stores_db_path(self) -> Path:
        return self.data_dir / "stores.sqlite3"

    @property
    def stores_store(self) -> Literal["sqlite", "dynamodb"]:
        """Where stores live: ``stores_backend``, else beside the catalog."""
        return self.stores_backend or self.catalog_backend

    @property
    def content_db_path(self) -> Path:
        return self.data_dir / "content.sqlite3"

    @property
    def content_store(self) -> Literal["sqlite", "dynamodb"]:
        """Where pages, menus and curated collections live: ``content_backend``, else beside the catalog."""
        return self.content_backend or self.catalog_backend

    @property
    def orders_db_path(self) -> Path:
        """The embedded orders: the catalog's own file, so checkout reserves stock in the order's transaction."""
        return self.catalog_db_path

    @property
    def payments_sandbox_db_path(self) -> Path:
        return self.data_dir / "payments-sandbox.sqlite3"

    @property
    def search_db_path(self) -> Path:
        return self.data_dir / "search.sqlite3"

    @property
    def recommender_db_path(self) -> Path:
        return self.data_dir / "recommender.sqlite3"

    @property
    def personalize_arns(self) -> dict[str, str]:
        """The ARN of each use case (intent name) that has one."""
        arns = {
            "FOR_YOU": self.personalize_for_you_arn,
            "POPULAR": self.personalize_popular_arn,
            "RELATED": self.personalize_related_arn,
            "FREQUENTLY_BOUGHT_TOGETHER": self.personalize_bought_together_arn,
        }
        return {intent: arn for intent, arn in arns.items() if arn}

    @property
    def persisted_queries_path(self) -> Path:
        return self.persisted_queries_manifest or self.data_dir / "persisted-queries.json"

    @property
    def auth_issuer(self) -> str:
        """The ``iss`` Cognito tokens must carry."""
        if self.cognito_issuer:
            return self.cognito_issuer
        region = self.cognito_region or self.aws_region
        return f"https://cognito-idp.{region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def image_origin(self) -> str:
        """Scheme and host (no trailing slash) that relative image URLs are made absolute on."""
        return (self.image_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def auth_jwks_url(self) -> str:
        return self.cognito_jwks_url or f"{self.auth_issuer}/.well-known/jwks.json"

    @model_validator(mode="after")
    def _call_policies_are_valid(self) -> Settings:
        for capability, overrides in self.call_policy.items():
            try:
                CallPolicy.model_validate(overrides)
            except ValueError as error:
                raise ValueError(f"BFF_CALL_POLICY[{capability!r}]: {error}") from None
        return self

    @model_validator(mode="after")
    def _cognito_needs_a_pool(self) -> Settings:
        if self.auth_backend == "cognito":
            if not self.cognito_user_pool_id and not (self.cognito_issuer and self.cognito_jwks_url):
                raise ValueError("BFF_AUTH_BACKEND=cognito needs BFF_COGNITO_USER_POOL_ID")
            if not self.cognito_app_client_ids:
                raise ValueError("BFF_AUTH_BACKEND=cognito needs BFF_COGNITO_APP_CLIENT_IDS")
            if not self.cognito_token_use:
                raise ValueError("BFF_COGNITO_TOKEN_USE must allow `id`, `access` or both")
        return self

    @model_validator(mode="after")
    def _lex_needs_a_bot(self) -> Settings:
        if self.assistant_backend == "lex" and not (self.lex_bot_id and self.lex_bot_alias_id):
            raise ValueError("BFF_ASSISTANT_BACKEND=lex needs BFF_LEX_BOT_ID and BFF_LEX_BOT_ALIAS_ID")
        return self

    @model_validator(mode="after")
    def _aws_orders_need_their_resources(self) -> Settings:
        if self.order_workflow_backend == "aws" and not (self.order_queue_url and self.order_state_machine_arn):
            raise ValueError("BFF_ORDER_WORKFLOW_BACKEND=aws needs BFF_ORDER_QUEUE_URL and BFF_ORDER_STATE_MACHINE_ARN")
        if self.risk_backend == "sagemaker" and not self.risk_sagemaker_endpoint:
            raise ValueError("BFF_RISK_BACKEND=sagemaker needs BFF_RISK_SAGEMAKER_ENDPOINT")
        if self.notifier_backend == "sns" and not self.order_topic_arn:
            raise ValueError("BFF_NOTIFIER_BACKEND=sns needs BFF_ORDER_TOPIC_ARN")
        if self.carts_backend != self.catalog_backend:
            # Checkout converts the cart in the transaction that reserves the stock and writes the order.
            raise ValueError(
                f"BFF_CART_BACKEND={self.carts_backend} differs from BFF_CATALOG_BACKEND={self.catalog_backend}: "
                "checkout writes the cart, the stock and the order in one transaction"
            )
        if self.risk_review_threshold > self.risk_deny_threshold:
            raise ValueError("BFF_RISK_REVIEW_THRESHOLD must not exceed BFF_RISK_DENY_THRESHOLD")
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def allows_introspection(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

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
        if self.carts_backend == "sqlite" and not self.allow_embedded_backends:
            problems.append("BFF_CART_BACKEND=sqlite is embedded (set BFF_ALLOW_EMBEDDED_BACKENDS=true to mean it)")
        if self.search_backend == "embedded" and not self.allow_embedded_backends:
            problems.append("BFF_SEARCH_BACKEND=embedded is embedded (set BFF_ALLOW_EMBEDDED_BACKENDS=true)")
        if self.stores_store == "sqlite" and not self.allow_embedded_backends:
            problems.append("stores in SQLite are embedded (BFF_STORES_BACKEND; or BFF_ALLOW_EMBEDDED_BACKENDS=true)")
        if self.content_store == "sqlite" and not self.allow_embedded_backends:
            problems.append("content in SQLite is embedded (BFF_CONTENT_BACKEND; or BFF_ALLOW_EMBEDDED_BACKENDS=true)")
        if self.payment_backend == "sandbox" and not self.allow_sandbox_payments:
            problems.append(
                "BFF_PAYMENT_BACKEND=sandbox charges no one (set BFF_ALLOW_SANDBOX_PAYMENTS=true to mean it)"
            )
        if self.expose_metrics:
            problems.append("BFF_EXPOSE_METRICS is a development aid")
        if self.metrics_endpoint and len(self.metrics_token.get_secret_value() if self.metrics_token else "") < 32:
            problems.append(
                "BFF_METRICS_ENDPOINT needs BFF_METRICS_TOKEN (at least 32 characters): /metrics is private"
            )
        if self.storefront_private_token is not None and len(self.storefront_private_token.get_secret_value()) < 32:
            problems.append("BFF_STOREFRONT_PRIVATE_TOKEN must be at least 32 characters (it is a secret)")
        if self.checkout_base_url and not self.checkout_base_url.startswith("https://"):
            problems.append("BFF_CHECKOUT_BASE_URL must be an https:// URL")
        if self.recommender_delay_seconds:
            problems.append("BFF_RECOMMENDER_DELAY_SECONDS slows the recommender down on purpose (benchmarks only)")
        if self.latency_injection:
            problems.append("BFF_LATENCY_INJECTION slows every service down on purpose (benchmarks only)")
        if self.aws_endpoint_url:
            problems.append("BFF_AWS_ENDPOINT_URL points AWS clients at a local stand-in")
        if self.dax_endpoint and self.dax_endpoint.startswith(("http://", "https://")):
            problems.append("BFF_DAX_ENDPOINT is an http(s) stand-in, not a DAX cluster (daxs://...)")
        if self.cache_backend == "redis" and not self.redis_url:
            problems.append("BFF_CACHE=redis needs BFF_REDIS_URL")
        if self.auth_backend == "local" and not self.allow_embedded_backends:
            problems.append("BFF_AUTH_BACKEND=local is the embedded issuer (set BFF_ALLOW_EMBEDDED_BACKENDS=true)")
        if self.auth_backend == "cognito" and not self.auth_jwks_url.startswith("https://"):
            problems.append("BFF_COGNITO_JWKS_URL must be an https:// URL")
        if self.image_base_url is not None and not self.image_base_url.startswith("https://"):
            problems.append("BFF_IMAGE_BASE_URL must be an https:// URL (storefronts allow-list that image host)")
        if problems:
            raise ProductionConfigError("refusing to start with BFF_ENV=production: " + "; ".join(problems))
        return self
