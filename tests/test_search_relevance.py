"""Relevance on a real catalog, the AWS retail-demo-store products (2,465), for both search backends: the
embedded engine, and the OpenSearch adapter's query DSL run by the OpenSearch stand-in (``opensearch_fake``).

The stand-in decides what the DSL decides (which documents match, fallbacks, corrections, prefixes, accent
folding) as a cluster would and scores with BM25 like Lucene, but not float for float: the assertions are on
matches and on rankings clear enough not to hang on Lucene's exact scores (docs/search.md lists the
differences). The dataset lives outside the project (``../shared/datasets`` or ``BFF_DATASETS_DIR``, see
``bff/datasets.py``); without it these tests skip. It is imported once per session and backend
through the real importer, which indexes as it writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bff import datasets
from bff.backends.registry import Backends, build_backends
from bff.catalog_io import import_feed
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchRequest, SearchResult, SearchSort
from bff.settings import Settings
from tests.conftest import make_settings
from tests.opensearch_fake import running_fake

DATASET = datasets.retail_demo_store() / "products.yaml"
# The dataset is never shipped with the project: a checkout without it beside skips these tests.
pytestmark = pytest.mark.skipif(datasets.missing(DATASET) is not None, reason=str(datasets.missing(DATASET)))


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    with running_fake() as (url, _):
        yield url


async def _imported(settings: Settings) -> AsyncIterator[Backends]:
    async with build_backends(settings) as backends:
        report = await import_feed(backends.catalog, DATASET, fmt=None, progress=False)
        assert not report.rejected
        yield backends


@pytest.fixture(scope="session")
async def retail_embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backends]:
    async for backends in _imported(make_settings(tmp_path_factory.mktemp("retail"))):
        yield backends


@pytest.fixture(scope="session")
async def retail_opensearch(tmp_path_factory: pytest.TempPathFactory, opensearch_url: str) -> AsyncIterator[Backends]:
    settings = make_settings(
        tmp_path_factory.mktemp("retail"), search_backend="opensearch", opensearch_url=opensearch_url,
        opensearch_auth="none",
    )  # fmt: skip
    async for backends in _imported(settings):
        yield backends


@pytest.fixture(params=["embedded", "opensearch"])
def retail(request: pytest.FixtureRequest) -> Backends:
    """The catalog imported with each search backend in turn."""
    backends: Backends = request.getfixturevalue(f"retail_{request.param}")
    return backends


async def titles(backends: Backends, request: SearchRequest) -> list[str]:
    result = await backends.search.search(request)
    products = await backends.catalog.get_products(result.product_ids)
    return [p.title for p in products if p is not None]


@pytest.mark.parametrize(
    ("query", "expected_top"),
    [
        ("Mauve Leather Daypack", "Mauve Leather Daypack"),  # an exact name
        ("Stargazer Camping Tent", "Stargazer Camping Tent"),
        ("damascus chef knife", "Damascus Steel Chef's Knife"),  # words out of order, one missing
        ("frost white guitar", "Frost White Electric Guitar"),
    ],
)
async def test_exact_and_near_exact_names_rank_first(retail: Backends, query: str, expected_top: str) -> None:
    assert (await titles(retail, SearchRequest(query, limit=3)))[0] == expected_top


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("backpack", "backpack"),
        ("sunglasses", "sunglasses"),
        ("necklace", "necklace"),
        ("sofa", "sofa"),
        ("wireless headphones", "headphones"),
        ("camping tent", "tent"),
        ("women sandals", "sandals"),
        ("kitchen knife", "knife"),
        ("backpacks", "backpack"),  # plural through stemming
    ],
)
async def test_category_words_bring_that_kind_of_product_to_the_top(retail: Backends, query: str, word: str) -> None:
    top = await titles(retail, SearchRequest(query, limit=5))
    assert len(top) >= 3, top
    assert all(word in t.lower() for t in top[:3]), top


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [("backpak", "backpack"), ("sunglases", "sunglasses"), ("neklace", "necklace"), ("headphnoes", "headphones")],
)
async def test_misspellings_are_corrected(retail: Backends, typo: str, fixed: str) -> None:
    result = await retail.search.search(SearchRequest(typo, limit=3))
    assert result.corrected_query == fixed
    assert result.total == (await retail.search.search(SearchRequest(fixed))).total > 0


async def test_prefixes_match_as_the_shopper_types(retail: Backends) -> None:
    top = await titles(retail, SearchRequest("leath", limit=10))
    assert len(top) == 10 and all("leather" in t.lower() for t in top[:5]), top
    suggestions = await retail.search.suggest("sungl", 5)
    assert suggestions.queries[0] == "sunglasses"
    assert "cat-accessories" in suggestions.category_ids


async def test_text_and_filters_combine(retail: Backends) -> None:
    request = SearchRequest("leather", ProductQuery(category_id="cat-accessories", max_price=100), limit=50)
    result = await retail.search.search(request)
    products = [p for p in await retail.catalog.get_products(result.product_ids) if p is not None]
    assert products and all(p.category_id == "cat-accessories" for p in products)
    assert all(p.min_price is not None and p.min_price.amount <= 100 for p in products)


async def test_facets_count_what_the_filters_leave(retail: Backends) -> None:
    result = await retail.search.search(SearchRequest("sofa", with_facets=True))
    facets = {f.id: f for f in result.facets}
    assert sum(v.count for v in facets["filter.v.availability"].values) == result.total
    furniture = {v.value: v.count for v in facets["filter.p.category"].values}["cat-furniture"]
    narrowed = await retail.search.search(SearchRequest("sofa", ProductQuery(category_id="cat-furniture")))
    assert narrowed.total == furniture


async def test_price_sort_over_a_query(retail: Backends) -> None:
    result = await retail.search.search(SearchRequest("watch", sort=SearchSort.PRICE, limit=30))
    products = [p for p in await retail.catalog.get_products(result.product_ids) if p is not None]
    prices = [p.min_price.amount for p in products if p.min_price is not None]
    assert prices == sorted(prices)


async def test_nonsense_finds_nothing(retail: Backends) -> None:
    assert (await retail.search.search(SearchRequest("qwxzvbk"))).total == 0


async def test_words_held_by_different_fields_match_together(retail: Backends) -> None:
    # "accessories" is the category's word, "daypack" the title's: no one field holds both.
    result = await retail.search.search(SearchRequest("accessories daypack", limit=10))
    products = [p for p in await retail.catalog.get_products(result.product_ids) if p is not None]
    assert products and all("daypack" in p.title.lower() for p in products), [p.title for p in products]
    assert all(p.category_id == "cat-accessories" for p in products)
    assert result.corrected_query is None


async def test_accents_are_folded(retail: Backends) -> None:
    plain = await titles(retail, SearchRequest("leather daypack", limit=5))
    assert plain and await titles(retail, SearchRequest("léather dáypack", limit=5)) == plain


async def test_when_no_product_has_every_word_any_word_will_do(retail: Backends) -> None:
    assert (await retail.search.search(SearchRequest("daypack sofa"))).total > 0
    relaxed = await retail.search.search(SearchRequest("daypack sofa", limit=50))
    found = await titles(retail, SearchRequest("daypack sofa", limit=50))
    assert relaxed.corrected_query is None
    assert any("daypack" in t.lower() for t in found) and any("sofa" in t.lower() for t in found)
    assert not any("daypack" in t.lower() and "sofa" in t.lower() for t in found)


async def test_the_last_word_is_completed(retail: Backends) -> None:
    top = await titles(retail, SearchRequest("leather dayp", limit=5))
    assert top and all("leather" in t.lower() and "daypack" in t.lower() for t in top), top


# Exact names, plurals, prefixes (alone and after other words), misspellings (alone and after other words),
# words in different fields, no product with every word, possessives, accents, stopwords, nonsense: the two
# backends must decide alike which products match, which query was run and what the facets count.
QUERIES = [
    "backpack",
    "backpacks",
    "leather daypack",
    "accessories daypack",
    "leath",
    "leather dayp",
    "backpak",
    "sunglases",
    "neklace",
    "headphnoes",
    "wireless headphnoes",
    "daypack sofa",
    "chef's knife",
    "damascus chef knife",
    "café",
    "léather",
    "women sandals",
    "the camping tent",
    "blue",
    "qwxzvbk",
    "tent qwxzvbk",
    "runni shoes",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_both_backends_find_the_same_products_and_corrections_and_count_the_same_facets(
    retail_embedded: Backends, retail_opensearch: Backends, query: str
) -> None:
    request = SearchRequest(query, limit=3000, with_facets=True)
    embedded = await retail_embedded.search.search(request)
    opensearch = await retail_opensearch.search.search(request)
    assert (opensearch.total, opensearch.corrected_query) == (embedded.total, embedded.corrected_query)
    assert set(opensearch.product_ids) == set(embedded.product_ids)
    assert facet_counts(opensearch) == facet_counts(embedded)


def facet_counts(result: SearchResult) -> dict[str, set[tuple[str, int]]]:
    return {f.id: {(v.id, v.count) for v in f.values} for f in result.facets}
