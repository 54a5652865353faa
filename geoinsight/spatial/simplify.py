"""Geometry for browsers: simplified with shared edges kept, in WGS84, rounded to about a metre.

``shapely.coverage_simplify`` simplifies each shared edge once, so neighbouring buurten keep
meeting exactly (no slivers, no gaps) the way mapshaper does. Coordinates are snapped to a
1e-5 degree grid (about 1.1 m north-south, 0.7 m east-west in the Netherlands).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from geoinsight.crs import WEB_CRS

GRID_DEGREES = 1e-5
PROPERTIES = ("code", "name", "level", "gemeente_code", "wijk_code", "year")


def simplify_coverage(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify polygons that tile an area without breaking their shared edges."""
    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    except shapely.errors.GEOSException:
        # not a clean coverage (overlaps from another source): simplify each on its own
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    broken = shapely.is_empty(simplified) | ~shapely.is_valid(simplified)
    return np.where(broken, geoms, simplified)


def to_web(geoms: np.ndarray, crs: object) -> np.ndarray:
    """Reproject to WGS84 and snap to a ~1 m grid, keeping any part that would vanish."""
    web = gpd.GeoSeries(geoms, crs=crs).to_crs(WEB_CRS).to_numpy()
    rounded = shapely.set_precision(web, GRID_DEGREES)
    return np.where(shapely.is_empty(rounded), web, rounded)


def feature_collection(areas: gpd.GeoDataFrame, tolerance_m: float) -> bytes:
    """Areas (in the store CRS) as compact GeoJSON bytes for the map pages."""
    geoms = to_web(simplify_coverage(areas.geometry.to_numpy(), tolerance_m), areas.crs)
    texts = shapely.to_geojson(geoms)
    features = []
    for text, row in zip(texts, areas[list(PROPERTIES)].itertuples(index=False), strict=True):
        props = {k: (None if v is None or v != v else (int(v) if k == "year" else v))
                 for k, v in zip(PROPERTIES, row, strict=True)}
        features.append('{"type":"Feature","properties":'
                        + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
                        + ',"geometry":' + text + "}")
    bbox = [round(float(b), 5) for b in shapely.total_bounds(geoms)] if len(geoms) else []
    head = '{"type":"FeatureCollection","bbox":' + json.dumps(bbox) + ',"features":['
    return (head + ",".join(features) + "]}").encode("utf-8")
