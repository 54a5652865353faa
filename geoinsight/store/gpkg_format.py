"""The GeoPackage 1.3 pieces the store needs: schema and the geometry blob codec.

Written against the OGC GeoPackage encoding standard rather than through GDAL so that the store
controls its own transactions; the result opens as ordinary layers in ``ogrinfo`` and QGIS
(``tests/test_store.py`` checks that with GDAL).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0
SRS_ID = 28992
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

#: (table, description, CREATE statement) for the attribute (non-spatial) tables.
ATTRIBUTE_TABLES: tuple[tuple[str, str, str], ...] = (
    ("indicator_values", "Indicator values per area and year (long form)", """
        CREATE TABLE indicator_values (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          area_code TEXT NOT NULL, year INTEGER NOT NULL, indicator TEXT NOT NULL,
          value REAL, status TEXT NOT NULL
            CHECK (status IN ('ok', 'missing', 'secret', 'estimated')),
          ingest_id INTEGER NOT NULL, boundary_year INTEGER,
          UNIQUE (area_code, year, indicator))"""),
    ("area_register", "Area codes and names per classification year, from boundary files and"
     " tables", """
        CREATE TABLE area_register (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, code TEXT NOT NULL,
          year INTEGER NOT NULL, level TEXT NOT NULL, name TEXT, changed INTEGER,
          ingest_id INTEGER NOT NULL, UNIQUE (code, year))"""),
    ("area_links", "Whether a code names the same area in two classification years", """
        CREATE TABLE area_links (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, code TEXT NOT NULL,
          year_a INTEGER NOT NULL, year_b INTEGER NOT NULL, relation TEXT NOT NULL
            CHECK (relation IN ('same', 'different', 'unproven')),
          reason TEXT NOT NULL DEFAULT '', UNIQUE (code, year_a, year_b))"""),
    ("indicators", "Indicator metadata", """
        CREATE TABLE indicators (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL UNIQUE,
          title_nl TEXT NOT NULL, title_en TEXT NOT NULL, unit TEXT NOT NULL,
          kind TEXT NOT NULL, tier TEXT NOT NULL, source TEXT NOT NULL, licence TEXT NOT NULL,
          synthetic INTEGER NOT NULL DEFAULT 0)"""),
    ("ingest_log", "One row per ingest: file, checksum, row counts", """
        CREATE TABLE ingest_log (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
          file TEXT NOT NULL, checksum TEXT NOT NULL, year INTEGER,
          rows_read INTEGER NOT NULL, rows_stored INTEGER NOT NULL,
          rows_repaired INTEGER NOT NULL, rows_rejected INTEGER NOT NULL,
          rows_skipped INTEGER NOT NULL, notes TEXT NOT NULL DEFAULT '')"""),
    ("ingest_rejects", "Rows an ingest did not store, and why", """
        CREATE TABLE ingest_rejects (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, ingest_id INTEGER NOT NULL,
          row TEXT NOT NULL, code TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL)"""),
)

#: (table, geometry type, description, CREATE statement) for the feature (spatial) tables.
FEATURE_TABLES: tuple[tuple[str, str, str, str], ...] = (
    ("areas", "MULTIPOLYGON", "CBS gemeenten, wijken and buurten by year", """
        CREATE TABLE areas (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON NOT NULL,
          code TEXT NOT NULL, year INTEGER NOT NULL, level TEXT NOT NULL
            CHECK (level IN ('gemeente', 'wijk', 'buurt')),
          name TEXT, gemeente_code TEXT, wijk_code TEXT, ingest_id INTEGER NOT NULL,
          gemeente_name TEXT, UNIQUE (code, year))"""),
    ("addresses", "POINT", "BAG verblijfsobjecten (address points)", """
        CREATE TABLE addresses (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT NOT NULL,
          vbo_id TEXT NOT NULL UNIQUE, postcode TEXT, huisnummer INTEGER, huisletter TEXT,
          toevoeging TEXT, gebruiksdoel TEXT, bouwjaar INTEGER, status TEXT,
          oppervlakte REAL, ingest_id INTEGER NOT NULL)"""),
)

#: Point sets whose points get an area per level and boundary year (table point_areas).
_MORE_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("energy_labels", "EP-Online energy labels, newest per object, located on a BAG address", """
        CREATE TABLE energy_labels (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, vbo_id TEXT NOT NULL UNIQUE,
          energy_class TEXT NOT NULL, energy_index REAL, building_class TEXT,
          building_type TEXT, building_subtype TEXT, method TEXT, assessed TEXT,
          registered TEXT, valid_until TEXT, located_by TEXT NOT NULL,
          synthetic INTEGER NOT NULL DEFAULT 0, ingest_id INTEGER NOT NULL)"""),
    ("point_areas", "The area each point lies in, per level and boundary year", """
        CREATE TABLE point_areas (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, point_set TEXT NOT NULL,
          point_id TEXT NOT NULL, level TEXT NOT NULL, boundary_year INTEGER NOT NULL,
          area_code TEXT NOT NULL, UNIQUE (point_set, point_id, level, boundary_year))"""),
    ("event_registers", "Own event registers (ingest events --name): title, theme, tier, the"
     " classes counted and the category mapping, source file", """
        CREATE TABLE event_registers (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name TEXT NOT NULL UNIQUE,
          title_nl TEXT NOT NULL, title_en TEXT NOT NULL, theme TEXT NOT NULL,
          tier TEXT NOT NULL CHECK (tier IN ('open', 'internal', 'restricted')),
          classes TEXT NOT NULL, categories TEXT NOT NULL, source_file TEXT NOT NULL,
          synthetic INTEGER NOT NULL DEFAULT 0, ingested_at TEXT NOT NULL,
          ingest_id INTEGER NOT NULL)"""),
    ("rasters", "Rasters (ingest raster --name): title, unit, theme, tier, band, thresholds,"
     " source file and checksum, the kept GeoTIFF and what it is", """
        CREATE TABLE rasters (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name TEXT NOT NULL UNIQUE,
          title_nl TEXT NOT NULL, title_en TEXT NOT NULL, unit TEXT NOT NULL,
          theme TEXT NOT NULL,
          tier TEXT NOT NULL CHECK (tier IN ('open', 'internal', 'restricted')),
          about TEXT NOT NULL CHECK (about IN ('land', 'persons')), band INTEGER NOT NULL,
          thresholds TEXT NOT NULL, year INTEGER NOT NULL, source TEXT NOT NULL,
          licence TEXT NOT NULL, source_file TEXT NOT NULL, checksum TEXT NOT NULL,
          file TEXT NOT NULL, detail TEXT NOT NULL, synthetic INTEGER NOT NULL DEFAULT 0,
          ingested_at TEXT NOT NULL, ingest_id INTEGER NOT NULL)"""),
)
ATTRIBUTE_TABLES = ATTRIBUTE_TABLES + _MORE_ATTRIBUTES

_BASE_DDL = (
    """CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)
