"""``ingest raster``: a GeoTIFF becomes per-area figures, checked against an independent
computation (the supersampled one of ``test_zonal``), with the raster's own tier and the
disclosure rule for figures about the land; a failed ingest changes nothing."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from builders import RD
from shapely import affinity
from shapely.geometry import Point, Polygon, box
from test_zonal import CELL, ORIGIN, SHAPE, _reference, _surface, _write

from geoinsight import PROJECT_ROOT
from geoinsight.area_input import DrawnArea
from geoinsight.catalog import load_catalog
from geoinsight.errors import InputError, NotFound
from geoinsight.ingest import ingest_boundaries
from geoinsight.ingest.rasters import ingest_raster, refresh_rasters
from geoinsight.privacy.access import ANONYMOUS, Principal, indicator_tiers
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gates
from geoinsight.rasters import RasterSpec, check_spec
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.custom_area import aggregate_area

X0, Y0 = ORIGIN[0], ORIGIN[1] - SHAPE[0] * CELL
HEAT = RasterSpec("hitte", title="Hittestress", unit="°C", above=(35.0,), year=2023,
                  licence="CC0", source="Test")
STAFF = Principal("s", frozenset({"staff"}))


def _buurten(tmp_path: Path) -> Path:
    """Three buurten of GM0503 over the raster (one with 20 inhabitants, one half beyond it)
    and one of GM0518 far away, in the classic columns."""
    shapes = [
        affinity.rotate(box(X0 + 203, Y0 + 307, X0 + 611, Y0 + 733), 17, origin="centroid"),
        Polygon([(X0 + 1003, Y0 + 104), (X0 + 1867, Y0 + 412), (X0 + 1204, Y0 + 1388)]),
        box(X0 + 1500.5, Y0 + 1100.5, X0 + 2400, Y0 + 1700),
        box(150000, 400000, 150100, 400100),
    ]
    frame = gpd.GeoDataFrame({
        "BU_CODE": ["BU05030001", "BU05030002", "BU05030003", "BU05180001"],
        "BU_NAAM": ["Een", "Twee", "Drie", "Ver"],
        "WK_CODE": ["WK050300", "WK050300", "WK050300", "WK051800"],
        "GM_CODE": ["GM0503", "GM0503", "GM0503", "GM0518"], "GM_NAAM": "Delft",
        "WATER": "NEE", "AANT_INW": [1000, 20, 500, 800], "JAAR": 2023,
    }, geometry=shapes, crs=RD)
    path = tmp_path / "buurten.gpkg"
    frame.to_file(path)
    return path


@pytest.fixture
def heat_store(store: GeoPackageStore, tmp_path: Path) -> GeoPackageStore:
    ingest_boundaries(store, _buurten(tmp_path))
    return store


def _raster(tmp_path: Path, name: str = "heat.tif") -> tuple[Path, np.ndarray, np.ndarray]:
    values = _surface()
    valid = np.ones(SHAPE, dtype=bool)
    valid[40:60, 30:55] = False  # a hole without data inside the first buurt
    values[~valid] = -9999.0
    return _write(tmp_path / name, values, nodata=-9999.0), values, valid


def _figures(store: GeoPackageStore, indicators: list[str] | None = None) -> pd.DataFrame:
    return store.values(indicators=indicators).set_index(["code", "indicator"])


def test_figures_match_the_supersampled_computation(heat_store: GeoPackageStore,
                                                    tmp_path: Path) -> None:
    path, values, valid = _raster(tmp_path)
    result = ingest_raster(heat_store, path, HEAT, tmp_path / "data")
    figures = _figures(heat_store)
    areas = heat_store.areas(level="buurt").set_index("code")
    for code in ("BU05030001", "BU05030002"):
        want = _reference(values, valid, areas.loc[code, "geometry"], 35.0)
        assert figures.loc[(code, "hitte_mean"), "value"] == pytest.approx(want["mean"],
                                                                           rel=2e-3)
        assert figures.loc[(code, "hitte_share_above_35"), "value"] == pytest.approx(
            want["share"], abs=1.0)
        assert figures.loc[(code, "hitte_coverage"), "value"] == pytest.approx(
            want["coverage"], abs=0.5)
        assert figures.loc[(code, "hitte_p90"), "status"] == "ok"
    # half beyond the raster: its coverage, but no statistics of the half that is there
    assert figures.loc[("BU05030003", "hitte_coverage"), "value"] < 60
    assert figures.loc[("BU05030003", "hitte_mean"), "status"] == "missing"
    assert math.isnan(figures.loc[("BU05030003", "hitte_mean"), "value"])
    # the far buurt gets nothing
    heat = figures[figures.index.get_level_values("indicator").str.startswith("hitte_")]
    assert "BU05180001" not in heat.index.get_level_values("code")
    assert set(figures.reset_index()["year"]) == {2023}
    assert result.counts.read == 3 and result.counts.stored == 2
    assert "hitte_share_above_35" in "\n".join(result.details)


def test_the_raster_is_kept_as_a_cog_and_defined_in_the_store(heat_store: GeoPackageStore,
                                                              tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    ingest_raster(heat_store, path, HEAT, tmp_path / "data")
    (raster,) = heat_store.rasters()
    assert raster.name == "hitte" and raster.unit == "°C" and raster.above == (35.0,)
    assert raster.year == 2023 and raster.licence == "CC0" and raster.about == "land"
    assert raster.detail["epsg"] == 28992 and raster.detail["nodata"] == -9999.0
    kept = tmp_path / "data" / raster.file
    with rasterio.open(kept) as dataset:
        assert dataset.profile["tiled"]
        assert dataset.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        with rasterio.open(path) as original:
            assert np.array_equal(dataset.read(1), original.read(1))  # lossless
    indicators = heat_store.indicators().set_index("id")
    assert indicators.loc["hitte_mean", "unit"] == "°C"
    assert indicators.loc["hitte_share_above_35", "kind"] == "share"
    assert indicators.loc["hitte_mean", "licence"] == "CC0"


def test_a_new_file_replaces_only_its_own_raster(heat_store: GeoPackageStore,
                                                 tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    data = tmp_path / "data"
    ingest_raster(heat_store, path, HEAT, data)
    ingest_raster(heat_store, path, RasterSpec("groen", year=2023, unit="%"), data)
    first = {r.name: r.file for r in heat_store.rasters()}["hitte"]
    other = _write(tmp_path / "heat2.tif", _surface() + 1, nodata=None)
    ingest_raster(heat_store, other, RasterSpec("hitte", below=(25.0,), year=2024), data)
    ids = set(heat_store.indicators()["id"])
    assert "hitte_share_below_25" in ids and "hitte_share_above_35" not in ids
    values = heat_store.values(indicators=["hitte_mean", "hitte_share_above_35"])
    assert set(values["year"]) == {2024} and set(values["indicator"]) == {"hitte_mean"}
    assert not (data / first).exists()  # the replaced file is gone
    assert len(list((data / "rasters").iterdir())) == 2
    assert len(heat_store.values(indicators=["groen_mean"])) == 3  # the other raster stays


def test_a_failed_write_leaves_store_and_folder_as_they_were(
        heat_store: GeoPackageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _, _ = _raster(tmp_path)
    before = heat_store.version()

    def fail(batch: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(heat_store, "write", fail)
    with pytest.raises(OSError):
        ingest_raster(heat_store, path, HEAT, tmp_path / "data")
    assert heat_store.version() == before and heat_store.rasters() == []
    assert list((tmp_path / "data" / "rasters").iterdir()) == []


def test_figures_about_the_land_are_not_suppressed_for_a_small_population(
        heat_store: GeoPackageStore, tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    ingest_raster(heat_store, path, HEAT, tmp_path / "data")
    ingest_raster(heat_store, path, RasterSpec("inwoners_grid", about="persons", year=2023),
                  tmp_path / "data")
    published = PublishedStore(heat_store, DisclosureRules()).values(
        indicators=["hitte_mean", "inwoners_grid_mean"], codes=["BU05030002"])
    status = dict(zip(published["indicator"], published["status"], strict=True))
    # 20 inhabitants: a heat figure says nothing about them; a figure about persons is secret
    assert status == {"hitte_mean": "ok", "inwoners_grid_mean": "secret"}


def test_a_raster_about_persons_never_shows_a_cell(heat_store: GeoPackageStore,
                                                   tmp_path: Path) -> None:
    """Its minimum, maximum and percentiles are one cell's value: not made. It is not drawn,
    and a drawn area re-expresses its published figures instead of reading its cells."""
    from geoinsight.usecases import raster_overlay

    path, _, _ = _raster(tmp_path)
    data = tmp_path / "data"
    spec = RasterSpec("inwoners_grid", about="persons", year=2023, above=(30.0,))
    ingest_raster(heat_store, path, spec, data)
    stored = set(heat_store.values()["indicator"]) - {"population"}
    assert stored == {"inwoners_grid_mean", "inwoners_grid_share_above_30",
                      "inwoners_grid_coverage"}
    gate = Gates(PublishedStore(heat_store, DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers")).for_principal(ANONYMOUS)
    assert "inwoners_grid_max" not in gate.catalog.layers
    assert raster_overlay.overlays(gate, data) == []
    with pytest.raises(NotFound):
        raster_overlay.tile(gate, data, "inwoners_grid", 14, 8393, 5404)
    drawn = box(X0 + 300, Y0 + 400, X0 + 1300, Y0 + 600)
    answer = aggregate_area(gate, gate.catalog, DrawnArea(drawn, 5), data_dir=data)
    found = {row["layer"]: row for row in answer["layers"]}
    assert found["inwoners_grid_mean"]["method"] != "raster"
    assert {row["method"] for row in answer["layers"]} & {"raster"} == set()


def test_a_stored_file_name_leads_nowhere_but_the_rasters_folder(
        heat_store: GeoPackageStore, tmp_path: Path) -> None:
    from dataclasses import replace

    path, _, _ = _raster(tmp_path)
    data = tmp_path / "data"
    ingest_raster(heat_store, path, HEAT, data)
    (raster,) = heat_store.rasters()
    assert raster.kept_file(data) == data / raster.file and raster.kept_file_present(data)
    for elsewhere in ("../heat.tif", "/etc/passwd", "rasters/../../heat.tif",
                      "rasters/hitte-0123456789ab.tif/../x.tif"):
        assert replace(raster, file=elsewhere).kept_file(data) is None


def test_a_raster_has_its_tier(heat_store: GeoPackageStore, tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    ingest_raster(heat_store, path, RasterSpec("hitte", tier="internal", year=2023),
                  tmp_path / "data")
    assert indicator_tiers(heat_store)["hitte_p90"] == "internal"
    gates = Gates(PublishedStore(heat_store, DisclosureRules()),
                  load_catalog(PROJECT_ROOT / "layers"))
    anonymous = gates.for_principal(ANONYMOUS)
    assert anonymous.rasters() == [] and anonymous.values(indicators=["hitte_mean"]).empty
    staff = gates.for_principal(STAFF)
    assert [r.name for r in staff.rasters()] == ["hitte"]
    assert len(staff.values(indicators=["hitte_mean"])) == 3


@pytest.mark.parametrize(("spec", "message"), [
    (RasterSpec("Hitte"), "not allowed"),
    (RasterSpec("hitte", theme="weather"), "theme"),
    (RasterSpec("hitte", above=(1, 2, 3, 4), below=(1, 2, 3)), "at most 6 thresholds"),
    (RasterSpec("hitte", above=(30.0, 30.0)), "twice"),
    (RasterSpec("hitte", about="animals"), "--about"),
    # it would be named share_above_35, as the threshold 35 is
    (RasterSpec("hitte", above=(35.000001,)), "cannot be named exactly"),
    (RasterSpec("hitte", below=(1e-7,)), "cannot be named exactly"),
])
def test_a_bad_definition_is_refused_before_reading(spec: RasterSpec, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_spec(spec)


def test_refusals_name_the_problem_and_change_nothing(heat_store: GeoPackageStore,
                                                      tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    before = heat_store.version()
    with pytest.raises(InputError, match="give --year"):
        ingest_raster(heat_store, path, RasterSpec("hitte"), tmp_path / "data")
    # energy_label_coverage is the registry's
    with pytest.raises(InputError, match="energy_label_coverage"):
        ingest_raster(heat_store, path, RasterSpec("energy_label", year=2023), tmp_path / "d")
    far = _write(tmp_path / "far.tif", _surface(), nodata=None,
                 transform=rasterio.transform.from_origin(200000, 600000, CELL, CELL))
    with pytest.raises(InputError, match="meets no stored area"):
        ingest_raster(heat_store, far, HEAT, tmp_path / "data")
    assert heat_store.version() == before
    assert not (tmp_path / "data" / "rasters").exists()


def test_the_file_year_is_used_when_no_year_is_given(heat_store: GeoPackageStore,
                                                     tmp_path: Path) -> None:
    path, _, _ = _raster(tmp_path)
    with rasterio.open(path, "r+") as dataset:
        dataset.update_tags(TIFFTAG_DATETIME="2021:07:01 12:00:00")
    ingest_raster(heat_store, path, RasterSpec("hitte"), tmp_path / "data")
    assert heat_store.rasters()[0].year == 2021


def test_a_drawn_area_gets_the_rasters_own_figures(heat_store: GeoPackageStore,
                                                   tmp_path: Path) -> None:
    """Computed from the raster for the drawn area itself, not averaged from its buurten."""
    path, values, valid = _raster(tmp_path)
    data = tmp_path / "data"
    ingest_raster(heat_store, path, HEAT, data)
    gate = Gates(PublishedStore(heat_store, DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers")).for_principal(ANONYMOUS)
    areas = heat_store.areas(level="buurt").set_index("code")
    # a strip across the first two buurten and the land between them
    drawn = box(X0 + 300, Y0 + 400, X0 + 1300, Y0 + 600)
    answer = aggregate_area(gate, gate.catalog, DrawnArea(drawn, 5), data_dir=data)
    found = {row["layer"]: row for row in answer["layers"]}
    want = _reference(values, valid, drawn, 35.0)
    assert found["hitte_mean"]["method"] == "raster"
    assert found["hitte_mean"]["value"] == pytest.approx(want["mean"], rel=2e-3)
    assert found["hitte_share_above_35"]["value"] == pytest.approx(want["share"], abs=1.0)
    # the buurten's own means differ: an average of theirs would not be the strip's
    own = heat_store.values(indicators=["hitte_mean"]).set_index("code")["value"]
    assert abs(own[["BU05030001", "BU05030002"]].mean() - want["mean"]) > 0.5
    assert areas.geometry.iloc[0].intersects(drawn)
    # without the rasters' folder, it is re-expressed from the buurten like any figure
    plain = aggregate_area(gate, gate.catalog, DrawnArea(drawn, 5))
    assert {row["layer"]: row for row in plain["layers"]}["hitte_mean"]["method"] != "raster"


def test_a_later_boundary_ingest_gets_the_rasters_figures(heat_store: GeoPackageStore,
                                                          tmp_path: Path) -> None:
    path, values, valid = _raster(tmp_path)
    data = tmp_path / "data"
    ingest_raster(heat_store, path, RasterSpec("hitte", above=(35.0,), year=2024), data)
    assert set(heat_store.values(indicators=["hitte_mean"])["boundary_year"]) == {2023}
    new = box(X0 + 700, Y0 + 900, X0 + 1000, Y0 + 1200)
    gpd.GeoDataFrame({"buurtcode": ["BU05030004"], "buurtnaam": ["Nieuw"], "jaar": [2024]},
                     geometry=[new], crs=RD).to_file(tmp_path / "b2024.gpkg")
    ingest_boundaries(heat_store, tmp_path / "b2024.gpkg")
    results, missing = refresh_rasters(heat_store, data)
    assert missing == [] and len(results) == 1
    figures = heat_store.values(indicators=["hitte_mean"]).set_index("code")
    assert figures.loc["BU05030004", "value"] == pytest.approx(
        _reference(values, valid, new, 35.0)["mean"], rel=2e-3)
    # the raster's year (2024) is shown on the 2024 boundaries where a code has them
    assert figures.loc["BU05030004", "boundary_year"] == 2024
    assert figures.loc["BU05030001", "boundary_year"] == 2023
    (data / heat_store.rasters()[0].file).unlink()
    results, missing = refresh_rasters(heat_store, data)
    assert results == [] and "is missing" in missing[0]


def test_an_event_register_cannot_take_a_rasters_ids(heat_store: GeoPackageStore,
                                                     tmp_path: Path) -> None:
    """A register named like a raster with a category 'mean' would overwrite the raster's
    figures and count events under its exemption from the person rules: refused."""
    from geoinsight.ingest.events import ingest_events
    from geoinsight.registers import RegisterSpec

    path, _, _ = _raster(tmp_path)
    ingest_raster(heat_store, path, HEAT, tmp_path / "data")
    before = heat_store.version()
    inside = heat_store.areas(level="buurt").set_index("code").geometry["BU05030001"]
    point = inside.representative_point()
    events = tmp_path / "e.csv"
    events.write_text("x;y;datum;soort\n" + "".join(
        f"{point.x:.1f};{point.y:.1f};2023-05-01;{kind}\n" for kind in ("Mean", "Coverage")),
        encoding="utf-8")
    with pytest.raises(InputError, match="hitte_mean"):
        ingest_events(heat_store, events,
                      register=RegisterSpec("hitte", "Hitte", "safety", "open"))
    assert heat_store.version() == before


def test_statistics_only_where_the_raster_has_data(heat_store: GeoPackageStore,
                                                   tmp_path: Path) -> None:
    """A raster clipped to an irregular area (nodata around it, inside its rectangle): an area
    holding only a strip of its data gets its coverage, not a mean of that strip; an area over
    the data, including nodata the data encloses, gets its figures."""
    values = _surface()
    valid = np.zeros(SHAPE, dtype=bool)
    valid[10:140, 10:105] = True  # the data ends at x = X0 + 1050, in the triangle's corner
    valid[50:55, 30:40] = False  # a pond inside the first buurt: enclosed, so still covered
    values[~valid] = np.nan
    path = _write(tmp_path / "clipped.tif", values, nodata=None)
    data = tmp_path / "data"
    ingest_raster(heat_store, path, HEAT, data)
    figures = _figures(heat_store)
    assert figures.loc[("BU05030001", "hitte_mean"), "value"] == pytest.approx(
        _reference(values, valid, heat_store.areas(level="buurt").set_index("code")
                   .geometry["BU05030001"], 35.0)["mean"], rel=2e-3)
    strip = figures.loc[("BU05030002", "hitte_coverage"), "value"]
    assert 0 < strip < 5
    assert figures.loc[("BU05030002", "hitte_mean"), "status"] == "missing"
    # a drawn circle at the data's edge, 1 % of it over data: no mean either
    gate = Gates(PublishedStore(heat_store, DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers")).for_principal(ANONYMOUS)
    circle = Point(X0 + 1050 + 270, Y0 + 700).buffer(290)
    answer = aggregate_area(gate, gate.catalog, DrawnArea(circle, 64), data_dir=data)
    found = {row["layer"]: row for row in answer["layers"]}
    assert found["hitte_coverage"]["value"] == pytest.approx(
        _reference(values, valid, circle, 35.0)["coverage"], abs=0.2)
    assert 0 < found["hitte_coverage"]["value"] < 2
    assert found["hitte_mean"]["value"] is None


def test_nan_cells_are_see_through_where_the_file_declares_no_nodata(tmp_path: Path) -> None:
    import morecantile
    from rasterio.io import MemoryFile
    from rasterio.warp import transform as warp_transform

    from geoinsight.ingest.rasters import keep
    from geoinsight.render.raster_tiles import Ramp, render_tile

    whole = _surface()
    half = whole.copy()
    half[:, 100:] = np.nan  # the eastern half has no data, and no nodata value says so
    with rasterio.open(_write(tmp_path / "w.tif", whole, nodata=None)) as dataset:
        lon, lat = warp_transform(dataset.crs, "EPSG:4326",
                                           [ORIGIN[0] + 1000], [ORIGIN[1] - 750])
    tile = morecantile.tms.get("WebMercatorQuad").tile(lon[0], lat[0], 13)
    opaque = []
    for name, values in (("whole", whole), ("half", half)):
        keep(_write(tmp_path / f"{name}.tif", values, nodata=None), tmp_path / f"{name}.cog")
        png = render_tile(tmp_path / f"{name}.cog", 1, Ramp("YlOrRd", 20.0, 45.0),
                          tile.z, tile.x, tile.y)
        assert png is not None
        with MemoryFile(png) as memory, memory.open() as image:
            opaque.append(int((image.read(4) == 255).sum()))
    assert opaque[0] > 100
    assert opaque[1] / opaque[0] == pytest.approx(0.5, abs=0.05)


def test_a_drawn_area_over_too_many_cells_reads_an_overview(
        heat_store: GeoPackageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the cap, the mean and coverage come from an overview of the kept file; the
    extremes, percentiles and shares of averaged cells are not given."""
    from rasterio.transform import from_origin

    from geoinsight.usecases import custom_area

    fine = np.kron(_surface(), np.ones((8, 8), dtype="float32"))  # 1.25 m cells, same field
    path = _write(tmp_path / "fine.tif", fine, nodata=None,
                  transform=from_origin(*ORIGIN, CELL / 8, CELL / 8))
    data = tmp_path / "data"
    ingest_raster(heat_store, path, HEAT, data)
    gate = Gates(PublishedStore(heat_store, DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers")).for_principal(ANONYMOUS)
    drawn = box(X0 + 300, Y0 + 400, X0 + 1300, Y0 + 600)  # 128,000 cells
    exact = {row["layer"]: row for row in aggregate_area(
        gate, gate.catalog, DrawnArea(drawn, 5), data_dir=data)["layers"]}
    assert exact["hitte_max"]["method"] == "raster" and exact["hitte_max"]["value"] is not None
    monkeypatch.setattr(custom_area, "MAX_RASTER_CELLS", 50_000)
    rough = {row["layer"]: row for row in aggregate_area(
        gate, gate.catalog, DrawnArea(drawn, 5), data_dir=data)["layers"]}
    assert rough["hitte_mean"]["method"] == "raster_overview"
    assert rough["hitte_mean"]["value"] == pytest.approx(exact["hitte_mean"]["value"], abs=0.05)
    assert rough["hitte_coverage"]["value"] == pytest.approx(100.0, abs=0.5)
    for layer in ("hitte_max", "hitte_p90", "hitte_share_above_35"):
        assert rough[layer]["value"] is None and rough[layer]["status"] == "missing"
