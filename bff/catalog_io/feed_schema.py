"""The native catalog feed schema (``docs/catalog-feed.md``), as pydantic models, and its checks.

Field validation (types, required fields, money with at most two decimals, whole quantities) happens in
the models; the rules that span fields (unique SKUs, options that tell variants apart, compare-at above
price) in ``product_problems``. Unknown fields are kept (``extra="allow"``) so the report can list them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from bff.catalog_io.slugs import is_handle
from bff.domain.catalog import Image, Money, Product, ProductOption, ProductRecord, SelectedOption, Variant
from bff.domain.text import text_problem

Loc = tuple[str | int, ...]
CENT = Decimal("0.01")


def _show(value: object) -> str:
    return str(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else repr(value)


def _money(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("money", "must be a decimal number such as 19.99")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise PydanticCustomError("money", "{value} is not a decimal number", {"value": _show(value)}) from None
    if not amount.is_finite():
        raise PydanticCustomError("money", "{value} is not a decimal number", {"value": _show(value)})
    if amount < 0:
        raise PydanticCustomError("money", "must not be negative (got {value})", {"value": str(value)})
    if amount != amount.quantize(CENT):
        raise PydanticCustomError("money", "has more than 2 decimal places ({value})", {"value": str(value)})
    return amount.quantize(CENT)


def _quantity(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise PydanticCustomError("quantity", "must be a whole number >= 0 (got {value})", {"value": _show(value)})
    if number < 0:
        raise PydanticCustomError("quantity", "must be a whole number >= 0 (got {value})", {"value": _show(value)})
    return number


def _handle(value: str) -> str:
    if not is_handle(value):
        message = "{value} is not a handle (lower-case letters and digits joined by '-')"
        raise PydanticCustomError("handle", message, {"value": repr(value)})
    return value


def _line(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError("text", problem)
    return value


def _multiline(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise PydanticCustomError("text", problem)
    return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Amount = Annotated[Decimal, BeforeValidator(_money)]
Quantity = Annotated[int, BeforeValidator(_quantity)]
# Text a storefront shows (``bff.domain.text``): a line holds no control or formatting character, a
# description may hold tabs and line breaks.
Line = Annotated[str, AfterValidator(_line)]
Description = Annotated[str, AfterValidator(_multiline)]
Text = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_line)]
Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
Handle = Annotated[str, AfterValidator(_handle)]
Timestamp = Annotated[datetime, AfterValidator(_utc)]


class FeedModel(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, coerce_numbers_to_str=True)


class FeedImage(FeedModel):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    alt_text: Line | None = None
    width: Annotated[int, Field(gt=0)] | None = None
    height: Annotated[int, Field(gt=0)] | None = None


class FeedOption(FeedModel):
    name: Text
    values: Annotated[list[Text], Field(min_length=1)]


class FeedVariant(FeedModel):
    id: Id | None = None
    sku: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_line)]
    title: Line | None = None
    price: Amount
    compare_at_price: Amount | None = None
    quantity_available: Quantity = 0
    options: dict[str, Text] = {}
    image: FeedImage | None = None
    position: Annotated[int, Field(ge=0)] | None = None


class FeedProduct(FeedModel):
    kind: Literal["product"] = "product"
    id: Id
    handle: Handle | None = None
    title: Text
    description: Description = ""
    vendor: Line = ""
    product_type: Line = ""
    tags: list[Text] = []
    category: str | None = None
    images: list[FeedImage] = []
    options: list[FeedOption] | None = None
    variants: Annotated[list[FeedVariant], Field(min_length=1, max_length=250)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    sales_rank: Annotated[int, Field(ge=0)] = 0
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class FeedCategory(FeedModel):
    kind: Literal["category"] = "category"
    id: Id
    handle: Handle | None = None
    title: Text
    description: Description = ""
    parent: str | None = None
    image: FeedImage | None = None
    position: Annotated[int, Field(ge=0)] = 0


def option_names(product: FeedProduct) -> list[str]:
    if product.options is not None:
        return [o.name for o in product.options]
    return list(dict.fromkeys(name for v in product.variants for name in v.options))


def product_problems(product: FeedProduct) -> list[tuple[Loc, str]]:
    """Rules across fields; empty when the product is consistent."""
    problems: list[tuple[Loc, str]] = []
    names = option_names(product)
    declared = {o.name: set(o.values) for o in product.options or ()}
    if len(set(names)) != len(names):
        problems.append((("options",), "option names must be unique"))
    seen_skus: dict[str, int] = {}
    seen_combos: dict[tuple[str, ...], int] = {}
    for i, variant in enumerate(product.variants):
        if variant.sku in seen_skus:
            problems.append(
                (
                    ("variants", i, "sku"),
                    f"duplicate sku {variant.sku!r} (see variants[{seen_skus[variant.sku]}])",
                )
            )
        seen_skus.setdefault(variant.sku, i)
        if variant.compare_at_price is not None and variant.compare_at_price < variant.price:
            problems.append((("variants", i, "compare_at_price"), "must not be lower than price"))
        if set(variant.options) != set(names):
            problems.append((("variants", i, "options"), f"must name a value for each of {names}, and no other option"))
            continue
        for name, value in variant.options.items():
            if declared and value not in declared[name]:
                problems.append((("variants", i, "options", name), f"{value!r} is not one of {name}'s values"))
        combo = tuple(variant.options[n] for n in names)
        if combo in seen_combos:
            problems.append((("variants", i, "options"), f"same options as variants[{seen_combos[combo]}]"))
        seen_combos.setdefault(combo, i)
    return problems


def unknown_fields(model: BaseModel, prefix: str = "") -> list[str]:
    """Names of the fields the schema does not know, nested ones as ``variants[].weight``."""
    found = [f"{prefix}{name}" for name in model.model_extra or {}]
    for name in type(model).model_fields:
        value: Any = getattr(model, name)
        if isinstance(value, BaseModel):
            found += unknown_fields(value, f"{prefix}{name}.")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    found += unknown_fields(item, f"{prefix}{name}[].")
    return found


def to_image(image: FeedImage | None) -> Image | None:
    return None if image is None else Image(image.url, image.alt_text, image.width, image.height)


def to_record(product: FeedProduct, category_id: str | None) -> ProductRecord:
    """The domain record of a checked product; the handle is left empty for the writer to assign."""
    names = option_names(product)
    values: dict[str, list[str]] = {n: [] for n in names}
    for variant in product.variants:
        for name in names:
            if variant.options[name] not in values[name]:
                values[name].append(variant.options[name])
    options = product.options or [FeedOption(name=n, values=values[n]) for n in names]
    variants = []
    for i, v in enumerate(product.variants):
        compare_at = v.compare_at_price if v.compare_at_price and v.compare_at_price > v.price else None
        variants.append(
            Variant(
                id=v.id or v.sku,
                product_id=product.id,
                sku=v.sku,
                title=v.title or " / ".join(v.options[n] for n in names) or "Default Title",
                price=Money(v.price, product.currency),
                compare_at_price=None if compare_at is None else Money(compare_at, product.currency),
                quantity_available=v.quantity_available,
                selected_options=tuple(SelectedOption(n, v.options[n]) for n in names),
                image=to_image(v.image),
                position=i if v.position is None else v.position,
            )
        )
    domain = Product(
        id=product.id,
        handle=product.handle or "",
        title=product.title,
        description=product.description,
        vendor=product.vendor,
        product_type=product.product_type,
        tags=tuple(dict.fromkeys(product.tags)),
        category_id=category_id,
        images=tuple(i for i in map(to_image, product.images) if i is not None),
        options=tuple(ProductOption(o.name, tuple(o.values)) for o in options),
        sales_rank=product.sales_rank,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )
    return ProductRecord(domain, tuple(variants))
