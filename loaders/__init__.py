"""Per-request DataLoaders: each batches the keys asked for in one tick into one backend call."""

from __future__ import annotations

from dataclasses import dataclass

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
from loaders.variant_by_id import VariantByIdLoader
from loaders.variants_by_product import VariantsByProductLoader


@dataclass(slots=True)
class DataLoaders:
    product_by_id: ProductByIdLoader
    product_by_handle: ProductByHandleLoader
    variants_by_product: VariantsByProductLoader
    variant_by_id: VariantByIdLoader
    category_by_id: CategoryByIdLoader
    category_by_handle: CategoryByHandleLoader
    child_categories: ChildCategoriesLoader
    cart_by_id: CartByIdLoader
    recommendations: RecommendationsLoader
    page_by_handle: ContentByHandleLoader
    menu_by_handle: ContentByHandleLoader
    curated_by_handle: ContentByHandleLoader

    def release(self) -> None:
        """Forget every value loaded or primed (the request is over; see GraphQLEndpoint.run)."""
        for name in self.__slots__:
            getattr(self, name).clear_all()

    @classmethod
    def build(cls, backends: Backends) -> DataLoaders:
        # By-key reads go through the shared cache when it is on (products, categories, variant lists).
        catalog = backends.catalog_reads
        return cls(
            product_by_id=ProductByIdLoader(catalog),
            product_by_handle=ProductByHandleLoader(catalog),
            variants_by_product=VariantsByProductLoader(catalog),
            variant_by_id=VariantByIdLoader(catalog),
            category_by_id=CategoryByIdLoader(catalog),
            category_by_handle=CategoryByHandleLoader(catalog),
            child_categories=ChildCategoriesLoader(catalog),
            cart_by_id=CartByIdLoader(backends.carts),
            recommendations=RecommendationsLoader(backends),
            page_by_handle=ContentByHandleLoader(backends.content, ContentKind.PAGE),
            menu_by_handle=ContentByHandleLoader(backends.content, ContentKind.MENU),
            curated_by_handle=ContentByHandleLoader(backends.content, ContentKind.COLLECTION),
        )
