"""The OpenAPI 3.0 document of the JSON API (everything under ``/api/`` and ``/healthz``).

:func:`build_document` is plain data in, plain data out: the blueprint in
:mod:`geoinsight.web.openapi` passes the caller's visible layer ids (a hidden layer does not
exist for the caller, so it is in no enum), the planning schemes and the routes the app serves.
The OGC API – Features has its own document at ``/ogc/api``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from geoinsight.web.openapi_schemas import (
    LEVELS,
    YEAR,
    Schema,
    geojson_schemas,
    ref,
    schemas,
)

OPENAPI_VERSION = "3.0.3"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY: Schema = {"type": "string", "format": "binary"}
TEXT: Schema = {"type": "string"}
#: the export formats by their canonical names (aliases such as ``geopackage`` also work)
EXPORT_FORMATS = ["csv", "geojson", "gpkg", "xlsx", "parquet", "shp", "tif", "metadata"]
EXPORT_TYPES = {"application/geopackage+sqlite3": BINARY, XLSX: BINARY,
                "application/vnd.apache.parquet": BINARY, "application/zip": BINARY,
                "image/tiff": BINARY}
CRS_NAMES = ["CRS84", "OGC:CRS84", "EPSG:4326", "EPSG:28992",
             "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
             "http://www.opengis.net/def/crs/EPSG/0/4326",
             "http://www.opengis.net/def/crs/EPSG/0/28992"]
#: an example area for ``POST /api/aggregate``: a square in Delft's city centre
DELFT_SQUARE = {"type": "Polygon", "coordinates": [[
    [4.355, 52.008], [4.365, 52.008], [4.365, 52.014], [4.355, 52.014], [4.355, 52.008]]]}
_ERRORS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "TooLarge",
           429: "TooManyRequests", 503: "Unavailable"}
_ERROR_TEXT = {
    400: "A parameter or the body is not valid (the error's code says which).",
    401: "The Bearer token is not valid (unknown, revoked, or its user removed).",
    404: "No such layer, area, scheme or figures, or not visible to the caller.",
    413: "The request body is larger than the server accepts.",
    429: "Too many requests from this address (wrong tokens or passwords, or anonymous custom "
         "areas past their rate limit): wait the seconds in Retry-After.",
    503: "The server cannot answer now: its store does not read, or a file it writes (data "
         "folder, accounts, audit) cannot be written (the message names which).",
}


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _query(name: str, schema: Schema, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description, **extra}


def _path(name: str, schema: Schema, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description, **extra}


def _enum_or_string(values: Sequence[str]) -> Schema:
    """An enum of ``values``; a plain string when there are none (an enum cannot be empty)."""
    return {"type": "string", "enum": list(values)} if values else {"type": "string"}


def _weights_pattern(inputs: Collection[str]) -> str:
    name = "|".join(re.escape(i) for i in sorted(inputs)) or "[a-z0-9_]+"
    pair = f"(?:{name}):(?:100(?:\\.0+)?|[0-9]{{1,2}}(?:\\.[0-9]+)?)"
    return f"^{pair}(?:,{pair})*$"


def parameters(layer_ids: Sequence[str],
               schemes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """``components.parameters``: every parameter shared by more than one operation."""
    inputs = {i for ids in schemes.values() for i in ids}
    year_text = "figures of this year (default: the latest year with figures)"
    return {
        "Level": _query("level", {"type": "string", "enum": LEVELS, "default": "buurt"},
                        "area level"),
        "Municipality": _query("municipality", {"type": "string", "pattern": "^GM[0-9]{4}$"},
                               "a CBS gemeente code: only its areas (default: all)",
                               example="GM0503"),
        "Province": _query("province", {"type": "string"},
                           "a province code (PV20 … PV31) or name: the areas of the gemeenten "
                           "lying mostly in it (default: all; a municipality wins over it)",
                           example="PV28"),
        "Year": _query("year", YEAR, year_text, example=2024),
        "Boundaries": _query("boundaries", YEAR,
                             "boundary year: figures re-expressed on that year's areas "
                             "(default: the figure year's boundaries, else the latest before)"),
        "Lang": _query("lang", {"type": "string", "enum": ["nl", "en"]},
                       "language of titles and labels (default: the lang cookie, else nl); "
                       "remembered in a cookie"),
        "LayerId": _path("layer_id", _enum_or_string(layer_ids),
                         "a layer id from GET /api/layers (only layers the caller may see)"),
        "Scheme": _query("scheme", _enum_or_string(sorted(schemes)),
                         "a planning scheme (default: the first configured)"),
        "Weights": _query("weights", {"type": "string", "pattern": _weights_pattern(inputs)},
                          "input:weight pairs (0-100) overriding the scheme's weights",
                          example="poor_labels:3,old_stock:0"),
    }


def responses() -> dict[str, Any]:
    """``components.responses``: the one error shape, per status."""
    out: dict[str, Any] = {name: {"description": _ERROR_TEXT[status],
                                  "content": _json(ref("Error"))}
                           for status, name in _ERRORS.items()}
    out["Unauthorized"]["headers"] = {"WWW-Authenticate": {"schema": TEXT}}
    out["TooManyRequests"]["headers"] = {"Retry-After": {
        "description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}
    return out


def _params(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _operation(operation_id: str, tag: str, summary: str, ok: dict[str, Any],
               errors: Sequence[int], parameters: Sequence[Any] = (),
               **extra: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {"200": ok}
    for status in sorted({*errors, 401, 429}):  # 429: a throttled address, any operation
        answers[str(status)] = {"$ref": f"#/components/responses/{_ERRORS[status]}"}
    return {"operationId": operation_id, "tags": [tag], "summary": summary,
            "parameters": list(parameters), "responses": answers, **extra}


def _ok(description: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": content, **extra}


def _synthetic_header() -> dict[str, Any]:
    return {"X-GeoInsight-Synthetic": {
        "description": "present when the figures are synthetic demo data", "schema": TEXT}}


def _catalogue_paths() -> dict[str, Any]:
    values_format = _query("format", {"type": "string", "enum": ["json", "csv"],
                                      "default": "json"}, "json, or csv "
                           "(columns code,name,level,year,value,status)")
    return {
        "/healthz": {"get": _operation(
            "health", "meta", "Health: the store reads (its version, whether it is empty) and "
            "the data folder, accounts and audit files are usable; never cached",
            _ok("healthy", _json(ref("Health"))), [503])},
        "/api/openapi.json": {"get": _operation(
            "openapi", "meta", "This document (for the caller: hidden layers are left out)",
            _ok("the OpenAPI document", _json(ref("OpenApiDocument"))), [])},
        "/api/layers": {"get": _operation(
            "listLayers", "layers", "The layer catalogue (the layers the caller may see)",
            _ok("the layers", _json(ref("LayerList"))), [], _params("Lang"))},
        "/api/layers/{layer_id}": {"get": _operation(
            "getLayer", "layers", "One layer, with the years that have figures",
            _ok("the layer", _json(ref("LayerDetail"))), [404],
            _params("LayerId", "Lang"))},
        "/api/layers/{layer_id}/values": {"get": _operation(
            "layerValues", "layers", "A layer's figures per area, with status and class",
            _ok("the figures", {**_json(ref("LayerValues")), "text/csv": {"schema": TEXT}},
                headers=_synthetic_header()), [400, 404],
            [*_params("LayerId", "Level", "Municipality", "Province", "Year", "Boundaries",
                      "Lang"), values_format])},
        "/api/layers/{layer_id}/map.png": {"get": _operation(
            "layerMapImage", "layers", "The map of a layer as a PNG for slides (title, "
            "legend, scale bar, source), over a view in WGS84",
            _ok("the image", {"image/png": {"schema": BINARY}}), [400, 404],
            [*_params("LayerId", "Level", "Municipality", "Province", "Year", "Lang"),
             _query("bbox", {"type": "string"}, "west,south,east,north in degrees (WGS84); "
                    "default: every area of the selection"),
             _query("width", {"type": "integer", "minimum": 400, "maximum": 3000,
                              "default": 1600}, "pixels"),
             _query("height", {"type": "integer", "minimum": 400, "maximum": 3000,
                               "default": 1000}, "pixels")])},
        "/api/layers/{layer_id}/signals": {"get": _operation(
            "layerSignals", "signals", "Per area: change, hot/cold spots, Local Moran's I, "
            "comparison with parent, country and peers",
            _ok("the signals", _json(ref("LayerSignals"))), [400, 404],
            _params("LayerId", "Level", "Municipality", "Year", "Lang"))},
        "/api/signals": {"get": _operation(
            "signals", "signals", "What stands out, per visible layer",
            _ok("the overview", _json(ref("SignalsOverview"))), [400, 404],
            _params("Level", "Municipality", "Year", "Lang"))},
    }


def _area_paths() -> dict[str, Any]:
    code = _path("code", {"type": "string",
                          "pattern": "^(NL01|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|"
                                     "BU[0-9]{4}[0-9A-Z]{4})$"},
                 "a CBS area code", example="BU05031102")
    detail = _query("detail", {"type": "string", "enum": ["full", "overview"],
                               "default": "full"},
                    "full: simplified for a gemeente's map (settings simplify_m); overview: "
                    "coarser, for a national or provincial map (overview_simplify_m)")
    etag = {"name": "If-None-Match", "in": "header", "required": False, "schema": TEXT,
            "description": "the ETag of an earlier answer: 304 while the store is unchanged"}
    areas = _operation(
        "areas", "areas", "Area boundaries as GeoJSON (WGS84), simplified, with an ETag",
        _ok("the boundaries", {"application/geo+json": {"schema": ref("FeatureCollection")}},
            headers={"ETag": {"schema": TEXT}}),
        [400, 404], [*_params("Level", "Municipality", "Province", "Year"), detail, etag])
    areas["responses"]["304"] = {"description": "not modified since the ETag sent"}
    return {
        "/api/areas": {"get": areas},
        "/api/areas/{code}": {"get": _operation(
            "areaProfile", "areas", "An area's profile: every visible layer beside its wijk, "
            "gemeente and country, with trends", _ok("the profile", _json(ref("AreaProfile"))),
            [400, 404], [code, *_params("Year", "Lang")])},
    }


def _planning_paths() -> dict[str, Any]:
    fmt = _query("format", {"type": "string", "enum": ["json", "csv", "xlsx"],
                            "default": "json"}, "json, csv or xlsx")
    content = {**_json(ref("Plan")), "text/csv": {"schema": TEXT}, XLSX: {"schema": BINARY}}
    return {"/api/planning": {"get": _operation(
        "planning", "planning", "The energy-transition priority ranking, with every input",
        _ok("the ranking", content), [400, 404],
        [*_params("Scheme", "Level", "Municipality", "Year", "Weights", "Lang"), fmt])}}


def _raster_paths() -> dict[str, Any]:
    name = _path("name", {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "the raster")
    zxy = [_path(axis, {"type": "integer", "minimum": 0}, f"the tile's {axis}")
           for axis in ("z", "x", "y")]
    png = {"image/png": {"schema": BINARY}}
    return {
        "/api/rasters": {"get": _operation(
            "rasters", "layers", "The rasters the caller may see, as map overlays (tiles, "
            "bounds, legend)", _ok("the rasters", _json(ref("Rasters"))), [], _params("Lang"))},
        "/tiles/raster/{name}/{z}/{x}/{y}.png": {"get": _operation(
            "rasterTile", "layers", "A 256 px PNG tile (Web Mercator) of a raster; 204 where "
            "the raster does not reach", _ok("the tile", png), [404, 503], [name, *zxy])},
    }


def _search_paths() -> dict[str, Any]:
    q = _query("q", {"type": "string"}, "a postcode (2611 AB, 2611AB 12), or the name or "
               "code of a buurt, wijk or gemeente; case, accents and small typos do not "
               "matter", required=True)
    return {"/api/search": {"get": _operation(
        "search", "areas", "The areas a postcode, address, name or code names, best first "
        "(at most 10)", _ok("the areas found", _json(ref("Search"))), [400], [q])}}


def _export_paths(layer_ids: Sequence[str]) -> dict[str, Any]:
    item = _enum_or_string(layer_ids)
    layers = _path("layers", {"type": "array", "minItems": 1, "items": item},
                   "one layer id or several, comma-separated", style="simple", explode=False)
    more = _query("layers", {"type": "array", "items": item}, "more layers (repeatable)",
                  style="form", explode=True)
    fmt = _query("format", {"type": "string", "enum": EXPORT_FORMATS, "default": "csv"},
                 "the file format; metadata: the CSV's W3C CSVW metadata as JSON")
    cell = _query("cell", {"type": "number", "minimum": 5, "maximum": 10000, "default": 100},
                  "tif only: the grid cell size in metres")
    content = {**_json(ref("ExportMetadata")), "text/csv": {"schema": TEXT},
               "application/geo+json": {"schema": {"type": "object"}},
               **{mime: {"schema": schema} for mime, schema in EXPORT_TYPES.items()}}
    return {"/api/export/{layers}": {"get": _operation(
        "export", "exports", "Layers as a file: gpkg, geojson, csv, xlsx, parquet, shp (zip), "
        "tif", _ok("the file (Content-Disposition names it)", content,
                   headers=_synthetic_header()), [400, 404],
        [layers, more, *_params("Level", "Municipality", "Year", "Boundaries", "Lang"),
         fmt, cell])}}


def _area_examples() -> dict[str, Any]:
    feature = {"type": "Feature", "properties": {"name": "centrum"}, "geometry": DELFT_SQUARE}
    multi = {"type": "MultiPolygon", "coordinates": [DELFT_SQUARE["coordinates"]]}
    return {
        "polygon": {"summary": "a Polygon", "value": DELFT_SQUARE},
        "collection": {"summary": "a FeatureCollection of a Feature and a MultiPolygon",
                       "value": {"type": "FeatureCollection", "features": [
                           feature, {**feature, "geometry": multi}]}},
    }


def _aggregate_paths() -> dict[str, Any]:
    crs = _query("crs", {"type": "string", "enum": CRS_NAMES},
                 "the CRS of the coordinates sent (default CRS84, longitude/latitude); "
                 "any letter case")
    body = {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [
            ref("Polygon"), ref("MultiPolygon"), ref("AreaFeature"),
            ref("AreaFeatureCollection")]}, "examples": _area_examples()},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {**BINARY, "description":
                                    "GeoJSON, GeoPackage or zipped Shapefile"}}}},
    }}
    return {"/api/aggregate": {"post": _operation(
        "aggregate", "aggregate", "Every visible layer aggregated over a drawn or uploaded area",
        _ok("the aggregates", _json(ref("Aggregate"))), [400, 404, 413],
        [*_params("Year", "Lang"), crs], requestBody=body)}}


def _admin_paths() -> dict[str, Any]:
    fmt = _query("format", {"type": "string", "enum": ["json", "csv"], "default": "json"},
                 "json or csv")
    return {"/api/audit": {"get": _operation(
        "audit", "admin", "The audit trail (role beheerder only; others get 404)",
        _ok("the entries", {**_json(ref("AuditEntries")), "text/csv": {"schema": TEXT}}),
        [404], [fmt], security=[{"bearerAuth": []}])}}


def build_document(*, version: str, layer_ids: Sequence[str],
                   schemes: Mapping[str, Sequence[str]], beheerder: bool,
                   routed: Collection[tuple[str, str]] | None = None,
                   server: str = "/") -> dict[str, Any]:
    """The OpenAPI document for one caller.

    ``layer_ids``: the layers the caller may see. ``schemes``: planning scheme id -> its input
    ids. ``beheerder``: whether to include the beheerder-only routes. ``routed``: the
    ``(path, method)`` pairs the app serves; operations it does not serve are left out, so the
    document never promises a route that is not there.
    """
    paths = {**_catalogue_paths(), **_area_paths(), **_planning_paths(),
             **_export_paths(layer_ids), **_aggregate_paths(), **_raster_paths(),
             **_search_paths()}
    if beheerder:
        paths.update(_admin_paths())
    if routed is not None:
        paths = {path: kept for path, ops in paths.items()
                 if (kept := {m: op for m, op in ops.items() if (path, m) in routed})}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "GeoInsight API", "version": version,
                 "description": "CBS neighbourhood figures as JSON, CSV, GeoJSON and files. "
                 "Errors: {\"error\": {\"status\", \"code\", \"message\"}}. Anonymous callers "
                 "see open layers; a Bearer token (or a signed-in session) shows more, by "
                 "role. A layer the caller may not see answers 404, as an unknown one.",
                 "license": {"name": "EUPL-1.2"}},
        "servers": [{"url": server}],
        "security": [{}, {"bearerAuth": []}],
        "tags": [{"name": n} for n in ("layers", "areas", "signals", "planning", "exports",
                                       "aggregate", "admin", "meta")],
        "paths": paths,
        "components": {
            "schemas": {**schemas(), **geojson_schemas()},
            "parameters": parameters(layer_ids, schemes),
            "responses": responses(),
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "an API token (geoinsight users token <name>)"}},
        },
    }
