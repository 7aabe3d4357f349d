"""Permission classes for fields: signed in, and in the ``admin`` group.

They raise the project's errors instead of returning ``False``: strawberry's default error has no code and
would be masked as an internal error, while ``Unauthenticated``/``Forbidden`` reach the client with
``extensions.code`` (see bff/graphql/errors.py).
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from bff.context import Info
from bff.errors import Forbidden, Unauthenticated


class IsSignedIn(BasePermission):
    message = "sign in to do this"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.user is None:
            raise Unauthenticated(self.message, reason="sign_in_required")
        return True


class IsAdmin(BasePermission):
    message = "only staff in the `admin` group may do this"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        user = info.context.user
        if user is None:
            raise Unauthenticated("sign in to do this", reason="sign_in_required")
        if not user.is_admin:
            raise Forbidden(self.message)
        return True
