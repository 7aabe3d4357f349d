"""Cart rules: limits, error and warning codes, and each change applied to a cart. Pure: the services
(``bff.services.cart_edit``) read and write the store.

A change either applies whole or answers ``Problem``s and changes nothing. Stock is not a problem: asking for
more than is available clamps the line and answers a ``Notice`` (Shopify's cart warnings since 2024-10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bff.domain.cart import Attribute, Cart, CartLine
from bff.domain.catalog import Variant
from bff.domain.error_codes import ErrorCode, Problem
from bff.errors import BadUserInput
from bff.ids import from_global_id, to_global_id


class CartErrorCode(ErrorCode):
    INVALID = "INVALID", "The input value is invalid: an unknown or expired cart, an unknown line, a bad value."
    LESS_THAN = "LESS_THAN", "The quantity must be at least 1 (0 removes a line in `cartLinesUpdate`)."
    INVALID_MERCHANDISE_LINE = "INVALID_MERCHANDISE_LINE", "The merchandise id names no product variant."
    MAXIMUM_EXCEEDED = "MAXIMUM_EXCEEDED", "The line's quantity is over the most one line may hold."
    CART_TOO_LARGE = "CART_TOO_LARGE", "The cart would hold more lines than a cart may."
    NOTE_TOO_LONG = "NOTE_TOO_LONG", "The note is longer than a cart's note may be."
    TOO_MANY_ATTRIBUTES = "TOO_MANY_ATTRIBUTES", "More attributes, or longer ones, than a cart or line may hold."
    TOO_MANY_DISCOUNT_CODES = "TOO_MANY_DISCOUNT_CODES", "More discount codes than a cart may hold."
    CONFLICT = "CONFLICT", "Other changes to the cart kept coming first; nothing was written. Try again."


class CartWarningCode(ErrorCode):
    MERCHANDISE_NOT_ENOUGH_STOCK = (
        "MERCHANDISE_NOT_ENOUGH_STOCK",
        "The merchandise does not have enough stock: the line holds what is available.",
    )
    MERCHANDISE_OUT_OF_STOCK = "MERCHANDISE_OUT_OF_STOCK", "The merchandise is out of stock: it was not added."
    MERCHANDISE_PRICE_CHANGED = (
        "MERCHANDISE_PRICE_CHANGED",
        "The merchandise's price changed since it was added to the cart; the cart shows today's price.",
    )


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning: the change was made, with an automatic adjustment; ``target`` is the line's (or the
    variant's) global id."""

    code: CartWarningCode
    message: str
    target: str


@dataclass(frozen=True, slots=True)
class CartLimits:
    max_line_quantity: int = 999
    max_lines: int = 250
    max_note_length: int = 2_000
    max_attributes: int = 250
    max_attribute_chars: int = 1_000
    max_discount_codes: int = 10


@dataclass(frozen=True, slots=True)
class LineAdd:
    merchandise_id: str  # a ProductVariant global id
    quantity: int = 1
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True, slots=True)
class LineUpdate:
    id: str  # a CartLine global id
    quantity: int | None = None
    merchandise_id: str | None = None
    attributes: tuple[Attribute, ...] | None = None


def line_global_id(line: CartLine) -> str:
    return to_global_id("CartLine", line.id)


def variant_key(global_id: str) -> str | None:
    try:
        return from_global_id(global_id, "ProductVariant")[1]
    except BadUserInput:
        return None


def line_key(global_id: str) -> str | None:
    try:
        return from_global_id(global_id, "CartLine")[1]
    except BadUserInput:
        return None


def attribute_problems(attributes: Sequence[Attribute], field: tuple[str, ...], limits: CartLimits) -> list[Problem]:
    too_long = any(len(a.key) + len(a.value) > limits.max_attribute_chars or not a.key for a in attributes)
    if len(attributes) > limits.max_attributes or too_long:
        most, chars = limits.max_attributes, limits.max_attribute_chars
        message = f"at most {most} attributes, each a key and a value of at most {chars} characters in all"
        return [Problem(field, message, CartErrorCode.TOO_MANY_ATTRIBUTES)]
    return []


