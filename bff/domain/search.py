"""Search entities as every ``ProductSearch`` adapter speaks them: documents in, hits and facets out."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bff.domain.catalog import ProductQuery

# Facet ids, shared by the adapters and the GraphQL layer (which turns a value back into a filter).
FACET_CATEGORY = "filter.p.category"
FACET_VENDOR = "filter.p.vendor"
FACET_PRODUCT_TYPE = "filter.p.product_type"
FACET_PRICE = "filter.v.price"
FACET_AVAILABLE = "filter.v.availability"

# Price buckets of the price facet: [low, high) in the catalog's currency; ``None`` is open-ended.
PRICE_BUCKETS: tuple[tuple[Decimal, Decimal | None], ...] = (
    (Decimal(0), Decimal(25)),
    (Decimal(25), Decimal(50)),
    (Decimal(50), Decimal(100)),
    (Decimal(100), Decimal(200)),
    (Decimal(200), Decimal(500)),
    (Decimal(500), None),
)
MAX_FACET_VALUES = 25


class SearchSort(enum.Enum):
    RELEVANCE = "RELEVANCE"
    PRICE = "PRICE"
    NEWEST = "NEWEST"
    BEST_SELLING = "BEST_SELLING"


class FacetType(enum.Enum):
    LIST = "LIST"
    PRICE_RANGE = "PRICE_RANGE"
    BOOLEAN = "BOOLEAN"


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What the index holds of a product: its words, its facet values and its sort keys."""

    id: str
    handle: str
    title: str
    description: str
    vendor: str
    product_type: str
    tags: tuple[str, ...]
    category_id: str | None
    # The product's category and every category above it, top first: (id, title).
    category_path: tuple[tuple[str, str], ...]
    price: Decimal
    available: bool
    created_at: datetime | None
    sales_rank: int


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """``text`` None browses (category pages); an empty or stopword-only text finds nothing."""

    text: str | None
    filters: ProductQuery = field(default_factory=ProductQuery)
    sort: SearchSort = SearchSort.RELEVANCE
    reverse: bool = False
    offset: int = 0
    limit: int = 20
    with_total: bool = True
    with_facets: bool = False


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One choice of a facet; ``value`` is what the filter takes (a vendor, a category id, a bucket)."""

    id: str
    label: str
    count: int
    value: object


@dataclass(frozen=True, slots=True)
class Facet:
    id: str
    label: str
    type: FacetType
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class SearchResult:
    product_ids: list[str]
    total: int
    has_more: bool
    facets: list[Facet] = field(default_factory=list)
    # The query actually run when some words were misspelt; None when the text was used as typed.
    corrected_query: str | None = None
    # A spelling to suggest ("did you mean"), whether or not the results already used it.
    did_you_mean: str | None = None


def category_ids(facets: list[Facet]) -> list[str]:
    """The ids the category facet names (their labels are the categories' titles, read by the caller)."""
    return [str(v.value) for f in facets if f.id == FACET_CATEGORY for v in f.values]


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Predictive search: products, the categories they fall in, and completed queries."""

    product_ids: list[str]
    category_ids: list[str]
    queries: list[str]


@dataclass(slots=True)
class ReindexReport:
    index: str
    indexed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # False when the new index did not go live (an OpenSearch rebuild with failed documents keeps the old one).
    switched: bool = True
    # Products written again after the switch because they changed while the rebuild ran.
    caught_up: int = 0

    def __str__(self) -> str:
        lines = [f"reindexed {self.indexed} products into {self.index}; {len(self.failed)} failed"]
        if not self.switched:
            lines.append("  the new index did not go live: searches still use the previous one")
        if self.caught_up:
            lines.append(f"  {self.caught_up} products changed during the rebuild and were indexed again")
        lines += [f"  {doc_id}: {reason}" for doc_id, reason in self.failed[:50]]
        if len(self.failed) > 50:
            lines.append(f"  ... and {len(self.failed) - 50} more")
        return "\n".join(lines)


def price_bucket_label(low: Decimal, high: Decimal | None) -> str:
    return f"{low}+" if high is None else f"{low}–{high}"


def price_bucket_id(low: Decimal, high: Decimal | None) -> str:
    return f"{FACET_PRICE}.{low}-{'' if high is None else high}"
