"""The embedded default store: one GeoPackage file, ``<data dir>/geoinsight.gpkg``.

Writes are copy-on-write: the file is copied, the batch is written to the copy in one
transaction, and the copy replaces the original with an atomic rename. A failure at any point
(an exception, Ctrl-C, a full disk) leaves the original byte-identical, and readers never see a
half-written file. Writers are serialised with a lock file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from geoinsight.crs import STORE_CRS
from geoinsight.errors import GeoInsightError
from geoinsight.rasters import RASTER_ROW, RasterSource
from geoinsight.records import postcode_range
from geoinsight.registers import REGISTER_ROW, EventRegister
from geoinsight.store import gpkg_format, rows
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

T = TypeVar("T")
_CHUNK = 900  # stay below SQLite's bound-parameter limit


class GeoPackageStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # -- writing ---------------------------------------------------------------------------

    def write(self, batch: IngestBatch) -> int:
        return self._transaction(lambda con: _write_batch(con, batch))

    def remove_ingest(self, ingest_id: int) -> Removal:
        return self._transaction(lambda con: _remove_ingest(con, ingest_id))

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.lock_path):
                return self._copy_write_swap(work)
        except PermissionError as exc:
            raise GeoInsightError(f"cannot write the store: {exc.strerror}",
                                  code="store_not_writable", path=str(self.path)) from exc

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _copy_write_swap(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # copies left by a writer that was killed (kill -9, power loss) are garbage: we hold
        # the lock, so no other writer is using them
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp*"):
            stale.unlink(missing_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            if self.path.exists():
                shutil.copyfile(self.path, tmp)
            con = sqlite3.connect(tmp, isolation_level=None)
            gpkg_format.register_functions(con)
            try:
                con.execute("BEGIN")
                if not self.path.exists():
                    gpkg_format.create_schema(con)
                else:
                    gpkg_format.ensure_tables(con)
                result = work(con)
                con.execute("COMMIT")
            finally:
                con.close()
            _durable_replace(tmp, self.path)
            return result
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                leftover.unlink(missing_ok=True)

    def replace_with(self, built: Path) -> None:
        """Swap in a store file built elsewhere (the demo), under the writers' lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.lock_path):
            _durable_replace(built, self.path)

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        if not self.path.exists():
            yield None
            return
        con = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            yield con
        finally:
            con.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame | None:
        with self._read() as con:
            return None if con is None else pd.read_sql_query(sql, con, params=list(params))

    def is_empty(self) -> bool:
        frame = self._query("SELECT count(*) AS n FROM areas")
        return frame is None or int(frame["n"].iloc[0]) == 0

    def version(self) -> str:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return "empty"
        return f"{st.st_mtime_ns:x}-{st.st_size:x}-{st.st_ino:x}"

    def areas(self, *, level: str | None = None, municipality: str | None = None,
              year: int | None = None, codes: Sequence[str] | None = None,
              geometry: bool = True, bbox: rows.BBox | None = None) -> gpd.GeoDataFrame:
        where, params = _area_filter(level, municipality, year)
        if bbox is not None:
            where, params = self._in_rtree(where, params, bbox)
        columns = ", ".join(AREA_COLUMNS) + (", geom" if geometry or bbox else "")
        frames = []
        for chunk_where, chunk_params in _with_codes(where, params, "code", codes):
            frame = self._query(f"SELECT {columns} FROM areas{chunk_where} ORDER BY code, year",
                                chunk_params)
            if frame is not None:
                frames.append(frame)
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=AREA_COLUMNS + (["geom"] if geometry or bbox else []))
        if bbox is None and not geometry:
            return gpd.GeoDataFrame(frame)
        found = gpd.GeoDataFrame(frame, geometry=gpkg_format.decode(frame.pop("geom").tolist()),
                                 crs=STORE_CRS)
        if bbox is not None:
            found = rows.intersecting(found, bbox)
        return found if geometry else gpd.GeoDataFrame(pd.DataFrame(found[AREA_COLUMNS]))

    def _in_rtree(self, where: str, params: list[Any],
                  bbox: rows.BBox) -> tuple[str, list[Any]]:
        """Narrow an area filter to the rows whose R-tree box meets ``bbox`` (a store written
        before the R-tree existed gets it on its next write; until then: every row)."""
        with self._read() as con:
            if con is None or not con.execute("SELECT 1 FROM sqlite_master WHERE name ="
                                              " 'rtree_areas_geom'").fetchone():
                return where, params
        clause = ("fid IN (SELECT id FROM rtree_areas_geom WHERE minx <= ? AND maxx >= ?"
                  " AND miny <= ? AND maxy >= ?)")
        minx, miny, maxx, maxy = bbox
        return (f"{where} AND {clause}" if where else f" WHERE {clause}",
                [*params, maxx, minx, maxy, miny])

    def area_years(self, *, level: str | None = None,
                   municipality: str | None = None) -> list[int]:
        where, params = _area_filter(level, municipality, None)
        frame = self._query(f"SELECT DISTINCT year FROM areas{where} ORDER BY year", params)
        return [] if frame is None else [int(y) for y in frame["year"]]

    def presence(self, *, indicators: Sequence[str] | None = None,
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
        return rows.presence(self.values(indicators=indicators, codes=codes))

    def values(self, *, indicators: Sequence[str] | None = None,
               codes: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
        clauses: list[str] = []
        params: list[Any] = []
        if indicators is not None:
            clauses.append(f"indicator IN ({','.join('?' * len(indicators))})")
            params.extend(indicators)
        if year is not None:
            clauses.append("year = ?")
            params.append(year)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        frames = []
        for chunk_where, chunk_params in _with_codes(where, params, "area_code", codes):
            frame = self._query(
                "SELECT area_code AS code, year, indicator, value, status,"
                " COALESCE(boundary_year, year) AS boundary_year FROM indicator_values"
                f"{chunk_where} ORDER BY area_code, indicator, year", chunk_params)
            if frame is not None:
                frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=VALUE_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        out["value"] = out["value"].astype(float)
        return out

    def value_years(self, *, indicators: Sequence[str] | None = None,
                    codes: Sequence[str] | None = None) -> list[int]:
        clause, params = "", []
        if indicators is not None:
            clause = f" WHERE indicator IN ({','.join('?' * len(indicators))})"
            params = list(indicators)
        years: set[int] = set()
        for where, chunk_params in _with_codes(clause, params, "area_code", codes):
            frame = self._query(f"SELECT DISTINCT year FROM indicator_values{where}",
                                chunk_params)
            if frame is not None:
                years.update(int(y) for y in frame["year"])
        return sorted(years)

    def indicators(self) -> pd.DataFrame:
        columns = ["id", "title_nl", "title_en", "unit", "kind", "tier", "source", "licence"]
        try:
            frame = self._query(f"SELECT {', '.join(columns)}, synthetic FROM indicators"
                                " ORDER BY id")
        except pd.errors.DatabaseError:  # a store from before the synthetic flag
            frame = self._query(f"SELECT {', '.join(columns)}, 0 AS synthetic FROM indicators")
        return frame if frame is not None else pd.DataFrame(columns=[*columns, "synthetic"])

    def ingest_log(self) -> pd.DataFrame:
        frame = self._query("SELECT fid AS id, * FROM ingest_log ORDER BY fid")
        return frame.drop(columns=["fid"]) if frame is not None else pd.DataFrame()

    def inventory(self) -> dict[str, pd.DataFrame]:
        """What the store holds, in counts: ``figures`` (ingest_id, boundary_year, code: every
        code with a figure that is not missing, per source and indeling) and ``points``
        (point_set, points)."""
        figures = self._query("SELECT DISTINCT ingest_id, COALESCE(boundary_year, year) AS "
                              "boundary_year, area_code AS code FROM indicator_values "
                              "WHERE status != 'missing'")
        counts = []
        for table in ("addresses", "energy_labels"):
            try:
                found = self._query(f"SELECT '{table}' AS point_set, count(*) AS points "
                                    f"FROM {table}")
            except sqlite3.OperationalError:  # a store from before the table existed
                continue
            if found is not None:
                counts.append(found)
        return {"figures": figures if figures is not None else pd.DataFrame(
                    columns=["ingest_id", "boundary_year", "code"]),
                "points": pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(
                    columns=["point_set", "points"])}

    def addresses(self, ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        columns = [*ADDRESS_COLUMNS, "geom"]
        frame = self._optional_chunks(f"SELECT {', '.join(columns)} FROM addresses", [],
                                      "vbo_id", ids, columns).sort_values("vbo_id")
        geoms = gpkg_format.decode(frame.pop("geom").tolist())
        return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geoms, crs=STORE_CRS)

    def addresses_in_postcode(self, postcode: str,
                              huisnummer: int | None = None) -> gpd.GeoDataFrame:
        columns = [*ADDRESS_COLUMNS, "geom"]
        low, high = postcode_range(postcode)
        where, params = "postcode >= ? AND postcode < ?", [low, high]
        if huisnummer is not None:
            where, params = where + " AND huisnummer = ?", [*params, str(huisnummer)]
        frame = self._query_optional(f"SELECT {', '.join(columns)} FROM addresses WHERE {where}"
                                     " ORDER BY postcode, huisnummer, vbo_id", columns, params)
        geoms = gpkg_format.decode(frame.pop("geom").tolist())
        return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geoms, crs=STORE_CRS)

    def labels(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        frame = self._optional_chunks(f"SELECT {', '.join(LABEL_COLUMNS)} FROM energy_labels",
                                      [], "vbo_id", ids, LABEL_COLUMNS)
        return frame.sort_values("vbo_id").reset_index(drop=True)

    def point_areas(self, point_set: str, *, level: str | None = None,
                    boundary_year: int | None = None,
                    area_codes: Sequence[str] | None = None) -> pd.DataFrame:
        where, params = ["point_set = ?"], [point_set]
        if level is not None:
            where.append("level = ?")
            params.append(level)
        if boundary_year is not None:
            where.append("boundary_year = ?")
            params.append(str(boundary_year))
        return self._optional_chunks(
            f"SELECT {', '.join(POINT_AREA_COLUMNS)} FROM point_areas WHERE "
            + " AND ".join(where), params, "area_code", area_codes, POINT_AREA_COLUMNS)

    def _optional_chunks(self, select: str, params: list[Any], column: str,
                         keys: Sequence[str] | None, columns: list[str]) -> pd.DataFrame:
        """:meth:`_query_optional` with a key filter split into chunks SQLite accepts."""
        where = select[select.index(" WHERE"):] if " WHERE" in select else ""
        head = select[:len(select) - len(where)]
        frames = [self._query_optional(head + chunk_where, columns, chunk_params)
                  for chunk_where, chunk_params in _with_codes(where, params, column, keys)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def _query_optional(self, sql: str, columns: list[str],
                        params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query on a table that stores written by older versions may not have yet."""
        try:
            frame = self._query(sql, params)
        except (sqlite3.OperationalError, pd.errors.DatabaseError) as exc:
            if "no such table" not in str(exc):
                raise
            frame = None
        return frame if frame is not None else pd.DataFrame(columns=columns)

    def register(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._optional_chunks(f"SELECT {', '.join(REGISTER_COLUMNS)} FROM area_register",
                                     [], "code", codes, REGISTER_COLUMNS)

    def links(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._optional_chunks(f"SELECT {', '.join(LINK_COLUMNS)} FROM area_links",
                                     [], "code", codes, LINK_COLUMNS)

    def event_registers(self) -> list[EventRegister]:
        frame = self._query_optional(f"SELECT {', '.join(REGISTER_ROW)} FROM event_registers"
                                     " ORDER BY name", REGISTER_ROW)
        return [EventRegister.from_row(row) for row in frame.to_dict("records")]

    def rasters(self) -> list[RasterSource]:
        frame = self._query_optional(f"SELECT {', '.join(RASTER_ROW)} FROM rasters"
                                     " ORDER BY name", RASTER_ROW)
        return [RasterSource.from_row(row) for row in frame.to_dict("records")]

    def holdings(self) -> pd.DataFrame:
        with self._read() as con:
            if con is None:
                return rows.holdings([])
            present = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            tables = [t for t in rows.HOLDING_TABLES if t in present]
            counts = [con.execute(f"SELECT ingest_id, '{t}', count(*) FROM {t}"
                                  " GROUP BY ingest_id").fetchall() for t in tables]
        return rows.holdings(r for found in counts for r in found)

    def rejects(self, ingest_id: int) -> pd.DataFrame:
        frame = self._query("SELECT row, code, reason FROM ingest_rejects WHERE ingest_id = ?"
                            " ORDER BY fid", [ingest_id])
        return frame if frame is not None else pd.DataFrame(columns=["row", "code", "reason"])


def _durable_replace(source: Path, target: Path) -> None:
    """Rename over the target after the data reached the disk, so a crash leaves old or new."""
    with open(source, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(source, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _area_filter(level: str | None, municipality: str | None,
                 year: int | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if level is not None:
        clauses.append("level = ?")
        params.append(level)
    if municipality is not None:
        clauses.append("(gemeente_code = ? OR code = ?)")
        params.extend([municipality, municipality])
    if year is not None:
        clauses.append("year = ?")
        params.append(year)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _with_codes(where: str, params: list[Any], column: str,
                codes: Sequence[str] | None) -> Iterator[tuple[str, list[Any]]]:
    """A code filter SQLite accepts: a few codes as parameters (the code index serves them),
    many as one JSON array parameter (one query instead of a chunk per 900: a national
    selection of 14,500 buurten reads in half the time)."""
    if codes is None:
        yield where, params
        return
    codes = list(codes)
    if len(codes) > _CHUNK:
        clause = f"{column} IN (SELECT value FROM json_each(?))"
        yield (f"{where} AND {clause}" if where else f" WHERE {clause}"), [
            *params, json.dumps(codes)]
        return
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start:start + _CHUNK]
        clause = f"{column} IN ({','.join('?' * len(chunk))})"
        joined = f"{where} AND {clause}" if where else f" WHERE {clause}"
        yield joined, [*params, *chunk]


def _write_batch(con: sqlite3.Connection, batch: IngestBatch) -> int:
    now = rows.now()
    cur = con.execute(f"INSERT INTO ingest_log ({', '.join(rows.LOG_COLUMNS)}) VALUES"
                      f" ({', '.join('?' * len(rows.LOG_COLUMNS))})", rows.log_row(batch, now))
    ingest_id = int(cur.lastrowid or 0)
    con.executemany("INSERT INTO ingest_rejects (ingest_id, row, code, reason) VALUES (?,?,?,?)",
                    rows.reject_rows(batch, ingest_id))
    con.executemany(
        f"INSERT INTO indicators ({', '.join(rows.INDICATOR_COLUMNS)}) VALUES"
        f" ({', '.join('?' * len(rows.INDICATOR_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c}=excluded.{c}" for c in rows.INDICATOR_COLUMNS[1:]),
        rows.indicator_rows(batch))
    if batch.areas is not None and len(batch.areas):
        _write_areas(con, batch.areas, ingest_id)
    if batch.addresses is not None and len(batch.addresses):
        _write_addresses(con, batch.addresses, ingest_id)
    if batch.labels is not None:
        con.execute("DELETE FROM energy_labels")
        _insert_rows(con, "energy_labels", batch.labels[LABEL_COLUMNS], ingest_id)
    if batch.point_areas is not None:
        for point_set in sorted(set(batch.point_areas["point_set"])):
            con.execute("DELETE FROM point_areas WHERE point_set = ?", (point_set,))
        _insert_rows(con, "point_areas", batch.point_areas[POINT_AREA_COLUMNS], None)
    for table, definition in rows.definitions(batch):
        _replace_definition(con, table, definition, ingest_id, now)
    for indicator in batch.replace_indicators:
        con.execute("DELETE FROM indicator_values WHERE indicator = ?", (indicator,))
    con.executemany(
        "INSERT INTO indicator_values (area_code, year, indicator, value, status, ingest_id,"
        " boundary_year) VALUES (?,?,?,?,?,?,?) ON CONFLICT (area_code, year, indicator) DO"
        " UPDATE SET value=excluded.value, status=excluded.status, ingest_id=excluded.ingest_id,"
        " boundary_year=excluded.boundary_year", rows.value_rows(batch.values, ingest_id))
    if batch.register is not None and len(batch.register):
        _write_register(con, batch.register, ingest_id)
    if batch.links is not None:
        _replace_links(con, batch.links, batch.linked_codes)
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now')")
    return ingest_id


def _replace_definition(con: sqlite3.Connection, table: str, definition: rows.Owner,
                        ingest_id: int, now: str) -> None:
    """An event register or raster replaces its previous definition of the same name: the
    values of every indicator that one owned go, and so do the records of indicators the new
    one no longer has (a class the new file lacks, a threshold dropped). Others are untouched."""
    columns, from_row = rows.DEFINITION_TABLES[table]
    old = con.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE name = ?",
                      (definition.name,)).fetchone()
    previous = None if old is None else from_row(dict(zip(columns, old, strict=True)))
    values_gone, indicators_gone = rows.definition_change(previous, definition)
    con.executemany("DELETE FROM indicator_values WHERE indicator = ?",
                    [(i,) for i in values_gone])
    con.executemany("DELETE FROM indicators WHERE id = ?", [(i,) for i in indicators_gone])
    row = {**definition.as_row(), "ingested_at": now, "ingest_id": ingest_id}
    con.execute(f"DELETE FROM {table} WHERE name = ?", (definition.name,))
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()))


def _remove_ingest(con: sqlite3.Connection, ingest_id: int) -> Removal:
    """Everything an ingest still holds, and what goes with it (Store.remove_ingest)."""
    entry = _removable(con, ingest_id)
    values_gone, records_gone, files = rows.owned(lambda table, columns: con.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE ingest_id = ?", (ingest_id,)))
    touched = {r[0] for r in con.execute("SELECT DISTINCT indicator FROM indicator_values"
                                         " WHERE ingest_id = ?", (ingest_id,))} | values_gone
    boundary_sets = con.execute("SELECT DISTINCT level, year FROM areas WHERE ingest_id = ?",
                                (ingest_id,)).fetchall()
    removed = dict.fromkeys(rows.REMOVAL_TABLES, 0)
    for table in rows.POINT_TABLES:  # before their points go
        removed["point_areas"] += con.execute(
            f"DELETE FROM point_areas WHERE point_set = ? AND point_id IN (SELECT vbo_id FROM"
            f" {table} WHERE ingest_id = ?)", (table, ingest_id)).rowcount
    removed["indicator_values"] = con.execute(
        "DELETE FROM indicator_values WHERE ingest_id = ? OR indicator IN (SELECT value FROM"
        " json_each(?))", (ingest_id, json.dumps(sorted(values_gone)))).rowcount
    for table in rows.HOLDING_TABLES:
        if table != "indicator_values":
            removed[table] = con.execute(f"DELETE FROM {table} WHERE ingest_id = ?",
                                         (ingest_id,)).rowcount
    for level, year in boundary_sets:  # the points of boundary sets left without areas
        removed["point_areas"] += con.execute(
            "DELETE FROM point_areas WHERE level = ? AND boundary_year = ? AND NOT EXISTS"
            " (SELECT 1 FROM areas WHERE level = ? AND year = ?)",
            (level, year, level, year)).rowcount
    removed["indicators"] = con.execute(
        "DELETE FROM indicators WHERE id IN (SELECT value FROM json_each(?)) OR (id IN (SELECT"
        " value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM indicator_values WHERE"
        " indicator = indicators.id))",
        (json.dumps(sorted(records_gone)), json.dumps(sorted(touched)))).rowcount
    removal = rows.removal(ingest_id, entry, removed, files)
    cur = con.execute(f"INSERT INTO ingest_log ({', '.join(rows.LOG_COLUMNS)}) VALUES"
                      f" ({', '.join('?' * len(rows.LOG_COLUMNS))})",
                      rows.removal_log_row(entry, removal.summary(), rows.now()))
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now')")
    return dataclasses.replace(removal, log_id=int(cur.lastrowid or 0))


def _removable(con: sqlite3.Connection, ingest_id: int) -> dict[str, Any]:
    """The log row of an ingest that may be removed; else the refusal (rows.check_removal)."""
    cur = con.execute("SELECT * FROM ingest_log WHERE fid = ?", (ingest_id,))
    found = cur.fetchone()
    entry = None if found is None else dict(zip([d[0] for d in cur.description], found,
                                                strict=True))
    held = {t: int(con.execute(f"SELECT count(*) FROM {t} WHERE ingest_id = ?",
                               (ingest_id,)).fetchone()[0]) for t in rows.HOLDING_TABLES}
    labels_on = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT l.ingest_id FROM energy_labels l JOIN addresses a ON a.vbo_id ="
        " l.vbo_id WHERE a.ingest_id = ? ORDER BY 1", (ingest_id,))]
    return rows.check_removal(ingest_id, entry, held, labels_on)


def _write_register(con: sqlite3.Connection, register: pd.DataFrame, ingest_id: int) -> None:
    """Codes and names per classification year; a later source fills in what an earlier one
    left empty and overrides the rest (ingest refuses a table that renames a known code)."""
    con.executemany(
        "INSERT INTO area_register (code, year, level, name, changed, ingest_id)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT (code, year) DO UPDATE SET"
        " name=COALESCE(excluded.name, name), changed=COALESCE(excluded.changed, changed),"
        " ingest_id=excluded.ingest_id", rows.register_rows(register, ingest_id))


def _replace_links(con: sqlite3.Connection, links: pd.DataFrame,
                   codes: Sequence[str]) -> None:
    """The links of ``codes`` are recomputed as a whole by each ingest that touches them."""
    con.executemany("DELETE FROM area_links WHERE code = ?", [(c,) for c in codes])
    _insert_rows(con, "area_links", links[LINK_COLUMNS], None)


def _write_areas(con: sqlite3.Connection, areas: gpd.GeoDataFrame, ingest_id: int) -> None:
    geoms, found = rows.area_rows(areas)
    con.executemany(
        "INSERT INTO areas (geom, code, year, level, name, gemeente_code, wijk_code,"
        " gemeente_name, ingest_id) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (code, year) DO"
        " UPDATE SET geom=excluded.geom, level=excluded.level, name=excluded.name,"
        " gemeente_code=excluded.gemeente_code, wijk_code=excluded.wijk_code,"
        " gemeente_name=excluded.gemeente_name, ingest_id=excluded.ingest_id",
        [(blob, *r, ingest_id) for blob, r in zip(gpkg_format.encode(geoms), found,
                                                  strict=True)])
    _grow_extent(con, tuple(float(b) for b in areas.total_bounds))


def _insert_rows(con: sqlite3.Connection, table: str, frame: pd.DataFrame,
                 ingest_id: int | None) -> None:
    columns = list(frame.columns) + (["ingest_id"] if ingest_id is not None else [])
    extra = (ingest_id,) if ingest_id is not None else ()
    con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                    f"({', '.join('?' * len(columns))})", (r + extra for r in rows.plain(frame)))


def _write_addresses(con: sqlite3.Connection, addresses: gpd.GeoDataFrame,
                     ingest_id: int) -> None:
    blobs = gpkg_format.encode(addresses.geometry.to_numpy())
    names = ", ".join(ADDRESS_COLUMNS)
    updates = ", ".join(f"{c}=excluded.{c}" for c in ADDRESS_COLUMNS[1:])
    con.executemany(
        f"INSERT INTO addresses (geom, {names}, ingest_id) VALUES "
        f"(?, {', '.join('?' * len(ADDRESS_COLUMNS))}, ?) ON CONFLICT (vbo_id) DO UPDATE SET "
        f"geom=excluded.geom, {updates}, ingest_id=excluded.ingest_id",
        ((blob, *row, ingest_id) for blob, row in zip(blobs, rows.plain(addresses[ADDRESS_COLUMNS]),
                                                      strict=True)))
    _grow_extent(con, tuple(float(b) for b in addresses.total_bounds), "addresses")


def _grow_extent(con: sqlite3.Connection, bounds: tuple[float, ...],
                 table: str = "areas") -> None:
    """Keep the layer extent in gpkg_contents covering every stored feature (GIS clients use it)."""
    old = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents"
                      " WHERE table_name = ?", (table,)).fetchone()
    if old and old[0] is not None:
        bounds = (min(old[0], bounds[0]), min(old[1], bounds[1]),
                  max(old[2], bounds[2]), max(old[3], bounds[3]))
    con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?"
                " WHERE table_name = ?", (*bounds, table))
