"""Shared fixtures: settings on a temporary data dir, a demo store built once, an app per test;
a PostgreSQL database for the PostGIS store and the accounts, and both places accounts live.

PostgreSQL: a fresh database ``geoinsight_test_<random>`` with the postgis extension, made for
the session and dropped after it, through ``GEOINSIGHT_TEST_DATABASE_URL`` (an admin URL;
default: the local cluster as ``postgres``). Each test gets its own schema in that database.
Without a reachable PostgreSQL the PostgreSQL cases skip locally and fail in CI.

``GEOINSIGHT_TEST_STORE=postgis`` puts the demo the app-level tests read (``demo_settings`` and
everything built on it: ``app``, ``client``) in PostGIS instead of the GeoPackage: one database
filled once per session through the same ingest, copied as a template for each test.
``scripts/test.sh`` runs the web and use-case tests a second time that way; tests about the
GeoPackage file itself are marked ``gpkg_file`` and left out of that pass.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.demo import load_demo
from geoinsight.privacy.access import ANONYMOUS
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.settings import Settings, load_settings
from geoinsight.store.gpkg import GeoPackageStore

TEST_DATA = Path(__file__).parent / "data"

#: the store the demo of the app-level tests lives in: "gpkg" (default) or "postgis"
TEST_STORE = os.environ.get("GEOINSIGHT_TEST_STORE", "gpkg")
if TEST_STORE not in ("gpkg", "postgis"):
    raise pytest.UsageError(f"GEOINSIGHT_TEST_STORE must be gpkg or postgis, not {TEST_STORE!r}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostGIS pass, only the tests that read the demo (``demo_settings``, ``gates``) run
    (the rest ran on the first pass; ``tests/store/`` runs on both stores in it), less those
    about the GeoPackage file itself."""
    if TEST_STORE != "postgis":
        return
    keep, drop = [], []
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        again = bool(uses & {"demo_settings", "gates"}) and not item.get_closest_marker(
            "gpkg_file")
        (keep if again else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "instance", basemap="none")


@pytest.fixture
def store(settings: Settings) -> GeoPackageStore:
    return GeoPackageStore(settings.store_path)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "geoinsight.gpkg"
    load_demo(path, PROJECT_ROOT / "data" / "demo")
    return path


@pytest.fixture
def demo_settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Settings whose store holds the demo: a copy of the demo GeoPackage, or (with
    ``GEOINSIGHT_TEST_STORE=postgis``) a copy of the demo database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if TEST_STORE == "postgis":
        url = request.getfixturevalue("pg_demo_url")
        copy_rasters(request.getfixturevalue("pg_demo_data_dir"), settings.data_dir)
        return replace(settings, database_url=url)
    demo = request.getfixturevalue("demo_file")
    shutil.copyfile(demo, settings.store_path)
    copy_rasters(demo.parent, settings.data_dir)
    return settings


def copy_rasters(source: Path, data_dir: Path) -> None:
    """The demo's kept raster files (``<data dir>/rasters/``), which go with its store."""
    shutil.copytree(source / "rasters", data_dir / "rasters", dirs_exist_ok=True)


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    from geoinsight.web import create_app

    application = create_app(demo_settings)
    application.config["TESTING"] = True
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def gates(request: pytest.FixtureRequest) -> Iterator[Gates]:
    """The demo read as a request reads it: through gates over the published store (only
    read: one demo file or database for the whole session)."""
    if TEST_STORE == "postgis":
        from geoinsight.store.postgis import PostGISStore

        store = PostGISStore(request.getfixturevalue("pg_demo_read_url"))
        yield Gates(PublishedStore(store, DisclosureRules()), load_catalog(PROJECT_ROOT / "layers"))
        store.close()
        return
    yield Gates(PublishedStore(GeoPackageStore(request.getfixturevalue("demo_file")),
                               DisclosureRules()), load_catalog(PROJECT_ROOT / "layers"))


@pytest.fixture(scope="module")
def gate(gates: Gates) -> Gate:
    """The anonymous visitor's gate on the demo."""
    return gates.for_principal(ANONYMOUS)


ADMIN_URL = os.environ.get("GEOINSIGHT_TEST_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, database: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, query, ""))


@contextmanager
def _new_database(prefix: str, template: str | None = None) -> Iterator[tuple[str, str]]:
    """A fresh database (name, URL): with PostGIS, or a copy of ``template``; dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(create)
    try:
        url = with_database(ADMIN_URL, name)
        if template is None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
        yield name, url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a fresh database with PostGIS, dropped at the end of the session."""
    try:
        psycopg.connect(ADMIN_URL, autocommit=True).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run in CI (scripts/test.sh starts it): {exc}")
        pytest.skip(f"no PostgreSQL at {ADMIN_URL} (scripts/test.sh sets it up)")
    with _new_database("geoinsight_test") as (_, url):
        yield url


@pytest.fixture(scope="session")
def pg_demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder the PostGIS demo keeps its raster files in."""
    return tmp_path_factory.mktemp("pg_demo")


@pytest.fixture(scope="session")
def pg_demo_template(pg_database: str, pg_demo_data_dir: Path) -> Iterator[str]:
    """The name of a database holding the demo, loaded once through the PostGIS store's ingest;
    only ever copied (a template has no open connections)."""
    from geoinsight.demo import load_demo_into
    from geoinsight.store.postgis import PostGISStore

    with _new_database("geoinsight_demo") as (name, url):
        store = PostGISStore(url)
        try:
            load_demo_into(store, PROJECT_ROOT / "data" / "demo", pg_demo_data_dir)
        finally:
            store.close()
        yield name


@pytest.fixture
def pg_demo_url(pg_demo_template: str) -> Iterator[str]:
    """The URL of a fresh copy of the demo database, dropped after the test."""
    with _new_database("geoinsight_t", pg_demo_template) as (_, url):
        yield url


@pytest.fixture(scope="session")
def pg_demo_read_url(pg_demo_template: str) -> Iterator[str]:
    """The URL of one copy of the demo database for the session's readers (``gates``)."""
    with _new_database("geoinsight_t", pg_demo_template) as (_, url):
        yield url


@contextmanager
def _own_schema(database: str) -> Iterator[str]:
    """A URL whose tables live in a schema of their own (dropped at the end)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield with_database(database, urlsplit(database).path.lstrip("/"),
                        "options=" + quote(f"-csearch_path={schema},public", safe=""))
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A URL whose tables live in a schema of their own (dropped after the test)."""
    with _own_schema(pg_database) as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url(pg_database: str) -> Iterator[str]:
    """A schema of its own for the tests of one module (to load the demo once)."""
    with _own_schema(pg_database) as url:
        yield url


#: where accounts and the audit log live: SQLite files in the data dir, or PostgreSQL
ACCOUNT_DATABASES = ["sqlite", "postgres"]


@pytest.fixture(params=ACCOUNT_DATABASES)
def accounts_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the accounts live: ``accounts.sqlite`` in a data dir, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "instance" / "accounts.sqlite"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def audit_location(accounts_location: Path | str) -> Path | str:
    """Where the audit log lives beside those accounts (the same database on PostgreSQL)."""
    if isinstance(accounts_location, Path):
        return accounts_location.parent / "audit.sqlite"
    return accounts_location
