"""The hosted checkout's form: what it posts, read into the same ``CheckoutInput`` ``checkoutComplete`` takes.

The body is ``application/x-www-form-urlencoded`` (a plain HTML form, no JavaScript), at most
``MAX_FORM_BYTES`` in at most ``MAX_FIELDS`` fields; a field given twice keeps its first value; each value
is cut at ``MAX_VALUE`` characters before the checkout's own checks (``bff.domain.checkout.input_problems``)
see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from bff.domain.checkout import DELIVERY_METHODS, CheckoutInput
from bff.domain.error_codes import Problem
from bff.domain.orders import Address

MAX_FORM_BYTES = 16 * 1024
MAX_VALUE = 300
MAX_FIELDS = 64
# The sandbox payment provider's tokens the page offers (docs/orders.md): a card that pays, one that is declined.
PAYMENT_CHOICES: dict[str, str] = {
    "tok_sandbox_approve": "Sandbox card that is approved",
    "tok_sandbox_decline": "Sandbox card that is declined",
}
ADDRESS_FIELDS = ("first_name", "last_name", "address1", "address2", "city", "province", "zip", "country_code")
_CAMEL = {"firstName": "first_name", "lastName": "last_name", "countryCode": "country_code"}


class FormTooLarge(Exception):
    """The posted form is over ``MAX_FORM_BYTES`` or ``MAX_FIELDS``."""


@dataclass(slots=True)
class CheckoutForm:
    """What the shopper entered (echoed back when the checkout refuses it) and the form's hidden fields."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: bytes) -> CheckoutForm:
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
        try:
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:  # more fields than any form of the page has
            raise FormTooLarge from None
        values: dict[str, str] = {}
        for name, value in fields:
            values.setdefault(name, value[:MAX_VALUE])
        return cls(values)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def address(self) -> Address:
        v = {name: self.get(name).strip() for name in ADDRESS_FIELDS}
        return Address(
            first_name=v["first_name"],
            last_name=v["last_name"],
            address1=v["address1"],
            address2=v["address2"],
            city=v["city"],
            province=v["province"],
            zip=v["zip"],
            country_code=v["country_code"].upper(),
            phone=self.get("phone").strip(),
        )

    def checkout_input(self, cart_gid: str) -> CheckoutInput:
        """The checkout as ``checkoutComplete`` takes it; the billing address is the shipping address."""
        address = self.address()
        return CheckoutInput(
            cart_id=cart_gid,
            idempotency_key=self.get("idempotency_key"),
            email=self.get("email").strip(),
            shipping_address=address,
            billing_address=address,
            delivery_method=self.get("delivery_method"),
            payment_token=self.get("payment_token"),
        )


def field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """The problems' messages under the form field each concerns (``email``, ``zip``, ``payment_token``...);
    those of no field of the form (the cart's lines, stock) under ``""``. The billing address is the shipping
    address: its problems are said once."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        path = problem.field
        name = path[-1] if len(path) > 1 else ""
        if (len(path) > 2 and path[1] == "cartId") or name in ("cartId", "idempotencyKey"):
            name = ""
        else:
            name = {"deliveryMethod": "delivery_method", "paymentToken": "payment_token"}.get(name, name)
            name = _CAMEL.get(name, name)
        messages = errors.setdefault(name, [])
        if problem.message not in messages:
            messages.append(problem.message)
    return errors


def delivery_choices() -> list[tuple[str, str]]:
    labels = {"STANDARD": "Standard delivery", "EXPRESS": "Express delivery", "PICKUP": "Pick up in store"}
    return [(method, labels.get(method, method.title())) for method in DELIVERY_METHODS]