def quantity_problem(quantity: int, field: tuple[str, ...], limits: CartLimits, minimum: int) -> Problem | None:
    if quantity < minimum:
        return Problem(field, f"must be at least {minimum}", CartErrorCode.LESS_THAN)
    if quantity > limits.max_line_quantity:
        message = f"at most {limits.max_line_quantity} per line"
        return Problem(field, message, CartErrorCode.MAXIMUM_EXCEEDED)
    return None


def check_adds(adds: Sequence[LineAdd], limits: CartLimits, field: str = "lines") -> list[Problem]:
    """What is wrong with the lines to add on their own (ids, quantities, attributes)."""
    problems: list[Problem] = []
    if len(adds) > limits.max_lines:
        return [Problem((field,), f"at most {limits.max_lines} lines", CartErrorCode.CART_TOO_LARGE)]
    for index, add in enumerate(adds):
        base = (field, str(index))
        if variant_key(add.merchandise_id) is None:
            message = "is not a product variant id"
            problems.append(Problem((*base, "merchandiseId"), message, CartErrorCode.INVALID_MERCHANDISE_LINE))
        problem = quantity_problem(add.quantity, (*base, "quantity"), limits, 1)
        if problem:
            problems.append(problem)
        problems += attribute_problems(add.attributes, (*base, "attributes"), limits)
    return problems


def unknown_variants(
    ids: Sequence[tuple[tuple[str, ...], str]], variants: Mapping[str, Variant | None]
) -> list[Problem]:
    """A problem for each (field, variant key) whose variant does not exist."""
    message = "no product variant has this id"
    return [Problem(f, message, CartErrorCode.INVALID_MERCHANDISE_LINE) for f, key in ids if variants.get(key) is None]


def _clamped(line: CartLine, variant: Variant, notices: list[Notice]) -> CartLine | None:
    """``line`` holding at most what ``variant`` has in stock; None when nothing is."""
    available = variant.quantity_available
    if available <= 0:
        message = f"{variant.title or 'this variant'} is out of stock"
        notices.append(
            Notice(CartWarningCode.MERCHANDISE_OUT_OF_STOCK, message, to_global_id("ProductVariant", variant.id))
        )
        return None
    if line.quantity > available:
        message = f"only {available} available: the line holds {available}"
        notices.append(Notice(CartWarningCode.MERCHANDISE_NOT_ENOUGH_STOCK, message, line_global_id(line)))
        return replace(line, quantity=available)
    return line


def add_lines(
    cart: Cart,
    adds: Sequence[LineAdd],
    variants: Mapping[str, Variant | None],
    limits: CartLimits,
    new_line_id: Callable[[], str],
) -> tuple[Cart, list[Problem], list[Notice]]:
    """``cart`` with ``adds`` added (a variant already on a line with the same attributes adds to it)."""
    lines = list(cart.lines)
    touched: set[int] = set()
    problems: list[Problem] = []
    for index, add in enumerate(adds):
        key = variant_key(add.merchandise_id)
        variant = variants.get(key) if key else None
        if variant is None:
            field = ("lines", str(index), "merchandiseId")
            problems.append(Problem(field, "no product variant has this id", CartErrorCode.INVALID_MERCHANDISE_LINE))
            continue
        at = next((i for i, ln in enumerate(lines) if ln.variant_id == key and ln.attributes == add.attributes), None)
        if at is None:
            lines.append(CartLine(new_line_id(), variant.id, add.quantity, add.attributes, variant.price))
            at = len(lines) - 1
        else:
            lines[at] = replace(lines[at], quantity=lines[at].quantity + add.quantity, price_at_add=variant.price)
        problem = quantity_problem(lines[at].quantity, ("lines", str(index), "quantity"), limits, 1)
        if problem:
            problems.append(problem)
        touched.add(at)
    if len(lines) > limits.max_lines:
        message = f"a cart holds at most {limits.max_lines} lines"
        problems.append(Problem(("lines",), message, CartErrorCode.CART_TOO_LARGE))
    if problems:
        return cart, problems, []
    return _with_stock(cart, lines, touched, variants)


def _with_stock(
    cart: Cart, lines: list[CartLine], touched: set[int], variants: Mapping[str, Variant | None]
) -> tuple[Cart, list[Problem], list[Notice]]:
    notices: list[Notice] = []
    kept: list[CartLine] = []
    for index, line in enumerate(lines):
        variant = variants.get(line.variant_id)
        if index in touched and variant is not None:
            clamped = _clamped(line, variant, notices)
            if clamped is not None:
                kept.append(clamped)
        else:
            kept.append(line)
    return replace(cart, lines=tuple(kept)), [], notices


