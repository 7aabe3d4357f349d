"""Per-request DataLoaders: each batches the keys asked for in one tick into one backend call.

A request makes only the loaders it uses: each is built on its first use (most pages use two to four of
them), so an uncached request does not pay for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bff.backends.registry import Backends
from bff.domain.content import ContentKind
from loaders.cart_by_id import CartByIdLoader
from loaders.category_by_handle import CategoryByHandleLoader
from loaders.category_by_id import CategoryByIdLoader
from loaders.child_categories import ChildCategoriesLoader
from loaders.content_by_handle import ContentByHandleLoader
from loaders.product_by_handle import ProductByHandleLoader
from loaders.product_by_id import ProductByIdLoader
from loaders.recommendations import RecommendationsLoader
from loaders.search_hits import SearchHitsLoader
from loaders.variant_by_id import VariantByIdLoader
from loaders.variants_by_product import VariantsByProductLoader

# Each loader's name and how it is made. By-key reads go through the shared cache when it is on (products,
# categories, variant lists): ``catalog_reads``.
_MAKERS: dict[str, Callable[[Backends], Any]] = {
    "product_by_id": lambda b: ProductByIdLoader(b.catalog_reads),
    "product_by_handle": lambda b: ProductByHandleLoader(b.catalog_reads),
    "variants_by_product": lambda b: VariantsByProductLoader(b.catalog_reads),
    "variant_by_id": lambda b: VariantByIdLoader(b.catalog_reads),
    "category_by_id": lambda b: CategoryByIdLoader(b.catalog_reads),
    "category_by_handle": lambda b: CategoryByHandleLoader(b.catalog_reads),
    "child_categories": lambda b: ChildCategoriesLoader(b.catalog_reads),
    "cart_by_id": lambda b: CartByIdLoader(b.carts),
    "recommendations": RecommendationsLoader,
    "search_hits": SearchHitsLoader,
    "page_by_handle": lambda b: ContentByHandleLoader(b.content, ContentKind.PAGE),
    "menu_by_handle": lambda b: ContentByHandleLoader(b.content, ContentKind.MENU),
    "curated_by_handle": lambda b: ContentByHandleLoader(b.content, ContentKind.COLLECTION),
}


class DataLoaders:
    """One request's loaders, each made when first asked for (then an ordinary attribute)."""

    product_by_id: ProductByIdLoader
    product_by_handle: ProductByHandleLoader
    variants_by_product: VariantsByProductLoader
    variant_by_id: VariantByIdLoader
    category_by_id: CategoryByIdLoader
    category_by_handle: CategoryByHandleLoader
    child_categories: ChildCategoriesLoader
    cart_by_id: CartByIdLoader
    recommendations: RecommendationsLoader
    search_hits: SearchHitsLoader
    page_by_handle: ContentByHandleLoader
    menu_by_handle: ContentByHandleLoader
    curated_by_handle: ContentByHandleLoader

    def __init__(self, backends: Backends) -> None:
        self._backends = backends

    def __getattr__(self, name: str) -> Any:
        # Only for an attribute not set yet: a loader's first use makes it.
        make = _MAKERS.get(name)
        if make is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        loader = self.__dict__[name] = make(self._backends)
        return loader

    def release(self) -> None:
        """Forget every value loaded or primed (the request is over; see GraphQLEndpoint.run)."""
        made = self.__dict__
        for name in _MAKERS:
            loader = made.get(name)
            if loader is not None:
                loader.clear_all()

    @classmethod
    def build(cls, backends: Backends) -> DataLoaders:
        return cls(backends)
