"""A raster's footprint: where it has data and the nodata its data encloses, checked against
the shapes the data was written in; kept compactly and read back the same."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from test_zonal import CELL, ORIGIN, SHAPE, _surface, _write

from geoinsight.sources import raster_footprint as footprints
from geoinsight.sources.raster import read_raster
from geoinsight.sources.raster_footprint import Footprint

X0, Y0 = ORIGIN[0], ORIGIN[1] - SHAPE[0] * CELL


def _clipped(tmp_path: Path) -> Path:
    """Data in rows 20..120 and columns 30..150 with a lake in it; nodata around it."""
    values = _surface()
    valid = np.zeros(SHAPE, dtype=bool)
    valid[20:120, 30:150] = True
    valid[60:80, 60:90] = False  # a lake: enclosed
    values[~valid] = -9999.0
    return _write(tmp_path / "clipped.tif", values, nodata=-9999.0)


def _data_box() -> object:
    return box(X0 + 30 * CELL, Y0 + (SHAPE[0] - 120) * CELL, X0 + 150 * CELL,
               Y0 + (SHAPE[0] - 20) * CELL)


def _shares(found: Footprint, shapes: list[object]) -> np.ndarray:
    return found.shares_inside(gpd.GeoSeries(shapes, crs="EPSG:28992"))


def test_the_footprint_is_the_data_and_the_nodata_it_encloses(tmp_path: Path) -> None:
    found = read_raster(_clipped(tmp_path)).footprint
    assert found is not None and found.factor == 1
    data = _data_box()
    lake = box(X0 + 62 * CELL, Y0 + (SHAPE[0] - 78) * CELL, X0 + 88 * CELL,
               Y0 + (SHAPE[0] - 62) * CELL)
    straddling = box(X0 + 140 * CELL + 3, Y0 + 500, X0 + 170 * CELL, Y0 + 700)
    outside = box(X0 + 5, Y0 + 5, X0 + 200, Y0 + 150)  # inside the rectangle, no data
    beyond = box(X0 - 500, Y0 - 500, X0 - 100, Y0 - 100)  # outside the raster altogether
    shares = _shares(found, [data, lake, straddling, outside, beyond])
    assert shares[0] == pytest.approx(1.0)
    assert shares[1] == pytest.approx(1.0)
    assert shares[2] == pytest.approx(straddling.intersection(data).area / straddling.area,
                                      abs=1e-6)
    assert shares[3] == 0.0 and shares[4] == 0.0


def test_a_large_raster_gets_a_coarser_grid_that_still_holds_its_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(footprints, "MAX_SIDE", 32)
    found = read_raster(_clipped(tmp_path)).footprint
    assert found is not None and found.factor == 7 and found.mask.shape == (22, 29)
    data = _data_box()
    shares = _shares(found, [data, data.buffer(-100), box(X0, Y0, X0 + 150, Y0 + 150)])
    assert shares[0] == pytest.approx(1.0) and shares[1] == pytest.approx(1.0)
    assert shares[2] == 0.0
    # generous by less than a block beyond the data
    assert found.mask.sum() * (7 * CELL) ** 2 < data.buffer(7 * CELL * 1.5).area


def test_the_footprint_is_kept_compactly_and_read_back(tmp_path: Path) -> None:
    found = read_raster(_clipped(tmp_path)).footprint
    assert found is not None
    kept = found.as_dict()
    assert len(kept["bits"]) < 1000
    back = Footprint.from_dict(kept)
    assert np.array_equal(back.mask, found.mask) and back.bounds == found.bounds


def test_a_ditch_to_the_edge_is_inside_a_wide_band_of_nodata_is_not(tmp_path: Path) -> None:
    """A terrain model leaves out water: a 30 m ditch running from edge to edge (as on the real
    AHN sample) is still surveyed land; a 400 m band of nodata reaching the edge is not."""
    values = _surface()
    valid = np.ones(SHAPE, dtype=bool)
    valid[:, 60:63] = False  # the ditch, 30 m wide, top to bottom
    valid[:, 140:180] = False  # the band, 400 m wide, top to bottom
    values[~valid] = -9999.0
    found = read_raster(_write(tmp_path / "ditch.tif", values, nodata=-9999.0)).footprint
    assert found is not None
    across_ditch = box(X0 + 400, Y0 + 400, X0 + 900, Y0 + 900)
    in_band = box(X0 + 1450, Y0 + 400, X0 + 1750, Y0 + 900)
    shares = _shares(found, [across_ditch, in_band])
    assert shares[0] == pytest.approx(1.0)
    # closing bridges no more than BRIDGE: the band's middle stays out
    assert shares[1] == 0.0
