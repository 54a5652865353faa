"""The JSON Schemas (OpenAPI 3.0 dialect) of the API's answers, for ``/api/openapi.json``.

They say what a client may rely on: the members every answer has, their types and enums. They
are open (extra members allowed), so adding a member to an answer is not a breaking change;
removing or retyping one makes the OpenAPI fuzz test (``tests/web/test_openapi_fuzz.py``) fail.
"""

from __future__ import annotations

from typing import Any

from geoinsight.records import THEMES

Schema = dict[str, Any]

LEVELS = ["gemeente", "wijk", "buurt"]
STATUSES = ["ok", "missing", "secret", "estimated"]
TIERS = ["open", "internal", "restricted"]
KINDS = ["count", "share", "rate", "mean", "index"]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None,
         description: str | None = None) -> Schema:
    """An object with these members (``required`` must be there, ``optional`` may be)."""
    schema: Schema = {"type": "object", "required": list(required),
                      "properties": {**required, **(optional or {})}}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}
YEAR: Schema = {"type": "integer", "minimum": 1900, "maximum": 2100}
TEXTS: Schema = {"type": "object", "additionalProperties": STRING,
                 "description": "a text per language code (nl, en)"}


def _error() -> Schema:
    return _obj({"error": _obj({
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "a stable, machine-readable reason",
                 "example": "bad_level"},
        "message": {"type": "string", "description": "what went wrong and what to do"},
    })}, description="Every error of the API, whatever the route.")


def _layer() -> Schema:
    return _obj({
        "id": STRING, "title": STRING, "titles": TEXTS, "description": TEXTS,
        "indicator": STRING, "inputs": _array(STRING), "unit": STRING,
        "kind": {"type": "string", "enum": KINDS},
        "levels": _array({"type": "string", "enum": LEVELS}),
        "classification": OBJECT, "palette": STRING, "reverse": BOOLEAN,
        "tier": {"type": "string", "enum": TIERS}, "source": STRING, "licence": STRING,
        "decimals": _nullable(INTEGER), "higher_is": STRING,
        "composite": _nullable(OBJECT), "base": _nullable(OBJECT),
    }, {"theme": _nullable({"type": "string",
                            "description": "the theme it is grouped under, one of "
                                          + ", ".join(THEMES)}),
        "raster": _nullable({"type": "string",
                             "description": "the raster (ingest raster --name) whose figure "
                                            "the layer shows"})},
        description="A map layer of the catalogue, with its title in the asked language; a "
                    "layer per own event register (ingest events --name) among them.")


def _layer_detail() -> Schema:
    return {"allOf": [ref("Layer"), _obj({
        "years": _array(YEAR), "synthetic": BOOLEAN})]}


def _legend_class() -> Schema:
    return _obj({"label": STRING, "color": STRING, "count": INTEGER},
                {"lower": _nullable(NUMBER), "upper": _nullable(NUMBER)})


def _nodata_class() -> Schema:
    return _obj({"label": STRING, "color": STRING, "count": INTEGER,
                 "status": {"type": "string", "enum": STATUSES}})


def _values() -> Schema:
    value = _obj({"code": STRING, "name": _nullable(STRING),
                  "level": {"type": "string", "enum": LEVELS}, "year": YEAR,
                  "value": _nullable(NUMBER), "status": {"type": "string", "enum": STATUSES},
                  "class": _nullable(INTEGER)},
                 {"reason": {"type": "string", "enum": ["other_boundaries"],
                             "description": "no figure: the area's figures of this year are "
                                            "on another indeling and not provably its own"}})
    unplaced = _obj({"count": INTEGER, "boundary_year": YEAR,
                     "figure_boundary_years": _array(YEAR), "codes": _array(STRING)},
                    description="Areas whose figures of this year are on another indeling "
                                "(geoinsight.analysis.placement) and are therefore not shown.")
    return _obj({
        "layer": STRING, "title": STRING, "unit": STRING,
        "level": {"type": "string", "enum": LEVELS}, "municipality": _nullable(STRING),
        "year": YEAR, "boundary_year": YEAR, "source": STRING, "licence": STRING,
        "categorical": BOOLEAN, "synthetic": BOOLEAN,
        "classes": _array(ref("LegendClass")), "nodata": _array(ref("NodataClass")),
        "values": _array(value),
    }, {"unplaced": unplaced},
        description="A layer's figures for the areas of a level (and gemeente), classified.")


