"""What only the PostGIS store has: migrations, the advisory lock, selection by URL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from geoinsight.errors import ConfigError
from geoinsight.records import Indicator
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.store.model import IngestBatch, IngestCounts, empty_values
from geoinsight.store.postgis import PostGISStore
from geoinsight.store.postgis_schema import MIGRATIONS, WRITE_LOCK, migrate


def test_open_store_selects_postgis_by_url(pg_url: str, tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path, database_url=pg_url))
    assert isinstance(store, PostGISStore) and store.is_empty()
    with pytest.raises(ConfigError, match="postgresql://"):
        open_store(Settings(data_dir=tmp_path, database_url="mysql://somewhere/db"))


def test_migrations_run_once_and_are_recorded(pg_url: str) -> None:
    PostGISStore(pg_url).is_empty()
    PostGISStore(pg_url).is_empty()  # a second process opening the same database
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn) == len(MIGRATIONS)
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
        kinds = dict(conn.execute(
            "SELECT f_table_name, type FROM geometry_columns WHERE srid = 28992"))
        indexes = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")}
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert kinds == {"areas": "MULTIPOLYGON", "addresses": "POINT"}
    assert {"areas_geom", "addresses_geom"} <= indexes


def test_a_write_waits_for_the_advisory_lock(pg_url: str) -> None:
    """While another transaction holds the write lock, a write waits, and lands after it."""
    store = PostGISStore(pg_url)
    assert store.ingest_log().empty  # schema in place
    done: list[int] = []
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        writer = threading.Thread(target=lambda: done.append(store.write(_batch())))
        writer.start()
        while not _someone_waits_for_the_lock(pg_url) and writer.is_alive():
            time.sleep(0.01)
        assert writer.is_alive() and done == []
        assert PostGISStore(pg_url).ingest_log().empty
        holder.rollback()  # releases the lock
        writer.join()
    assert done == [1] and len(store.ingest_log()) == 1
    store.close()


def _someone_waits_for_the_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                           " AND NOT granted AND objid = %s", (WRITE_LOCK,)).fetchone()
    return bool(row and row[0])


def _batch() -> IngestBatch:
    values = pd.concat([empty_values(), pd.DataFrame({
        "code": ["BU05030000"], "year": 2022, "indicator": "a", "value": 1.0, "status": "ok",
        "boundary_year": 2022})], ignore_index=True)
    return IngestBatch(kind="test", source=Path("a.csv"), checksum="a", values=values,
                       indicators=[Indicator(id="a", title_nl="a", title_en="a", unit="",
                                             kind="count")],
                       counts=IngestCounts(read=1, stored=1), year=2022)


def test_the_demo_loads_into_an_empty_postgis_store_only(pg_url: str, tmp_path: Path,
                                                         demo_file: Path) -> None:
    """``serve`` and ``demo`` on PostGIS fill the database the settings name (not a GeoPackage
    beside it), with what the GeoPackage demo holds; a database with data is left alone."""
    from geoinsight.demo import load_demo_for
    from geoinsight.errors import InputError
    from geoinsight.store.gpkg import GeoPackageStore

    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    results = load_demo_for(settings)
    assert all(r.counts.stored > 0 for r in results)
    assert not (tmp_path / "geoinsight.gpkg").exists()
    store = open_store(settings)
    reference = GeoPackageStore(demo_file)
    for level in ("gemeente", "wijk", "buurt"):
        assert sorted(store.areas(level=level, geometry=False)["code"]) == sorted(
            reference.areas(level=level, geometry=False)["code"])
    ours, theirs = store.values(indicators=["population"]), reference.values(
        indicators=["population"])
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True),
                                  check_dtype=False)
    version = store.version()
    with pytest.raises(InputError, match="empty PostGIS store only"):
        load_demo_for(settings)
    assert store.version() == version
    assert "@" not in Settings(database_url="postgresql://u:secret@db:5432/x").store_name


def test_two_servers_starting_on_one_empty_database_load_the_demo_once(
        pg_url: str, tmp_path: Path) -> None:
    """Both see an empty database; the fill lock lets one load the demo, and the other then
    finds it loaded and leaves it."""
    from geoinsight.demo import load_demo_for

    found: list[int] = []

    def start_server(folder: str) -> None:
        found.append(len(load_demo_for(Settings(data_dir=tmp_path / folder, database_url=pg_url),
                                       only_if_empty=True)))

    servers = [threading.Thread(target=start_server, args=(f"server-{i}",)) for i in range(2)]
    for server in servers:
        server.start()
    for server in servers:
        server.join()
    assert sorted(found) == [0, len(PostGISStore(pg_url).ingest_log())]
    assert found != [0, 0]
