"""An uploaded GeoPackage read by GeoInsight itself, with SQLite's own brakes on.

Why not GDAL: opening a GeoPackage, GDAL lists every layer of ``gpkg_contents`` (views
included), counts features and may run the statements behind them, before a caller can say
"at most 1,000 features". A view over ``WITH RECURSIVE`` is then millions of rows from a
100 kB file. Reading the few things an area needs (one table's geometry blobs and its CRS) takes
a page of code, and every statement it runs is ours: a ``SELECT`` of one column from a table
that ``sqlite_master`` says is a plain table, with a ``LIMIT``.

The connection follows SQLite's advice for files from strangers ("Defense against the dark
arts", sqlite.org/security.html): read-only and immutable, ``trusted_schema`` off (functions in
the file's schema do not run), no string or blob longer than the upload, ``quick_check`` first,
and a progress handler that stops any statement past the instruction budget or the deadline.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geoinsight.errors import BadRequest, GeoInsightError
from geoinsight.uploads import SQLITE_STEP, Budget

#: bytes of the envelope after the 8-byte header, by the envelope indicator of the flags
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
#: geometry types an area layer may declare (GEOMETRY: any; GDAL writes it for mixed layers)
_AREA_TYPES = {"POLYGON", "MULTIPOLYGON", "GEOMETRY", "CURVEPOLYGON", "MULTISURFACE",
               "SURFACE"}
_METADATA = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys")


def read_geopackage(path: Path, budget: Budget) -> tuple[list[shapely.Geometry], CRS | None]:
    """The geometries of the first polygon table of a GeoPackage, and its CRS (None: unknown)."""
    con = _connect(path, budget)
    try:
        table, column, srs_id = _feature_table(con)
        crs = _crs(con, srs_id)
        return _geometries(con, table, column, budget), crs
    except sqlite3.DatabaseError as exc:
        raise _refusal(exc, budget) from None
    finally:
        con.close()


def _refusal(exc: sqlite3.DatabaseError, budget: Budget) -> GeoInsightError:
    """'interrupted' is our progress handler at work; anything else is a file SQLite refuses."""
    if isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc):
        return budget.too_slow()
    return BadRequest(f"the GeoPackage cannot be read: {exc}", code="bad_upload")


def _connect(path: Path, budget: Budget) -> sqlite3.Connection:
    """A read-only connection that runs nothing from the file and stops when told."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, budget.limits.max_bytes)
        con.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        for pragma in ("trusted_schema = OFF", "query_only = ON", "mmap_size = 0",
                       "cell_size_check = ON"):
            con.execute(f"PRAGMA {pragma}")

        def progress() -> int:
            budget.stats.sqlite_steps += SQLITE_STEP
            return int(budget.stats.sqlite_steps > budget.limits.sqlite_steps
                       or budget.out_of_time())

        con.set_progress_handler(progress, SQLITE_STEP)
        status = con.execute("PRAGMA quick_check(1)").fetchone()
        if not status or status[0] != "ok":
            raise BadRequest("the GeoPackage is damaged (SQLite quick_check failed)",
                             code="bad_upload")
    except sqlite3.DatabaseError as exc:
        con.close()
        raise _refusal(exc, budget) from None
    except BaseException:
        con.close()
        raise
    return con


def _plain_tables(con: sqlite3.Connection) -> set[str]:
    """Tables that are stored rows: not views, not virtual tables (whose module runs code)."""
    rows = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' LIMIT 10000")
    return {str(name) for name, sql in rows
            if not str(sql or "").lstrip().upper().startswith("CREATE VIRTUAL")}


def _feature_table(con: sqlite3.Connection) -> tuple[str, str, int]:
    """The first features table of ``gpkg_contents`` that is a plain table of polygons."""
    tables = _plain_tables(con)
    missing = [name for name in _METADATA if name not in tables]
    if missing:
        raise BadRequest(f"the file is not a GeoPackage: {', '.join(missing)} is not a table",
                         code="bad_upload")
    rows = con.execute(
        "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id "
        "FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "WHERE lower(c.data_type) = 'features' ORDER BY c.rowid LIMIT 1000").fetchall()
    layers = [(str(t), str(c), str(kind or "").upper(), int(srs or 0))
              for t, c, kind, srs in rows]
    for table, column, kind, srs_id in layers:
        if table in tables and kind in _AREA_TYPES:
            return table, column, srs_id
    views = [t for t, *_ in layers if t not in tables]
    if views:
        raise BadRequest(f"the GeoPackage layer {views[0]!r} is not a table (a view or a "
                         "virtual table); only plain tables are read: save the layer as a "
                         "table", code="not_a_table")
    raise BadRequest("the GeoPackage has no polygon layer", code="not_a_polygon")


def _crs(con: sqlite3.Connection, srs_id: int) -> CRS | None:
    """The layer's CRS: by EPSG code where it has one, else from its WKT. 0 and -1 are the
    GeoPackage's 'undefined' systems: the caller's ``crs`` (or CRS84) applies."""
    if srs_id in (0, -1):
        return None
    row = con.execute("SELECT organization, organization_coordsys_id, definition "
                      "FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)).fetchone()
    if row is None:
        raise BadRequest(f"the GeoPackage names CRS {srs_id} but does not define it",
                         code="bad_crs")
    organization, code, definition = row
    try:
        if str(organization or "").upper() == "EPSG" and code:
            return CRS.from_epsg(int(code))
        return CRS.from_wkt(str(definition))
    except (CRSError, ValueError, TypeError) as exc:
        raise BadRequest(f"the file's coordinate system cannot be used: {exc}",
                         code="bad_crs") from None


def _geometries(con: sqlite3.Connection, table: str, column: str,
                budget: Budget) -> list[shapely.Geometry]:
    """Geometry blobs one row at a time, counted as they come: the first row past the feature
    or vertex limit ends the read."""
    cursor = con.execute(f"SELECT {_quoted(column)} FROM {_quoted(table)} LIMIT ?",
                         (budget.limits.max_features + 1,))
    out = []
    for (blob,) in cursor:
        geometry = _geometry(blob)
        budget.take(geometry)
        if geometry is not None:
            out.append(geometry)
    return out


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _geometry(blob: object) -> shapely.Geometry | None:
    """A GeoPackage geometry blob (header, envelope, WKB) as a geometry; None when empty."""
    if blob is None:
        return None
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        raise BadRequest("a geometry in the GeoPackage is not a GeoPackage geometry blob",
                         code="bad_upload")
    flags = blob[3]
    envelope = _ENVELOPE.get((flags >> 1) & 0x07)
    if envelope is None or flags & 0x20:
        raise BadRequest("a geometry in the GeoPackage has an unknown header (extended "
                         "geometries are not read)", code="bad_upload")
    if flags & 0x10:
        return None
    if len(blob) <= 8 + envelope:
        raise BadRequest("a geometry in the GeoPackage is cut short", code="bad_upload")
    try:
        return shapely.from_wkb(blob[8 + envelope:])
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise BadRequest(f"a geometry in the GeoPackage cannot be read: {exc}",
                         code="bad_upload") from None
