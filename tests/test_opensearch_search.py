"""The OpenSearch adapter's text queries run on documents by the stand-in (``tests/opensearch_fake.py``): words
found across fields, the any-word fallback, corrections, the last word completed, accents folded, and how
many requests each costs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest

from bff.backends.opensearch import OpenSearchProductSearch
from bff.domain.search import SearchDocument, SearchRequest
from bff.settings import Settings
from tests.opensearch_fake import FakeCluster, running_fake


def doc(product_id: str, title: str, vendor: str, product_type: str = "Bag", description: str = "") -> SearchDocument:
    return SearchDocument(
        id=product_id,
        handle=product_id,
        title=title,
        description=description,
        vendor=vendor,
        product_type=product_type,
        tags=(),
        category_id="cat-home",
        category_path=(("cat-home", "Home"),),
        price=Decimal(20),
        available=True,
        created_at=None,
        sales_rank=0,
    )


CATALOG = [
    doc("p1", "Rolltop Backpack", "Northwind"),
    doc("p2", "Canvas Tote", "Northwind", description="Carry it like a backpack"),
    doc("p3", "Café Chair", "Loomwell", "Chair"),
    doc("p4", "Leather Satchel", "Loomwell", description="Easy to care for"),
    doc("p5", "Headphones Stand", "Acme", "Stand"),
]


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as running:
        yield running


@pytest.fixture
async def search(fake: tuple[str, FakeCluster]) -> AsyncIterator[OpenSearchProductSearch]:
    url, cluster = fake
    cluster.reset()
    adapter = OpenSearchProductSearch.from_settings(
        Settings(env="test", search_backend="opensearch", opensearch_url=url, opensearch_auth="none")
    )
    await adapter.ensure_alias()
    await adapter.index_documents(CATALOG)
    cluster.requests.clear()
    yield adapter
    await adapter.close()


def searches(cluster: FakeCluster) -> int:
    return len(cluster.sent("POST", "/_search"))


async def test_brand_and_noun_in_different_fields_find_the_product_in_one_request(
    search: OpenSearchProductSearch, fake: tuple[str, FakeCluster]
) -> None:
    result = await search.search(SearchRequest("northwind backpack"))
    # Only p1 has both words; p2's "backpack" is in its description, its brand is Northwind: it counts too.
    assert result.product_ids[0] == "p1" and set(result.product_ids) == {"p1", "p2"}
    assert result.corrected_query is None
    assert searches(fake[1]) == 1


async def test_when_no_product_has_every_word_any_word_will_do(
    search: OpenSearchProductSearch, fake: tuple[str, FakeCluster]
) -> None:
    result = await search.search(SearchRequest("loomwell backpack", with_total=False))
    assert set(result.product_ids) == {"p1", "p2", "p3", "p4"}
    assert result.corrected_query is None
    relaxed = fake[1].sent("POST", "/_search")[-1].body["query"]["bool"]["must"][0]["multi_match"]
    assert (relaxed["operator"], relaxed["minimum_should_match"]) == ("or", 1)
    assert searches(fake[1]) == 2


async def test_a_filter_that_leaves_nothing_does_not_relax_the_words(
    search: OpenSearchProductSearch, fake: tuple[str, FakeCluster]
) -> None:
    from bff.domain.catalog import ProductQuery

    result = await search.search(SearchRequest("northwind backpack", ProductQuery(vendors=("Acme",))))
    assert (result.product_ids, result.total) == ([], 0)
    assert searches(fake[1]) == 1


async def test_a_misspelt_word_is_corrected_from_the_named_fields_and_said_so(
    search: OpenSearchProductSearch, fake: tuple[str, FakeCluster]
) -> None:
    result = await search.search(SearchRequest("northwind backpak"))
    assert result.product_ids == ["p1", "p2"]
    assert (result.corrected_query, result.did_you_mean) == ("northwind backpack", "northwind backpack")
    assert searches(fake[1]) == 2


async def test_a_word_only_descriptions_hold_is_not_a_correction(search: OpenSearchProductSearch) -> None:
    # "carre" is one edit from "care", which only a description holds: no correction, nothing found.
    result = await search.search(SearchRequest("carre"))
    assert (result.product_ids, result.corrected_query) == ([], None)


async def test_the_last_word_typed_is_completed(search: OpenSearchProductSearch) -> None:
    assert (await search.search(SearchRequest("loomwell leath"))).product_ids == ["p4"]
    assert (await search.search(SearchRequest("headph"))).product_ids == ["p5"]


async def test_accents_are_folded_both_ways(search: OpenSearchProductSearch) -> None:
    assert (await search.search(SearchRequest("cafe"))).product_ids == ["p3"]
    assert (await search.search(SearchRequest("cáfé chair"))).product_ids == ["p3"]


async def test_stopwords_alone_search_nothing_without_asking(
    search: OpenSearchProductSearch, fake: tuple[str, FakeCluster]
) -> None:
    assert (await search.search(SearchRequest("the and"))).total == 0
    assert searches(fake[1]) == 0
