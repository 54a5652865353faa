"""The ``/ogc`` blueprint: OGC API – Features as a thin adapter over :mod:`geoinsight.ogc`.

Views parse the request (``f`` or the Accept header, the query parameters), ask the core for a
dict and return it as JSON/GeoJSON or render it into ``templates/ogc/``. The caller's catalogue
(:func:`~geoinsight.web.context.catalog`) decides which layers exist, so hidden layers are in no
collection, schema or OpenAPI document; reads of non-open layers are audited.

Errors raised here answer as JSON unless HTML was asked for: GIS clients send ``*/*`` or no
Accept header at all, and a 400 must reach them as the documented JSON error, not a web page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from geoinsight.errors import BadRequest, GeoInsightError
from geoinsight.ogc import GEOJSON, HTML, JSON, OPENAPI, SCHEMA, documents
from geoinsight.ogc.cache import BoundedCache
from geoinsight.ogc.crs import header, parse_crs
from geoinsight.ogc.items import item, items, parse_items_query, parse_year
from geoinsight.ogc.links import Links
from geoinsight.ogc.openapi import openapi
from geoinsight.ogc.tables import Source, Table
from geoinsight.web.context import audit_layer, catalog, gate, lang
from geoinsight.web.http import cached
from geoinsight.web.public_url import public_root

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

_JSON_TYPES = (JSON, GEOJSON, "application/vnd.oai.openapi+json", SCHEMA)
_F_VALUES = {"json": "json", "geojson": "json", "application/json": "json",
             "application/geo+json": "json", "html": "html", "text/html": "html"}


def _cache() -> BoundedCache:
    return current_app.extensions.setdefault("geoinsight.ogc", BoundedCache())


def _source() -> Source:
    return Source(gate(), catalog(), _cache(), lang())


def tables_held() -> int:
    """How many collection tables this process holds now (for ``/healthz``)."""
    return sum(1 for key in _cache().held() if isinstance(key, tuple) and key[0] == "table")


def prepare_tables() -> int:
    """Build every collection's table as this request's caller sees it, in this process (call
    in a request context). The answer cache holds finished pages; any other page, limit or
    bbox is cut from these tables, which each process keeps. Returns how many."""
    source = _source()
    found = source.collections()
    for each in found:
        source.table(each).areas.prepare()
    return len(found)


def _links() -> Links:
    """Links under the configured public address, never the request's Host (public_url.py)."""
    return Links(public_root() + "/ogc")


def _format() -> str:
    """``json`` or ``html``: the ``f`` parameter, else the Accept header (JSON by default)."""
    asked = request.args.get("f")
    if asked is not None:
        fmt = _F_VALUES.get(asked.strip().lower())
        if fmt is None:
            raise BadRequest(f"f must be json or html, not {asked!r}", code="bad_format")
        return fmt
    best = request.accept_mimetypes.best_match([*_JSON_TYPES, HTML], default=JSON)
    return "html" if best == HTML else "json"


def _answer(doc: dict[str, Any], fmt: str, template: str, mimetype: str = JSON,
            crs: str | None = None, **context: Any) -> Response:
    if fmt == "html":
        response = Response(render_template(f"ogc/{template}", doc=doc, **context),
                            mimetype=HTML)
    else:
        # key order kept (GeoJSON reads best with type, id, geometry, properties in order)
        response = Response(json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
                            mimetype=mimetype)
    if crs is not None and fmt == "json":
        response.headers["Content-Crs"] = header(crs)
    response.headers["Vary"] = "Accept"
    return response


def _kept(make: Callable[[], Response]) -> Response:
    """JSON answers through the answer cache, keyed also by the format and the public address
    their links are built on; HTML pages are made for each request (they hold its session)."""
    fmt = _format()
    if fmt != "json":
        return make()
    return cached(make, fmt, public_root())


@bp.errorhandler(GeoInsightError)
def _error(exc: GeoInsightError) -> tuple[Response | str, int]:
    status = exc.status if 400 <= exc.status < 600 else 500
    asked = (request.args.get("f") or "").strip().lower()
    best = request.accept_mimetypes.best_match([*_JSON_TYPES, HTML], default=JSON)
    if _F_VALUES.get(asked) == "html" or (not asked and best == HTML):
        return render_template("errors/error.html", status=status, code=exc.code,
                               message=exc.message), status
    return Response(json.dumps(exc.as_dict(), ensure_ascii=False), mimetype=JSON), status


@bp.get("")
@bp.get("/", endpoint="landing_slash")
def landing() -> Response:
    fmt = _format()
    return _answer(documents.landing(_links(), fmt, lang()), fmt, "landing.html")


@bp.get("/conformance")
def conformance() -> Response:
    fmt = _format()
    return _answer(documents.conformance(_links(), fmt), fmt, "conformance.html")


@bp.get("/api")
def api() -> Response:
    fmt = _format()
    doc = openapi(_source().collections(), _links().base)
    return _answer(doc, fmt, "api.html", OPENAPI)


@bp.get("/collections")
def collections() -> Response:
    return _kept(_collections)


def _collections() -> Response:
    fmt = _format()
    found = _source().collections()
    doc = documents.collections(found, _links(), fmt, lang())
    return _answer(doc, fmt, "collections.html", counts={c.id: c.count for c in found})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    fmt = _format()
    found = _source().collection(collection_id)
    return _answer(documents.collection(found, _links(), fmt, lang()), fmt, "collection.html",
                   count=found.count)


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str) -> Response:
    fmt = _format()
    found = _source().collection(collection_id)
    return _answer(documents.schema(found, _links(), lang()), fmt, "schema.html", SCHEMA)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    fmt = _format()
    found = _source().collection(collection_id)
    return _answer(documents.queryables(found, _links(), lang()), fmt, "schema.html", SCHEMA)


@bp.get("/collections/<collection_id>/items")
def collection_items(collection_id: str) -> Response:
    return _kept(lambda: _collection_items(collection_id))


def _collection_items(collection_id: str) -> Response:
    fmt = _format()
    query = parse_items_query(request.args)
    source = _source()
    table = source.table(source.collection(collection_id), query.year)
    doc = items(table, query, _links(), request.args, fmt)
    for column in table.columns:
        audit_layer(column.layer, f"ogc items {collection_id}", query.gemeente)
    return _answer(doc, fmt, "items.html", GEOJSON, query.crs, table=table, query=query,
                   years=_years(table))


@bp.get("/collections/<collection_id>/items/<code>")
def collection_item(collection_id: str, code: str) -> Response:
    return _kept(lambda: _collection_item(collection_id, code))


def _collection_item(collection_id: str, code: str) -> Response:
    fmt = _format()
    crs = parse_crs(request.args.get("crs"))
    year = parse_year(request.args.get("year"))
    source = _source()
    table = source.table(source.collection(collection_id), year)
    doc = item(table, code, crs, _links(), fmt, year)
    for column in table.columns:
        audit_layer(column.layer, f"ogc item {collection_id}", doc["id"])
    return _answer(doc, fmt, "item.html", GEOJSON, crs, table=table, years=_years(table))


def _years(table: Table) -> dict[str, int]:
    return {c.layer.id: c.year for c in table.columns}
