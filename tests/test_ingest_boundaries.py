"""Every ingest rule for boundary files, on small fixtures built in code and real CBS files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from builders import RD, classic_buurten, squares, write_zip_shapefile

from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries
from geoinsight.store.gpkg import GeoPackageStore

TEST_DATA = Path(__file__).parent / "data"


def value(store: GeoPackageStore, code: str, indicator: str) -> tuple[float | None, str]:
    frame = store.values(indicators=[indicator], codes=[code])
    assert len(frame) == 1, frame
    row = frame.iloc[0]
    return (None if row.value != row.value else float(row.value)), str(row.status)


def test_classic_shapefile_columns(store: GeoPackageStore, tmp_path: Path) -> None:
    frame = classic_buurten(3)
    frame.to_file(tmp_path / "buurt.shp")
    result = ingest_boundaries(store, tmp_path / "buurt.shp", year=2017)
    assert (result.counts.read, result.counts.stored, result.counts.rejected) == (3, 3, 0)
    areas = store.areas(level="buurt", year=2017)
    assert list(areas["code"]) == ["BU05030000", "BU05030001", "BU05030102"]
    assert list(areas["name"]) == ["Buurt 0", "Buurt 1", "Buurt 2"]
    assert areas.iloc[2]["wijk_code"] == "WK050301"
    assert areas.iloc[2]["gemeente_code"] == "GM0503"
    assert value(store, "BU05030001", "population") == (1001.0, "ok")
    assert value(store, "BU05030102", "pct_age_65_plus") == (17.0, "ok")
    assert areas.crs.to_epsg() == 28992


def test_pdok_columns_reprojected_and_year_from_file(store: GeoPackageStore,
                                                     tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({
        "buurtcode": ["BU05030000", "BU05030001"], "buurtnaam": ["A", "B"],
        "aantalInwoners": [10, 20], "bevolkingsdichtheidInwonersPerKm2": [500, 600],
        "jaar": [2023, 2023], "water": ["NEE", "NEE"]}, geometry=squares(2), crs=RD)
    frame.to_crs(4326).to_file(tmp_path / "buurten.geojson", driver="GeoJSON")
    result = ingest_boundaries(store, tmp_path / "buurten.geojson")
    assert result.years == [2023]
    areas = store.areas(year=2023)
    # back in RD New, within a centimetre of where they started
    assert shapely.hausdorff_distance(areas.geometry.iloc[0], squares(1)[0]) < 0.01
    assert value(store, "BU05030001", "population") == (20.0, "ok")
    assert value(store, "BU05030000", "population_density") == (500.0, "ok")


def test_snake_case_geopackage_with_three_layers(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "wijkenbuurten_2022.gpkg"
    geoms = squares(2)
    gpd.GeoDataFrame({"gemeentecode": ["GM0503"], "gemeentenaam": ["Delft"],
                      "aantal_inwoners": [30], "jrstatcode": ["2022GM0503"]},
                     geometry=[shapely.union_all(geoms)], crs=RD).to_file(target, layer="gemeenten")
    gpd.GeoDataFrame({"wijkcode": ["WK050300"], "wijknaam": ["Wijk 00"],
                      "aantal_inwoners": [30], "jrstatcode": ["2022WK050300"]},
                     geometry=[shapely.union_all(geoms)], crs=RD).to_file(target, layer="wijken")
    gpd.GeoDataFrame({"buurtcode": ["BU05030000", "BU05030001"], "buurtnaam": ["A", "B"],
                      "aantal_inwoners": [10, 20], "jrstatcode": ["2022BU05030000"] * 2},
                     geometry=geoms, crs=RD).to_file(target, layer="buurten")
    result = ingest_boundaries(store, target)
    assert result.levels == {"gemeente": 1, "wijk": 1, "buurt": 2}
    assert result.years == [2022]
    assert store.areas(level="wijk").iloc[0]["name"] == "Wijk 00"
    assert value(store, "GM0503", "population") == (30.0, "ok")


def test_zip_of_shapefile(store: GeoPackageStore, tmp_path: Path) -> None:
    target = write_zip_shapefile(classic_buurten(2), tmp_path)
    result = ingest_boundaries(store, target, year=2019)
    assert result.counts.stored == 2


def test_water_left_out_and_sentinels_stored_as_status(store: GeoPackageStore,
                                                       tmp_path: Path) -> None:
    frame = classic_buurten(4)
    frame.loc[3, "WATER"] = "JA"
    frame["AANT_INW"] = [-99999999, -99997, None, 5]
    frame.to_file(tmp_path / "b.gpkg")
    result = ingest_boundaries(store, tmp_path / "b.gpkg", year=2020)
    assert (result.counts.read, result.counts.stored, result.counts.skipped) == (4, 3, 1)
    assert "BU05030103" not in set(store.areas()["code"])
    assert value(store, "BU05030000", "population") == (None, "secret")
    assert value(store, "BU05030001", "population") == (None, "secret")
    assert value(store, "BU05030102", "population") == (None, "missing")


def test_invalid_geometry_repaired_and_counted(store: GeoPackageStore, tmp_path: Path) -> None:
    frame = classic_buurten(2)
    bowtie = shapely.Polygon([(84000, 447000), (84100, 447100), (84100, 447000),
                              (84000, 447100), (84000, 447000)])
    frame.loc[0, "geometry"] = bowtie
    frame.to_file(tmp_path / "b.gpkg")
    result = ingest_boundaries(store, tmp_path / "b.gpkg", year=2020)
    assert result.counts.repaired == 1
    geom = store.areas(codes=["BU05030000"]).geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(5000.0)


def test_empty_geometry_rejected_with_reason(store: GeoPackageStore, tmp_path: Path) -> None:
    frame = classic_buurten(2)
    frame.loc[1, "geometry"] = None
    frame.to_file(tmp_path / "b.gpkg")
    result = ingest_boundaries(store, tmp_path / "b.gpkg", year=2020)
    assert result.counts.rejected == 1
    assert result.rejects[0].code == "BU05030001"
    assert result.rejects[0].reason == "empty geometry"
    log = store.ingest_log()
    assert int(log.iloc[-1]["rows_rejected"]) == 1
    assert store.rejects(int(log.iloc[-1]["id"]))["reason"].tolist() == ["empty geometry"]


def test_file_without_crs_in_rd_is_refused_with_advice(store: GeoPackageStore,
                                                       tmp_path: Path) -> None:
    classic_buurten(2).set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.shp")
    with pytest.raises(InputError, match=r"look like RD New.*--crs EPSG:28992"):
        ingest_boundaries(store, tmp_path / "nocrs.shp", year=2020)
    assert not store.path.exists()
    result = ingest_boundaries(store, tmp_path / "nocrs.shp", year=2020, crs="EPSG:28992")
    assert result.counts.stored == 2


def test_year_required_when_file_has_none(store: GeoPackageStore, tmp_path: Path) -> None:
    classic_buurten(1).to_file(tmp_path / "b.gpkg")
    with pytest.raises(InputError, match="pass --year"):
        ingest_boundaries(store, tmp_path / "b.gpkg")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),
    (b"just some text\n", "not readable as geodata"),
    (b"SQLite format 3\x00" + b"\x00" * 50, "not readable as geodata"),
])
def test_bad_files_refused(store: GeoPackageStore, tmp_path: Path, content: bytes,
                           message: str) -> None:
    target = tmp_path / "bad.gpkg"
    target.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        ingest_boundaries(store, target, year=2020)
    assert info.value.path == str(target)


def test_truncated_geopackage_refused(store: GeoPackageStore, tmp_path: Path) -> None:
    source = TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg"
    target = tmp_path / "truncated.gpkg"
    target.write_bytes(source.read_bytes()[:60000])
    with pytest.raises(InputError, match=r"damaged or truncated|cannot be read"):
        ingest_boundaries(store, target)


def test_raster_and_codeless_files_refused(store: GeoPackageStore, tmp_path: Path) -> None:
    raster = tmp_path / "ahn.tif"
    raster.write_bytes(b"II*\x00" + b"\x00" * 100)
    with pytest.raises(InputError, match="is a raster"):
        ingest_boundaries(store, raster)
    gpd.GeoDataFrame({"postcode": [2611.0]}, geometry=squares(1), crs=RD).to_file(
        tmp_path / "pc4.gpkg")
    with pytest.raises(InputError, match="no CBS area code column"):
        ingest_boundaries(store, tmp_path / "pc4.gpkg", year=2020)


def test_point_layers_left_out_with_a_note(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "mixed.gpkg"
    classic_buurten(2).to_file(target, layer="buurten")
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(84050, 447050)], crs=RD).to_file(
        target, layer="adressen")
    result = ingest_boundaries(store, target, year=2020)
    assert result.counts.stored == 2
    assert any("adressen left out" in note for note in result.notes)


def test_real_ermelo_file_with_its_mess(store: GeoPackageStore) -> None:
    """CBS 2021 PDOK columns, mostly NaN statistics, one buurt without a name, a water buurt."""
    result = ingest_boundaries(store, TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg")
    assert result.years == [2021]
    assert result.counts.read == 17
    assert result.counts.stored + result.counts.skipped == 17
    areas = store.areas(year=2021)
    assert set(areas["gemeente_code"]) == {"GM0233"}
    assert areas.geometry.is_valid.all()


def test_reingest_replaces_same_code_and_year(store: GeoPackageStore, tmp_path: Path) -> None:
    frame = classic_buurten(2)
    frame.to_file(tmp_path / "a.gpkg")
    ingest_boundaries(store, tmp_path / "a.gpkg", year=2020)
    frame["AANT_INW"] = [7, 8]
    frame.to_file(tmp_path / "b.gpkg")
    ingest_boundaries(store, tmp_path / "b.gpkg", year=2020)
    assert len(store.areas()) == 2
    assert value(store, "BU05030000", "population") == (7.0, "ok")


def test_wrong_crs_is_refused_and_crs_option_fixes_it(store: GeoPackageStore,
                                                      tmp_path: Path) -> None:
    """RD New metres labelled as WGS84 would land far outside the country."""
    classic_buurten(2).set_crs("EPSG:4326", allow_override=True).to_file(tmp_path / "w.gpkg")
    with pytest.raises(InputError, match=r"do not fall in the Netherlands.*--crs"):
        ingest_boundaries(store, tmp_path / "w.gpkg", year=2020)
    assert not store.path.exists()
    assert ingest_boundaries(store, tmp_path / "w.gpkg", year=2020,
                             crs="EPSG:28992").counts.stored == 2


def test_real_gemeenten_2022_extract(store: GeoPackageStore) -> None:
    """PDOK WFS export in WGS84: water rows and Buitenland left out, invalid ones repaired."""
    result = ingest_boundaries(store, TEST_DATA / "gemeenten_2022_extract.geojson")
    assert (result.counts.read, result.counts.stored, result.counts.skipped) == (11, 7, 4)
    assert result.counts.repaired == 4
    assert "GM0998" not in set(store.areas()["code"])
    assert store.areas().geometry.is_valid.all()
    frame = store.values(indicators=["population"], codes=["GM0303"])
    assert frame.iloc[0]["status"] == "ok" and frame.iloc[0]["value"] > 10000


def test_values_year_apart_from_boundary_year(store: GeoPackageStore, tmp_path: Path) -> None:
    """2023 boundaries joined to 2024 Kerncijfers: the figures keep their own year."""
    classic_buurten(1).to_file(tmp_path / "b.gpkg")
    ingest_boundaries(store, tmp_path / "b.gpkg", year=2023, values_year=2024)
    assert store.area_years() == [2023]
    assert store.values(indicators=["population"])["year"].tolist() == [2024]


def test_damaged_zip_refused(store: GeoPackageStore, tmp_path: Path) -> None:
    target = write_zip_shapefile(classic_buurten(1), tmp_path)
    target.write_bytes(target.read_bytes()[:200])
    with pytest.raises(InputError, match="damaged or truncated zip"):
        ingest_boundaries(store, target, year=2020)


def test_multilayer_file_without_year_asks_for_it(store: GeoPackageStore,
                                                  tmp_path: Path) -> None:
    target = tmp_path / "two.gpkg"
    classic_buurten(1).to_file(target, layer="buurten")
    classic_buurten(2).rename(columns={"BU_CODE": "code"}).to_file(target, layer="andere")
    with pytest.raises(InputError, match="pass --year"):
        ingest_boundaries(store, target)