def _feature_collection() -> Schema:
    feature = _obj({"type": {"type": "string", "enum": ["Feature"]},
                    "properties": _obj({"code": STRING, "name": _nullable(STRING),
                                        "level": STRING}),
                    "geometry": _nullable(OBJECT)})
    return _obj({"type": {"type": "string", "enum": ["FeatureCollection"]},
                 "features": _array(feature)},
                {"bbox": _array(NUMBER)},
                description="Area boundaries, RFC 7946 GeoJSON in WGS84 longitude/latitude.")


def _cell() -> Schema:
    return _nullable(_obj({"value": _nullable(NUMBER),
                           "status": {"type": "string", "enum": STATUSES}}))


def _profile() -> Schema:
    row = _obj({"layer": STRING, "title": STRING, "unit": STRING, "year": _nullable(YEAR),
                "values": {"type": "object", "additionalProperties": _cell()},
                "trend": _array(_obj({"year": YEAR, "value": _nullable(NUMBER),
                                      "status": STRING}))})
    other = _obj({"indicator": STRING, "title": STRING, "unit": STRING,
                  "year": _nullable(YEAR), "synthetic": BOOLEAN,
                  "values": {"type": "object", "additionalProperties": _cell()}})
    return _obj({
        "code": STRING, "name": _nullable(STRING), "level": STRING, "boundary_year": YEAR,
        "gemeente_code": _nullable(STRING), "wijk_code": _nullable(STRING),
        "compare": _array(_obj({"role": STRING, "code": STRING,
                                "name": _nullable(STRING)})),
        "indicators": _array(row), "other_indicators": _array(other),
        "labels": _nullable(OBJECT),
    }, description="An area beside its wijk, gemeente and country: every visible layer.")


SHARE: Schema = {"type": "number", "minimum": 0, "maximum": 1}
MISSING_REASONS = ["not_loaded", "not_for_these_areas", "other_boundaries", "suppressed",
                   "empty", "no_overlap"]


def _plan_input() -> Schema:
    missing = _obj({
        "reason": {"type": "string", "enum": MISSING_REASONS},
        "indicator": _nullable(STRING), "years": _array(YEAR),
        "text": {"type": "string", "description": "the reason in the asked language"},
    }, description="Why the input has no figure for any area in view: not loaded (the store "
                   "holds none you may see), none for these areas, only on another year's "
                   "boundaries (years: those boundary years), all secret or all empty in its "
                   "latest year (years: that year), or an expression whose parts never meet.")
    return _obj({
        "id": STRING, "title": STRING, "indicator": STRING, "unit": STRING,
        "direction": {"type": "string", "enum": ["higher", "lower"]}, "weight": NUMBER,
        "weight_share": {**SHARE, "description": "its share of the total weight"},
        "years": _array(YEAR), "available": BOOLEAN, "synthetic": BOOLEAN,
        "areas_with_value": {"type": "integer", "minimum": 0},
        "missing": _nullable(missing),
    }, description="One input of the scheme, with what this ranking has of it.")


def _plan_coverage() -> Schema:
    return _obj({
        "inputs": {"type": "integer", "minimum": 0,
                   "description": "inputs with a weight above 0"},
        "inputs_available": {"type": "integer", "minimum": 0,
                             "description": "of those, the ones with a figure for some area"},
        "weight_share": {**SHARE, "description": "the share of the weight those carry"},
        "min_weight_share": {**SHARE, "description": "an area whose inputs carry less gets "
                                                     "no score"},
        "areas": INTEGER, "areas_scored": INTEGER,
        "missing": _array(STRING), "partial": _array(STRING),
        "summary": STRING, "areas_text": STRING, "rule": STRING,
    }, description="What the ranking stands on. Per area the weights are re-normalised over "
                   "the inputs it has; a missing input never counts as 0.")