#: Columns added after a table first shipped: (table, column, declaration).
_ADDED_COLUMNS = (("indicators", "synthetic", "INTEGER NOT NULL DEFAULT 0"),
                  ("areas", "gemeente_name", "TEXT"),
                  # stores from before it: the figure's own year (a CBS table's classification)
                  ("indicator_values", "boundary_year", "INTEGER"))
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS areas_level_year ON areas (level, year, gemeente_code)",
    "CREATE INDEX IF NOT EXISTS values_code_year ON indicator_values (area_code, year)",
    "CREATE INDEX IF NOT EXISTS values_indicator ON indicator_values (indicator, year)",
    "CREATE INDEX IF NOT EXISTS addresses_key ON addresses (postcode, huisnummer)",
    # by area too: a custom area reads only the points of the areas it meets
    "DROP INDEX IF EXISTS point_areas_set",
    "CREATE INDEX IF NOT EXISTS point_areas_area ON point_areas (point_set, level, boundary_year,"
    " area_code)",
)


#: feature tables with a GeoPackage R-tree spatial index (extension ``gpkg_rtree_index``)
RTREE_TABLES = ("areas",)
_RTREE_URL = "http://www.geopackage.org/spec120/#extension_rtree"
_EXTENSIONS_DDL = """CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"""
_BOX = "ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
#: the triggers of the GeoPackage R-tree extension that keep ``rtree_<t>_geom`` in step with
#: ``<t>``: those of GeoPackage 1.4 (update6/update7 instead of 1.3's update1, whose INSERT OR
#: REPLACE fails inside an upsert; GDAL writes the same set)
_RTREE_TRIGGERS = (
    ("insert", "AFTER INSERT ON {t} WHEN (NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))",
     "INSERT OR REPLACE INTO rtree_{t}_geom VALUES (NEW.fid, " + _BOX + ");"),
    ("update6", "AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND"
     " (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) AND"
     " (OLD.geom NOTNULL AND NOT ST_IsEmpty(OLD.geom))",
     "UPDATE rtree_{t}_geom SET minx = ST_MinX(NEW.geom), maxx = ST_MaxX(NEW.geom),"
     " miny = ST_MinY(NEW.geom), maxy = ST_MaxY(NEW.geom) WHERE id = NEW.fid;"),
    ("update7", "AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND"
     " (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) AND"
     " (OLD.geom ISNULL OR ST_IsEmpty(OLD.geom))",
     "INSERT INTO rtree_{t}_geom VALUES (NEW.fid, " + _BOX + ");"),
    ("update2", "AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND"
     " (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))",
     "DELETE FROM rtree_{t}_geom WHERE id = OLD.fid;"),
    ("update5", "AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND"
     " (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))",
     "DELETE FROM rtree_{t}_geom WHERE id = OLD.fid; INSERT INTO rtree_{t}_geom"
     " VALUES (NEW.fid, " + _BOX + ");"),
    ("update4", "AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND"
     " (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))",
     "DELETE FROM rtree_{t}_geom WHERE id IN (OLD.fid, NEW.fid);"),
    ("delete", "AFTER DELETE ON {t} WHEN OLD.geom NOT NULL",
     "DELETE FROM rtree_{t}_geom WHERE id = OLD.fid;"),
)


