"""A data dir with the demo catalog, a generated shopping history and the model built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bff.backends.local.recommender_embedded import EmbeddedRecommender
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.catalog_io.interaction_history import seed_interactions
from tests.conftest import make_settings


@pytest.fixture(scope="session")
async def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("recommendations")
    settings = make_settings(data_dir)
    catalog = await SqliteCatalogStore.open(settings.catalog_db_path)
    categories, records = generate_catalog(products=120, seed=7)
    await catalog.upsert_categories(categories)
    await catalog.upsert_products(records)
    embedded = await EmbeddedRecommender.open(settings.recommender_db_path, catalog)
    await seed_interactions(catalog, embedded, seed=7)
    await embedded.close()
    await catalog.close()
    return data_dir
