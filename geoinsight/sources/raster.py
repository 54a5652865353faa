"""GeoTIFF and Cloud-Optimised GeoTIFF rasters, checked before anything is stored.

:func:`read_raster` opens a file with rasterio (GDAL) and refuses, with one line naming the
problem, what ingest cannot use: a file that is not a raster, a band the file does not have, a
raster without a CRS, one that lies outside the Netherlands, and one whose band holds no data
at all. It also finds the band's smallest and largest value (a legend's range).

Rasters are read in their own CRS, window by window — never whole: the scan here goes block by
block, zonal statistics (:mod:`geoinsight.spatial.zonal`) read the window of one area at a time.
Areas are brought to the raster's CRS rather than the raster to RD New, so no cell is resampled.

Nodata: the file's own nodata value, whatever it is (AHN writes float32's largest, 3.4028e38;
others -9999 or 0), and NaN in any float raster, declared or not.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from geoinsight.crs import RD_BOUNDS, STORE_CRS
from geoinsight.errors import InputError
from geoinsight.sources.raster_footprint import Footprint, FootprintScan

#: cells read at once while scanning a raster without internal blocks (striped TIFFs)
SCAN_CELLS = 4_000_000
#: GDAL's block cache while a raster is read (MB); GDAL's default, 5 % of the machine's memory,
#: would keep a whole raster of that size once read
GDAL_CACHE_MB = 64


def reading() -> rasterio.Env:
    """The GDAL settings every read of a raster runs under (``with reading(): …``)."""
    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB * 2**20)  # bytes, to rasterio


@dataclass(frozen=True)
class RasterInfo:
    """What ingest knows of a raster band once it passed the checks."""

    path: Path
    band: int
    bands: int
    crs_wkt: str
    epsg: int | None
    width: int
    height: int
    #: cell size in the raster's CRS units (x, y), both positive
    resolution: tuple[float, float]
    #: the raster's bounds in its own CRS (left, bottom, right, top)
    bounds: tuple[float, float, float, float]
    #: the raster's bounds in RD New (EPSG:28992)
    bounds_rd: tuple[float, float, float, float]
    #: the raster's bounds in WGS84 (west, south, east, north): a web map's overlay
    bounds_wgs84: tuple[float, float, float, float]
    dtype: str
    nodata: float | None
    minimum: float
    maximum: float
    #: cells with data
    cells: int
    #: where the raster has data (None for a raster kept before footprints were)
    footprint: Footprint | None = None
    #: the year of the file's TIFFTAG_DATETIME, if it has one
    tagged_year: int | None = None

    @property
    def cell_area(self) -> float:
        return self.resolution[0] * self.resolution[1]

    def detail(self) -> dict[str, Any]:
        """What the store keeps of it (:class:`geoinsight.rasters.RasterSource`'s ``detail``)."""
        return {"crs": self.crs_wkt, "epsg": self.epsg, "width": self.width,
                "height": self.height, "bands": self.bands, "resolution": list(self.resolution),
                "bounds": list(self.bounds), "bounds_rd": list(self.bounds_rd),
                "bounds_wgs84": list(self.bounds_wgs84),
                "dtype": self.dtype, "nodata": self.nodata, "minimum": self.minimum,
                "maximum": self.maximum, "cells": self.cells,
                **({"footprint": self.footprint.as_dict()} if self.footprint else {})}

    @classmethod
    def from_detail(cls, path: Path, band: int, detail: Mapping[str, Any]) -> RasterInfo:
        return cls(path=path, band=band, bands=int(detail["bands"]), crs_wkt=detail["crs"],
                   epsg=detail["epsg"], width=int(detail["width"]),
                   height=int(detail["height"]),
                   resolution=(float(detail["resolution"][0]), float(detail["resolution"][1])),
                   bounds=tuple(detail["bounds"]),
                   bounds_rd=tuple(detail["bounds_rd"]),
                   bounds_wgs84=tuple(detail["bounds_wgs84"]),
                   dtype=str(detail["dtype"]), nodata=detail["nodata"],
                   minimum=float(detail["minimum"]), maximum=float(detail["maximum"]),
                   cells=int(detail["cells"]),
                   footprint=Footprint.from_dict(detail["footprint"])
                   if "footprint" in detail else None)


def read_raster(path: Path, band: int = 1) -> RasterInfo:
    """The checked raster band at ``path`` (module docstring); :class:`InputError` otherwise."""
    where = str(path)
    if not path.is_file():
        raise InputError("no such file", path=where)
    with reading():
        return _checked(path, band, where)


def _checked(path: Path, band: int, where: str) -> RasterInfo:
    try:
        dataset = rasterio.open(path)
    except RasterioIOError:
        raise InputError("not a raster GDAL can read (expected a GeoTIFF or COG)",
                         path=where) from None
    with dataset:
        if not 1 <= band <= dataset.count:
            raise InputError(f"the raster has {dataset.count} band(s); there is no band {band}",
                             path=where)
        if dataset.crs is None:
            raise InputError("the raster has no CRS (georeference it, e.g. gdal_translate "
                             "-a_srs EPSG:28992)", path=where)
        bounds_rd, wgs84 = _bounds_in_rd(dataset), _bounds_in(dataset, "EPSG:4326")
        if bounds_rd is None or wgs84 is None or not _meets_netherlands(bounds_rd):
            raise InputError("the raster lies outside the Netherlands", path=where)
        nodata = dataset.nodatavals[band - 1]
        cell_metres = (bounds_rd[2] - bounds_rd[0]) / dataset.width  # RD New is in metres
        low, high, cells, footprint = _scan(dataset, band, nodata, cell_metres)
        if cells == 0:
            raise InputError(f"band {band} holds no data: every cell is nodata", path=where)
        resolution = (abs(dataset.transform.a), abs(dataset.transform.e))
        return RasterInfo(path=path, band=band, bands=dataset.count,
                          crs_wkt=dataset.crs.to_wkt(), epsg=dataset.crs.to_epsg(),
                          width=dataset.width, height=dataset.height, resolution=resolution,
                          bounds=tuple(float(v) for v in dataset.bounds),  # type: ignore[arg-type]
                          bounds_rd=bounds_rd, bounds_wgs84=wgs84,
                          dtype=dataset.dtypes[band - 1],
                          nodata=None if nodata is None else float(nodata),
                          minimum=low, maximum=high, cells=cells, footprint=footprint,
                          tagged_year=_tagged_year(dataset.tags()))


def _tagged_year(tags: Mapping[str, str]) -> int | None:
    """The year of TIFFTAG_DATETIME (``YYYY:MM:DD HH:MM:SS``), when it is a plausible one."""
    text = str(tags.get("TIFFTAG_DATETIME", ""))[:4]
    return int(text) if text.isdigit() and 1900 <= int(text) <= 2100 else None


def valid_mask(values: np.ndarray, nodata: float | None) -> np.ndarray:
    """Where ``values`` hold data: not the nodata value, and not NaN."""
    mask = np.ones(values.shape, dtype=bool)
    if nodata is not None and not math.isnan(nodata):
        mask &= values != np.asarray(nodata).astype(values.dtype)
    if values.dtype.kind == "f":
        mask &= ~np.isnan(values)
    return mask


def _bounds_in_rd(dataset: rasterio.DatasetReader) -> tuple[float, float, float, float] | None:
    return _bounds_in(dataset, STORE_CRS.to_wkt())


def _bounds_in(dataset: rasterio.DatasetReader,
               crs: str) -> tuple[float, float, float, float] | None:
    """The raster's bounds in ``crs`` (edges densified), or None where PROJ cannot place it."""
    try:
        bounds = transform_bounds(dataset.crs, crs, *dataset.bounds, densify_pts=21)
    except Exception:  # PROJ cannot place it in RD New at all: outside
        return None
    if not all(math.isfinite(v) for v in bounds):
        return None
    return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))