def create_schema(con: sqlite3.Connection) -> None:
    """Create an empty GeoInsight GeoPackage in an open, empty database."""
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in _BASE_DDL:
        con.execute(statement)
    rd = CRS.from_epsg(SRS_ID)
    con.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
         ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
         ("WGS 84 geodetic", 4326, "EPSG", 4326, CRS.from_epsg(4326).to_wkt("WKT1_GDAL"),
          "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
         ("Amersfoort / RD New", SRS_ID, "EPSG", SRS_ID, rd.to_wkt("WKT1_GDAL"),
          "Rijksdriehoekstelsel, the Dutch national grid")])
    ensure_tables(con)


def ensure_tables(con: sqlite3.Connection) -> None:
    """Add every table this version knows and the file lacks (older stores grow, never lose)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    for name, geometry_type, description, ddl in FEATURE_TABLES:
        if name in have:
            continue
        con.execute(ddl)
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
                    " srs_id) VALUES (?, 'features', ?, ?, ?)", (name, name, description, SRS_ID))
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                    (name, geometry_type, SRS_ID))
    for name, description, ddl in ATTRIBUTE_TABLES:
        if name in have:
            continue
        con.execute(ddl)
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description)"
                    " VALUES (?, 'attributes', ?, ?)", (name, name, description))
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    for statement in _INDEXES:
        con.execute(statement)
    for table in RTREE_TABLES:
        ensure_rtree(con, table)


def ensure_rtree(con: sqlite3.Connection, table: str) -> None:
    """Give a feature table its R-tree (filled from the rows it already has) when it lacks one.
    The triggers call the ST_ functions of the spec: :func:`register_functions` first."""
    con.execute(_EXTENSIONS_DDL)
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                   (f"rtree_{table}_geom",)).fetchone():
        return
    con.execute(f"CREATE VIRTUAL TABLE rtree_{table}_geom USING rtree(id, minx, maxx, miny, maxy)")
    con.execute(f"INSERT OR REPLACE INTO rtree_{table}_geom SELECT fid, ST_MinX(geom),"
                f" ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM {table}"
                " WHERE geom NOT NULL AND NOT ST_IsEmpty(geom)")
    for name, when, body in _RTREE_TRIGGERS:
        con.execute(f"CREATE TRIGGER rtree_{table}_geom_{name} {when.format(t=table)}"
                    f" BEGIN {body.format(t=table)} END")
    con.execute("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index',"
                " ?, 'write-only')", (table, _RTREE_URL))


def register_functions(con: sqlite3.Connection) -> None:
    """The SQL functions the R-tree triggers call (GDAL registers its own when it writes)."""
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        con.create_function(name, 1, lambda blob, i=i: _bounds(blob)[i], deterministic=True)
    con.create_function("ST_IsEmpty", 1,
                        lambda blob: None if blob is None else int(_is_empty(blob)),
                        deterministic=True)


def _is_empty(blob: bytes) -> bool:
    return bool(blob[3] & 0b10000) or shapely.from_wkb(_wkb(blob)).is_empty


def _bounds(blob: bytes | None) -> tuple[float | None, ...]:
    """(minx, miny, maxx, maxy) of a blob: from its envelope, else from its geometry."""
    if blob is None:
        return (None,) * 4
    if (blob[3] >> 1) & 0b111:
        minx, maxx, miny, maxy = struct.unpack_from("<4d" if blob[3] & 1 else ">4d", blob, 8)
        return minx, miny, maxx, maxy
    return tuple(float(b) for b in shapely.from_wkb(_wkb(blob)).bounds)


def _wkb(blob: bytes) -> bytes:
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]:]


def encode(geoms: Sequence[shapely.Geometry] | np.ndarray, srs_id: int = SRS_ID) -> list[bytes]:
    """Shapely geometries to GeoPackage blobs (little-endian header with an XY envelope)."""
    arr = np.asarray(geoms, dtype=object)
    wkbs = shapely.to_wkb(arr, byte_order=1, flavor="iso")
    bounds = shapely.bounds(arr)
    return [struct.pack("<2sBBi4d", b"GP", 0, 0b011, srs_id, b[0], b[2], b[1], b[3]) + w
            for w, b in zip(wkbs, bounds, strict=True)]


def decode(blobs: Sequence[bytes]) -> np.ndarray:
    """GeoPackage blobs to shapely geometries."""
    return shapely.from_wkb([_wkb(blob) for blob in blobs])
