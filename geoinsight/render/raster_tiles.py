"""A kept raster as coloured XYZ PNG tiles (Web Mercator), drawn on the server.

Drawn with rio-tiler (https://cogeotiff.github.io/rio-tiler) from the Cloud-Optimised GeoTIFF
that ``ingest raster`` keeps: it reads only the blocks a tile needs, from the overview that
fits its zoom, reprojects from the raster's own CRS, and leaves nodata cells transparent. The
band is stretched linearly over the raster's range (its minimum and maximum, found at ingest)
onto 256 colours of the ColorBrewer palette of the raster's layers, so the overlay and its
legend agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

# imported with the app (0.13 s), never by a request: rio-tiler's own modules import each other
# in a circle, which fails when two threads import it for their first tiles at the same time
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from geoinsight.render.classify import colors
from geoinsight.sources.raster import reading

TILE = 256
#: the zoom levels tiles are drawn for (the basemap's range)
MIN_ZOOM, MAX_ZOOM = 0, 20
#: colour stops a legend shows of the ramp
LEGEND_STOPS = 9


@dataclass(frozen=True)
class Ramp:
    """How cell values become colours: ``low`` .. ``high`` onto ``palette``."""

    palette: str
    low: float
    high: float
    reverse: bool = False

    def stops(self, n: int = LEGEND_STOPS) -> list[str]:
        """``n`` colours from ``low`` to ``high`` (a legend's gradient)."""
        table = _colormap(self.palette, self.reverse)
        picks = np.linspace(0, 255, n).round().astype(int)
        return ["#{:02x}{:02x}{:02x}".format(*table[int(i)][:3]) for i in picks]


def render_tile(path: Path, band: int, ramp: Ramp, z: int, x: int, y: int) -> bytes | None:
    """The PNG of tile ``z/x/y``, or None where the tile lies outside the raster. NaN cells are
    nodata (transparent) also where the file declares no nodata value."""
    with reading(), Reader(str(path)) as source:
        declared = source.dataset.nodatavals[band - 1] is not None
        floats = np.dtype(source.dataset.dtypes[band - 1]).kind == "f"
        options = {} if declared or not floats else {"nodata": float("nan")}
        try:
            image = source.tile(x, y, z, indexes=band, tilesize=TILE, **options)
        except TileOutsideBounds:
            return None
        span = ramp.high - ramp.low
        image.rescale(in_range=((ramp.low, ramp.high if span > 0 else ramp.low + 1.0),))
        return bytes(image.render(img_format="PNG",
                                  colormap=_colormap(ramp.palette, ramp.reverse)))


def tile_exists(z: int, x: int, y: int) -> bool:
    """Whether ``z/x/y`` names a tile of the Web Mercator grid in the drawn zoom range."""
    return MIN_ZOOM <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


@cache
def _colormap(palette: str, reverse: bool) -> dict[int, tuple[int, int, int, int]]:
    """256 opaque colours interpolated through the palette's 9 ColorBrewer colours."""
    anchors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)]
                        for c in colors(palette, 9, reverse)], dtype=float)
    where = np.linspace(0, len(anchors) - 1, 256)
    table = np.stack([np.interp(where, np.arange(len(anchors)), anchors[:, k])
                      for k in range(3)], axis=1).round().astype(int)
    return {i: (int(r), int(g), int(b), 255) for i, (r, g, b) in enumerate(table)}
