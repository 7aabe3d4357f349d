"""How a storefront picks a product's variant: by the shopper's selected options, the first that can be
bought, the variants one choice away, and which option-value combinations exist and can be bought (Shopify's
encoding). Every field reads the product's variants through the request's loader: one batch for a page.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain import catalog as domain
from resolvers.catalog.connections import VariantRef
from resolvers.catalog.inputs import SelectedOptionInput
from resolvers.catalog.product_parts import (
    CaseInsensitiveArg,
    IgnoreUnknownArg,
    SelectedOptionsArg,
    adjacent_variants,
    matching_variant,
)
from resolvers.catalog.variant_encoding import combinations, encode

OptionalSelectedOptionsArg = Annotated[
    list[SelectedOptionInput] | None, strawberry.argument(description="The shopper's choices so far.")
]


@strawberry.type(description="A product's fields for choosing a variant (part of `Product`).")
class ProductVariantChoice:
    @strawberry.field(
        description=(
            "The variant with exactly these option values (matched case-insensitively), or null. "
            "(Shopify Storefront API)"
        )
    )
    @staticmethod
    async def variant_by_selected_options(
        root: strawberry.Parent[domain.Product],
        info: Info,
        selected_options: SelectedOptionsArg,
        ignore_unknown_options: IgnoreUnknownArg = False,
        case_insensitive_match: CaseInsensitiveArg = False,
    ) -> VariantRef | None:
        variants = await info.context.loaders.variants_by_product.load(root.id)
        return matching_variant(root, variants, selected_options, ignore_unknown_options)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The variant with these option values when there is one, else the first variant for sale, else the "
            "first variant. (Shopify Storefront API)"
        )
    )
    @staticmethod
    async def selected_or_first_available_variant(
        root: strawberry.Parent[domain.Product],
        info: Info,
        selected_options: Annotated[
            list[SelectedOptionInput] | None, strawberry.argument(description="The shopper's choices so far.")
        ] = None,
        ignore_unknown_options: IgnoreUnknownArg = False,
        case_insensitive_match: CaseInsensitiveArg = False,
    ) -> VariantRef | None:
        variants = await info.context.loaders.variants_by_product.load(root.id)
        chosen = (
            matching_variant(root, variants, selected_options, ignore_unknown_options) if selected_options else None
        )
        available = next((v for v in variants if v.available_for_sale), None)
        return chosen or available or (variants[0] if variants else None)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The variants that differ by exactly one option value from the selected options (or, without them, "
            "from the first variant for sale), in variant order. (Shopify Storefront API)"
        )
    )
    @staticmethod
    async def adjacent_variants(
        root: strawberry.Parent[domain.Product],
        info: Info,
        selected_options: OptionalSelectedOptionsArg = None,
        ignore_unknown_options: IgnoreUnknownArg = False,
        case_insensitive_match: CaseInsensitiveArg = False,
    ) -> list[VariantRef]:
        variants = await info.context.loaders.variants_by_product.load(root.id)
        return adjacent_variants(root, variants, selected_options, ignore_unknown_options)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Every option-value combination a variant exists for, in Shopify's `v1_` encoding (Hydrogen's "
            "`decodeEncodedVariant` reads it); null for a product without options. (Shopify Storefront API)"
        )
    )
    @staticmethod
    async def encoded_variant_existence(root: strawberry.Parent[domain.Product], info: Info) -> str | None:
        if not root.options:
            return None
        return encode(combinations(root, await info.context.loaders.variants_by_product.load(root.id)))

    @strawberry.field(
        description=(
            "The option-value combinations that can be bought now, in the same encoding; null for a product "
            "without options. (Shopify Storefront API)"
        )
    )
    @staticmethod
    async def encoded_variant_availability(root: strawberry.Parent[domain.Product], info: Info) -> str | None:
        if not root.options:
            return None
        variants = await info.context.loaders.variants_by_product.load(root.id)
        return encode(combinations(root, (v for v in variants if v.available_for_sale)))
