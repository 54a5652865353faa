"""Where a raster has data: its footprint, and the share of an area that lies inside it.

A raster's bounding rectangle says little about where it has data: a heat map clipped to a
gemeente, or a national grid, holds nodata all around its data. An area of the neighbouring
gemeente inside the rectangle then gets a "mean" of the thin strip of cells it shares with the
data, which is not its mean. The footprint is what the raster really covers:

- a grid of at most :data:`MAX_SIDE` × :data:`MAX_SIDE` blocks of ``factor`` × ``factor``
  cells (one cell per block for rasters up to that size); a block is in when any of its cells
  has data;
- nodata wholly enclosed by data is in too (a lake in an elevation model, the buildings of a
  terrain model, water in a heat map): the raster covers it and says there is nothing to
  measure there. So is nodata narrower than :data:`BRIDGE` metres between data (a ditch,
  a canal or a road the terrain model leaves out, which often runs on to the raster's edge):
  the blocks are closed (dilated and eroded again by half that width) before the holes are
  filled. Wider nodata that reaches the grid's edge is out: the sea beyond a coast, the land
  around a raster clipped to one gemeente.

It is found while the raster is scanned at ingest (:func:`geoinsight.sources.raster.read_raster`),
one window at a time, and kept with the raster's definition (a few kB, compressed). The share
of an area inside it is computed with exact fractional weights like the figures themselves.
"""

from __future__ import annotations

import base64
import math
import zlib
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from rasterio.windows import Window
from scipy.ndimage import binary_dilation, binary_erosion, binary_fill_holes

#: the footprint grid's longest side, in blocks (1024 × 1024 bits: 128 kB before compression)
MAX_SIDE = 1024
#: nodata narrower than this (metres) between cells with data is inside the footprint
BRIDGE = 250.0


@dataclass(frozen=True)
class Footprint:
    """The blocks of a raster that hold data or enclosed nodata (module docstring)."""

    #: raster cells per block side
    factor: int
    #: True where the block is in, rows from the top
    mask: np.ndarray
    #: the grid's bounds in the raster's CRS (left, bottom, right, top); the last row and
    #: column may reach past the raster by less than a block
    bounds: tuple[float, float, float, float]

    def shares_inside(self, shapes: gpd.GeoSeries) -> np.ndarray:
        """The share (0..1) of each of ``shapes`` (in the raster's CRS) inside the footprint:
        1 at once for a shape whose bounding box covers only blocks that are in (most areas
        of a raster that covers them), else weighed exactly."""
        if shapes.empty:
            return np.zeros(0)
        share = np.where(self._boxes_inside(shapes.bounds.to_numpy()), 1.0, np.nan)
        rest = np.flatnonzero(np.isnan(share))
        if len(rest):
            share[rest] = self._weighed(shapes.iloc[rest])
        return share

    def _boxes_inside(self, boxes: np.ndarray) -> np.ndarray:
        """Whether each box (minx, miny, maxx, maxy) covers only blocks that are in, from a
        summed-area table of the blocks that are out."""
        left, bottom, right, top = self.bounds
        rows, cols = self.mask.shape
        width, height = (right - left) / cols, (top - bottom) / rows
        out = np.zeros((rows + 1, cols + 1), dtype=np.int64)
        out[1:, 1:] = np.cumsum(np.cumsum(~self.mask, axis=0), axis=1)
        c0 = np.floor((boxes[:, 0] - left) / width)
        c1 = np.ceil((boxes[:, 2] - left) / width)
        r0 = np.floor((top - boxes[:, 3]) / height)
        r1 = np.ceil((top - boxes[:, 1]) / height)
        fits = (c0 >= 0) & (r0 >= 0) & (c1 <= cols) & (r1 <= rows) & np.isfinite(boxes).all(1)
        c0, c1, r0, r1 = (np.where(fits, v, 0).astype(np.int64) for v in (c0, c1, r0, r1))
        outside = out[r1, c1] - out[r0, c1] - out[r1, c0] + out[r0, c0]
        return fits & (outside == 0)

    def _weighed(self, shapes: gpd.GeoSeries) -> np.ndarray:
        left, bottom, right, top = self.bounds
        source = NumPyRasterSource(self.mask.astype("float64"), left, bottom, right, top,
                                   srs_wkt=shapes.crs.to_wkt() if shapes.crs else None)
        frame = gpd.GeoDataFrame({"i": np.arange(len(shapes))}, geometry=shapes.to_numpy(),
                                 crs=shapes.crs)
        found = exact_extract(source, frame, ["sum"], include_cols=["i"], output="pandas")
        inside = found.set_index("i")["sum"].reindex(range(len(shapes))).fillna(0.0)
        rows, cols = self.mask.shape
        block = (right - left) / cols * (top - bottom) / rows
        whole = shapes.area.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = inside.to_numpy(dtype=float) * block / whole
        return np.where(whole > 0, np.clip(share, 0.0, 1.0), 0.0)

    def as_dict(self) -> dict[str, Any]:
        """The footprint as JSON can hold it (the raster's ``detail``)."""
        packed = zlib.compress(np.packbits(self.mask).tobytes(), 9)
        return {"factor": self.factor, "rows": int(self.mask.shape[0]),
                "cols": int(self.mask.shape[1]), "bounds": list(self.bounds),
                "bits": base64.b64encode(packed).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Footprint:
        rows, cols = int(data["rows"]), int(data["cols"])
        bits = np.frombuffer(zlib.decompress(base64.b64decode(data["bits"])), dtype=np.uint8)
        mask = np.unpackbits(bits, count=rows * cols).astype(bool).reshape(rows, cols)
        left, bottom, right, top = (float(v) for v in data["bounds"])
        return cls(int(data["factor"]), mask, (left, bottom, right, top))


class FootprintScan:
    """A footprint built up window by window while a raster is scanned."""

    def __init__(self, width: int, height: int, bounds: tuple[float, float, float, float],
                 cell_metres: float) -> None:
        """``cell_metres``: about how wide a cell is on the ground (for :data:`BRIDGE`)."""
        self.factor = max(1, math.ceil(max(width, height) / MAX_SIDE))
        self.bridge = max(0, math.ceil(BRIDGE / 2 / max(cell_metres * self.factor, 1e-9)))
        f = self.factor
        self.mask = np.zeros((math.ceil(height / f), math.ceil(width / f)), dtype=bool)
        left, bottom, right, top = bounds
        x_size, y_size = (right - left) / width * f, (top - bottom) / height * f
        rows, cols = self.mask.shape
        self.bounds = (left, top - rows * y_size, left + cols * x_size, top)

    def add(self, window: Window, valid: np.ndarray) -> None:
        """Mark the blocks of ``window`` (rows and columns of the raster) where ``valid``."""
        f = self.factor
        top, left = int(window.row_off), int(window.col_off)
        if valid.all():
            rows, cols = valid.shape
            self.mask[top // f:(top + rows - 1) // f + 1, left // f:(left + cols - 1) // f + 1] \
                = True
            return
        rows, cols = np.nonzero(valid)
        self.mask[(rows + top) // f, (cols + left) // f] = True

    def finish(self) -> Footprint:
        mask = self.mask
        if self.bridge and mask.any():
            # closed: a gap up to BRIDGE wide fills; beyond the grid counts as data, so the
            # erosion does not eat into the data along the raster's edge
            grown = binary_dilation(mask, iterations=self.bridge)
            mask = binary_erosion(grown, iterations=self.bridge, border_value=1) | mask
        return Footprint(self.factor, binary_fill_holes(mask), self.bounds)
