"""The GeoPackage store: atomic writes (byte-identical on failure) and a file GIS tools open."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pyogrio
import pytest
from builders import classic_buurten

import geoinsight.store.gpkg as gpkg_module
from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.store.gpkg import GeoPackageStore

TEST_DATA = Path(__file__).parent / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def filled(store: GeoPackageStore) -> GeoPackageStore:
    ingest_boundaries(store, TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg")
    return store


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_midway_leaves_file_byte_identical(filled: GeoPackageStore, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   failure: BaseException) -> None:
    before = digest(filled.path)
    listing = sorted(os.listdir(filled.path.parent))
    original = gpkg_module._write_areas
    calls = []

    def write_then_fail(con: sqlite3.Connection, areas, ingest_id: int) -> None:  # type: ignore[no-untyped-def]
        original(con, areas, ingest_id)  # the rows are in the file (uncommitted) ...
        calls.append(con.execute("SELECT count(*) FROM areas").fetchone()[0])
        raise failure  # ... and then the ingest dies

    monkeypatch.setattr(gpkg_module, "_write_areas", write_then_fail)
    classic_buurten(3).to_file(tmp_path / "b.gpkg")
    with pytest.raises(type(failure)):
        ingest_boundaries(filled, tmp_path / "b.gpkg", year=2021)
    assert calls and calls[0] > 16  # the failure really came midway
    assert digest(filled.path) == before
    assert sorted(os.listdir(filled.path.parent)) == listing  # no temp files left behind


def test_failed_ingest_of_bad_input_changes_nothing(filled: GeoPackageStore,
                                                    tmp_path: Path) -> None:
    before = digest(filled.path)
    bad = tmp_path / "bad.csv"
    bad.write_text("code;inwoners\nnot-a-code;1\n")
    with pytest.raises(Exception, match=r"no CBS area code|no usable rows"):
        ingest_indicators(filled, bad, year=2021)
    assert digest(filled.path) == before


def test_opens_as_ordinary_layers(filled: GeoPackageStore) -> None:
    layers = dict(pyogrio.list_layers(filled.path))
    assert layers["areas"] == "MultiPolygon"
    assert {"indicator_values", "indicators", "ingest_log", "ingest_rejects"} <= set(layers)
    info = pyogrio.read_info(filled.path, layer="areas")
    assert info["crs"] == "EPSG:28992" and info["features"] == 16
    frame = pyogrio.read_dataframe(filled.path, layer="indicator_values")
    assert {"area_code", "year", "indicator", "value", "status"} <= set(frame.columns)


def test_ogrinfo_reads_the_store(filled: GeoPackageStore) -> None:
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI"):
            pytest.fail("ogrinfo (gdal-bin) must be installed in CI")
        pytest.skip("ogrinfo not installed (scripts/test.sh installs gdal-bin)")
    out = subprocess.run(["ogrinfo", "-ro", "-so", str(filled.path), "areas"],
                         capture_output=True, text=True, check=True).stdout
    assert "Geometry: Multi Polygon" in out and "Feature Count: 16" in out
    assert "Amersfoort / RD New" in out
    check = subprocess.run(["ogrinfo", "-ro", "-q", str(filled.path), "-sql",
                            "SELECT count(*) AS n FROM indicator_values"],
                           capture_output=True, text=True, check=True).stdout
    assert "n (Integer) =" in check


def test_areas_have_the_geopackage_rtree(filled: GeoPackageStore, tmp_path: Path) -> None:
    """The R-tree of the gpkg_rtree_index extension, kept by the spec's triggers: GDAL uses it."""
    assert pyogrio.read_info(filled.path, layer="areas")["capabilities"]["fast_spatial_filter"]
    classic_buurten(3).to_file(tmp_path / "b.gpkg")
    ingest_boundaries(filled, tmp_path / "b.gpkg", year=2021)
    ingest_boundaries(filled, tmp_path / "b.gpkg", year=2021)  # replaces: the update triggers
    with sqlite3.connect(filled.path) as con:
        boxes = con.execute("SELECT count(*), min(minx) FROM rtree_areas_geom").fetchone()
        assert boxes[0] == con.execute("SELECT count(*) FROM areas").fetchone()[0] == 19
        assert con.execute("SELECT extension_name FROM gpkg_extensions WHERE table_name ="
                           " 'areas'").fetchall() == [("gpkg_rtree_index",)]
    assert boxes[1] == pytest.approx(filled.areas().total_bounds[0], abs=0.01)
    if shutil.which("ogrinfo"):
        out = subprocess.run(["ogrinfo", "-ro", "-q", str(filled.path), "-sql",
                              "SELECT HasSpatialIndex('areas', 'geom')"],
                             capture_output=True, text=True, check=True).stdout
        assert "HasSpatialIndex (Integer) = 1" in out


def test_a_store_from_before_the_rtree_gets_it_on_its_next_write(filled: GeoPackageStore,
                                                                  tmp_path: Path) -> None:
    with sqlite3.connect(filled.path) as con:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                   " AND name LIKE 'rtree_%'").fetchall():
            con.execute(f"DROP TRIGGER {name}")
        con.execute("DROP TABLE rtree_areas_geom")
        con.execute("DELETE FROM gpkg_extensions")
    box = (0.0, 0.0, 1e6, 1e6)
    assert len(filled.areas(bbox=box)) == 16  # without an index: every row, tested exactly
    classic_buurten(3).to_file(tmp_path / "b.gpkg")
    ingest_boundaries(filled, tmp_path / "b.gpkg", year=2021)
    with sqlite3.connect(filled.path) as con:
        assert con.execute("SELECT count(*) FROM rtree_areas_geom").fetchone()[0] == 19
    assert len(filled.areas(bbox=box)) == 19
