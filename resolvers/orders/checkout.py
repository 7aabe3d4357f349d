"""``checkoutComplete``: a cart becomes an order at once (PENDING, stock reserved); the rest runs in the
workflow (``docs/orders.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from bff import privacy
from bff.context import Context, Info
from bff.domain.checkout import CheckoutInput
from bff.domain.error_codes import CheckoutErrorCode, Problem
from bff.domain.orders import Address
from bff.services.cart_discounts import discounts_for
from bff.services.checkout import Checkout
from resolvers.orders.types import Order
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    CheckoutUserErrorCode = CheckoutErrorCode
else:
    CheckoutUserErrorCode = error_code_enum(
        CheckoutErrorCode, "CheckoutUserErrorCode", "Why a checkout was refused (nothing was reserved or charged)."
    )


@strawberry.input(description="A postal address.")
class MailingAddressInput:
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    address1: str = strawberry.field(description="Street and number.")
    city: str = strawberry.field(description="City.")
    zip: str = strawberry.field(description="Postal code.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. `GB`.")
    address2: str = strawberry.field(default="", description="Apartment, suite, etc.")
    province: str = strawberry.field(default="", description="Province, state or region.")
    phone: str = strawberry.field(default="", description="Phone number for the carrier.")

    def domain(self) -> Address:
        return Address(
            first_name=self.first_name,
            last_name=self.last_name,
            address1=self.address1,
            address2=self.address2,
            city=self.city,
            province=self.province,
            zip=self.zip,
            country_code=self.country_code,
            phone=self.phone,
        )


@strawberry.input(description="Everything checkout needs besides the cart's lines.")
class CheckoutCompleteInput:
    cart_id: strawberry.ID = strawberry.field(description="Global id of the cart to check out.")
    idempotency_key: str = strawberry.field(
        description="A key the client makes per checkout (a UUID): sending it again answers the same order."
    )
    email: str = strawberry.field(description="Where order messages go.")
    shipping_address: MailingAddressInput = strawberry.field(description="Where to deliver.")
    billing_address: MailingAddressInput = strawberry.field(description="The payment method's address.")
    delivery_method: str = strawberry.field(description="`STANDARD`, `EXPRESS` or `PICKUP`.")
    payment_token: str = strawberry.field(
        description="The payment provider's token for the payment method (card data never comes here)."
    )


@strawberry.type(description="Why a checkout was refused; nothing was reserved or charged.")
class CheckoutUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for the buyer.")
    code: CheckoutUserErrorCode = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="Something the buyer should know that did not stop the checkout.")
class CheckoutWarning:
    message: str = strawberry.field(description="What happened, e.g. a price that changed since the line was added.")


@strawberry.type(description="The result of `checkoutComplete`.")
class CheckoutCompletePayload:
    order: Order | None = strawberry.field(
        description="The order, PENDING at first: payment and fulfilment follow (`orderStatusChanged`)."
    )
    user_errors: list[CheckoutUserError] = strawberry.field(description="Why the checkout was refused, if it was.")
    warnings: list[CheckoutWarning] = strawberry.field(description="Notes that did not stop the checkout.")


def checkout_for(ctx: Context) -> Checkout:
    backends = ctx.backends
    loaders = ctx.loaders
    discounts = discounts_for(backends.discounts, loaders.product_by_id.load_many, loaders.category_by_id.load_many)
    return Checkout(
        backends.carts,
        backends.orders,
        backends.catalog,
        backends.discounts,
        loaders.variant_by_id.load_many,
        discounts,
    )


def _error(problem: Problem) -> CheckoutUserError:
    return CheckoutUserError(
        field=list(problem.field), message=problem.message, code=CheckoutErrorCode[problem.code.name]
    )


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(
        description=(
            "Turn a cart into an order at once: written PENDING with today's prices and the cart's discounts, "
            "its stock reserved, the cart converted, the idempotency key claimed; risk screening, payment and "
            "fulfilment follow asynchronously."
        )
    )
    async def checkout_complete(
        self,
        info: Info,
        input: Annotated[CheckoutCompleteInput, strawberry.argument(description="The cart and how to pay and ship.")],
    ) -> CheckoutCompletePayload:
        privacy.mark_private()
        ctx = info.context
        data = CheckoutInput(
            cart_id=str(input.cart_id),
            idempotency_key=input.idempotency_key,
            email=input.email.strip(),
            shipping_address=input.shipping_address.domain(),
            billing_address=input.billing_address.domain(),
            delivery_method=input.delivery_method,
            payment_token=input.payment_token,
        )
        result = await checkout_for(ctx).complete(ctx.user, data, ctx.client_address)
        return CheckoutCompletePayload(
            order=result.order,  # type: ignore[arg-type]
            user_errors=[_error(p) for p in result.problems],
            warnings=[CheckoutWarning(message=w) for w in result.warnings],
        )
