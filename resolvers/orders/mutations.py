"""``OrderMutation``: ``orderCancel`` (and ``checkoutComplete``, ``resolvers.orders.checkout``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.context import Info
from bff.domain.error_codes import OrderErrorCode, Problem
from bff.errors import BadUserInput
from bff.ids import from_global_id
from bff.services.order_cancel import cancel_order, review_order
from resolvers.orders.types import Order
from resolvers.permissions import IsAdmin
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    OrderUserErrorCode = OrderErrorCode
else:
    OrderUserErrorCode = error_code_enum(OrderErrorCode, "OrderUserErrorCode", "Why an order change was refused.")


@strawberry.type(description="Why an order change was refused; nothing was changed.")
class OrderUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for the buyer.")
    code: OrderUserErrorCode = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="The result of `orderCancel`.")
class OrderCancelPayload:
    order: Order | None = strawberry.field(description="The order as cancelled; null when refused.")
    user_errors: list[OrderUserError] = strawberry.field(description="Why the cancel was refused, if it was.")


def _error(problem: Problem) -> OrderUserError:
    return OrderUserError(field=list(problem.field), message=problem.message, code=OrderErrorCode[problem.code.name])


@strawberry.type(description="The result of `orderReview`.")
class OrderReviewPayload:
    order: Order | None = strawberry.field(
        description="The order as it was reviewed (still ON_HOLD: the workflow moves it on); null when refused."
    )
    user_errors: list[OrderUserError] = strawberry.field(description="Why the review was refused, if it was.")


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description=(
            "Cancel an order that is not fulfilled yet: its stock is released and an authorised payment voided. "
            "The buyer's own order (an admin's: any)."
        )
    )
    async def order_cancel(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the order.")]
    ) -> OrderCancelPayload:
        try:
            _, key = from_global_id(id, "Order")
        except BadUserInput as error:
            problem = Problem(("id",), error.message, OrderErrorCode.INVALID_ID)
            return OrderCancelPayload(order=None, user_errors=[_error(problem)])
        result = await cancel_order(info.context.backends.orders, info.context.user, key)
        if isinstance(result, Problem):
            return OrderCancelPayload(order=None, user_errors=[_error(result)])
        return OrderCancelPayload(order=result, user_errors=[])  # type: ignore[arg-type]

    @strawberry.mutation(
        description=(
            "Decide on an order held for risk review (the `admin` group only): approved, it goes on to payment; "
            "denied, it is cancelled and its stock released. The workflow does it asynchronously."
        ),
        permission_classes=[IsAdmin],
    )
    async def order_review(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the order.")],
        approve: Annotated[bool, strawberry.argument(description="True to approve, false to deny.")],
    ) -> OrderReviewPayload:
        try:
            _, key = from_global_id(id, "Order")
        except BadUserInput as error:
            problem = Problem(("id",), error.message, OrderErrorCode.INVALID_ID)
            return OrderReviewPayload(order=None, user_errors=[_error(problem)])
        result = await review_order(info.context.backends.orders, key, approve)
        if isinstance(result, Problem):
            return OrderReviewPayload(order=None, user_errors=[_error(result)])
        return OrderReviewPayload(order=result, user_errors=[])  # type: ignore[arg-type]
