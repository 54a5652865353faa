"""A synthetic heat-stress raster for the demo: no real heat map of Delft is at hand offline.

It imitates the Klimaateffectatlas "gevoelstemperatuur" map (PET, °C, on a hot afternoon) on a
10 m grid over the demo's buurten: warmer where people live densely (each buurt's inhabitants
per hectare, smoothed over about 150 m, as a stand-in for paved and built-up surface), cooler in
a few planted parks, with a smooth random texture. Cells that touch no buurt are nodata.
Deterministic for a seed. Written as a GeoTIFF and read by the real ``ingest raster``; every
figure made from it is flagged synthetic. Nothing about real heat in Delft can be read from it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import Affine
from scipy.ndimage import gaussian_filter

CELL = 10.0
NODATA = -9999.0
#: PET range: a hot afternoon's background, and what dense built-up surface adds
BACKGROUND = 31.0
URBAN_GAIN = 14.0
PARKS = 6
PARK_COOLING = 7.0


def synthetic_heat(buurten: gpd.GeoDataFrame, population: pd.Series, seed: int
                   ) -> tuple[np.ndarray, Affine]:
    """PET per 10 m cell over ``buurten`` (code, geometry in RD New) and the grid's transform.

    ``population``: inhabitants by buurt code."""
    rng = np.random.default_rng(seed)
    frame = buurten[["code", "geometry"]].sort_values("code").reset_index(drop=True)
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    minx, miny = np.floor(minx / CELL) * CELL, np.floor(miny / CELL) * CELL
    width, height = int(np.ceil((maxx - minx) / CELL)), int(np.ceil((maxy - miny) / CELL))
    transform = Affine(CELL, 0.0, minx, 0.0, -CELL, miny + height * CELL)
    people = population.reindex(frame["code"]).fillna(0).to_numpy(dtype=float)
    per_ha = people / np.maximum(shapely.area(frame.geometry.to_numpy()) / 1e4, 1.0)
    urban = rasterize(zip(frame.geometry, per_ha / max(float(per_ha.max()), 1.0), strict=True),
                      out_shape=(height, width), transform=transform, fill=0.0,
                      dtype="float32")
    inside = rasterize(((g, 1) for g in frame.geometry), out_shape=(height, width),
                       transform=transform, fill=0, dtype="uint8",
                       all_touched=True).astype(bool)  # every buurt wholly covered
    urban = gaussian_filter(urban.astype("float64"), sigma=15.0)
    texture = gaussian_filter(rng.normal(size=(height, width)), sigma=6.0)
    texture *= 1.5 / max(float(texture.std()), 1e-9)
    rows, cols = np.mgrid[0:height, 0:width]
    cooling = np.zeros((height, width))
    inside_cells = np.argwhere(inside)
    for _ in range(PARKS):
        row, col = inside_cells[rng.integers(len(inside_cells))]
        radius = rng.uniform(12, 30)  # cells: 120-300 m
        cooling += PARK_COOLING * np.exp(-((rows - row) ** 2 + (cols - col) ** 2)
                                         / (2 * radius ** 2))
    pet = BACKGROUND + URBAN_GAIN * urban / max(float(urban.max()), 1e-9) + texture - cooling
    pet = np.clip(pet, 22.0, 48.0).astype("float32")
    pet[~inside] = NODATA
    return pet, transform


def write_heat_raster(values: np.ndarray, transform: Affine, path: Path) -> Path:
    """A tiled, DEFLATE GeoTIFF in RD New, marked as synthetic in its metadata."""
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1],
                       height=values.shape[0], count=1, dtype="float32", crs="EPSG:28992",
                       nodata=NODATA, transform=transform, tiled=True, blockxsize=256,
                       blockysize=256, compress="deflate") as out:
        out.write(values, 1)
        out.update_tags(TIFFTAG_IMAGEDESCRIPTION="synthetic demo data: heat stress (PET, °C)")
    return path
