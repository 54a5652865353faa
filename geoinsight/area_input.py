"""A drawn or uploaded area, checked and in RD New: the input of a custom-area aggregate.

Everything a user can get wrong about an area is a 400 with a reason they can act on: a
GeoJSON that is not one, a point or line where an area is needed, a ring that crosses itself
(with the place, from ``shapely.validation.explain_validity``), coordinates in the other CRS,
too many vertices. Geometry is checked in the coordinates the user sent, so a reported place is
one they can find in their own file.

Accepted: a GeoJSON geometry, Feature or FeatureCollection (the union of its polygons), in
CRS84 (longitude, latitude) unless ``crs`` says EPSG:28992; or an uploaded file: GeoJSON,
GeoPackage (first polygon table) or a zipped Shapefile, in the CRS the file declares. Files are
read with bounds on bytes, features, vertices and work (:mod:`geoinsight.uploads`).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError
from shapely.validation import explain_validity

from geoinsight.crs import (
    CRS84,
    CRS84_URI,
    LATLON_SPELLINGS,
    RD_URI,
    STORE_CRS,
    crs_key,
    looks_like_lonlat,
    parse_crs,
    transformer,
)
from geoinsight.errors import BadRequest, GeoInsightError
from geoinsight.privacy.audit import CustomArea
from geoinsight.uploads import Budget, ReadStats, TooLarge, UploadLimits
from geoinsight.uploads.geojson import depth as geojson_depth
from geoinsight.uploads.geojson import parse_geojson, too_deep
from geoinsight.uploads.gpkg import read_geopackage
from geoinsight.uploads.shapefile import read_shapefile, unzip_shapefile

LONLAT = CRS84_URI
RD = RD_URI
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class DrawnArea:
    """A valid (Multi)Polygon in EPSG:28992 and the number of vertices it was sent with."""

    geometry: shapely.Geometry
    vertices: int

    def fingerprint(self) -> CustomArea:
        """What the audit log records of this area: the same polygon gives the same hash,
        however its rings were started or oriented, because the hash is of the normalised
        geometry's WKB (2D, little-endian ISO WKB, no SRID: one byte string per geometry)."""
        normal = shapely.normalize(self.geometry)
        wkb = shapely.to_wkb(normal, output_dimension=2, byte_order=1, include_srid=False,
                             flavor="iso")
        minx, miny, maxx, maxy = (float(v) for v in normal.bounds)
        return CustomArea((minx, miny, maxx, maxy), float(normal.area), self.vertices,
                          hashlib.sha256(wkb).hexdigest())


def area_from_geojson(doc: Any, crs: str | None, limits: UploadLimits,
                      budget: Budget | None = None) -> DrawnArea:
    """A GeoJSON geometry, Feature or FeatureCollection as one area.

    ``crs`` (a query parameter) wins over a legacy ``crs`` member in the document. Each part is
    counted as it is read, so a document past the feature or vertex limit stops at that part.
    """
    if not isinstance(doc, dict) or "type" not in doc:
        raise BadRequest("send a GeoJSON geometry, Feature or FeatureCollection (an object "
                         "with a \"type\")", code="bad_geojson")
    if geojson_depth(doc, limits.max_json_depth) > limits.max_json_depth:
        raise too_deep(limits.max_json_depth)
    budget = budget or Budget(limits)
    parts = []
    for geometry in _geometries(doc):
        part = _shape(geometry)
        budget.take(part)
        parts.append(part)
    return _checked(parts, parse_crs(crs) if crs else _legacy_crs(doc), limits.max_vertices)


