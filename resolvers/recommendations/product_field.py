"""``Product.recommendations``, added to the catalog's ``Product`` by the schema (``resolvers.schema``).

The catalog domain knows nothing of recommendations (``.importlinter``): this domain contributes the field,
and the schema, which composes every domain, attaches it before the schema is built.
"""

from __future__ import annotations

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from resolvers.recommendations.queries import COST, product_recommendations

FIELD_NAME = "recommendations"


def extend_product(product_type: type) -> None:
    """Add ``recommendations(intent, first, sessionId)`` to ``product_type`` (once)."""
    definition = get_object_definition(product_type, strict=True)
    if any(f.python_name == FIELD_NAME for f in definition.fields):
        return
    field: StrawberryField = strawberry.field(  # type: ignore[assignment]
        resolver=product_recommendations,
        description=(
            "Products recommended from this one (RELATED by default): a fallback serves when the recommender "
            "cannot; null with an error only when the catalog itself is unavailable."
        ),
        metadata=COST,
    )
    field.python_name = FIELD_NAME
    field.origin = product_type
    definition.fields.append(field)
