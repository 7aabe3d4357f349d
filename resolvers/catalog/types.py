"""Product, ProductVariant and Category, resolved straight from the catalog's domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain import catalog as domain
from bff.field_cost import cost
from bff.ids import to_global_id
from resolvers.catalog.connections import ProductConnection, ProductVariantConnection
from resolvers.catalog.facets import Filter
from resolvers.catalog.filters import category_filters
from resolvers.catalog.inputs import (
    FilterArg,
    ProductSortKeys,
    ReverseArg,
)
from resolvers.catalog.listing import product_connection
from resolvers.catalog.product_choice import ProductVariantChoice
from resolvers.catalog.product_parts import (
    LOADED_WITH_PRODUCT,
    MAX_PRODUCT_PAGE,
    ImageConnection,
    ImageSortArg,
    ProductImageSortKeys,
    ProductOption,
    ProductPriceRange,
    SelectedOption,
    description_html,
    image_connection,
    options,
    seo,
)
from resolvers.catalog.store_availability import Near, PickupFirst, StoreAvailability, store_availability
from resolvers.common import SEO, Image, Money, Node, accepts_instances
from resolvers.connection import Connection, known_count
from resolvers.pagination import (
    After,
    Before,
    ConnectionArgs,
    First,
    Last,
    edges_and_page_info,
    page_request,
    slice_list,
)


@strawberry.type(description="A purchasable version of a product: one combination of its options.")
class ProductVariant(Node):
    sku: str = strawberry.field(description="Stock keeping unit.")
    title: str = strawberry.field(description="Option values joined, e.g. `M / Blue`.")
    price: Money = strawberry.field(description="Price the shopper pays, computed by the server.")
    compare_at_price: Money | None = strawberry.field(description="Former price, when the variant is on sale.")
    quantity_available: int = strawberry.field(description="Units that can be bought now (on hand minus reserved).")
    available_for_sale: bool = strawberry.field(description="Whether the variant can be bought now.")
    selected_options: list[SelectedOption] = strawberry.field(description="This variant's option values.")
    image: Image | None = strawberry.field(description="Image of this variant, when it has its own.")

    @strawberry.field(description="Globally unique, opaque id of the variant.")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.Variant]) -> strawberry.ID:
        return strawberry.ID(to_global_id("ProductVariant", root.id))

    @strawberry.field(description="Whether the variant is shipped: always true here. (Shopify Storefront API)")
    @staticmethod
    def requires_shipping(root: strawberry.Parent[domain.Variant]) -> bool:
        return True

    @strawberry.field(
        description="Whether it is sold while out of stock (backorders): never here. (Shopify Storefront API)"
    )
    @staticmethod
    def currently_not_in_stock(root: strawberry.Parent[domain.Variant]) -> bool:
        return False

    @strawberry.field(
        description="Price per unit of measure: null, the catalog holds no unit measures. (Shopify Storefront API)"
    )
    @staticmethod
    def unit_price(root: strawberry.Parent[domain.Variant]) -> Money | None:
        return None

    @strawberry.field(description="The product this variant belongs to.")
    @staticmethod
    async def product(root: strawberry.Parent[domain.Variant], info: Info) -> Product:
        product = await info.context.loaders.product_by_id.load(root.product_id)
        assert product is not None, "a variant's product is always in the catalog"
        return product  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Pickup stock at the nearest stores that offer pickup, nearest first (within the locator's largest "
            "radius); an address that geocodes to nothing gives an empty list."
        )
    )
    @staticmethod
    async def store_availability(
        root: strawberry.Parent[domain.Variant], info: Info, near: Near, first: PickupFirst = 5
    ) -> list[StoreAvailability]:
        return await store_availability(info, root.id, near, first)

    is_type_of = accepts_instances(domain.Variant)


@strawberry.type(description="Something a store sells, with its variants, options, images and prices.")
class Product(Node, ProductVariantChoice):
    handle: str = strawberry.field(description="Unique, URL-friendly name, e.g. `linen-shirt`.")
    title: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="Description, plain text.")
    vendor: str = strawberry.field(description="Brand or maker.")
    product_type: str = strawberry.field(description="Kind of product, e.g. `Shirt`.")
    tags: list[str] = strawberry.field(description="Merchandising tags.")
    available_for_sale: bool = strawberry.field(description="Whether any variant can be bought now.")
    created_at: datetime = strawberry.field(description="When the product was added to the catalog.")
    updated_at: datetime = strawberry.field(description="When the product last changed.")

    @strawberry.field(description="The description as sanitized HTML. (Shopify Storefront API)")
    @staticmethod
    def description_html(root: strawberry.Parent[domain.Product]) -> str:
        return description_html(root.description)

    @strawberry.field(description="Title and description for search engines. (Shopify Storefront API)")
    @staticmethod
    def seo(root: strawberry.Parent[domain.Product]) -> SEO:
        return seo(root)

    @strawberry.field(description="Options shoppers choose between, with ids. (Shopify Storefront API)")
    @staticmethod
    def options(
        root: strawberry.Parent[domain.Product],
        first: Annotated[int | None, strawberry.argument(description="At most this many options.")] = None,
    ) -> list[ProductOption]:
        found = options(root)
        return found if first is None else found[: max(first, 0)]

    @strawberry.field(
        description=(
            "Images in display order, a page at a time (up to 250 a page); the first is `featuredImage`. "
            "(Shopify Storefront API)"
        ),
        metadata=LOADED_WITH_PRODUCT,
    )
    @staticmethod
    def images(
        root: strawberry.Parent[domain.Product],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        sort_key: ImageSortArg = ProductImageSortKeys.POSITION,
        reverse: ReverseArg = False,
    ) -> ImageConnection:
        return image_connection(info.context, root, ConnectionArgs(first, after, last, before), sort_key, reverse)

    @strawberry.field(description="Globally unique, opaque id of the product.")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.Product]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Product", root.id))

    @strawberry.field(description="The first image, for product cards.")
    @staticmethod
    def featured_image(root: strawberry.Parent[domain.Product]) -> Image | None:
        return root.images[0] if root.images else None  # type: ignore[return-value]

    @strawberry.field(description="Lowest and highest variant price.")
    @staticmethod
    def price_range(root: strawberry.Parent[domain.Product]) -> ProductPriceRange | None:
        if root.min_price is None or root.max_price is None:
            return None
        return ProductPriceRange(min_variant_price=root.min_price, max_variant_price=root.max_price)  # type: ignore[arg-type]

    @strawberry.field(description="Lowest and highest former price over variants on sale; null when none is.")
    @staticmethod
    def compare_at_price_range(root: strawberry.Parent[domain.Product]) -> ProductPriceRange | None:
        if root.min_compare_at_price is None or root.max_compare_at_price is None:
            return None
        return ProductPriceRange(
            min_variant_price=root.min_compare_at_price,  # type: ignore[arg-type]
            max_variant_price=root.max_compare_at_price,  # type: ignore[arg-type]
        )

    @strawberry.field(description="The category the product is filed under.")
    @staticmethod
    async def category(root: strawberry.Parent[domain.Product], info: Info) -> Category | None:
        if root.category_id is None:
            return None
        return await info.context.loaders.category_by_id.load(root.category_id)  # type: ignore[return-value]

    @strawberry.field(
        description="Units in stock over all variants (the units available to sell).",
        # Scalar, but it loads the product's variants (one batched read, as an object field would).
        metadata=cost(weight=1),
    )
    @staticmethod
    async def total_inventory(root: strawberry.Parent[domain.Product], info: Info) -> int:
        # From the variants' stock, which changes without a write of the product (docs/data-model.md).
        variants = await info.context.loaders.variants_by_product.load(root.id)
        return sum(v.quantity_available for v in variants)

    @strawberry.field(
        description="The product's variants, a page at a time (up to 250 a page). (Shopify Storefront API)",
        metadata=LOADED_WITH_PRODUCT,
    )
    @staticmethod
    async def variants(
        root: strawberry.Parent[domain.Product],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ProductVariantConnection:
        ctx = info.context
        variants = await ctx.loaders.variants_by_product.load(root.id)
        listing = f"variants:{root.id}"
        args = ConnectionArgs(first, after, last, before)
        page = slice_list(ctx, variants, [v.id for v in variants], args, listing, MAX_PRODUCT_PAGE)
        request = page_request(ctx, args, listing, MAX_PRODUCT_PAGE)
        edges, page_info = edges_and_page_info(ctx, page, request, listing)
        return Connection(edges=edges, page_info=page_info, count=known_count(len(variants)))  # type: ignore[arg-type]

    is_type_of = accepts_instances(domain.Product)


@strawberry.type(description="A node of the category tree; its products include those of its subcategories.")
class Category(Node):
    handle: str = strawberry.field(description="Unique, URL-friendly name.")
    title: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="Description, plain text.")
    image: Image | None = strawberry.field(description="Banner or tile image.")

    @strawberry.field(description="Globally unique, opaque id of the category.")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.Category]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Category", root.id))

    @strawberry.field(description="The category above this one; null for a top-level category.")
    @staticmethod
    async def parent(root: strawberry.Parent[domain.Category], info: Info) -> Category | None:
        if root.parent_id is None:
            return None
        return await info.context.loaders.category_by_id.load(root.parent_id)  # type: ignore[return-value]

    @strawberry.field(description="The categories directly below this one, in display order.")
    @staticmethod
    async def children(root: strawberry.Parent[domain.Category], info: Info) -> list[Category]:
        return await info.context.loaders.child_categories.load(root.id)  # type: ignore[return-value]

    @strawberry.field(description="The path from the top of the tree down to and including this category.")
    @staticmethod
    async def breadcrumbs(root: strawberry.Parent[domain.Category], info: Info) -> list[Category]:
        ancestors = await info.context.loaders.category_by_id.load_many(list(root.ancestor_ids))
        return [*(c for c in ancestors if c is not None), root]  # type: ignore[list-item]

    @strawberry.field(description="Products in this category and every category below it.")
    @staticmethod
    async def products(
        root: strawberry.Parent[domain.Category],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg = None,
        sort_key: Annotated[ProductSortKeys, strawberry.argument(description="Order of the list.")] = (
            ProductSortKeys.BEST_SELLING
        ),
        reverse: ReverseArg = False,
    ) -> ProductConnection:
        args = ConnectionArgs(first, after, last, before)
        return await product_connection(info.context, args, filter, sort_key, reverse, category_id=root.id, rerank=True)

    @strawberry.field(description="Facets of this category's products (brand, type, price, stock) for a filter panel.")
    @staticmethod
    async def product_filters(
        root: strawberry.Parent[domain.Category], info: Info, filter: FilterArg = None
    ) -> list[Filter]:
        return await category_filters(info.context, root.id, filter)

    is_type_of = accepts_instances(domain.Category)