def _legacy_crs(doc: dict[str, Any]) -> str:
    """The CRS of a GeoJSON 2008 ``crs`` member (QGIS and ogr2ogr still write one). Its
    coordinates are longitude, latitude whatever it says, also for EPSG:4326."""
    member = doc.get("crs")
    properties = member.get("properties") if isinstance(member, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name.strip():
        return LONLAT
    return LONLAT if crs_key(name) in LATLON_SPELLINGS else parse_crs(name)


def area_from_upload(data: bytes, filename: str, crs: str | None, limits: UploadLimits,
                     stats: ReadStats | None = None) -> DrawnArea:
    """An uploaded GeoJSON, GeoPackage or zipped Shapefile as one area, read with the bounds
    of ``limits``; ``stats`` (when given) tells how far the read got."""
    budget = Budget(limits, stats if stats is not None else ReadStats())
    if data[:1] in (b"{", b"[") or filename.lower().endswith((".geojson", ".json")):
        return area_from_geojson(parse_geojson(data, limits), crs, limits, budget)
    if len(data) > limits.max_bytes:
        raise TooLarge(f"the file is larger than {limits.max_bytes:,} bytes")
    with tempfile.TemporaryDirectory(prefix="geoinsight-upload-") as tmp:
        if data.startswith(b"SQLite format 3\0"):
            path = Path(tmp) / "upload.gpkg"
            path.write_bytes(data)
            parts, file_crs = _gdal_errors(read_geopackage, path, budget)
        elif data.startswith(b"PK"):
            path = unzip_shapefile(data, Path(tmp), budget)
            parts, file_crs = _gdal_errors(read_shapefile, path, budget)
        else:
            raise BadRequest("upload a GeoJSON file, a GeoPackage or a zipped Shapefile",
                             code="bad_upload")
    parts, known = _in_known_crs(parts, file_crs)
    return _checked(parts, known or parse_crs(crs), limits.max_vertices)


def _geometries(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise BadRequest(f"expected a GeoJSON object, not {type(doc).__name__}",
                         code="bad_geojson")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise BadRequest("the FeatureCollection has no features", code="bad_geojson")
        return [g for f in features for g in _geometries(f)]
    if kind == "Feature":
        geometry = doc.get("geometry")
        if not isinstance(geometry, dict):
            raise BadRequest("a Feature without a geometry", code="bad_geojson")
        return _geometries(geometry)
    if kind == "GeometryCollection":
        members = doc.get("geometries")
        if not isinstance(members, list):
            raise BadRequest("a GeometryCollection without geometries", code="bad_geojson")
        return [g for m in members for g in _geometries(m)]
    if kind in _POLYGONAL:
        return [doc]
    raise BadRequest(f"an area must be a Polygon or MultiPolygon, not {kind!r}",
                     code="not_a_polygon")


def _shape(geometry: dict[str, Any]) -> shapely.Geometry:
    try:
        return shapely.from_geojson(json.dumps(geometry))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise BadRequest(f"the {geometry.get('type')} is not valid GeoJSON: {exc}",
                         code="bad_geojson") from None


_Reader = Callable[[Path, Budget], tuple[list[shapely.Geometry], CRS | None]]


def _gdal_errors(reader: _Reader, path: Path,
                 budget: Budget) -> tuple[list[shapely.Geometry], CRS | None]:
    """Run a reader; what the libraries under it cannot read is a 400 that names no path of
    this server."""
    try:
        return reader(path, budget)
    except GeoInsightError:
        raise
    except Exception as exc:  # GDAL or PROJ says what it could not read
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        # GDAL names the file it failed on: that is a temporary path of this server
        reason = reason.replace(str(path.parent) + "/", "").replace(str(path), path.name)
        raise BadRequest(f"the file cannot be read: {reason}", code="bad_upload") from None


def _in_known_crs(parts: list[shapely.Geometry],
                  crs: CRS | None) -> tuple[list[shapely.Geometry], str | None]:
    """The parts in RD New or CRS84 (reprojected to CRS84 from any other system), and which;
    None when the file names no CRS."""
    if crs is None:
        return parts, None
    try:
        if crs.equals(STORE_CRS):
            return parts, RD
        if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) or crs.equals(
                CRS.from_user_input(CRS84)):
            return parts, LONLAT
        to_lonlat = transformer(crs, CRS84)
        moved = [shapely.transform(p, lambda xy: np.column_stack(
            to_lonlat.transform(xy[:, 0], xy[:, 1]))) for p in parts]
        return moved, LONLAT
    except (CRSError, ProjError) as exc:
        raise BadRequest(f"the file's coordinate system cannot be used: {exc}",
                         code="bad_crs") from None


def _checked(parts: list[shapely.Geometry | None], crs: str, max_vertices: int) -> DrawnArea:
    """Check type, size and validity in the sender's coordinates; union; to RD New."""
    polygons = [p for p in parts if p is not None and not p.is_empty]
    if not polygons:
        raise BadRequest("the area is empty", code="bad_geometry")
    wrong = sorted({p.geom_type for p in polygons if p.geom_type not in _POLYGONAL})
    if wrong:
        raise BadRequest(f"an area must be made of polygons, not {', '.join(wrong)}",
                         code="not_a_polygon")
    vertices = int(sum(shapely.get_num_coordinates(p) for p in polygons))
    if vertices > max_vertices:
        raise BadRequest(f"the area has {vertices:,} vertices; at most {max_vertices:,} are "
                         "accepted (simplify it first)", code="too_many_vertices")
    for polygon in polygons:
        if not np.isfinite(shapely.get_coordinates(polygon)).all():
            raise BadRequest("the area has coordinates that are not numbers", code="bad_geometry")
        if not polygon.is_valid:
            raise BadRequest(f"the area is not a valid polygon: {explain_validity(polygon)}",
                             code="bad_geometry")
    union = shapely.union_all(polygons)
    if crs == LONLAT:
        if not looks_like_lonlat(union.bounds):
            raise BadRequest("the coordinates are not longitude/latitude; for RD New metres "
                             "pass crs=EPSG:28992", code="bad_crs")
        union = _to_rd(union)
    if union.is_empty or union.area <= 0:
        raise BadRequest("the area has no surface", code="bad_geometry")
    return DrawnArea(shapely.normalize(union), vertices)


def _to_rd(geometry: shapely.Geometry) -> shapely.Geometry:
    to_rd = transformer(CRS84, STORE_CRS)
    moved = shapely.transform(geometry, lambda xy: np.column_stack(
        to_rd.transform(xy[:, 0], xy[:, 1])))
    if not np.isfinite(shapely.get_coordinates(moved)).all():
        raise BadRequest("the area lies outside the range of RD New", code="bad_crs")
    return moved if moved.is_valid else shapely.make_valid(moved)


def to_lonlat_bounds(geometry: shapely.Geometry) -> list[float]:
    """[minlon, minlat, maxlon, maxlat] of an EPSG:28992 geometry."""
    to_lonlat = transformer(STORE_CRS, CRS84)
    moved = shapely.transform(geometry, lambda xy: np.column_stack(
        to_lonlat.transform(xy[:, 0], xy[:, 1])))
    return [round(float(b), 7) for b in moved.bounds]
