"""The hosted checkout in headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it): a cart's
``checkoutUrl`` -> the form filled and sent -> the order's page, which reloads itself and shows PAID, then
FULFILLED, as a worker outside the app moves the order; a declined card -> the message, and the cart back.

The app serves on loopback with its in-app worker off; the test runs the embedded workflow's worker itself
(``tests/order_fixtures.py``), one step at a time, so the page is seen in each status. Everything but
loopback goes to a closed proxy port, and the browser's log must hold no Content-Security-Policy report.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets

from bff.app import create_app
from bff.domain.orders import OrderStatus
from bff.ids import from_global_id
from tests.conftest import make_settings
from tests.order_fixtures import Workflow, embedded_workflow
from tests.stand_ins import free_port
from tests.test_graphiql_browser import DevTools, headless_chromium

CREATE = (
    """mutation ($input: CartInput) { cartCreate(input: $input) { cart { id checkoutUrl } userErrors { code } } }"""
)
VARIANTS = "{ products(first: 20) { nodes { title variants(first: 3) { nodes { id quantityAvailable } } } } }"
FILL = """(() => {
  const values = {email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace',
    address1: "12 St James's Square", city: 'London', zip: 'SW1Y 4JH', country_code: 'GB'};
  for (const [name, value] of Object.entries(values)) document.querySelector(`[name="${name}"]`).value = value;
  document.querySelector('#d-STANDARD').checked = true;
  document.querySelector('#p-%s').checked = true;
  document.querySelector('#pay').click();
  return true;
})()"""


@pytest.fixture
def data_dir(seeded_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeded_dir, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def served(data_dir: Path) -> Iterator[str]:
    settings = make_settings(data_dir, order_worker_in_app=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a busy machine starts the app slowly
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[str]:
    """A headless Chromium's DevTools page socket."""
    with headless_chromium() as devtools:
        yield devtools


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def new_cart(served: str) -> tuple[str, str]:
    """A cart of 2 of a stocked variant: its checkout URL and the variant's product title."""
    products = post_json(f"{served}/graphql", {"query": VARIANTS})["data"]["products"]["nodes"]
    title, variant = next(
        (p["title"], v["id"]) for p in products for v in p["variants"]["nodes"] if v["quantityAvailable"] >= 5
    )
    lines = [{"merchandiseId": variant, "quantity": 2}]
    created = post_json(
        f"{served}/api/2025-01/graphql.json", {"query": CREATE, "variables": {"input": {"lines": lines}}}
    )
    cart = created["data"]["cartCreate"]["cart"]
    assert cart["checkoutUrl"].startswith(served)
    return str(cart["checkoutUrl"]), title


async def text(tools: DevTools, selector: str) -> str:
    return str(await tools.evaluate(f"(document.querySelector('{selector}') || {{}}).textContent || ''"))


async def shows(tools: DevTools, selector: str, expected: str, seconds: float = 15) -> None:
    """Wait for the page (reloading itself) to show ``expected`` in ``selector``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if expected in await text(tools, selector):
            return
        await tools.settle(0.3)
    raise AssertionError(f"{selector} never showed {expected!r}: {await text(tools, 'main')}")


async def order_id(tools: DevTools) -> str:
    path = str(await tools.evaluate("location.pathname"))
    return from_global_id(urllib.request.unquote(path.rsplit("/", 1)[1]), "Order")[1]


async def run_until(flow: Workflow, order: str, status: OrderStatus) -> None:
    for _ in range(50):
        if await flow.status(order) is status:
            return
        if not await flow.worker.run_once():
            await asyncio.sleep(0.02)
    raise AssertionError(f"the order never became {status}")


async def test_an_approved_payment_shows_paid_then_fulfilled(served: str, browser: str, data_dir: Path) -> None:
    url, title = new_cart(served)
    async with websockets.connect(browser, max_size=None) as socket, embedded_workflow(data_dir) as flow:
        tools = DevTools(socket)
        await tools.call("Log.enable")
        await tools.call("Page.enable")
        await tools.call("Page.navigate", url=url)
        await shows(tools, "#cart-title", "Your cart")
        assert title in await text(tools, ".cart")
        await tools.evaluate(FILL % "tok_sandbox_approve")
        await shows(tools, "#order-status", "PENDING")
        order = await order_id(tools)

        await run_until(flow, order, OrderStatus.PAID)
        await shows(tools, "#order-status", "PAID")  # the page reloaded itself
        await run_until(flow, order, OrderStatus.FULFILLED)
        await shows(tools, "#order-status", "FULFILLED")
        assert title in await text(tools, "main")

    assert [line for line in tools.log if "Content Security Policy" in line] == []


async def test_a_declined_payment_shows_the_message_and_keeps_the_cart(
    served: str, browser: str, data_dir: Path
) -> None:
    url, title = new_cart(served)
    async with websockets.connect(browser, max_size=None) as socket, embedded_workflow(data_dir) as flow:
        tools = DevTools(socket)
        await tools.call("Log.enable")
        await tools.call("Page.navigate", url=url)
        await shows(tools, "#cart-title", "Your cart")
        await tools.evaluate(FILL % "tok_sandbox_decline")
        await shows(tools, "#order-status", "PENDING")
        order = await order_id(tools)

        await run_until(flow, order, OrderStatus.CANCELLED)
        await shows(tools, "#order-status", "CANCELLED")
        assert "Your payment was declined" in await text(tools, "main")
        await tools.evaluate("document.querySelector('#retry').click()")
        await shows(tools, "#cart-title", "Your cart")
        assert title in await text(tools, ".cart")
        assert "2" in await text(tools, ".cart tbody td:nth-child(2)")

    assert [line for line in tools.log if "Content Security Policy" in line] == []
