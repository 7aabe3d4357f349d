"""Error codes of expected failures, per domain, and the ``Problem`` that carries one.

An expected failure (an unknown id, a negative price, later an out-of-stock line or a bad discount code) is
not an exception: the domain returns ``Problem``s and the mutation answers them as ``userErrors`` with the
code, never raising. Each domain's codes are an ``ErrorCode`` enum here, with the description clients read;
the GraphQL enum is derived from it (``resolvers.user_errors``), so the two never drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    """A code and its description: ``NAME = "NAME", "What it means."``."""

    description: str

    def __new__(cls, value: str, description: str) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


@dataclass(frozen=True, slots=True)
class Problem:
    """Why part of a change was refused: the input field at fault, a message for people, a code for code."""

    field: tuple[str, ...]
    message: str
    code: ErrorCode


class ProductErrorCode(ErrorCode):
    INVALID_ID = "INVALID_ID", "The id is malformed or names another type."
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND", "No product has this id."
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND", "The product has no variant with this id."
    DUPLICATE_VARIANT = "DUPLICATE_VARIANT", "The same variant is listed twice."
    TOO_MANY_VARIANTS = "TOO_MANY_VARIANTS", "Too many variants in one update."
    INVALID_PRICE = "INVALID_PRICE", "The price is negative, too large or has more than 2 decimal places."
    INVALID_QUANTITY = "INVALID_QUANTITY", "The quantity is negative or too large."
    INVALID_TITLE = (
        "INVALID_TITLE",
        "The title is blank, too long, or holds control or invisible formatting characters.",
    )
    CONFLICT = "CONFLICT", "Other updates to the product kept coming first; nothing was written. Try again."


class OrderErrorCode(ErrorCode):
    INVALID_ID = "INVALID_ID", "The id is malformed or names another type."
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND", "No order of yours has this id."
    ORDER_NOT_CANCELLABLE = "ORDER_NOT_CANCELLABLE", "The order is fulfilled or already cancelled."
    ORDER_NOT_ON_HOLD = "ORDER_NOT_ON_HOLD", "The order is not held for review."


class CheckoutErrorCode(ErrorCode):
    INVALID_ID = "INVALID_ID", "The id is malformed or names another type."
    CART_NOT_FOUND = "CART_NOT_FOUND", "No cart of yours has this id (unknown, expired or another customer's)."
    CART_ALREADY_CONVERTED = "CART_ALREADY_CONVERTED", "The cart was already checked out into an order."
    EMPTY_CART = "EMPTY_CART", "The cart has no lines."
    TOO_MANY_VARIANTS = "TOO_MANY_VARIANTS", "The cart holds more distinct variants than one order may (96)."
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK", "A line asks for more units than are available; nothing was reserved."
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND", "A line's variant is no longer sold."
    INVALID_EMAIL = "INVALID_EMAIL", "The email address is missing or malformed."
    INVALID_ADDRESS = "INVALID_ADDRESS", "An address field is missing, too long or malformed."
    INVALID_DELIVERY_METHOD = "INVALID_DELIVERY_METHOD", "The delivery method is not one the store offers."
    INVALID_PAYMENT_TOKEN = "INVALID_PAYMENT_TOKEN", "The payment token is missing or malformed."
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY", "The idempotency key is missing or longer than 128 characters."
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED", "The idempotency key was already used for another cart."
    CONFLICT = "CONFLICT", "The cart changed while it was checked out; nothing was written. Try again."
