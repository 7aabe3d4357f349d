"""The parts of a product page that Shopify's Storefront API shapes: options with ids, SEO, the HTML
description, the image connection, and variant matching by selected options.

Each is built from the product the page already holds: none of them calls a backend.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Sequence
from typing import Annotated

import nh3
import strawberry

from bff.context import Context, Info
from bff.domain import catalog as domain
from bff.field_cost import loaded_with_parent
from bff.ids import to_global_id
from resolvers.catalog.connections import VariantRef
from resolvers.catalog.inputs import SelectedOptionInput
from resolvers.common import SEO, Image, Money, accepts_instances, image_id
from resolvers.connection import Connection, known_count
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request, slice_list

# The most items a connection over a product's own list pages at once: Shopify's bound, and the catalog
# feed's for variants (`variants(first: 250)` is what storefronts ask for).
MAX_PRODUCT_PAGE = 250
SEO_DESCRIPTION_CHARS = 160
# What a description may keep as markup: text formatting, lists, links, headings; never scripts, styles,
# frames, forms or event attributes (nh3's allow-list sanitizer, ammonia underneath).
HTML_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "span"}
HTML_ATTRIBUTES = {"a": {"href", "title"}}
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>")
_PARAGRAPHS = re.compile(r"\n\s*\n")

ImageConnection = Connection[Image]

# A product's variants and images come with the product (one batched read for a whole page of products).
LOADED_WITH_PRODUCT = loaded_with_parent()
SelectedOptionsArg = Annotated[
    list[SelectedOptionInput], strawberry.argument(description="One value for each of the product's options.")
]
IgnoreUnknownArg = Annotated[
    bool, strawberry.argument(description="Leave out options the product does not have before matching.")
]
CaseInsensitiveArg = Annotated[
    bool, strawberry.argument(description="Accepted for compatibility: names and values always match ignoring case.")
]


@strawberry.type(description="The value a variant has for one option.")
class SelectedOption:
    name: str = strawberry.field(description="Option name.")
    value: str = strawberry.field(description="Option value.")

    is_type_of = accepts_instances(domain.SelectedOption)


@strawberry.type(description="Lowest and highest price over a product's variants.")
class ProductPriceRange:
    min_variant_price: Money = strawberry.field(description="Lowest variant price.")
    max_variant_price: Money = strawberry.field(description="Highest variant price.")


@strawberry.type(description="One value a product option offers. (Shopify Storefront API)")
class ProductOptionValue:
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque id of the value.")
    name: str = strawberry.field(description="The value, e.g. `M`.")
    product_id: strawberry.Private[str]
    option: strawberry.Private[str]

    @strawberry.field(
        description=(
            "The first variant with this value that can be bought, else the first with it; null when no "
            "variant has it (its product's variants, read in one batch for the page)."
        )
    )
    async def first_selectable_variant(self, info: Info) -> VariantRef | None:
        variants = await info.context.loaders.variants_by_product.load(self.product_id)
        having = [
            v for v in variants if any(o.name == self.option and o.value == self.name for o in v.selected_options)
        ]
        chosen = next((v for v in having if v.available_for_sale), having[0] if having else None)
        return chosen  # type: ignore[return-value]


@strawberry.type(description="A product option and the values it offers, e.g. `Size`: `S`, `M`, `L`.")
class ProductOption:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque id of this product's option. (Shopify Storefront API)"
    )
    name: str = strawberry.field(description="Option name.")
    values: list[str] = strawberry.field(description="Values in display order.")
    option_values: list[ProductOptionValue] = strawberry.field(
        description="Values in display order, with their ids. (Shopify Storefront API)"
    )


@strawberry.enum(description="Orders a product's images; `reverse: true` flips it. (Shopify Storefront API)")
class ProductImageSortKeys(enum.Enum):
    POSITION = strawberry.enum_value("POSITION", description="In display order (the first is featured).")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="In display order (images carry no dates).")
    ID = strawberry.enum_value("ID", description="By image id.")
    RELEVANCE = strawberry.enum_value("RELEVANCE", description="In display order.")


ImageSortArg = Annotated[ProductImageSortKeys, strawberry.argument(description="Order of the images.")]


def options(product: domain.Product) -> list[ProductOption]:
    pid = product.id
    return [
        ProductOption(
            id=strawberry.ID(to_global_id("ProductOption", f"{pid}/{o.name}")),
            name=o.name,
            values=list(o.values),
            option_values=[
                ProductOptionValue(
                    id=strawberry.ID(to_global_id("ProductOptionValue", f"{pid}/{o.name}/{v}")),
                    name=v,
                    product_id=pid,
                    option=o.name,
                )
                for v in o.values
            ],
        )
        for o in product.options
    ]


def seo(product: domain.Product) -> SEO:
    text = " ".join(product.description.split())
    if len(text) > SEO_DESCRIPTION_CHARS:
        text = text[: SEO_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return SEO(title=product.title, description=text or None)


def description_html(description: str) -> str:
    """The description as HTML: markup a feed brought (a Shopify export's body) kept through the sanitizer's
    allow-list; plain text escaped, blank lines as paragraphs and line breaks as ``<br>``."""
    if not description.strip():
        return ""
    if _MARKUP.search(description):
        markup = description
    else:
        paragraphs = (p.strip() for p in _PARAGRAPHS.split(description))
        markup = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p)
    return nh3.clean(markup, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, link_rel="noopener noreferrer nofollow")


def image_connection(
    ctx: Context, product: domain.Product, args: ConnectionArgs, sort_key: ProductImageSortKeys, reverse: bool
) -> ImageConnection:
    images = list(product.images)
    keys = [image.url for image in images]
    if sort_key is ProductImageSortKeys.ID:
        order = sorted(range(len(images)), key=lambda i: image_id(images[i]))
        images, keys = [images[i] for i in order], [keys[i] for i in order]
    if reverse:
        images.reverse()
        keys.reverse()
    listing = f"images:{product.id}:{sort_key.value}:{int(reverse)}"
    page = slice_list(ctx, images, keys, args, listing, MAX_PRODUCT_PAGE)
    request = page_request(ctx, args, listing, MAX_PRODUCT_PAGE)
    edges, page_info = edges_and_page_info(ctx, page, request, listing)
    return Connection(edges=edges, page_info=page_info, count=known_count(len(images)))  # type: ignore[arg-type]


def matching_variant(
    product: domain.Product,
    variants: Sequence[domain.Variant],
    selected: list[SelectedOptionInput],
    ignore_unknown_options: bool,
) -> domain.Variant | None:
    """The variant with exactly these option values (names and values matched case-insensitively); with
    ``ignore_unknown_options``, options the product does not have are left out first."""
    wanted = {(o.name.casefold(), o.value.casefold()) for o in selected}
    if ignore_unknown_options:
        names = {o.name.casefold() for o in product.options} or {
            o.name.casefold() for v in variants for o in v.selected_options
        }
        wanted = {pair for pair in wanted if pair[0] in names}
    for variant in variants:
        if {(o.name.casefold(), o.value.casefold()) for o in variant.selected_options} == wanted:
            return variant
    return None


def adjacent_variants(
    product: domain.Product,
    variants: Sequence[domain.Variant],
    selected: list[SelectedOptionInput] | None,
    ignore_unknown_options: bool,
) -> list[domain.Variant]:
    """The variants whose option values differ from the selection in exactly one option (the selection:
    the given options, else the first variant for sale's, else the first variant's)."""
    if selected:
        wanted = {o.name.casefold(): o.value.casefold() for o in selected}
        if ignore_unknown_options:
            names = {o.name.casefold() for o in product.options}
            wanted = {k: v for k, v in wanted.items() if k in names}
    else:
        base = next((v for v in variants if v.available_for_sale), variants[0] if variants else None)
        if base is None:
            return []
        wanted = {o.name.casefold(): o.value.casefold() for o in base.selected_options}
    adjacent = []
    for variant in variants:
        own = {o.name.casefold(): o.value.casefold() for o in variant.selected_options}
        if own.keys() == wanted.keys() and sum(own[k] != wanted[k] for k in own) == 1:
            adjacent.append(variant)
    return adjacent
