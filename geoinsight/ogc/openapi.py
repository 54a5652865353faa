"""The OpenAPI 3.0 document of ``/ogc``, generated from the collections the caller may see.

Every collection gets its own paths (as pygeoapi and ldproxy do), so a client reading the
document learns each collection's properties, and a layer hidden from the caller appears
nowhere in it. Parameters are written out in full under each path rather than by ``$ref``:
GDAL's OAPIF driver reads the ``limit`` maximum from the items path itself to size its pages.
"""

from __future__ import annotations

from typing import Any

from geoinsight import __version__
from geoinsight.ogc import DEFAULT_LIMIT, GEOJSON, HTML, JSON, MAX_LIMIT, OPENAPI, SCHEMA
from geoinsight.ogc.collections import Collection
from geoinsight.ogc.crs import CRS84, SUPPORTED
from geoinsight.records import STATUSES

_F = {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
      "description": "the format of the answer (else the Accept header decides)",
      "schema": {"type": "string", "enum": ["json", "html"]}}


def _param(name: str, description: str, schema: dict[str, Any],
           style: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **(style or {"style": "form", "explode": False})}


def _items_parameters() -> list[dict[str, Any]]:
    crs = {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84}
    return [
        _param("limit", "the number of features per page (larger values are lowered to "
               f"{MAX_LIMIT})", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                 "default": DEFAULT_LIMIT}),
        _param("offset", "the number of features to skip (next links set it)",
               {"type": "integer", "minimum": 0, "default": 0}),
        _param("bbox", "only features meeting this box: minx,miny,maxx,maxy in bbox-crs",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        _param("bbox-crs", "the CRS of bbox", crs),
        _param("crs", "the CRS of the geometries returned", crs),
        _param("year", "per layer the latest figures up to this year",
               {"type": "integer", "minimum": 1900, "maximum": 2100}),
        _param("gemeente_code", "only areas in this gemeente (GM0503)",
               {"type": "string", "pattern": "^GM[0-9]{4}$"}),
        _F,
    ]


def _responses(description: str, json_type: str,
               schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"schema": schema or {"type": "object"}}
    error = {"description": "a bad parameter or an unknown collection or feature",
             "content": {JSON: {"schema": {"$ref": "#/components/schemas/error"}}}}
    return {"200": {"description": description,
                    "content": {json_type: body, HTML: {"schema": {"type": "string"}}}},
            "400": error, "404": error}


def _get(summary: str, operation: str, tags: list[str], parameters: list[dict[str, Any]],
         responses: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": operation, "tags": tags,
                    "parameters": parameters, "responses": responses}}


def _properties(found: Collection) -> dict[str, Any]:
    """The feature properties of a collection, in OpenAPI 3.0's JSON Schema dialect."""
    props: dict[str, Any] = {name: {"type": "string"}
                             for name in ("code", "name", "level", "gemeente_code")}
    for column in found.columns:
        layer = column.layer
        props[layer.id] = {"type": "number", "nullable": True,
                           "description": f"{layer.title_in('en')} ({layer.unit}, "
                                          f"{column.year})"}
        props[f"{layer.id}_status"] = {"type": "string", "enum": list(STATUSES)}
    return {"type": "object", "properties": props}


def _collection_paths(found: Collection) -> dict[str, Any]:
    cid = found.id
    feature = {"type": "object", "required": ["type", "geometry", "properties"],
               "properties": {"type": {"type": "string", "enum": ["Feature"]},
                              "id": {"type": "string"}, "geometry": {"type": "object"},
                              "properties": {"$ref": f"#/components/schemas/{cid}"}}}
    page = {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
        "timeStamp": {"type": "string", "format": "date-time"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "features": {"type": "array", "items": feature}}}
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "description": "the area's CBS code", "schema": {"type": "string"}}
    crs = next(p for p in _items_parameters() if p["name"] == "crs")
    tags = [cid]
    return {
        f"/collections/{cid}": _get(f"{found.title('en')}: metadata", f"describe_{cid}", tags,
                                    [_F], _responses("the collection", JSON)),
        f"/collections/{cid}/items": _get(
            f"{found.title('en')}: features", f"items_{cid}", tags, _items_parameters(),
            _responses("a page of features", GEOJSON, page)),
        f"/collections/{cid}/items/{{featureId}}": _get(
            f"{found.title('en')}: one feature", f"item_{cid}", tags, [feature_id, crs, _F],
            _responses("the feature", GEOJSON, feature)),
        f"/collections/{cid}/schema": _get(
            f"{found.title('en')}: properties", f"schema_{cid}", tags, [],
            {"200": {"description": "JSON Schema", "content": {SCHEMA: {}}}}),
        f"/collections/{cid}/queryables": _get(
            f"{found.title('en')}: queryables", f"queryables_{cid}", tags, [],
            {"200": {"description": "JSON Schema", "content": {SCHEMA: {}}}}),
    }


def openapi(found: list[Collection], base: str) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": _get("landing page", "landing", ["server"], [_F],
                  _responses("links to the API definition, conformance and collections", JSON)),
        "/api": _get("this document", "api", ["server"], [_F],
                     _responses("the OpenAPI 3.0 document", OPENAPI)),
        "/conformance": _get("conformance classes", "conformance", ["server"], [_F],
                             _responses("the conformance classes", JSON)),
        "/collections": _get("collections", "collections", ["server"], [_F],
                             _responses("every collection", JSON)),
    }
    for collection in found:
        paths.update(_collection_paths(collection))
    schemas: dict[str, Any] = {c.id: _properties(c) for c in found}
    schemas["link"] = {"type": "object", "required": ["href"], "properties": {
        name: {"type": "string"} for name in ("href", "rel", "type", "title")}}
    schemas["error"] = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "status": {"type": "integer"}, "code": {"type": "string"},
        "message": {"type": "string"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "GeoInsight OGC API – Features", "version": __version__,
                 "description": "CBS gemeenten, wijken and buurten with the published figures "
                                "of GeoInsight's map layers.",
                 "license": {"name": "per layer: see each collection's layers"}},
        "servers": [{"url": base}],
        "tags": [{"name": "server"}, *({"name": c.id, "description": c.title("en")}
                                        for c in found)],
        "paths": paths,
        "components": {"schemas": schemas},
    }
