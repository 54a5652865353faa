"""The metadata documents: landing page, conformance, collections, and per collection schemas.

Each collection states what its properties mean: the description names every layer with its
unit, figure year, source and licence, and the non-standard ``layers`` member carries the same
description the exports use (:func:`geoinsight.export.table.column_info`), including whether the
figures are synthetic demo data. ``/schema`` gives the JSON Schema of a feature's properties;
``/queryables`` the ones that can filter items.
"""

from __future__ import annotations

from typing import Any

from geoinsight import __version__
from geoinsight.i18n import text
from geoinsight.ogc import CONFORMANCE, GEOJSON, HTML, JSON, OPENAPI, SCHEMA
from geoinsight.ogc.collections import Collection
from geoinsight.ogc.crs import CRS84, STORAGE_CRS, SUPPORTED, lonlat_bounds
from geoinsight.ogc.links import Links
from geoinsight.records import STATUSES

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
_REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def landing(links: Links, fmt: str, lang: str) -> dict[str, Any]:
    return {
        "title": "GeoInsight OGC API – Features",
        "description": text(lang, "ogc_landing_description"),
        "version": __version__,
        "links": [
            *links.self_and_alternate("", fmt, None, title="this landing page"),
            links.link("/api", "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)",
                       {"f": "json"}),
            links.link("/api", "service-doc", HTML, "the API definition as HTML",
                       {"f": "html"}),
            links.link("/conformance", "conformance", JSON, "conformance classes",
                       {"f": "json"}),
            links.link("/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                       JSON, "conformance classes", {"f": "json"}),
            links.link("/collections", "data", JSON, "the collections", {"f": "json"}),
            links.link("/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", JSON,
                       "the collections", {"f": "json"}),
        ],
    }


def conformance(links: Links, fmt: str) -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE),
            "links": links.self_and_alternate("/conformance", fmt, None,
                                              title="conformance classes")}


def collections(found: list[Collection], links: Links, fmt: str,
                lang: str) -> dict[str, Any]:
    return {
        "links": links.self_and_alternate("/collections", fmt, None, title="the collections"),
        "crs": list(SUPPORTED),
        "collections": [collection(c, links, "json", lang, own_links=False) for c in found],
    }


def collection(found: Collection, links: Links, fmt: str, lang: str,
               own_links: bool = True) -> dict[str, Any]:
    """A collection's metadata; in the list of all collections without self/alternate."""
    path = f"/collections/{found.id}"
    doc_links = links.self_and_alternate(path, fmt, None, title="this collection") if own_links \
        else [links.link(path, "self", JSON, "this collection", {"f": "json"})]
    doc_links += [
        links.link(f"{path}/items", "items", GEOJSON, "the features", {"f": "json"}),
        links.link(f"{path}/items", "items", HTML, "the features as HTML", {"f": "html"}),
        links.link(f"{path}/schema", _REL_SCHEMA, SCHEMA, "the features' properties"),
        links.link(f"{path}/queryables", _REL_QUERYABLES, SCHEMA, "properties to filter on"),
    ]
    return {
        "id": found.id, "title": found.title(lang), "description": found.description(lang),
        "itemType": "feature",
        "keywords": ["CBS", found.level, str(found.boundary_year)],
        "extent": {"spatial": {"bbox": [lonlat_bounds(found.bounds)], "crs": CRS84}},
        "crs": list(SUPPORTED), "storageCrs": STORAGE_CRS,
        "synthetic": found.synthetic,
        "layers": [c.info(found.boundary_year, lang) for c in found.columns],
        "links": doc_links,
    }


def schema(found: Collection, links: Links, lang: str) -> dict[str, Any]:
    """JSON Schema of a feature's properties: the area attributes, then per layer its value
    (number, unit in the description) and its status."""
    properties: dict[str, Any] = {
        "code": {"type": "string", "title": "CBS code", "x-ogc-role": "id"},
        "name": {"type": "string", "title": "naam" if lang == "nl" else "name"},
        "level": {"type": "string", "enum": [found.level]},
        "gemeente_code": {"type": "string", "title": "gemeente code"},
        "geometry": {"format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"},
    }
    for column in found.columns:
        layer = column.layer
        properties[layer.id] = {
            "type": ["number", "null"], "title": layer.title_in(lang),
            "description": f"{layer.unit_in(lang)}; {column.year}; {layer.source} "
                           f"({layer.licence})"
                           + (" — synthetic" if column.synthetic else ""),
            "x-ogc-unit": layer.unit_in(lang),
        }
        properties[f"{layer.id}_status"] = {
            "type": "string", "enum": list(STATUSES),
            "title": f"{layer.title_in(lang)} (status)",
        }
    return _schema_doc(found, links, "schema", properties, lang)


def queryables(found: Collection, links: Links, lang: str) -> dict[str, Any]:
    properties = {"gemeente_code": {"type": "string", "title": "gemeente code",
                                    "pattern": "^GM[0-9]{4}$"}}
    return _schema_doc(found, links, "queryables", properties, lang)


def _schema_doc(found: Collection, links: Links, name: str, properties: dict[str, Any],
                lang: str) -> dict[str, Any]:
    return {"$schema": _SCHEMA_DIALECT,
            "$id": links.url(f"/collections/{found.id}/{name}"),
            "type": "object", "title": found.title(lang), "properties": properties}
