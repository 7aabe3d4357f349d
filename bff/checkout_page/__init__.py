"""The hosted checkout ``Cart.checkoutUrl`` leads to: server-rendered pages, no JavaScript needed."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from bff.checkout_page.rendering import STYLESHEET_PATH, stylesheet
from bff.checkout_page.views import checkout_page, checkout_post, order_page


def routes() -> list[BaseRoute]:
    return [
        Route(STYLESHEET_PATH, stylesheet, methods=["GET"]),
        Route("/checkout/order/{order}", order_page, methods=["GET"]),
        Route("/checkout/{cart}", checkout_page, methods=["GET"]),
        Route("/checkout/{cart}", checkout_post, methods=["POST"]),
    ]