def _plan() -> Schema:
    row = _obj({"code": STRING, "name": _nullable(STRING), "rank": _nullable(INTEGER),
                "score": _nullable(NUMBER), "inputs_used": INTEGER,
                "weight_share": {**SHARE, "description": "the share of the weight this area's "
                                                         "inputs carry"},
                "no_score": {"type": "string", "nullable": True,
                             "enum": ["low_coverage", "no_weight", None],
                             "description": "why the area has no score, or null"},
                "note": _nullable(STRING),
                "inputs": {"type": "object", "additionalProperties": OBJECT}})
    return _obj({
        "scheme": _obj({"id": STRING, "title": STRING, "inputs": _array(OBJECT),
                        "levels": _array(STRING)}),
        "level": {"type": "string", "enum": LEVELS}, "municipality": _nullable(STRING),
        "boundary_year": _nullable(YEAR), "weights": {"type": "object",
                                                      "additionalProperties": NUMBER},
        "coverage": ref("PlanCoverage"),
        "inputs": _array(ref("PlanInput")), "rows": _array(row), "synthetic": BOOLEAN,
        "classes": _array(ref("LegendClass")), "nodata": _array(ref("NodataClass")),
    }, description="The priority ranking of a planning scheme, with every input per area and "
                   "what it stands on.")


def _standout() -> Schema:
    return _obj({"code": STRING, "name": _nullable(STRING), "signals": _array(STRING),
                 "value": _nullable(NUMBER)})


def _layer_signals() -> Schema:
    area = _obj({"code": STRING, "name": _nullable(STRING), "value": _nullable(NUMBER),
                 "status": STRING, "change": _nullable(NUMBER), "change_z": _nullable(NUMBER),
                 "gi_z": _nullable(NUMBER), "gi_p": _nullable(NUMBER), "hotspot": STRING,
                 "moran_i": _nullable(NUMBER), "moran_p": _nullable(NUMBER),
                 "moran_cluster": STRING})
    return _obj({
        "layer": STRING, "title": STRING, "unit": STRING,
        "level": {"type": "string", "enum": LEVELS}, "municipality": _nullable(STRING),
        "year": YEAR, "previous_year": _nullable(YEAR), "synthetic": BOOLEAN,
        "global_moran_i": _nullable(NUMBER), "global_moran_p": _nullable(NUMBER),
        "note": _nullable(STRING), "areas": _array(area), "standouts": _array(ref("Standout")),
    }, description="Per area: change and its z-score, Gi* hot/cold spots, Local Moran's I.")


def _signals_overview() -> Schema:
    layer = _obj({"layer": STRING, "title": STRING, "unit": STRING, "year": YEAR,
                  "previous_year": _nullable(YEAR), "synthetic": BOOLEAN,
                  "counts": {"type": "object", "additionalProperties": INTEGER},
                  "note": _nullable(STRING), "standouts": _array(ref("Standout"))})
    return _obj({"level": {"type": "string", "enum": LEVELS},
                 "municipality": _nullable(STRING), "layers": _array(layer)},
                {"without_figures": {**_array(STRING), "description":
                                     "visible layers left out: none of their figures belong "
                                     "to the selection's areas"}},
                description="What stands out, per visible layer with figures.")


def _aggregate() -> Schema:
    layer = _obj({"layer": STRING, "title": STRING, "unit": STRING,
                  "kind": {"type": "string", "enum": KINDS}, "year": _nullable(YEAR),
                  "value": _nullable(NUMBER), "status": {"type": "string", "enum": STATUSES},
                  "method": _nullable(STRING), "coverage": _nullable(NUMBER),
                  "synthetic": BOOLEAN},
                 {"reason": {"type": "string", "enum": ["too_little_published"],
                             "description": "why there is no value: less of the area than "
                             "needed has published figures (coverage)"}})
    area = _obj({"area_m2": NUMBER, "vertices": INTEGER,
                 "bbox": {**_array(NUMBER), "minItems": 4, "maxItems": 4}})
    return _obj({"area": area, "level": {"type": "string", "enum": LEVELS},
                 "boundary_year": _nullable(YEAR), "overlapping_areas": INTEGER,
                 "layers": _array(layer)},
                description="Every visible layer aggregated over the area sent, "
                            "disclosure-controlled like any other figure; no boundary year "
                            "and no layers when the area overlaps no stored area.")


