"""The project's errors, and the GraphQL code each one carries.

Every failure a client can see is one of these; adapters translate their SDK's errors into them, and
anything else that escapes a resolver is masked as ``INTERNAL_SERVER_ERROR`` with an error id that the log
repeats.

    BffError                      code
    ├── BadUserInput              BAD_USER_INPUT        malformed id, bad cursor, page size over the cap
    ├── Unauthenticated           UNAUTHENTICATED       missing or invalid credentials
    ├── Forbidden                 FORBIDDEN             signed in, but not allowed
    ├── NotFound                  NOT_FOUND             (mutations only: queries answer null)
    ├── Conflict                  CONFLICT              a concurrent write won
    └── ServiceUnavailable        SERVICE_UNAVAILABLE   a backend is down or throttling after retries
"""

from __future__ import annotations

from typing import Any, ClassVar


class BffError(Exception):
    """Base of every error the API reports with a code."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extensions = extensions


class BadUserInput(BffError):
    code = "BAD_USER_INPUT"


class Unauthenticated(BffError):
    code = "UNAUTHENTICATED"


class Forbidden(BffError):
    code = "FORBIDDEN"


class NotFound(BffError):
    code = "NOT_FOUND"


class Conflict(BffError):
    code = "CONFLICT"


class ServiceUnavailable(BffError):
    code = "SERVICE_UNAVAILABLE"
