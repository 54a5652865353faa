"""One store fixture over both stores: the GeoPackage file and PostGIS (on the ``pg_url`` of
``tests/conftest.py``: a schema of its own in a fresh database)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from geoinsight.store import Store
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.store.postgis import PostGISStore

STORES = ["gpkg", "postgis"]


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "gpkg":
        return GeoPackageStore(tmp_path / f"{uuid.uuid4().hex}.gpkg")
    store = PostGISStore(request.getfixturevalue("pg_url"))
    request.addfinalizer(store.close)
    return store


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return make_store(request.param, tmp_path, request)
