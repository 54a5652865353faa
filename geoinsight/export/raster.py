"""Layers rasterised onto a grid aligned to RD New (CBS's 100 m squares by default).

The grid's origin is a multiple of the cell size in RD New metres, so a 100 m export lines up
cell for cell with CBS's ``vierkantstatistieken`` and with another export of any area. A cell
takes the value of the area its centre lies in; cells outside every area, and areas whose
figure is suppressed or missing, are nodata. One band per layer, named by the layer id.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.features import rasterize

from geoinsight.crs import STORE_CRS
from geoinsight.errors import BadRequest
from geoinsight.export.table import AreaTable

NODATA = -9999.0
MAX_CELLS = 60_000_000  # the Netherlands at 25 m, one band: a limit against runaway requests
MIN_CELL_M = 5.0


def grid(bounds: tuple[float, float, float, float], cell_m: float) -> tuple[Any, int, int]:
    """(transform, width, height) of the aligned grid covering ``bounds`` (RD New metres)."""
    if not MIN_CELL_M <= cell_m <= 10_000:
        raise BadRequest(f"cell size must be between {MIN_CELL_M:g} and 10000 m, "
                         f"not {cell_m:g}", code="bad_cell")
    minx, miny, maxx, maxy = bounds
    left = math.floor(minx / cell_m) * cell_m
    bottom = math.floor(miny / cell_m) * cell_m
    right = math.ceil(maxx / cell_m) * cell_m
    top = math.ceil(maxy / cell_m) * cell_m
    width = max(1, round((right - left) / cell_m))
    height = max(1, round((top - bottom) / cell_m))
    if width * height > MAX_CELLS:
        raise BadRequest(f"a {cell_m:g} m grid over this selection has {width * height:,} "
                         f"cells (at most {MAX_CELLS:,}): choose a larger cell or one "
                         "gemeente", code="too_many_cells")
    return Affine(cell_m, 0.0, left, 0.0, -cell_m, top), width, height


def write_geotiff(table: AreaTable, meta: dict[str, Any], path: Path, cell_m: float) -> None:
    frame = table.frame.to_crs(STORE_CRS)
    if frame.empty:
        raise BadRequest("no areas to rasterise", code="no_areas")
    transform, width, height = grid(tuple(frame.total_bounds), cell_m)
    profile = {"driver": "GTiff", "dtype": "float32", "nodata": NODATA, "width": width,
               "height": height, "count": len(table.columns), "crs": STORE_CRS.to_wkt(),
               "transform": transform, "compress": "deflate", "tiled": width >= 256
               and height >= 256, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as out:
        out.update_tags(GEOINSIGHT_METADATA=json.dumps(meta, ensure_ascii=False),
                        TIFFTAG_DATETIME=meta["generated_at"],
                        TIFFTAG_SOFTWARE=meta["generator"],
                        TIFFTAG_IMAGEDESCRIPTION=meta["title"], CELL_SIZE_M=f"{cell_m:g}",
                        CELL_VALUE="the figure of the area the cell's centre lies in "
                                   "(a count is the area's total, not the cell's)")
        for band, (column, info) in enumerate(zip(table.columns, meta["layers"], strict=True),
                                              start=1):
            shown = frame[frame[column.status_column].isin(["ok", "estimated"])
                          & frame[column.value_column].notna()]
            shapes = list(zip(shown.geometry, shown[column.value_column].astype(float),
                              strict=True))
            data = np.full((height, width), NODATA, dtype="float32")
            if shapes:
                data = rasterize(shapes, out_shape=(height, width), transform=transform,
                                 fill=NODATA, dtype="float32")
            out.write(data, band)
            out.set_band_description(band, column.value_column)
            out.update_tags(band, title=info["title"], unit=info["unit"],
                            year=str(info["year"]), source=info["source"],
                            licence=info["licence"], synthetic=str(info["synthetic"]).lower())
