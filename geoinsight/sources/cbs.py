"""CBS wijk- en buurtkaart files: GeoPackage, GeoJSON, Shapefile, or a zip of those.

Every polygon layer is taken (a CBS GeoPackage holds gemeenten, wijken and buurten); point and
line layers are left out with a note. Reading problems become one-line InputErrors.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from geoinsight.crs import looks_like_lonlat, looks_like_rd
from geoinsight.errors import InputError
from geoinsight.sources.files import check_input_file

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
RASTER_SUFFIXES = (".tif", ".tiff", ".asc", ".vrt", ".nc")


@dataclass
class RawLayer:
    name: str
    frame: gpd.GeoDataFrame


def read_boundary_layers(path: Path, crs: str | None = None) -> tuple[list[RawLayer], list[str]]:
    """All polygon layers of a file, in their own CRS (or ``crs`` when the caller states it)."""
    _check_file(path)
    notes: list[str] = []
    layers: list[RawLayer] = []
    for source, label in _sources(path):
        for name, geometry_type in _list_layers(source, path):
            if not _may_hold_polygons(geometry_type):
                notes.append(f"layer {name} left out: {geometry_type or 'no'} geometry")
                continue
            frame = _read_layer(source, name, path)
            if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).any():
                notes.append(f"layer {name} left out: no polygons")
                continue
            layers.append(RawLayer(f"{label}{name}", _with_crs(frame, crs, path, name)))
    if not layers:
        raise InputError("no polygon layer found: boundaries must be (multi)polygons",
                         path=str(path))
    return layers, notes


def _may_hold_polygons(geometry_type: str | None) -> bool:
    """GeoJSON with mixed Polygon/MultiPolygon reports 'Unknown': read it and look."""
    kind = str(geometry_type or "").lower()
    return "polygon" in kind or kind in ("unknown", "geometry", "geometrycollection")


def _check_file(path: Path) -> None:
    check_input_file(path)
    if path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
        raise InputError("damaged or truncated zip file", path=str(path))
    if path.suffix.lower() in RASTER_SUFFIXES:
        raise InputError("is a raster, not vector boundaries (GeoPackage, GeoJSON, Shapefile)",
                         path=str(path))


def _sources(path: Path) -> list[tuple[str, str]]:
    """GDAL data source names to read: the file itself, or each vector file inside a zip."""
    if not zipfile.is_zipfile(path):
        return [(str(path), "")]
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist()
                       if m.lower().endswith(VECTOR_SUFFIXES) and not m.startswith("__MACOSX")]
            archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"damaged zip file: {exc}", path=str(path)) from exc
    if not members:
        raise InputError("zip holds no GeoPackage, GeoJSON or Shapefile", path=str(path))
    return [(f"/vsizip/{path.resolve()}/{m}", f"{m}:") for m in members]


def _list_layers(source: str, path: Path) -> list[tuple[str, str | None]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            listed = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(f"not readable as geodata (GeoPackage, GeoJSON or Shapefile): "
                         f"{_first_line(exc)}", path=str(path)) from exc
    return [(str(name), geometry_type) for name, geometry_type in listed]


def _read_layer(source: str, name: str, path: Path) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gpd.read_file(source, layer=name, engine="pyogrio")
    except Exception as exc:
        raise InputError(f"layer {name} cannot be read (truncated or damaged?): "
                         f"{_first_line(exc)}", path=str(path)) from exc


def _with_crs(frame: gpd.GeoDataFrame, crs: str | None, path: Path,
              layer: str) -> gpd.GeoDataFrame:
    if crs is not None:
        try:
            return frame.set_crs(CRS.from_user_input(crs), allow_override=True)
        except CRSError as exc:
            raise InputError(f"--crs {crs!r} is not a known CRS", path=str(path)) from exc
    if frame.crs is not None:
        return frame
    bounds = tuple(float(b) for b in frame.total_bounds)
    if len(frame) and looks_like_rd(bounds):  # type: ignore[arg-type]
        raise InputError(
            f"layer {layer} has no CRS; its coordinates look like RD New (EPSG:28992): "
            "state it with --crs EPSG:28992", path=str(path))
    if len(frame) and looks_like_lonlat(bounds):  # type: ignore[arg-type]
        raise InputError(
            f"layer {layer} has no CRS; its coordinates look like longitude/latitude: "
            "state it with --crs EPSG:4326", path=str(path))
    raise InputError(f"layer {layer} has no CRS: state it with --crs (e.g. --crs EPSG:28992)",
                     path=str(path))


def _first_line(exc: BaseException) -> str:
    """GDAL's message, cut to its first clause (it appends advice that does not apply here)."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if any(word in text.lower() for word in ("malformed", "truncated", "unexpected end")):
        return "the file is damaged or truncated"
    text = text.split("; ")[0].split(". It might help")[0]
    return text.replace(" not recognized as being in a supported file format",
                        " is not in a supported format")
