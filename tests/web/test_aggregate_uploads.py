"""Uploads to POST /api/aggregate are read with bounds: the red team's small files that asked
for unbounded work are refused with a clear 400/413, and the reader's own counters
(:class:`geoinsight.uploads.ReadStats`, kept on ``g.upload_read``) show it stopped early."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask, g

from geoinsight.area_input import area_from_upload
from geoinsight.uploads import ReadStats, UploadLimits

URL = "/api/aggregate"
BOX = shapely.box(84000, 446000, 84100, 446100)  # a hectare of Delft, in RD New
VIEW_ROWS = 3_000_000


def gpkg_blob(geometry: shapely.Geometry) -> bytes:
    """A GeoPackage geometry blob: 'GP', version 0, flags (little-endian, no envelope), srs."""
    return b"GP\x00\x01" + struct.pack("<i", 28992) + shapely.to_wkb(geometry, byte_order=1)


def new_gpkg(path: Path) -> sqlite3.Connection:
    """The three metadata tables of a GeoPackage, with RD New: enough for GDAL to open it."""
    con = sqlite3.connect(path)
    con.executescript("""
        PRAGMA application_id = 1196444487;
        PRAGMA user_version = 10300;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
          organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
          definition TEXT NOT NULL, description TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES
          ('Amersfoort / RD New', 28992, 'EPSG', 28992, 'undefined', NULL);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
          data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
          last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
          srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,
          column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
          z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
    """)
    return con


def register(con: sqlite3.Connection, table: str) -> None:
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES (?, 'features', ?, 28992)", (table, table))
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 28992, 0, 0)",
                (table,))


def view_sql(rows: int) -> str:
    """A recursive CTE of ``rows`` rows, each one copy of BOX."""
    return (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
            f"SELECT i AS fid, X'{gpkg_blob(BOX).hex()}' AS geom FROM n")


def cte_gpkg(path: Path) -> bytes:
    """The red team's file: one layer, a view that yields three million rows."""
    con = new_gpkg(path)
    con.execute(f"CREATE VIEW area AS {view_sql(VIEW_ROWS)}")
    register(con, "area")
    con.commit()
    con.close()
    return path.read_bytes()


def table_gpkg(path: Path, geometries: list[shapely.Geometry]) -> bytes:
    con = new_gpkg(path)
    con.execute("CREATE TABLE area (fid INTEGER PRIMARY KEY, geom BLOB)")
    con.executemany("INSERT INTO area (geom) VALUES (?)", [(gpkg_blob(x),) for x in geometries])
    register(con, "area")
    con.commit()
    con.close()
    return path.read_bytes()


