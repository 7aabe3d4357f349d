"""The per-request ``Context``: settings, backends, fresh DataLoaders and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from bff.backends.registry import Backends
from bff.cursors import CursorCodec
from bff.domain.identity import Identity
from bff.settings import Settings
from bff.state import AppState
from loaders import DataLoaders


@dataclass(slots=True)
class Context:
    settings: Settings
    backends: Backends
    loaders: DataLoaders
    cursors: CursorCodec
    # The verified caller, or None for an anonymous one (see bff/authentication.py).
    user: Identity | None = None
    request_id: str = "-"

    @classmethod
    def new(cls, state: AppState, user: Identity | None, request_id: str) -> Context:
        """The one way a request gets its context: the app's backends, fresh loaders, the caller."""
        return cls(
            settings=state.settings,
            backends=state.backends,
            loaders=DataLoaders.build(state.backends),
            cursors=state.cursors,
            user=user,
            request_id=request_id,
        )


Info = strawberry.Info[Context, None]
