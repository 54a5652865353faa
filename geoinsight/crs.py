"""Coordinate reference systems: everything is stored in RD New and served in WGS84."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

STORE_CRS = CRS.from_epsg(28992)  # Amersfoort / RD New
WEB_CRS = CRS.from_epsg(4326)

#: The extent of RD New's valid area (metres), a little generous: x 0..300 km, y 289..629 km.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)


def looks_like_rd(bounds: tuple[float, float, float, float]) -> bool:
    """True when a bounding box lies inside the Netherlands in RD New metres."""
    minx, miny, maxx, maxy = bounds
    return (RD_BOUNDS[0] <= minx <= maxx <= RD_BOUNDS[2]
            and RD_BOUNDS[1] <= miny <= maxy <= RD_BOUNDS[3])


def looks_like_lonlat(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def to_store_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to RD New (pyproj picks the best transformation available offline)."""
    if frame.crs is None:
        raise ValueError("frame has no CRS")
    if CRS.from_user_input(frame.crs).equals(STORE_CRS):
        return frame.set_crs(STORE_CRS, allow_override=True)
    return frame.to_crs(STORE_CRS)


def to_web_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(WEB_CRS)