def upload(app: Flask, data: bytes, name: str) -> tuple[Any, ReadStats]:
    """POST a file; the answer and the reader's counters of that request."""
    with app.test_client() as client:
        response = client.post(URL, data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        return response, g.upload_read


def error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert (body["status"], body["code"]) == (status, code), body
    return str(body["message"])


def steps(path: Path, sql: str) -> int:
    """SQLite instructions a statement takes, counted as the bounded reader counts them."""
    count = [0]

    def tick() -> int:
        count[0] += 1000
        return 0

    con = sqlite3.connect(path)
    con.set_progress_handler(tick, 1000)
    con.execute(sql).fetchall()
    con.close()
    return count[0]


# --- GeoPackage ------------------------------------------------------------------------------


def test_a_view_over_a_recursive_cte_is_refused_unread(app: Flask, tmp_path: Path) -> None:
    data = cte_gpkg(tmp_path / "bomb.gpkg")
    assert len(data) < 100_000
    response, read = upload(app, data, "bomb.gpkg")
    message = error(response, 400, "not_a_table")
    assert "'area'" in message and "view" in message
    # not one row of the view was produced: no feature taken, and fewer SQLite instructions
    # for the whole read than the view needs for a thousandth of its rows
    assert (read.features, read.vertices) == (0, 0)
    thousandth = steps(tmp_path / "bomb.gpkg", f"SELECT geom FROM area LIMIT {VIEW_ROWS // 1000}")
    assert read.sqlite_steps < thousandth and thousandth >= 10_000


def test_metadata_tables_must_be_tables(app: Flask, tmp_path: Path) -> None:
    """gpkg_contents as a view over the same CTE: refused before it is read."""
    path = tmp_path / "contents.gpkg"
    con = new_gpkg(path)
    con.executescript(f"""
        CREATE TABLE area (fid INTEGER PRIMARY KEY, geom BLOB);
        DROP TABLE gpkg_contents;
        CREATE VIEW gpkg_contents AS SELECT 'area' AS table_name, 'features' AS data_type,
          'area' AS identifier, i AS rowid FROM ({view_sql(VIEW_ROWS)});""")
    con.close()
    response, read = upload(app, path.read_bytes(), "contents.gpkg")
    assert "gpkg_contents is not a table" in error(response, 400, "bad_upload")
    assert read.features == 0 and read.sqlite_steps < 100_000


def test_features_are_counted_while_read(app: Flask, tmp_path: Path) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_features
    boxes = [shapely.box(84000 + i, 446000, 84001 + i, 446001) for i in range(5 * limit)]
    response, read = upload(app, table_gpkg(tmp_path / "many.gpkg", boxes), "many.gpkg")
    assert f"more than {limit:,} features" in error(response, 400, "too_many_features")
    assert read.features == limit + 1  # stopped at the first feature past the limit


def test_vertices_are_counted_while_read(app: Flask, tmp_path: Path) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_vertices
    circles = [shapely.Point(84000 + 10 * i, 446000).buffer(4, quad_segs=250)
               for i in range(40)]  # 1,001 vertices each, 40,040 in the file
    response, read = upload(app, table_gpkg(tmp_path / "dense.gpkg", circles), "dense.gpkg")
    assert f"at most {limit:,}" in error(response, 400, "too_many_vertices")
    assert read.features == limit // 1001 + 1 < len(circles)
    assert limit < read.vertices <= limit + 1001


def test_the_sqlite_work_budget_stops_a_read(tmp_path: Path) -> None:
    """The budget of SQLite instructions (not the clock) ends a read that would take long."""
    boxes = [shapely.box(84000 + i, 446000, 84001 + i, 446001) for i in range(3000)]
    data = table_gpkg(tmp_path / "slow.gpkg", boxes)
    limits = UploadLimits(max_features=10_000, max_vertices=100_000, sqlite_steps=20_000)
    read = ReadStats()
    with pytest.raises(Exception, match="too much work") as caught:
        area_from_upload(data, "slow.gpkg", None, limits, read)
    assert getattr(caught.value, "code", None) == "too_complex"
    assert read.sqlite_steps == 21_000 and read.features < len(boxes)
    relaxed = ReadStats()  # the same file within the default budget reads
    area = area_from_upload(data, "slow.gpkg", None, UploadLimits(max_features=10_000,
                                                                  max_vertices=100_000), relaxed)
    assert relaxed.features == len(boxes) and area.vertices == 5 * len(boxes)


def test_the_deadline_stops_a_read(tmp_path: Path) -> None:
    """A deadline that has passed before the first check: refused the same way."""
    boxes = [shapely.box(84000 + i, 446000, 84001 + i, 446001) for i in range(3000)]
    data = table_gpkg(tmp_path / "late.gpkg", boxes)
    with pytest.raises(Exception, match="too much work"):
        area_from_upload(data, "late.gpkg", None,
                         UploadLimits(max_features=10_000, max_vertices=100_000,
                                      read_seconds=1e-9))


def test_a_plain_table_gpkg_reads(app: Flask, tmp_path: Path) -> None:
    response, read = upload(app, table_gpkg(tmp_path / "ok.gpkg", [BOX]), "ok.gpkg")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["area"]["area_m2"] == pytest.approx(10_000)
    assert (read.features, read.vertices) == (1, 5)


# --- zipped Shapefiles -----------------------------------------------------------------------


def shapefile_parts(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame(geometry=[BOX], crs="EPSG:28992").to_file(folder / "area.shp")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_unpacking(app: Flask, tmp_path: Path) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_unzipped_bytes
    parts = shapefile_parts(tmp_path)
    bomb = zipped({**parts, "area.dbf": b"\0" * (limit + 1)})
    assert len(bomb) < 100_000
    response, read = upload(app, bomb, "area.zip")
    assert f"at most {limit:,}" in error(response, 413, "too_large")
    assert read.unzipped_bytes == 0


def test_a_zip_that_lies_about_its_size_stops_at_the_limit(tmp_path: Path) -> None:
    """Sizes in the central directory patched small: unpacking counts what really comes out."""
    parts = shapefile_parts(tmp_path)
    limits = UploadLimits(max_unzipped_bytes=1_000_000)
    data = bytearray(zipped({**parts, "area.dbf": b"\0" * 3_000_000}))
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"area.dbf"))  # area.dbf's entry
    assert data[central + 46:central + 54] == b"area.dbf"
    data[central + 24:central + 28] = struct.pack("<I", 100)  # 'uncompressed size: 100'
    read = ReadStats()
    with pytest.raises(Exception) as caught:
        area_from_upload(bytes(data), "area.zip", None, limits, read)
    assert getattr(caught.value, "status", None) in (400, 413)
    assert read.unzipped_bytes <= limits.max_unzipped_bytes + 64 * 1024


