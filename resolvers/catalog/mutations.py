"""``CatalogAdminMutation``: staff edits to the catalog (the ``admin`` group only)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.context import Info
from bff.domain.error_codes import ProductErrorCode
from bff.domain.product_change import UNCHANGED, ProductChange, VariantChange
from bff.services.product_update import update_product
from resolvers.catalog.types import Product
from resolvers.permissions import IsAdmin
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    ProductUserErrorCode = ProductErrorCode
else:
    ProductUserErrorCode = error_code_enum(
        ProductErrorCode, "ProductUserErrorCode", "Why a product change was refused."
    )


@strawberry.input(description="New values for one variant; fields left out keep their value.")
class ProductVariantUpdateInput:
    id: strawberry.ID = strawberry.field(description="Global id of the variant (it must belong to the product).")
    price: Decimal | None = strawberry.field(default=None, description="New price, in the variant's currency.")
    compare_at_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="New former price; null removes it."
    )
    quantity_available: int | None = strawberry.field(
        default=None,
        description="Units on hand now; units orders reserved are kept apart (`quantityAvailable` reads on hand "
        "minus reserved).",
    )


@strawberry.input(description="Changes to one product and its variants; fields left out keep their value.")
class ProductUpdateInput:
    id: strawberry.ID = strawberry.field(description="Global id of the product.")
    title: str | None = strawberry.field(default=None, description="New display name.")
    variants: list[ProductVariantUpdateInput] | None = strawberry.field(
        default=None, description="Variants to change (at most 250); variants not listed are left as they are."
    )


@strawberry.type(description="Why part of a product change was refused; nothing was written.")
class ProductUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for the person who made the change.")
    code: ProductUserErrorCode = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="The result of `productUpdate`.")
class ProductUpdatePayload:
    product: Product | None = strawberry.field(description="The product as changed; null when refused.")
    user_errors: list[ProductUserError] = strawberry.field(description="Why the change was refused, if it was.")


def _change(input: ProductUpdateInput) -> ProductChange:
    return ProductChange(
        global_id=input.id,
        title=input.title,
        variants=tuple(
            VariantChange(
                global_id=v.id,
                price=v.price,
                compare_at_price=UNCHANGED if v.compare_at_price is strawberry.UNSET else v.compare_at_price,
                quantity_available=v.quantity_available,
            )
            for v in input.variants or ()
        ),
    )


@strawberry.type
class CatalogAdminMutation:
    @strawberry.mutation(
        description="Change a product's title and its variants' prices and stock (the `admin` group only).",
        permission_classes=[IsAdmin],
    )
    async def product_update(
        self,
        info: Info,
        input: Annotated[ProductUpdateInput, strawberry.argument(description="What to change.")],
    ) -> ProductUpdatePayload | None:
        ctx = info.context
        key, problems = await update_product(ctx.backends.catalog, _change(input))
        if key is None:
            errors = [
                ProductUserError(field=list(p.field), message=p.message, code=ProductErrorCode[p.code.name])
                for p in problems
            ]
            return ProductUpdatePayload(product=None, user_errors=errors)
        # This request's loaders may hold the product as it was.
        for loader in (ctx.loaders.product_by_id, ctx.loaders.product_by_handle, ctx.loaders.variants_by_product):
            loader.clear_all()
        ctx.loaders.variant_by_id.clear_all()
        product = await ctx.loaders.product_by_id.load(key)
        return ProductUpdatePayload(product=product, user_errors=[])  # type: ignore[arg-type]
