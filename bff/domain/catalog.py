"""Catalog entities as every catalog backend returns them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


# ISO 4217 minor units where they are not 2.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


def currency_amount(amount: Decimal, currency_code: str) -> Decimal:
    """``amount`` with exactly the currency's minor units (``280`` USD -> ``280.00``)."""
    return amount.quantize(Decimal(1).scaleb(-_MINOR_UNITS.get(currency_code, 2)))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency_code: str


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    alt_text: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class ProductOption:
    """A choice a shopper makes (``Size``) and the values it offers (``S``, ``M``, ``L``)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SelectedOption:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    product_id: str
    sku: str
    title: str
    price: Money
    compare_at_price: Money | None = None
    quantity_available: int = 0
    selected_options: tuple[SelectedOption, ...] = ()
    image: Image | None = None
    position: int = 0

    @property
    def available_for_sale(self) -> bool:
        return self.quantity_available > 0


@dataclass(frozen=True, slots=True)
class Product:
    """A product with the price and stock summary of its variants (kept by the store on every write)."""

    id: str
    handle: str
    title: str
    description: str = ""
    vendor: str = ""
    product_type: str = ""
    tags: tuple[str, ...] = ()
    category_id: str | None = None
    images: tuple[Image, ...] = ()
    options: tuple[ProductOption, ...] = ()
    min_price: Money | None = None
    max_price: Money | None = None
    min_compare_at_price: Money | None = None
    max_compare_at_price: Money | None = None
    # Whether any variant has stock to sell: refreshed by every product write and by a stock change that
    # crosses zero. How many units is the variants' business (``Variant.quantity_available``).
    available: bool = False
    sales_rank: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Bumped by the store on every write of the product or its variants; a conditional write names the
    # version it read (``CatalogStore.update_product``). Ignored by unconditional upserts (imports).
    version: int = 0

    @property
    def available_for_sale(self) -> bool:
        return self.available


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    handle: str
    title: str
    description: str = ""
    parent_id: str | None = None
    ancestor_ids: tuple[str, ...] = ()
    image: Image | None = None
    position: int = 0


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """What a write hands the store: a product and all of its variants (summary fields are derived).

    Written, a variant's ``quantity_available`` is the units *on hand* (what the feed or an admin counts);
    read, it is the units available to sell (on hand minus reserved, never below 0). A write changes the
    on-hand count of a variant only where the quantity differs from what is stored (read back); it never
    touches what orders reserved."""

    product: Product
    variants: tuple[Variant, ...]


@dataclass(frozen=True, slots=True)
class StockLevel:
    """A variant's stock: ``on_hand`` is what the feed or an admin says, ``reserved`` what orders took and
    have not shipped; ``version`` moves with every write of either."""

    variant_id: str
    on_hand: int
    reserved: int = 0
    version: int = 0

    @property
    def available(self) -> int:
        """Units that can still be sold (``Variant.quantity_available``)."""
        return max(0, self.on_hand - self.reserved)


@dataclass(frozen=True, slots=True)
class StockChange:
    """What one stock write did: the levels as written, the products those variants belong to, and the
    products whose availability crossed zero (their summary and listing entries were rewritten too)."""

    levels: tuple[StockLevel, ...] = ()
    product_ids: tuple[str, ...] = ()
    flipped: tuple[ProductRecord, ...] = ()


class ProductSortKey(enum.Enum):
    ID = "ID"
    TITLE = "TITLE"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    BEST_SELLING = "BEST_SELLING"


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """Filter for listing products; every set field must match."""

    category_id: str | None = None
    product_types: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    available: bool | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Keyset page: ``limit`` items after (or, when ``backward``, before) the position ``after``."""

    limit: int
    after: tuple[object, str] | None = None
    backward: bool = False


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of results, in display order, each with its position key for cursors."""

    items: list[T] = field(default_factory=list)
    keys: list[tuple[object, str]] = field(default_factory=list)
    has_more: bool = False
    # Where the next page starts when the store stopped reading before the page filled (its read budget):
    # the position of the last entry read, past the page's last item. The page may be short, even empty.
    resume_key: tuple[object, str] | None = None
