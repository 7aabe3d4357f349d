"""Types every domain uses: ``Node``, ``Money``, ``Image``, ``PageInfo``."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import strawberry

from bff.domain import catalog as domain


def accepts_instances(*classes: type) -> Any:
    """An ``is_type_of`` that accepts the type's own instances and those of ``classes`` (domain objects).

    Execution plans read ``accepts`` to check a value by its class alone instead of calling the method.
    """

    def is_type_of(cls: type, obj: object, _info: object) -> bool:
        return isinstance(obj, (cls, *classes))

    is_type_of.accepts = classes  # type: ignore[attr-defined]
    return classmethod(is_type_of)


@strawberry.interface(description="An object with a globally unique, opaque id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque id of the object.")


@strawberry.enum(description="ISO 4217 currency code.")
class CurrencyCode(enum.Enum):
    AED = "AED"
    AUD = "AUD"
    BRL = "BRL"
    CAD = "CAD"
    CHF = "CHF"
    CNY = "CNY"
    CZK = "CZK"
    DKK = "DKK"
    EUR = "EUR"
    GBP = "GBP"
    HKD = "HKD"
    INR = "INR"
    JPY = "JPY"
    KRW = "KRW"
    MXN = "MXN"
    NOK = "NOK"
    NZD = "NZD"
    PLN = "PLN"
    SEK = "SEK"
    SGD = "SGD"
    USD = "USD"
    ZAR = "ZAR"


@strawberry.type(description="An amount of money in one currency; the amount is a decimal string, never a float.")
class Money:
    amount: Decimal = strawberry.field(description='Decimal amount, e.g. `"19.99"`.')
    currency_code: CurrencyCode = strawberry.field(description="Currency of the amount.")

    is_type_of = accepts_instances(domain.Money)


@strawberry.type(description="An image with the text that describes it and its intrinsic size.")
class Image:
    url: str = strawberry.field(description="Where the image is served from.")
    alt_text: str | None = strawberry.field(description="Text alternative for assistive technology.")
    width: int | None = strawberry.field(description="Intrinsic width in pixels, when known.")
    height: int | None = strawberry.field(description="Intrinsic height in pixels, when known.")

    is_type_of = accepts_instances(domain.Image)


@strawberry.type(description="Where a page of a connection sits in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of this page.")


@strawberry.type(description="A title and description for search engines. (Shopify Storefront API)")
class SEO:
    title: str | None = strawberry.field(description="The title search engines show. (Shopify Storefront API)")
    description: str | None = strawberry.field(
        description="The description search engines show. (Shopify Storefront API)"
    )
