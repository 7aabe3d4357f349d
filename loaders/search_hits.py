"""Search pages: every search a request asks for in one tick, then their hits' products and category labels
in one catalog round (``bff.services.search_hits``)."""

from __future__ import annotations

from collections.abc import Sequence

from bff.backends.registry import Backends
from bff.domain.search import SearchRequest
from bff.services.search_hits import SearchHits, search_hits
from loaders.base import PortLoader


class SearchHitsLoader(PortLoader[SearchRequest, SearchHits]):
    def __init__(self, backends: Backends) -> None:
        search, catalog = backends.search, backends.catalog_reads

        async def fetch(requests: Sequence[SearchRequest]) -> list[SearchHits | Exception]:
            return await search_hits(requests, search, catalog)

        super().__init__(fetch)  # (a failed search is its own key's error)
