"""Rasters and zonal statistics, checked against an independent computation: the raster
supersampled (each cell cut into 20 × 20 sub-cells) and every sub-cell whose centre lies in the
area counted, so cells cut by a boundary count for about the part inside."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.features import rasterize
from rasterio.transform import Affine, from_origin
from shapely import affinity
from shapely.geometry import Polygon, box

from geoinsight.errors import InputError
from geoinsight.sources.raster import read_raster
from geoinsight.spatial.zonal import STATISTICS, threshold_id, zonal_statistics

AHN = Path(__file__).parents[2] / "shared" / "data" / "real" / "ahn_5m_sample_zeeland_rd.tif"
#: a 2 × 1.5 km raster of 10 m cells in Delft (RD New)
ORIGIN = (84000.0, 448000.0)
CELL = 10.0
SHAPE = (150, 200)
FLOAT_MAX = float(np.finfo("float32").max)
SUPER = 20


def _surface() -> np.ndarray:
    """A smooth field with a few hard edges, so quantiles are well defined at cell scale."""
    rows, cols = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype("float64")
    field = 20 + 0.1 * cols + 5 * np.sin(rows / 9.0) + np.where(cols > 120, 4.0, 0.0)
    return field.astype("float32")


def _write(path: Path, values: np.ndarray, *, nodata: float | None, crs: str | None = "EPSG:28992",
           transform: Affine | None = None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=values.shape[0], width=values.shape[1],
                       count=1, dtype=values.dtype, crs=crs, nodata=nodata,
                       transform=transform or from_origin(*ORIGIN, CELL, CELL)) as out:
        out.write(values, 1)
    return path


def _areas() -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN[0], ORIGIN[1] - SHAPE[0] * CELL
    shapes = [
        affinity.rotate(box(x0 + 203, y0 + 307, x0 + 611, y0 + 733), 17, origin="centroid"),
        Polygon([(x0 + 1003, y0 + 104), (x0 + 1867, y0 + 412), (x0 + 1204, y0 + 1388)]),
        box(x0 + 1500.5, y0 + 1100.5, x0 + 2400, y0 + 1700),  # half beyond the raster
        box(x0 + 17, y0 + 1201, x0 + 34, y0 + 1213),  # smaller than two cells
    ]
    return gpd.GeoDataFrame({"code": ["BU1", "BU2", "BU3", "BU4"]}, geometry=shapes,
                            crs="EPSG:28992")


def _reference(values: np.ndarray, valid: np.ndarray, area: Polygon, threshold: float
               ) -> dict[str, float]:
    fine = np.kron(values.astype("float64"), np.ones((SUPER, SUPER)))
    fine_valid = np.kron(valid, np.ones((SUPER, SUPER), dtype=bool))
    transform = from_origin(*ORIGIN, CELL / SUPER, CELL / SUPER)
    inside = rasterize([(area, 1)], out_shape=fine.shape, transform=transform,
                       dtype="uint8").astype(bool)
    picked = fine[inside & fine_valid]
    sub_area = (CELL / SUPER) ** 2
    order = np.sort(picked)
    return {"mean": float(picked.mean()), "p10": float(order[int(0.1 * len(order))]),
            "p50": float(order[int(0.5 * len(order))]), "p90": float(order[int(0.9 * len(order))]),
            "share": float((picked > threshold).mean() * 100),
            "coverage": float(picked.size * sub_area / area.area * 100)}


@pytest.mark.parametrize("nodata", [FLOAT_MAX, -9999.0, math.nan])
def test_zonal_statistics_match_a_supersampled_computation(tmp_path: Path,
                                                           nodata: float) -> None:
    values = _surface()
    valid = np.ones(SHAPE, dtype=bool)
    valid[40:60, 30:55] = False  # a hole without data inside BU1
    values[~valid] = nodata
    raster = read_raster(_write(tmp_path / "r.tif", values, nodata=nodata))
    areas = _areas()
    found = zonal_statistics(raster, areas, above=[35.0]).set_index("code")
    step = float(np.abs(np.diff(_surface(), axis=1)).max() + np.abs(
        np.diff(_surface(), axis=0)).max())
    for code, area in zip(areas["code"], areas.geometry, strict=True):
        if code == "BU4":
            continue
        want = _reference(values, valid, area, 35.0)
        got = found.loc[code]
        assert got["mean"] == pytest.approx(want["mean"], rel=2e-3), code
        for q in ("p10", "p50", "p90"):
            assert abs(got[q] - want[q]) <= step, (code, q)
        assert got["share_above_35"] == pytest.approx(want["share"], abs=1.0), code
        assert got["coverage"] == pytest.approx(want["coverage"], abs=0.5), code
        cells = values[valid]
        assert cells.min() <= got["min"] <= got["p10"] <= got["p50"] <= got["p90"] <= got["max"]
        assert got["max"] <= cells.max()
    assert found.loc["BU3", "coverage"] < 60  # half of it lies beyond the raster


def test_a_small_area_gets_the_weighted_mean_of_the_two_cells_it_cuts(tmp_path: Path) -> None:
    values = np.zeros(SHAPE, dtype="float32")
    values[:, 1] = 10.0  # column 1 spans x0+10 .. x0+20; BU4 spans x0+17 .. x0+34
    raster = read_raster(_write(tmp_path / "r.tif", values, nodata=-1.0))
    found = zonal_statistics(raster, _areas()).set_index("code")
    assert found.loc["BU4", "mean"] == pytest.approx(10.0 * 3 / 17, rel=1e-6)
    assert found.loc["BU4", "coverage"] == pytest.approx(100.0)


def test_memory_follows_the_window_not_the_raster(tmp_path: Path) -> None:
    raster = read_raster(_write(tmp_path / "r.tif", _surface(), nodata=None))
    whole = zonal_statistics(raster, _areas(), above=[30.0])
    windowed = zonal_statistics(raster, _areas(), above=[30.0], max_cells=400)
    assert np.allclose(whole[list(STATISTICS)].to_numpy(), windowed[list(STATISTICS)].to_numpy(),
                       equal_nan=True)


def test_areas_in_another_crs_than_the_raster(tmp_path: Path) -> None:
    """The areas are reprojected to the raster's CRS; a constant raster in WGS84 over the same
    place gives its value to every area it covers."""
    values = np.full((200, 300), 7.5, dtype="float32")
    transform = from_origin(4.30, 52.03, 0.0005, 0.0005)  # about 34 × 55 m cells over Delft
    raster = read_raster(_write(tmp_path / "wgs.tif", values, nodata=None, crs="EPSG:4326",
                                transform=transform))
    assert raster.epsg == 4326
    found = zonal_statistics(raster, _areas()).set_index("code")
    assert found.loc["BU1", "mean"] == pytest.approx(7.5)
    assert found.loc["BU1", "coverage"] == pytest.approx(100.0, abs=1.0)


def test_an_area_the_raster_does_not_reach_has_no_figures(tmp_path: Path) -> None:
    raster = read_raster(_write(tmp_path / "r.tif", _surface(), nodata=None))
    far = gpd.GeoDataFrame({"code": ["BU9"]}, geometry=[box(150000, 400000, 150100, 400100)],
                           crs="EPSG:28992")
    row = zonal_statistics(raster, far, below=[1.0]).iloc[0]
    assert row["coverage"] == 0.0
    assert all(math.isnan(row[c]) for c in [*STATISTICS, "share_below_1"])


def test_the_real_ahn_sample(tmp_path: Path) -> None:
    """AHN's float32-max nodata is honoured; figures stay within the README's range."""
    raster = read_raster(AHN)
    assert raster.nodata == pytest.approx(FLOAT_MAX)
    assert (round(raster.minimum, 2), round(raster.maximum, 2)) == (-0.61, 4.19)
    assert raster.bounds_rd == (32300.0, 369600.0, 34300.0, 371600.0)
    inside = gpd.GeoDataFrame({"code": ["X"]}, geometry=[box(32500, 369800, 34100, 371400)],
                              crs="EPSG:28992")
    row = zonal_statistics(raster, inside, below=[0.0]).iloc[0]
    assert -0.61 <= row["min"] < row["mean"] < row["max"] <= 4.2
    assert 0 <= row["share_below_0"] <= 100 and row["coverage"] > 90


@pytest.mark.parametrize(("value", "text"), [(41, "41"), (0.25, "0_25"), (-1.5, "m1_5"),
                                             (0, "0")])
def test_threshold_ids(value: float, text: str) -> None:
    assert threshold_id(value) == text


def test_bad_rasters_get_one_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "not.tif"
    text.write_text("code,value\n")
    with pytest.raises(InputError, match="not a raster"):
        read_raster(text)
    no_crs = _write(tmp_path / "nocrs.tif", _surface(), nodata=None, crs=None)
    with pytest.raises(InputError, match="no CRS"):
        read_raster(no_crs)
    africa = _write(tmp_path / "far.tif", _surface(), nodata=None, crs="EPSG:4326",
                    transform=from_origin(20.0, 0.0, 0.001, 0.001))
    with pytest.raises(InputError, match="outside the Netherlands"):
        read_raster(africa)
    empty = _write(tmp_path / "empty.tif", np.full(SHAPE, -9999, dtype="float32"),
                   nodata=-9999.0)
    with pytest.raises(InputError, match="no data"):
        read_raster(empty)
    all_nan = _write(tmp_path / "nan.tif", np.full(SHAPE, np.nan, dtype="float32"), nodata=None)
    with pytest.raises(InputError, match="no data"):
        read_raster(all_nan)
    with pytest.raises(InputError, match="no band 2"):
        read_raster(_write(tmp_path / "one.tif", _surface(), nodata=None), band=2)
    with pytest.raises(InputError, match="no such file"):
        read_raster(tmp_path / "missing.tif")
