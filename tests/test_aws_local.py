"""``bff aws-local``: the stand-ins' setup gives a Cognito demo user whose tokens the BFF accepts as admin;
the command refuses ports in use, and stops its stand-ins with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bff.aws_local import ADMIN_GROUP, DEMO_USER, create_user_pool, environment, prepare_catalog, taken_ports
from bff.cli import app as cli
from bff.settings import Settings
from tests.conftest import app_client
from tests.stand_ins import free_port

ME = "{ me { email groups } }"
RENAME = """mutation($id: ID!) { productUpdate(input: {id: $id, title: "Renamed by the demo admin"}) {
  product { title } userErrors { code message } } }"""


async def test_the_demo_users_tokens_are_accepted_and_admin(
    aws: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = create_user_pool(aws)
    for name, value in environment(aws, redis_url, pool, tmp_path, table="aws-local-test").items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg] - exactly what the command serves with

    done = await prepare_catalog(settings, products=6)
    tokens = pool.sign_in()

    assert "created table aws-local-test" in done and "seeded" in done
    async with app_client(settings) as http:
        assert (await http.get("/readyz")).json()["status"] == "ok"
        for token in tokens.values():
            headers = {"authorization": f"Bearer {token}"}
            me = (await http.post("/graphql", json={"query": ME}, headers=headers)).json()
            assert me["data"]["me"]["groups"] == [ADMIN_GROUP], me
        products = await http.post("/graphql", json={"query": "{ products(first: 1) { nodes { id } } }"})
        product_id = products.json()["data"]["products"]["nodes"][0]["id"]
        renamed = await http.post(
            "/graphql",
            json={"query": RENAME, "variables": {"id": product_id}},
            headers={"authorization": f"Bearer {tokens['access']}"},
        )
        anonymous = await http.post("/graphql", json={"query": RENAME, "variables": {"id": product_id}})
    assert renamed.json()["data"]["productUpdate"] == {
        "product": {"title": "Renamed by the demo admin"},
        "userErrors": [],
    }, renamed.text
    assert anonymous.json()["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")


def test_ports_in_use_are_refused_before_anything_starts() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert taken_ports("127.0.0.1", {"moto": port, "redis": free_port()}) == {"moto": port}

        result = CliRunner().invoke(
            cli, ["aws-local", "--moto-port", str(port), "--redis-port", str(free_port()), "--port", str(free_port())]
        )

    assert result.exit_code == 2
    assert f"{port} (moto)" in result.output and "--moto-port" in result.output


def test_the_command_serves_signs_in_and_stops_its_stand_ins(tmp_path: Path) -> None:
    ports = {"moto": free_port(), "redis": free_port(), "app": free_port()}
    bff = str(Path(sys.executable).parent / "bff")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BFF_", "AWS_"))}
    command = [bff, "aws-local", "--products", "4", "--port", str(ports["app"])]
    command += ["--moto-port", str(ports["moto"]), "--redis-port", str(ports["redis"])]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        output = b""
        deadline = time.monotonic() + 120
        while b"Ctrl-C stops" not in output and time.monotonic() < deadline and process.poll() is None:
            output += process.stdout.readline()
        assert b"Ctrl-C stops" in output, output.decode()
        assert f"{DEMO_USER} / ".encode() in output
        assert f"export BFF_COGNITO_JWKS_URL='http://127.0.0.1:{ports['moto']}/".encode() in output
        token = subprocess.run(
            [bff, "aws-local", "token"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        base = f"http://127.0.0.1:{ports['app']}"
        for _ in range(100):  # uvicorn binds just after the summary is printed
            try:
                me = httpx.post(f"{base}/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert me.json()["data"]["me"]["groups"] == [ADMIN_GROUP]
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode in (0, 130, -signal.SIGINT), rest.decode()
    assert b"No such process" not in output + rest
    assert taken_ports("127.0.0.1", ports) == {}  # moto's server and redis-server stopped with the command
