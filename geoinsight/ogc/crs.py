"""The two coordinate reference systems served (OGC API – Features Part 2) and bbox parsing.

Geometry is stored in RD New (EPSG:28992). The default output is CRS84 (longitude, latitude),
as Part 1 requires; RD New is offered because it is what Dutch GIS users work in, and it is the
collections' ``storageCrs``, so clients that ask for it get the stored coordinates unchanged
(only rounded). Coordinates are rounded to about a decimetre either way: finer digits only add
bytes, the boundaries themselves are not that precise.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geoinsight.crs import CRS84 as CRS84_NAME
from geoinsight.crs import CRS84_URI, RD_URI, STORE_CRS, parse_crs, transformer
from geoinsight.errors import BadRequest

__all__ = ["CRS84", "RD", "SUPPORTED", "bbox_in_rd", "header", "lonlat_bounds",
           "output_geometries", "parse_bbox", "parse_crs"]

CRS84 = CRS84_URI
RD = RD_URI
SUPPORTED = (CRS84, RD)
STORAGE_CRS = RD

#: decimals kept per output CRS: 1e-6 degree and 1 cm are both finer than the boundaries
DECIMALS = {CRS84: 6, RD: 2}

#: a generous lon/lat box around RD New's area of use; bbox parts outside it hold no areas and
#: would only make the transformation to RD meaningless
_RD_AREA_LONLAT = (2.0, 50.0, 8.5, 56.0)

def parse_bbox(text: str | None, crs: str) -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` (or the 3D form with heights, which are ignored) in ``crs``."""
    if text is None or not text.strip():
        return None
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadRequest(f"bbox must be four numbers minx,miny,maxx,maxy, not {text!r}",
                         code="bad_bbox")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise BadRequest(f"bbox must have minx <= maxx and miny <= maxy, not {text!r}",
                         code="bad_bbox")
    if crs == CRS84 and not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        raise BadRequest(f"a CRS84 bbox is longitude,latitude in degrees, not {text!r} "
                         "(for RD New metres add bbox-crs=EPSG:28992)", code="bad_bbox")
    return minx, miny, maxx, maxy


def bbox_in_rd(bbox: tuple[float, float, float, float], crs: str) -> BaseGeometry:
    """The bbox as RD New geometry (edges densified, so a lon/lat box keeps its curved shape).

    A bbox of zero width or height is a line or a point, and finds what it touches."""
    if crs == RD:
        return _envelope(bbox)
    lo = _RD_AREA_LONLAT
    clipped = (max(bbox[0], lo[0]), max(bbox[1], lo[1]), min(bbox[2], lo[2]), min(bbox[3], lo[3]))
    if clipped[0] > clipped[2] or clipped[1] > clipped[3]:
        return shapely.Polygon()
    dense = shapely.segmentize(_envelope(clipped), 0.01)
    to_rd = transformer(CRS84_NAME, STORE_CRS)
    return shapely.transform(dense, lambda xy: np.column_stack(to_rd.transform(xy[:, 0],
                                                                               xy[:, 1])))


def _envelope(bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """A polygon, or the line or point a degenerate bbox is."""
    minx, miny, maxx, maxy = bbox
    if minx == maxx and miny == maxy:
        return shapely.Point(minx, miny)
    if minx == maxx or miny == maxy:
        return shapely.LineString([(minx, miny), (maxx, maxy)])
    return shapely.box(minx, miny, maxx, maxy)


def output_geometries(geometries: gpd.GeoSeries, crs: str) -> gpd.GeoSeries:
    """Stored geometries in the output CRS, rounded to :data:`DECIMALS`."""
    out = geometries.to_crs(CRS84_NAME) if crs == CRS84 else geometries
    decimals = DECIMALS[crs]
    rounded = shapely.transform(out.to_numpy(), lambda xy: np.round(xy, decimals))
    return gpd.GeoSeries(rounded, index=geometries.index, crs=out.crs)


def lonlat_bounds(bounds: tuple[float, float, float, float]) -> list[float]:
    """RD New bounds as a CRS84 bbox (the extent every collection states)."""
    to_lonlat = transformer(STORE_CRS, CRS84_NAME)
    return [round(v, 6) for v in to_lonlat.transform_bounds(*bounds, densify_pts=21)]


def header(crs: str) -> str:
    """The ``Content-Crs`` header value for ``crs``."""
    return f"<{crs}>"
