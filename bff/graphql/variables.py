"""The variables a request may send: only those its operation declares.

graphql-core ignores a variable the operation does not declare, so an undeclared one changed nothing but
the response cache's key: one public GET with an ever-changing ``{"junk": n}`` stored a new copy of the same
large answer each time. Such a request is the client's mistake and is refused as ``BAD_USER_INPUT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode

NAMES_SHOWN = 5
NAME_CHARS = 64


def chosen_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs: the one named, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == operation_name), None)


def undeclared_variables(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> list[str]:
    """Names in ``variables`` that the chosen operation does not declare."""
    if not variables:
        return []
    operation = chosen_operation(document, operation_name)
    definitions = operation.variable_definitions if operation is not None else None
    declared = {d.variable.name.value for d in definitions or ()}  # (None for a `{ ... }` shorthand)
    return [name for name in variables if name not in declared]


def undeclared_message(names: list[str]) -> str:
    """A message naming a few of ``names``, each cut short: a client chose them, and their size."""
    shown = ", ".join(f"${name[:NAME_CHARS]}" + ("…" if len(name) > NAME_CHARS else "") for name in names[:NAMES_SHOWN])
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    return f"the operation does not declare the variables {shown}{more}"
