"""How a GraphQL field declares its own cost, for the fields the default rule would count wrong.

Resolvers import this (``bff.graphql.cost`` reads it) so a field's cost sits beside its definition::

    @strawberry.field(description="...", metadata=cost(size_arguments=("limit",), sized_fields=("products",)))

The rule itself, and what every field costs when it declares nothing, is in ``bff.graphql.cost``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Arguments that bound a list by convention: a page size, a limit, or a list of ids (its length).
SIZE_ARGUMENTS = ("first", "last", "limit", "ids")


@dataclass(frozen=True, slots=True)
class Cost:
    """How a field counts toward a document's cost (strawberry field metadata ``{"cost": Cost(...)}``).

    - ``weight``: what the field itself costs (default: 0 scalar/enum, 1 object, 2 connection);
    - ``size_arguments``: arguments whose value bounds how many items it returns (an int, or a list's length);
      the first one given wins;
    - ``assumed_size``: the bound when none of them is given;
    - ``sized_fields``: when the field returns one object holding the lists (a connection holds ``edges`` and
      ``nodes``), the child fields the bound applies to; otherwise it applies to the field's own list;
    - ``loaded_with_parent``: a connection over a list its parent already holds (a product's variants and
      images come in the product's read): its page costs no backend call, so it counts one item, not its page
      size, as long as its items reach no further sized list and stay cheap (``bff.graphql.cost``).
    """

    weight: int | None = None
    size_arguments: tuple[str, ...] = SIZE_ARGUMENTS
    assumed_size: int | None = None
    sized_fields: tuple[str, ...] = ()
    loaded_with_parent: bool = False


def cost(
    weight: int | None = None,
    *,
    size_arguments: tuple[str, ...] = SIZE_ARGUMENTS,
    assumed_size: int | None = None,
    sized_fields: tuple[str, ...] = (),
) -> dict[str, Cost]:
    """The ``metadata`` argument of ``strawberry.field`` that declares a field's cost rule."""
    return {"cost": Cost(weight, size_arguments, assumed_size, sized_fields)}


def loaded_with_parent() -> dict[str, Cost]:
    """The ``metadata`` of a connection over a list its parent already holds (see ``Cost``)."""
    return {"cost": Cost(sized_fields=("edges", "nodes"), loaded_with_parent=True)}
