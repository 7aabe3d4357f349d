"""Rendering the hosted checkout's pages: Jinja2 templates, autoescaped, and the page's one stylesheet.

The pages load nothing from another origin (the app's Content-Security-Policy allows only its own) and no
script: a form, links and ``<meta refresh>`` are the whole flow. Every answer is ``no-store``: the pages hold
a shopper's cart, address and order.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bff.domain.catalog import Money

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).parent.parent / "static" / "checkout.css"
STYLESHEET_PATH = "/checkout/assets/checkout.css"


def _money(value: Money | Decimal, currency: str = "") -> str:
    if isinstance(value, Money):
        return f"{value.amount:,.2f} {value.currency_code}"
    return f"{value:,.2f} {currency}".strip()


_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",), default=True),
    undefined=StrictUndefined,
    auto_reload=False,
)
_ENV.filters["money"] = _money
_ENV.globals["stylesheet"] = STYLESHEET_PATH


def render(name: str, context: dict[str, Any], status: int = 200) -> Response:
    html = _ENV.get_template(name).render(**context)
    return HTMLResponse(html, status, headers={"cache-control": "no-store", "x-robots-tag": "noindex"})


async def stylesheet(_: Request) -> Response:
    return Response(STYLESHEET.read_bytes(), media_type="text/css", headers={"cache-control": "public, max-age=3600"})