def update_lines(
    cart: Cart, updates: Sequence[LineUpdate], variants: Mapping[str, Variant | None], limits: CartLimits
) -> tuple[Cart, list[Problem], list[Notice]]:
    """``cart`` with each named line's quantity, merchandise or attributes set; quantity 0 removes the line."""
    lines = list(cart.lines)
    positions = {line.id: i for i, line in enumerate(lines)}
    touched: set[int] = set()
    removed: set[int] = set()
    problems: list[Problem] = []
    for index, update in enumerate(updates):
        base = ("lines", str(index))
        at = positions.get(line_key(update.id) or "")
        if at is None:
            problems.append(Problem((*base, "id"), "the cart has no line with this id", CartErrorCode.INVALID))
            continue
        line = lines[at]
        if update.merchandise_id is not None:
            key = variant_key(update.merchandise_id)
            variant = variants.get(key) if key else None
            if variant is None:
                message = "no product variant has this id"
                problems.append(Problem((*base, "merchandiseId"), message, CartErrorCode.INVALID_MERCHANDISE_LINE))
                continue
            line = replace(line, variant_id=variant.id, price_at_add=variant.price)
        if update.attributes is not None:
            problems += attribute_problems(update.attributes, (*base, "attributes"), limits)
            line = replace(line, attributes=update.attributes)
        if update.quantity is not None:
            problem = quantity_problem(update.quantity, (*base, "quantity"), limits, 0)
            if problem:
                problems.append(problem)
                continue
            variant = variants.get(line.variant_id)
            line = replace(line, quantity=update.quantity, price_at_add=variant.price if variant else line.price_at_add)
            if update.quantity == 0:
                removed.add(at)
        lines[at] = line
        touched.add(at)
    if problems:
        return cart, problems, []
    kept = [line for i, line in enumerate(lines) if i not in removed]
    kept_touched = {kept.index(lines[i]) for i in touched if i not in removed}
    return _with_stock(cart, kept, kept_touched, variants)


def remove_lines(cart: Cart, line_ids: Sequence[str]) -> tuple[Cart, list[Problem]]:
    keys = [line_key(gid) for gid in line_ids]
    present = {line.id for line in cart.lines}
    problems = [
        Problem(("lineIds", str(i)), "the cart has no line with this id", CartErrorCode.INVALID)
        for i, key in enumerate(keys)
        if key not in present
    ]
    if problems:
        return cart, problems
    gone = set(keys)
    return replace(cart, lines=tuple(line for line in cart.lines if line.id not in gone)), []


def set_note(cart: Cart, note: str, limits: CartLimits) -> tuple[Cart, list[Problem]]:
    if len(note) > limits.max_note_length:
        message = f"at most {limits.max_note_length} characters"
        return cart, [Problem(("note",), message, CartErrorCode.NOTE_TOO_LONG)]
    return replace(cart, note=note), []


def set_attributes(cart: Cart, attributes: Sequence[Attribute], limits: CartLimits) -> tuple[Cart, list[Problem]]:
    problems = attribute_problems(attributes, ("attributes",), limits)
    # A key given twice keeps its last value, as Shopify does.
    unique = tuple({a.key: a for a in attributes}.values())
    return (cart, problems) if problems else (replace(cart, attributes=unique), [])


def normalized_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Codes as the cart keeps them: trimmed, blank ones dropped, each once (matched case-insensitively)."""
    seen: dict[str, str] = {}
    for code in codes:
        trimmed = code.strip()
        if trimmed:
            seen.setdefault(trimmed.casefold(), trimmed)
    return tuple(seen.values())


def set_discount_codes(cart: Cart, codes: Sequence[str], limits: CartLimits) -> tuple[Cart, list[Problem]]:
    normalized = normalized_codes(codes)
    if len(normalized) > limits.max_discount_codes or any(len(c) > 255 for c in normalized):
        message = f"at most {limits.max_discount_codes} codes of 255 characters"
        return cart, [Problem(("discountCodes",), message, CartErrorCode.TOO_MANY_DISCOUNT_CODES)]
    return replace(cart, discount_codes=normalized), []
