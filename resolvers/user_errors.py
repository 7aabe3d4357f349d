"""GraphQL enums of the domain's error codes, derived, never written twice (see ``bff.domain.error_codes``)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from bff.domain.error_codes import ErrorCode


def error_code_enum(codes: type[ErrorCode], name: str, description: str) -> Any:
    """The strawberry enum ``name``, a value per code of ``codes`` with the code's own description.

    Its members' values are the domain's members, so a resolver answers ``code=problem.code`` as it is.
    """
    members = {code.name: strawberry.enum_value(code, description=code.description) for code in codes}
    graphql = enum.Enum(name, members)  # type: ignore[misc]
    return strawberry.enum(graphql, description=description)
