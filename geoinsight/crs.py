"""Coordinate reference systems: everything is stored in RD New and served in WGS84."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
from pyproj import CRS, Transformer

from geoinsight.errors import BadRequest

STORE_CRS = CRS.from_epsg(28992)  # Amersfoort / RD New
WEB_CRS = CRS.from_epsg(4326)
CRS84 = "OGC:CRS84"  # WGS84 with longitude first, as GeoJSON and OGC API – Features have it


@lru_cache(maxsize=16)
def transformer(source: CRS | str, target: CRS | str) -> Transformer:
    """The transformation from ``source`` to ``target`` (x, y order), made once per process:
    making one reads PROJ's database (~30 ms). pyproj gives each thread its own copy on first
    use (as much again, once per thread)."""
    return Transformer.from_crs(source, target, always_xy=True)


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


#: the two CRSs a request may name (OGC API – Features Part 2 URIs)
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
_SPELLINGS = {
    CRS84_URI: {"ogc:crs84", "crs84", "urn:ogc:def:crs:ogc:1.3:crs84",
                "urn:ogc:def:crs:ogc::crs84", "http://www.opengis.net/def/crs/ogc/1.3/crs84",
                "http://www.opengis.net/def/crs/ogc/0/crs84"},
    RD_URI: {"epsg:28992", "urn:ogc:def:crs:epsg::28992", "urn:ogc:def:crs:epsg:0:28992",
             "http://www.opengis.net/def/crs/epsg/0/28992"},
}
#: EPSG:4326 is latitude, longitude by definition; a request must say CRS84 for lon/lat
LATLON_SPELLINGS = {"epsg:4326", "urn:ogc:def:crs:epsg::4326",
                    "http://www.opengis.net/def/crs/epsg/0/4326"}


def crs_key(text: str) -> str:
    return text.strip().strip("<>[]").lower().replace("https://", "http://")


def parse_crs(text: str | None, param: str = "crs") -> str:
    """The CRS URI a ``crs`` or ``bbox-crs`` value names (URI, URN, safe CURIE or EPSG:n):
    CRS84 (the default) or RD New."""
    if text is None or not text.strip():
        return CRS84_URI
    key = crs_key(text)
    for uri, spellings in _SPELLINGS.items():
        if key in spellings:
            return uri
    hint = (" (EPSG:4326 is latitude, longitude: for longitude, latitude say CRS84)"
            if key in LATLON_SPELLINGS else "")
    raise BadRequest(f"{param} must be {CRS84_URI} (CRS84, longitude/latitude) or {RD_URI} "
                     f"(EPSG:28992, RD New), not {text!r}{hint}", code="bad_crs")
