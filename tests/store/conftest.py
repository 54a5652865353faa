"""One store fixture over both stores: the GeoPackage file and PostGIS.

PostGIS runs on a fresh database ``geoinsight_test_<random>`` with the postgis extension, made
for the session and dropped after it, through ``GEOINSIGHT_TEST_DATABASE_URL`` (an admin URL;
default: the local cluster as ``postgres``). Each test gets its own schema in that database.
Without a reachable PostgreSQL the PostGIS cases skip locally and fail in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from geoinsight.store import Store
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.store.postgis import PostGISStore

ADMIN_URL = os.environ.get("GEOINSIGHT_TEST_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
STORES = ["gpkg", "postgis"]


def with_database(url: str, database: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, query, ""))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a fresh database with PostGIS, dropped at the end of the session."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run in CI (scripts/test.sh starts it): {exc}")
        pytest.skip(f"no PostgreSQL at {ADMIN_URL} (scripts/test.sh sets it up)")
    name = f"geoinsight_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = with_database(ADMIN_URL, name)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
            yield url
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A URL whose tables live in a schema of their own (dropped after the test)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield with_database(pg_database, urlsplit(pg_database).path.lstrip("/"),
                        "options=" + quote(f"-csearch_path={schema},public", safe=""))
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "gpkg":
        return GeoPackageStore(tmp_path / f"{uuid.uuid4().hex}.gpkg")
    store = PostGISStore(request.getfixturevalue("pg_url"))
    request.addfinalizer(store.close)
    return store


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return make_store(request.param, tmp_path, request)
