"""Links to the hosted checkout (``Cart.checkoutUrl``) and the signatures that make them a cart's own.

A checkout link carries a key signed for its cart (``?key=``): the cart's id alone opens a guest cart
everywhere else, but a customer's cart is theirs only, and the link is how the storefront hands its checkout
to the browser. The same secret signs each form the checkout page renders (``form_token``): a post is
accepted only with a token made for its cart, so another site cannot post a form for the shopper.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from bff.ids import to_global_id

CHECKOUT_PATH = "/checkout/"


def _sign(secret: bytes, *parts: str) -> str:
    mac = hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def link_secret(cursor_secret: str) -> bytes:
    """The checkout's signing key, derived from the app's signing secret (never the secret itself)."""
    return hmac.new(cursor_secret.encode(), b"hosted-checkout", hashlib.sha256).digest()


def checkout_key(secret: bytes, cart_id: str) -> str:
    return _sign(secret, "checkout", cart_id)


def valid_checkout_key(secret: bytes, cart_id: str, key: str) -> bool:
    return hmac.compare_digest(checkout_key(secret, cart_id).encode(), key.encode())


def checkout_url(base: str, secret: bytes, cart_id: str) -> str:
    """``<base>/checkout/<cart global id>?key=<key>``: absolute when ``base`` is an origin."""
    path = CHECKOUT_PATH + quote(to_global_id("Cart", cart_id), safe="")
    return f"{base.rstrip('/')}{path}?key={checkout_key(secret, cart_id)}"


def form_token(secret: bytes, cart_id: str, nonce: str, owner: str) -> str:
    """The token a rendered form carries: tied to its cart, the form's nonce (its idempotency key) and the
    cart's owner (the customer's id; empty for a guest cart)."""
    return _sign(secret, "form", cart_id, nonce, owner)


def valid_form_token(secret: bytes, cart_id: str, nonce: str, owner: str, token: str) -> bool:
    return hmac.compare_digest(form_token(secret, cart_id, nonce, owner).encode(), token.encode())


def restored_cart_id(secret: bytes, order_id: str) -> str:
    """The id of the cart a declined order's lines are put back into: one per order, so restoring twice
    finds the cart restored the first time instead of making another."""
    return hmac.new(secret, f"restore\x1f{order_id}".encode(), hashlib.sha256).hexdigest()[:43]
