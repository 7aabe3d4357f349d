"""Types every domain uses: ``Node``, ``Money``, ``Image``, ``PageInfo``."""

from __future__ import annotations

import enum
import hashlib
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from bff.context import Info
from bff.domain import catalog as domain
from bff.errors import BadUserInput
from bff.ids import to_global_id
from bff.images import ImageTransform, image_url


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


@strawberry.enum(description="The part of an image kept when a transform crops it. (Shopify Storefront API)")
class CropRegion(enum.Enum):
    CENTER = strawberry.enum_value("center", description="Keep the middle.")
    TOP = strawberry.enum_value("top", description="Keep the top.")
    BOTTOM = strawberry.enum_value("bottom", description="Keep the bottom.")
    LEFT = strawberry.enum_value("left", description="Keep the left side.")
    RIGHT = strawberry.enum_value("right", description="Keep the right side.")


@strawberry.enum(description="A format to convert an image to (best effort). (Shopify Storefront API)")
class ImageContentType(enum.Enum):
    PNG = strawberry.enum_value("png", description="PNG.")
    JPG = strawberry.enum_value("jpg", description="JPEG.")
    WEBP = strawberry.enum_value("webp", description="WebP.")


@strawberry.input(description="A resized copy of an image, made by the image service. (Shopify Storefront API)")
class ImageTransformInput:
    max_width: int | None = strawberry.field(default=None, description="Width in pixels (1-5760).")
    max_height: int | None = strawberry.field(default=None, description="Height in pixels (1-5760).")
    crop: CropRegion | None = strawberry.field(
        default=None, description="The part kept when both sides are given and differ from the image's proportions."
    )
    scale: int = strawberry.field(default=1, description="Multiplier of both sides for high-density screens (1-3).")
    preferred_content_type: ImageContentType | None = strawberry.field(
        default=None, description="Format to convert the image to (best effort)."
    )


def _transform(given: ImageTransformInput | None) -> ImageTransform | None:
    if given is None:
        return None
    transform = ImageTransform(
        max_width=given.max_width,
        max_height=given.max_height,
        crop=given.crop.name.lower() if given.crop else None,
        scale=given.scale,
        format=given.preferred_content_type.name.lower() if given.preferred_content_type else None,
    )
    if problem := transform.problem():
        raise BadUserInput(problem[1], field=f"transform.{problem[0]}")
    return transform


def image_id(image: domain.Image) -> str:
    """An image's global id: from its URL, so the same picture has the same id on every product and page."""
    return to_global_id("ProductImage", hashlib.blake2b(image.url.encode(), digest_size=12).hexdigest())


@strawberry.type(description="An image with the text that describes it and its intrinsic size.")
class Image:
    alt_text: str | None = strawberry.field(description="Text alternative for assistive technology.")
    width: int | None = strawberry.field(description="Intrinsic width in pixels, when known.")
    height: int | None = strawberry.field(description="Intrinsic height in pixels, when known.")

    @strawberry.field(
        description=(
            "Where the image is served: an absolute URL on the configured image host (`BFF_IMAGE_BASE_URL`); "
            "`transform` asks the image service for a resized copy. (Shopify Storefront API)"
        )
    )
    @staticmethod
    def url(
        root: strawberry.Parent[domain.Image],
        info: Info,
        transform: Annotated[
            ImageTransformInput | None, strawberry.argument(description="Size, crop and format of the copy.")
        ] = None,
    ) -> str:
        return image_url(root.url, info.context.settings.image_origin, _transform(transform))

    @strawberry.field(description="Opaque id of the image, the same wherever it appears. (Shopify Storefront API)")
    @staticmethod
    def id(root: strawberry.Parent[domain.Image]) -> strawberry.ID:
        return strawberry.ID(image_id(root))

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