def _rasters() -> Schema:
    raster = _obj({"name": STRING, "title": STRING, "unit": STRING, "year": YEAR,
                   "synthetic": BOOLEAN, "tier": {"type": "string", "enum": TIERS},
                   "tiles": {"type": "string", "description": "XYZ template: {z}/{x}/{y}"},
                   "bounds": {**_array(NUMBER), "minItems": 4, "maxItems": 4,
                              "description": "west, south, east, north (WGS84)"},
                   "figures": _array(STRING),
                   "legend": _obj({"min": NUMBER, "max": NUMBER, "colors": _array(STRING)}),
                   "source": STRING, "licence": STRING})
    return _obj({"rasters": _array(raster)},
                description="The rasters the caller may see, as map overlays.")


def _search() -> Schema:
    found = _obj({"code": STRING, "name": STRING,
                  "level": {"type": "string", "enum": LEVELS},
                  "year": {**YEAR, "description": "the boundary year of the area as found"},
                  "url": {"type": "string", "description": "the area's profile"},
                  "map_url": {"type": "string", "description": "a map of its gemeente"},
                  "gemeente": {"type": "string", "description": "its gemeente ('' for one)"},
                  "match": {"type": "string", "enum": ["name", "code", "postcode", "address"]},
                  "score": NUMBER})
    return _obj({"results": _array(found)}, description="Areas found, best first.")


def _health() -> Schema:
    return _obj({"status": {"type": "string", "enum": ["ok"]}, "version": STRING,
                 "store": _obj({"version": STRING, "empty": BOOLEAN}), "layers": INTEGER})


def _export_metadata() -> Schema:
    return _obj({"@context": {}, "url": STRING, "tableSchema": OBJECT, "geoinsight": OBJECT},
                description="W3C CSV on the Web metadata of the CSV export.")


def _audit() -> Schema:
    return _obj({"entries": _array(OBJECT)},
                description="The audit trail: who read which protected figures, when.")


def schemas() -> dict[str, Schema]:
    """Every named schema of ``components.schemas``."""
    return {
        "Error": _error(), "Layer": _layer(), "LayerDetail": _layer_detail(),
        "LayerList": _obj({"layers": _array(ref("Layer"))}),
        "LegendClass": _legend_class(), "NodataClass": _nodata_class(),
        "LayerValues": _values(), "FeatureCollection": _feature_collection(),
        "AreaProfile": _profile(), "Plan": _plan(), "PlanInput": _plan_input(),
        "PlanCoverage": _plan_coverage(), "Standout": _standout(),
        "LayerSignals": _layer_signals(), "SignalsOverview": _signals_overview(),
        "Aggregate": _aggregate(), "Rasters": _rasters(), "Search": _search(),
        "Health": _health(),
        "ExportMetadata": _export_metadata(),
        "AuditEntries": _audit(), "OpenApiDocument": _obj({"openapi": STRING, "info": OBJECT,
                                                           "paths": OBJECT}),
    }


def _ring() -> Schema:
    position = {"type": "array", "minItems": 2, "maxItems": 3, "items": NUMBER}
    return {"type": "array", "minItems": 4, "items": position,
            "description": "a closed ring: the first and last positions are equal"}


def geojson_schemas() -> dict[str, Schema]:
    """The request body of ``POST /api/aggregate``: a polygonal GeoJSON object."""
    polygon = _obj({"type": {"type": "string", "enum": ["Polygon"]},
                    "coordinates": {"type": "array", "minItems": 1, "items": _ring()}})
    multi = _obj({"type": {"type": "string", "enum": ["MultiPolygon"]},
                  "coordinates": {"type": "array", "minItems": 1,
                                  "items": {"type": "array", "minItems": 1,
                                            "items": _ring()}}})
    geometry = {"oneOf": [ref("Polygon"), ref("MultiPolygon")]}
    feature = _obj({"type": {"type": "string", "enum": ["Feature"]}, "geometry": geometry},
                   {"properties": _nullable(OBJECT)})
    collection = _obj({"type": {"type": "string", "enum": ["FeatureCollection"]},
                       "features": {"type": "array", "minItems": 1,
                                    "items": ref("AreaFeature")}})
    return {"Polygon": polygon, "MultiPolygon": multi, "AreaFeature": feature,
            "AreaFeatureCollection": collection}
