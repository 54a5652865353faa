"""The scale-out store: PostGIS, chosen by ``GEOINSIGHT_DATABASE_URL=postgresql://…``.

Same protocol and answers as the GeoPackage store. A write is one transaction that first takes
a transaction-scoped advisory lock, so ingests from any number of processes and machines run
one after another, and a failure anywhere rolls the whole batch back. Bulk rows go in with
COPY (geometry as EWKB), through a temporary table where rows may replace stored ones. Every
value is a query parameter; table and column names are composed with ``psycopg.sql``.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geoinsight.crs import STORE_CRS
from geoinsight.errors import ConfigError, GeoInsightError
from geoinsight.rasters import RASTER_ROW, RasterSource
from geoinsight.records import postcode_range
from geoinsight.registers import REGISTER_ROW, EventRegister
from geoinsight.store import rows
from geoinsight.store.model import (
    ADDRESS_COLUMNS,
    AREA_COLUMNS,
    LABEL_COLUMNS,
    LINK_COLUMNS,
    POINT_AREA_COLUMNS,
    REGISTER_COLUMNS,
    VALUE_COLUMNS,
    IngestBatch,
    Removal,
)
from geoinsight.store.postgis_schema import FILL_LOCK, WRITE_LOCK, migrate

SRID = 28992
_C = sql.SQL(' COLLATE "C"')  # order text as SQLite does (bytewise), whatever the database's


def check_url(url: str) -> str:
    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise ConfigError("GEOINSIGHT_DATABASE_URL must be a postgresql:// URL")
    return url


class PostGISStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._migrated = False
        self._migrate_lock = threading.Lock()

    # -- connections -----------------------------------------------------------------------

    def _connect(self, *, autocommit: bool) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=autocommit)
        except psycopg.OperationalError as exc:
            raise GeoInsightError(f"cannot reach the store database: {exc}".strip(),
                                  code="store_unavailable") from exc

    def _ready(self) -> None:
        with self._migrate_lock:
            if not self._migrated:
                with self._connect(autocommit=True) as conn:
                    migrate(conn)
                self._migrated = True

    def _reader(self) -> psycopg.Connection:
        """This thread's connection for reads (autocommit: every read sees the latest write);
        a new one after a fork or when the old one broke."""
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or self._local.pid != os.getpid():
            self._ready()
            conn = self._connect(autocommit=True)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def filling(self) -> Iterator[None]:
        """Hold the database's fill lock: processes that fill it with several ingests (the demo
        on an empty database) do so one after the other, on any machine. Each ingest is still
        its own atomic write."""
        self._ready()
        with self._connect(autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (FILL_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (FILL_LOCK,))

    def close(self) -> None:
        """Close this thread's read connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def _query(self, query: sql.Composed | sql.SQL, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._reader().cursor(binary=True) as cur:  # geometry as bytes, not hex
            cur.execute(query, list(params))
            names = [d.name for d in cur.description or ()]
            return pd.DataFrame.from_records(cur.fetchall(), columns=names, coerce_float=True)

    # -- writing ---------------------------------------------------------------------------

    def write(self, batch: IngestBatch) -> int:
        self._ready()
        with self._connect(autocommit=False) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with conn.cursor() as cur:
                return _write_batch(cur, batch)

    def remove_ingest(self, ingest_id: int) -> Removal:
        self._ready()
        with self._connect(autocommit=False) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            with conn.cursor() as cur:
                return _remove_ingest(cur, ingest_id)

    # -- reading ---------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return bool(self._query(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM areas) AS e"))
                    ["e"].iloc[0])

    def version(self) -> str:
        frame = self._query(sql.SQL("SELECT (SELECT generation::text FROM store_meta) AS g,"
                                    " (SELECT coalesce(max(id), 0) FROM ingest_log) AS n"))
        return f"{frame['g'].iloc[0]}-{int(frame['n'].iloc[0]):x}"

    def areas(self, *, level: str | None = None, municipality: str | None = None,
              year: int | None = None, codes: Sequence[str] | None = None,
              geometry: bool = True, bbox: rows.BBox | None = None) -> gpd.GeoDataFrame:
        where = _Where()
        where.add("level = %s", level)
        if municipality is not None:
            where.add("(gemeente_code = %s OR code = %s)", municipality, municipality)
        where.add("year = %s", year)
        where.any("code", codes)
        if bbox is not None:
            where.add("ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, %s))",
                      *map(float, bbox), SRID)
        columns = sql.SQL(", ").join(map(sql.Identifier, AREA_COLUMNS))
        if geometry:
            columns += sql.SQL(", ST_AsBinary(geom) AS geom")
        frame = self._query(sql.SQL("SELECT {} FROM areas{} ORDER BY code{}, year")
                            .format(columns, where.sql(), _C), where.params)
        if frame.empty:
            frame = pd.DataFrame(columns=AREA_COLUMNS + (["geom"] if geometry else []))
        if not geometry:
            return gpd.GeoDataFrame(frame)
        return gpd.GeoDataFrame(frame, geometry=_geoms(frame.pop("geom")), crs=STORE_CRS)

    def area_years(self, *, level: str | None = None,
                   municipality: str | None = None) -> list[int]:
        where = _Where()
        where.add("level = %s", level)
        if municipality is not None:
            where.add("(gemeente_code = %s OR code = %s)", municipality, municipality)
        frame = self._query(sql.SQL("SELECT DISTINCT year FROM areas{} ORDER BY year")
                            .format(where.sql()), where.params)
        return [int(y) for y in frame.get("year", [])]

    def values(self, *, indicators: Sequence[str] | None = None,
               codes: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
        where = _Where()
        where.any("indicator", indicators)
        where.add("year = %s", year)
        where.any("area_code", codes)
        frame = self._query(sql.SQL(
            "SELECT area_code AS code, year, indicator, value, status,"
            " COALESCE(boundary_year, year) AS boundary_year FROM indicator_values{}"
            " ORDER BY area_code{}, indicator{}, year").format(where.sql(), _C, _C), where.params)
        if frame.empty:
            return pd.DataFrame(columns=VALUE_COLUMNS)
        frame["value"] = frame["value"].astype(float)
        return frame

    def value_years(self, *, indicators: Sequence[str] | None = None,
                    codes: Sequence[str] | None = None) -> list[int]:
        where = _Where()
        where.any("indicator", indicators)
        where.any("area_code", codes)
        frame = self._query(sql.SQL("SELECT DISTINCT year FROM indicator_values{} ORDER BY year")
                            .format(where.sql()), where.params)
        return [int(y) for y in frame.get("year", [])]

    def presence(self, *, indicators: Sequence[str] | None = None,
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
        return rows.presence(self.values(indicators=indicators, codes=codes))

    def indicators(self) -> pd.DataFrame:
        return self._select("indicators", rows.INDICATOR_COLUMNS, order=_text("id"))

    def ingest_log(self) -> pd.DataFrame:
        return self._query(sql.SQL("SELECT id, {} FROM ingest_log ORDER BY id").format(
            sql.SQL(", ").join(map(sql.Identifier, rows.LOG_COLUMNS))))

    def inventory(self) -> dict[str, pd.DataFrame]:
        figures = self._query(sql.SQL(
            "SELECT DISTINCT ingest_id, COALESCE(boundary_year, year) AS boundary_year,"
            " area_code AS code FROM indicator_values WHERE status != 'missing'"))
        points = self._query(sql.SQL(
            "SELECT 'addresses' AS point_set, count(*) AS points FROM addresses UNION ALL"
            " SELECT 'energy_labels', count(*) FROM energy_labels"))
        return {"figures": figures if len(figures) else pd.DataFrame(
                    columns=["ingest_id", "boundary_year", "code"]),
                "points": points}

    def addresses(self, ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        frame = self._select("addresses", ADDRESS_COLUMNS, key=("vbo_id", ids),
                             order=_text("vbo_id"), extra=sql.SQL(", ST_AsBinary(geom) AS geom"))
        if frame.empty:
            frame = pd.DataFrame(columns=[*ADDRESS_COLUMNS, "geom"])
        return gpd.GeoDataFrame(frame, geometry=_geoms(frame.pop("geom")), crs=STORE_CRS)

    def addresses_in_postcode(self, postcode: str,
                              huisnummer: int | None = None) -> gpd.GeoDataFrame:
        low, high = postcode_range(postcode)
        where = _Where()
        where.add("postcode >= %s AND postcode < %s", low, high)
        where.add("huisnummer = %s", huisnummer)
        frame = self._select("addresses", ADDRESS_COLUMNS, where=where,
                             order=sql.SQL("postcode, huisnummer, ") + _text("vbo_id"),
                             extra=sql.SQL(", ST_AsBinary(geom) AS geom"))
        if frame.empty:
            frame = pd.DataFrame(columns=[*ADDRESS_COLUMNS, "geom"])
        return gpd.GeoDataFrame(frame, geometry=_geoms(frame.pop("geom")), crs=STORE_CRS)

    def labels(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        return self._select("energy_labels", LABEL_COLUMNS, key=("vbo_id", ids),
                            order=_text("vbo_id"))

    def point_areas(self, point_set: str, *, level: str | None = None,
                    boundary_year: int | None = None,
                    area_codes: Sequence[str] | None = None) -> pd.DataFrame:
        where = _Where()
        where.add("point_set = %s", point_set)
        where.add("level = %s", level)
        where.add("boundary_year = %s", boundary_year)
        return self._select("point_areas", POINT_AREA_COLUMNS, where=where,
                            key=("area_code", area_codes))

    def register(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._select("area_register", REGISTER_COLUMNS, key=("code", codes))

    def links(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._select("area_links", LINK_COLUMNS, key=("code", codes))

    def event_registers(self) -> list[EventRegister]:
        frame = self._select("event_registers", REGISTER_ROW, order=_text("name"))
        return [EventRegister.from_row(row) for row in frame.to_dict("records")]

    def rasters(self) -> list[RasterSource]:
        frame = self._select("rasters", RASTER_ROW, order=_text("name"))
        return [RasterSource.from_row(row) for row in frame.to_dict("records")]

    def holdings(self) -> pd.DataFrame:
        present = self._query(sql.SQL("SELECT t FROM unnest(%s::text[]) AS t"
                                      " WHERE to_regclass(t) IS NOT NULL"),
                              [list(rows.HOLDING_TABLES)])
        tables = [t for t in rows.HOLDING_TABLES if t in set(present.get("t", []))]
        if not tables:
            return rows.holdings([])
        counts = self._query(sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT ingest_id, {} AS t, count(*) AS n FROM {} GROUP BY ingest_id")
            .format(sql.Literal(t), sql.Identifier(t)) for t in tables))
        return rows.holdings(counts.itertuples(index=False))

    def rejects(self, ingest_id: int) -> pd.DataFrame:
        where = _Where()
        where.add("ingest_id = %s", ingest_id)
        return self._select("ingest_rejects", ["row", "code", "reason"], where=where,
                            order=sql.Identifier("id"))

    def _select(self, table: str, columns: list[str], *, where: _Where | None = None,
                key: tuple[str, Sequence[str] | None] = ("", None),
                order: sql.Composable | None = None,
                extra: sql.Composed | sql.SQL | None = None) -> pd.DataFrame:
        """The ``columns`` of a table's rows (of the keys given), always with those columns."""
        where = where or _Where()
        where.any(key[0], key[1])
        ordered = sql.SQL(" ORDER BY {}").format(order) if order else sql.SQL("")
        frame = self._query(sql.SQL("SELECT {}{} FROM {}{}{}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), extra or sql.SQL(""),
            sql.Identifier(table), where.sql(), ordered), where.params)
        return frame if len(frame) else pd.DataFrame(columns=list(frame.columns) or columns)


class _Where:
    """A WHERE clause built from fixed SQL fragments and the values they bind."""

    def __init__(self) -> None:
        self.clauses: list[sql.Composable] = []
        self.params: list[Any] = []

    def add(self, fragment: str, *values: Any) -> None:
        """Add a fragment, unless its (first) value is None: an absent filter."""
        if values and values[0] is None:
            return
        self.clauses.append(sql.SQL(fragment))  # fixed fragments, no values
        self.params.extend(values)

    def any(self, column: str, keys: Sequence[str] | None) -> None:
        if keys is not None:
            self.clauses.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(column)))
            self.params.append(list(keys))

    def sql(self) -> sql.Composed | sql.SQL:
        if not self.clauses:
            return sql.SQL("")
        return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(self.clauses)


def _text(column: str) -> sql.Composed:
    """A text column to order by, bytewise as SQLite orders (whatever the database's collation)."""
    return sql.SQL("{}{}").format(sql.Identifier(column), _C)


def _geoms(wkbs: pd.Series) -> np.ndarray:
    return shapely.from_wkb([bytes(w) for w in wkbs])


def _ewkb(geoms: Any) -> list[str]:
    """Geometries as hex EWKB with the store's SRID: what COPY hands PostGIS's input."""
    return list(shapely.to_wkb(shapely.set_srid(np.asarray(geoms, dtype=object), SRID),
                               hex=True, include_srid=True))


# -- the write of one batch, inside the locked transaction ----------------------------------

def _write_batch(cur: psycopg.Cursor, batch: IngestBatch) -> int:
    now = rows.now()
    cur.execute(sql.SQL("INSERT INTO ingest_log ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, rows.LOG_COLUMNS)),
        sql.SQL(", ").join(sql.Placeholder() * len(rows.LOG_COLUMNS))), rows.log_row(batch, now))
    found = cur.fetchone()
    assert found is not None
    ingest_id = int(found[0])
    _copy(cur, "ingest_rejects", ["ingest_id", "row", "code", "reason"],
          rows.reject_rows(batch, ingest_id))
    _upsert(cur, "indicators", rows.INDICATOR_COLUMNS, ["id"], rows.indicator_rows(batch))
    if batch.areas is not None and len(batch.areas):
        geoms, found_areas = rows.area_rows(batch.areas)
        _upsert(cur, "areas", [*AREA_COLUMNS, "ingest_id", "geom"], ["code", "year"],
                ((*r, ingest_id, g) for r, g in zip(found_areas, _ewkb(geoms), strict=True)))
    if batch.addresses is not None and len(batch.addresses):
        _upsert(cur, "addresses", [*ADDRESS_COLUMNS, "ingest_id", "geom"], ["vbo_id"],
                ((*r, ingest_id, g) for r, g in zip(
                    rows.plain(batch.addresses[ADDRESS_COLUMNS]),
                    _ewkb(batch.addresses.geometry.to_numpy()), strict=True)))
    if batch.labels is not None:
        cur.execute("DELETE FROM energy_labels")
        _copy(cur, "energy_labels", [*LABEL_COLUMNS, "ingest_id"],
              ((*r, ingest_id) for r in rows.plain(batch.labels[LABEL_COLUMNS])))
    if batch.point_areas is not None:
        cur.execute("DELETE FROM point_areas WHERE point_set = ANY(%s)",
                    (sorted(set(batch.point_areas["point_set"])),))
        _copy(cur, "point_areas", POINT_AREA_COLUMNS,
              rows.plain(batch.point_areas[POINT_AREA_COLUMNS]))
    for table, definition in rows.definitions(batch):
        _replace_definition(cur, table, definition, ingest_id, now)
    if batch.replace_indicators:
        cur.execute("DELETE FROM indicator_values WHERE indicator = ANY(%s)",
                    (list(batch.replace_indicators),))
    _upsert(cur, "indicator_values", ["area_code", "year", "indicator", "value", "status",
                                      "ingest_id", "boundary_year"],
            ["area_code", "year", "indicator"], rows.value_rows(batch.values, ingest_id))
    if batch.register is not None and len(batch.register):
        _upsert(cur, "area_register", [*REGISTER_COLUMNS, "ingest_id"], ["code", "year"],
                rows.register_rows(batch.register, ingest_id),
                sql.SQL("name = COALESCE(excluded.name, area_register.name), changed ="
                        " COALESCE(excluded.changed, area_register.changed),"
                        " ingest_id = excluded.ingest_id"))
    if batch.links is not None:
        cur.execute("DELETE FROM area_links WHERE code = ANY(%s)", (list(batch.linked_codes),))
        _copy(cur, "area_links", LINK_COLUMNS, rows.plain(batch.links[LINK_COLUMNS]))
    return ingest_id


def _replace_definition(cur: psycopg.Cursor, table: str, definition: rows.Owner,
                        ingest_id: int, now: str) -> None:
    """As the GeoPackage store: the previous definition's values go, and the indicators the
    new definition no longer has."""
    columns, from_row = rows.DEFINITION_TABLES[table]
    cur.execute(sql.SQL("SELECT {} FROM {} WHERE name = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)),
        (definition.name,))
    old = cur.fetchone()
    previous = None if old is None else from_row(dict(zip(columns, old, strict=True)))
    values_gone, indicators_gone = rows.definition_change(previous, definition)
    cur.execute("DELETE FROM indicator_values WHERE indicator = ANY(%s)", (values_gone,))
    cur.execute("DELETE FROM indicators WHERE id = ANY(%s)", (indicators_gone,))
    cur.execute(sql.SQL("DELETE FROM {} WHERE name = %s").format(sql.Identifier(table)),
                (definition.name,))
    row = {**definition.as_row(), "ingested_at": now, "ingest_id": ingest_id}
    _copy(cur, table, list(row), [tuple(row.values())])


def _remove_ingest(cur: psycopg.Cursor, ingest_id: int) -> Removal:
    """As the GeoPackage store: everything the ingest still holds, and what goes with it."""
    entry = _removable(cur, ingest_id)
    values_gone, records_gone, files = rows.owned(lambda table, columns: cur.execute(
        sql.SQL("SELECT {} FROM {} WHERE ingest_id = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)),
        (ingest_id,)).fetchall())
    cur.execute("SELECT DISTINCT indicator FROM indicator_values WHERE ingest_id = %s",
                (ingest_id,))
    touched = sorted({r[0] for r in cur.fetchall()} | values_gone)
    cur.execute("SELECT DISTINCT level, year FROM areas WHERE ingest_id = %s", (ingest_id,))
    boundary_sets = cur.fetchall()
    removed = dict.fromkeys(rows.REMOVAL_TABLES, 0)
    for table in rows.POINT_TABLES:  # before their points go
        removed["point_areas"] += _count(cur, sql.SQL(
            "DELETE FROM point_areas WHERE point_set = %s AND point_id IN (SELECT vbo_id FROM {}"
            " WHERE ingest_id = %s)").format(sql.Identifier(table)), table, ingest_id)
    removed["indicator_values"] = _count(cur, sql.SQL(
        "DELETE FROM indicator_values WHERE ingest_id = %s OR indicator = ANY(%s)"),
        ingest_id, sorted(values_gone))
    for table in rows.HOLDING_TABLES:
        if table != "indicator_values":
            removed[table] = _count(cur, sql.SQL("DELETE FROM {} WHERE ingest_id = %s").format(
                sql.Identifier(table)), ingest_id)
    for level, year in boundary_sets:  # the points of boundary sets left without areas
        removed["point_areas"] += _count(cur, sql.SQL(
            "DELETE FROM point_areas WHERE level = %s AND boundary_year = %s AND NOT EXISTS"
            " (SELECT 1 FROM areas WHERE level = %s AND year = %s)"), level, year, level, year)
    removed["indicators"] = _count(cur, sql.SQL(
        "DELETE FROM indicators WHERE id = ANY(%s) OR (id = ANY(%s) AND NOT EXISTS"
        " (SELECT 1 FROM indicator_values WHERE indicator = indicators.id))"),
        sorted(records_gone), touched)
    removal = rows.removal(ingest_id, entry, removed, files)
    cur.execute(sql.SQL("INSERT INTO ingest_log ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, rows.LOG_COLUMNS)),
        sql.SQL(", ").join(sql.Placeholder() * len(rows.LOG_COLUMNS))),
        rows.removal_log_row(entry, removal.summary(), rows.now()))
    logged = cur.fetchone()
    assert logged is not None
    return dataclasses.replace(removal, log_id=int(logged[0]))


def _removable(cur: psycopg.Cursor, ingest_id: int) -> dict[str, Any]:
    """The log row of an ingest that may be removed; else the refusal (rows.check_removal)."""
    cur.execute("SELECT * FROM ingest_log WHERE id = %s", (ingest_id,))
    found = cur.fetchone()
    entry = None if found is None else dict(zip([d.name for d in cur.description or ()],
                                                found, strict=True))
    held = {t: _count(cur, sql.SQL("SELECT count(*) FROM {} WHERE ingest_id = %s")
                      .format(sql.Identifier(t)), ingest_id) for t in rows.HOLDING_TABLES}
    cur.execute("SELECT DISTINCT l.ingest_id FROM energy_labels l JOIN addresses a ON a.vbo_id ="
                " l.vbo_id WHERE a.ingest_id = %s ORDER BY 1", (ingest_id,))
    return rows.check_removal(ingest_id, entry, held, [int(r[0]) for r in cur.fetchall()])


def _count(cur: psycopg.Cursor, query: sql.Composed | sql.SQL, *params: Any) -> int:
    """The rows a statement deleted, or the count a SELECT count(*) answers."""
    cur.execute(query, params)
    if cur.description is not None:
        found = cur.fetchone()
        return int(found[0]) if found else 0
    return max(cur.rowcount, 0)


def _copy(cur: psycopg.Cursor, table: str, columns: list[str],
          records: Iterable[Sequence[Any]]) -> None:
    """COPY rows in; whole floats go to integer columns as integers (pandas reads a year column
    with a gap as floats, and SQLite's integer affinity takes 2021.0 as 2021 too)."""
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND atttypid ="
                " ANY('{int2,int4,int8}'::regtype[])", (table,))
    integers = {row[0] for row in cur.fetchall()}
    whole = [i for i, c in enumerate(columns) if c in integers]
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
        for record in records:
            if whole:
                record = list(record)
                for i in whole:
                    if isinstance(record[i], float) and record[i].is_integer():
                        record[i] = int(record[i])
            copy.write_row(record)


def _upsert(cur: psycopg.Cursor, table: str, columns: list[str], key: list[str],
            records: Iterable[Sequence[Any]], update: sql.Composed | sql.SQL | None = None) -> None:
    """COPY into a temporary table, then insert or replace by ``key``; within one batch the
    last row of a key wins, as the GeoPackage store's row-by-row upsert has it."""
    load = sql.Identifier(f"load_{table}")
    cur.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(
        load, sql.Identifier(table)))
    cur.execute(sql.SQL("ALTER TABLE {} ADD COLUMN load_n bigint GENERATED ALWAYS AS IDENTITY")
                .format(load))
    _copy(cur, f"load_{table}", columns, records)
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    keys = sql.SQL(", ").join(map(sql.Identifier, key))
    update = update or sql.SQL(", ").join(
        sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in columns if c not in key)
    cur.execute(sql.SQL(
        "INSERT INTO {table} ({names}) SELECT DISTINCT ON ({keys}) {names} FROM {load}"
        " ORDER BY {keys}, load_n DESC ON CONFLICT ({keys}) DO UPDATE SET {update}").format(
            table=sql.Identifier(table), names=names, keys=keys, load=load, update=update))
    cur.execute(sql.SQL("DROP TABLE {}").format(load))