def _meets_netherlands(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return not (maxx < RD_BOUNDS[0] or minx > RD_BOUNDS[2]
                or maxy < RD_BOUNDS[1] or miny > RD_BOUNDS[3])


def _scan(dataset: rasterio.DatasetReader, band: int, nodata: float | None,
          cell_metres: float) -> tuple[float, float, int, Footprint]:
    """Smallest and largest value, the number of cells with data and where they are (the
    footprint), one window at a time."""
    low, high, cells = math.inf, -math.inf, 0
    footprint = FootprintScan(dataset.width, dataset.height, tuple(dataset.bounds), cell_metres)
    for window in _windows(dataset, band):
        values = dataset.read(band, window=window)
        where = valid_mask(values, nodata)
        footprint.add(window, where)
        valid = values[where]
        if valid.size:
            low = min(low, float(valid.min()))
            high = max(high, float(valid.max()))
            cells += int(valid.size)
    return low, high, cells, footprint.finish()


def _windows(dataset: rasterio.DatasetReader, band: int) -> Iterator[Window]:
    """The band's own blocks when it is tiled; else strips of about ``SCAN_CELLS`` cells."""
    _, block_w = dataset.block_shapes[band - 1]
    if block_w < dataset.width:  # tiled: read its tiles
        for _, window in dataset.block_windows(band):
            yield window
        return
    rows = max(1, SCAN_CELLS // max(dataset.width, 1))
    for top in range(0, dataset.height, rows):
        yield Window(0, top, dataset.width, min(rows, dataset.height - top))