@pytest.mark.parametrize("name", ["../../area.shp", "/tmp/area.shp", "C:/area.shp",
                                  "..\\..\\area.shp"])
def test_a_zip_path_outside_its_folder_is_refused(app: Flask, tmp_path: Path,
                                                  name: str) -> None:
    parts = shapefile_parts(tmp_path)
    members = {k: v for k, v in parts.items() if k != "area.shp"} | {name: parts["area.shp"]}
    response, read = upload(app, zipped(members), "area.zip")
    assert "outside its own folder" in error(response, 400, "bad_upload")
    assert read.unzipped_bytes == 0


def test_a_zip_of_many_members_is_refused(app: Flask, tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path)
    members = parts | {f"readme{i}.txt": b"x" for i in range(200)}
    response, _ = upload(app, zipped(members), "area.zip")
    assert "entries" in error(response, 400, "bad_upload")


def test_a_zipped_shapefile_reads_counting(app: Flask, tmp_path: Path) -> None:
    response, read = upload(app, zipped(shapefile_parts(tmp_path)), "area.zip")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (read.features, read.vertices) == (1, 5) and read.unzipped_bytes > 0


# --- GeoJSON ---------------------------------------------------------------------------------


def feature(geometry: shapely.Geometry) -> dict[str, Any]:
    return {"type": "Feature", "properties": {}, "geometry": json.loads(
        shapely.to_geojson(geometry))}


def test_geojson_nesting_is_refused_in_a_file(app: Flask) -> None:
    box = json.loads(shapely.to_geojson(BOX))
    nested = ('{"type": "GeometryCollection", "geometries": [' * 40 + json.dumps(box)
              + "]}" * 40)
    deep = "[" * 100_000 + "]" * 100_000
    for body in (nested, deep):
        response, read = upload(app, body.encode(), "area.geojson")
        assert "nested too deeply" in error(response, 400, "bad_geojson")
        assert read.features == 0


def test_geojson_features_are_counted(app: Flask) -> None:
    limit = app.extensions["geoinsight"].settings.aggregate_max_features
    doc = {"type": "FeatureCollection",
           "features": [feature(shapely.box(84000 + i, 446000, 84001 + i, 446001))
                        for i in range(limit + 50)]}
    with app.test_client() as client:
        response = client.post(URL + "?crs=EPSG:28992", json=doc)
        read = g.upload_read
    error(response, 400, "too_many_features")
    assert read.features == limit + 1


def test_a_json_body_without_length_is_cut_at_the_limit(app: Flask) -> None:
    """A chunked body (no Content-Length) is read up to the limit, then refused with 413."""
    limit = app.extensions["geoinsight"].settings.aggregate_max_upload_bytes
    body = b'{"type": "Polygon", "coordinates": [' + b" " * limit + b"]}"
    response = app.test_client().post(
        URL, input_stream=io.BytesIO(body), content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    error(response, 413, "too_large")
