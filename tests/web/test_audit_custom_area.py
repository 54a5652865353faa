"""The audit row of a custom-area read says which area was read (red team: it did not):
bounding box in RD New, area in m², vertices and the SHA-256 of the normalised geometry's WKB."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask

from geoinsight.privacy.audit import AuditLog, CustomArea, Read

Token = Callable[[str, str], dict[str, str]]
URL = "/api/aggregate?crs=EPSG:28992"
BOX = shapely.box(84500, 446500, 84800, 446900)  # in Delft, RD New metres
CUSTOM = ["area_bbox", "area_m2", "area_vertices", "area_sha256"]


def log_of(app: Flask) -> AuditLog:
    return app.extensions["geoinsight"].audit  # type: ignore[no-any-return]


def post(app: Flask, geometry: dict[str, Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    """POST an area; the audit rows that request added (one per protected layer)."""
    before = len(log_of(app).entries())
    response = app.test_client().post(URL, json=geometry, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    entries = log_of(app).entries()
    added = entries.iloc[: len(entries) - before]
    assert len(added) >= 1
    return added.to_dict(orient="records")  # type: ignore[no-any-return]


def as_geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geometry))  # type: ignore[no-any-return]


def expected_hash(geometry: shapely.Geometry) -> str:
    wkb = shapely.to_wkb(shapely.normalize(geometry), output_dimension=2, byte_order=1,
                         flavor="iso")
    return hashlib.sha256(wkb).hexdigest()


def test_the_row_says_which_area_was_read(tiered_app: Flask, token_for: Token) -> None:
    staff = token_for("els", "staff")
    rows = post(tiered_app, as_geojson(BOX), staff)
    assert {r["what"] for r in rows} == {"custom area aggregate"}
    for row in rows:
        assert row["tier"] == "internal" and row["who"] == "els"
        assert row["area_bbox"] == "84500.00,446500.00,84800.00,446900.00"
        assert row["area_m2"] == pytest.approx(BOX.area)
        assert row["area_vertices"] == 5
        assert row["area_sha256"] == expected_hash(BOX)


def test_the_same_polygon_twice_gives_the_same_hash(tiered_app: Flask, token_for: Token,
                                                    tmp_path: Path) -> None:
    staff = token_for("els", "staff")
    first = post(tiered_app, as_geojson(BOX), staff)[0]["area_sha256"]
    again = post(tiered_app, as_geojson(BOX), staff)[0]["area_sha256"]
    # the same ring, started at another corner and run the other way round
    coords = list(BOX.exterior.coords)[:-1]
    turned = shapely.Polygon([*coords[2:], *coords[:2]][::-1])
    assert list(turned.exterior.coords) != list(BOX.exterior.coords)
    rotated = post(tiered_app, as_geojson(turned), staff)[0]["area_sha256"]
    assert first == again == rotated
    # uploaded as a GeoPackage: the same polygon, the same hash
    gpd.GeoDataFrame(geometry=[BOX], crs="EPSG:28992").to_file(tmp_path / "box.gpkg")
    response = tiered_app.test_client().post(
        "/api/aggregate", headers=staff, content_type="multipart/form-data",
        data={"file": (io.BytesIO((tmp_path / "box.gpkg").read_bytes()), "box.gpkg")})
    assert response.status_code == 200
    assert log_of(tiered_app).entries().iloc[0]["area_sha256"] == first
    other = post(tiered_app, as_geojson(BOX.buffer(1, join_style="mitre")), staff)
    assert other[0]["area_sha256"] != first


def test_the_audit_page_and_export_show_it(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    staff, admin = token_for("els", "staff"), token_for("bea", "beheerder")
    post(tiered_app, as_geojson(BOX), staff)
    # and a read with an area code, whose custom-area columns stay empty
    client.get("/api/layers/zz_internal_layer/values?level=buurt&municipality=GM0503",
               headers=staff)
    page = client.get("/audit?lang=en", headers=admin).get_data(as_text=True)
    assert expected_hash(BOX) in page and "84500.00,446500.00,84800.00,446900.00" in page
    assert "120,000 m²" in page and "Custom area (RD New)" in page
    dutch = client.get("/audit?lang=nl", headers=admin).get_data(as_text=True)
    assert "120.000 m²" in dutch and "Eigen gebied (RD New)" in dutch
    body = client.get("/api/audit", headers=admin).get_data(as_text=True)
    assert "NaN" not in body  # strict JSON: rows without an area have null, not NaN
    entries = json.loads(body)["entries"]
    custom = [e for e in entries if e["area_sha256"]]
    coded = [e for e in entries if not e["area_sha256"]]
    assert custom and coded
    assert custom[0]["area_vertices"] == 5 and custom[0]["area_m2"] == pytest.approx(BOX.area)
    assert (coded[0]["area_m2"], coded[0]["area_vertices"], coded[0]["area_bbox"]) == (
        None, None, "")
    csv = client.get("/api/audit?format=csv", headers=admin).get_data(as_text=True)
    assert csv.splitlines()[0].endswith("area_bbox,area_m2,area_vertices,area_sha256")


def test_a_log_from_before_gets_the_columns(tmp_path: Path) -> None:
    """An existing audit.sqlite keeps its rows and its append-only triggers."""
    path = tmp_path / "audit.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
          who TEXT NOT NULL, what TEXT NOT NULL, tier TEXT NOT NULL,
          area TEXT NOT NULL DEFAULT '', route TEXT NOT NULL,
          from_addr TEXT NOT NULL DEFAULT '');
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        INSERT INTO audit (at, who, what, tier, area, route, from_addr)
          VALUES ('2026-01-01T00:00:00Z', 'els', 'profile', 'internal', 'BU05031102', '/x', '');
    """)
    con.close()
    log = AuditLog(path)
    which = CustomArea((1.0, 2.0, 3.0, 4.0), 4.0, 5, "ab" * 32)
    log.record("bea", "/api/aggregate", "127.0.0.1", [Read("custom area aggregate",
                                                           "internal", "", which)])
    rows = log.entries().to_dict(orient="records")
    assert [r["who"] for r in rows] == ["bea", "els"]
    assert rows[0]["area_bbox"] == "1.00,2.00,3.00,4.00" and rows[0]["area_sha256"] == "ab" * 32
    assert rows[1]["area_sha256"] == "" and rows[1]["area_vertices"] is None
    with sqlite3.connect(path) as con, pytest.raises(sqlite3.DatabaseError,
                                                     match="append-only"):
        con.execute("UPDATE audit SET area_sha256 = 'x'")
