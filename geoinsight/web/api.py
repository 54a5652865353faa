"""The JSON API: catalogue, values (JSON/CSV), boundaries (GeoJSON with ETag), profiles."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io

from flask import Blueprint, Response, jsonify, request

from geoinsight import __version__, service
from geoinsight.errors import BadRequest
from geoinsight.spatial.simplify import feature_collection
from geoinsight.web.context import lang, state

bp = Blueprint("api", __name__)
_CACHE_SIZE = 64


@bp.get("/healthz")
def healthz() -> Response:
    st = state()
    return jsonify({"status": "ok", "version": __version__, "store": st.store.version(),
                    "empty": st.store.is_empty(), "layers": len(st.catalog.layers)})


@bp.get("/api/layers")
def layers() -> Response:
    return jsonify({"layers": [service.layer_info(layer, lang())
                               for layer in state().catalog.layers.values()]})


@bp.get("/api/layers/<layer_id>")
def layer(layer_id: str) -> Response:
    st = state()
    found = st.catalog.get(layer_id)
    return jsonify({**service.layer_info(found, lang()),
                    "years": service.layer_years(st.store, found)})


@bp.get("/api/layers/<layer_id>/values")
def layer_values(layer_id: str) -> Response:
    st = state()
    fmt = request.args.get("format", "json").lower()
    if fmt not in ("json", "csv"):
        raise BadRequest(f"format must be json or csv, not {fmt!r}", code="bad_format")
    selection = service.parse_selection(request.args.get("level"),
                                        request.args.get("municipality"),
                                        request.args.get("year"))
    result = service.layer_values(st.store, st.catalog, layer_id, selection, lang())
    if fmt == "json":
        return jsonify(service.values_json(result, lang()))
    buffer = io.StringIO()
    result.rows.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    name = f"{layer_id}_{selection.level}_{selection.municipality or 'all'}_{result.year}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/api/areas")
def areas() -> Response:
    st = state()
    selection = service.parse_selection(request.args.get("level"),
                                        request.args.get("municipality"),
                                        request.args.get("year"))
    year = selection.year
    if year is None:
        years = st.store.area_years(level=selection.level, municipality=selection.municipality)
        year = years[-1] if years else 0
    year = service.boundary_year(st.store, selection, year)
    key = (st.store.version(), selection.level, selection.municipality, year)
    cached = st.geojson_cache.get(key)
    if cached is None:
        frame = st.store.areas(level=selection.level, municipality=selection.municipality,
                               year=year)
        body = feature_collection(frame, st.settings.simplify_m.get(selection.level, 0.0))
        cached = (body, gzip.compress(body, 6, mtime=0), hashlib.sha256(body).hexdigest()[:32])
        st.geojson_cache[key] = cached
        while len(st.geojson_cache) > _CACHE_SIZE:
            st.geojson_cache.popitem(last=False)
    body, zipped, etag = cached
    compress = "gzip" in request.accept_encodings
    response = Response(zipped if compress else body, mimetype="application/geo+json")
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(etag + ("-gz" if compress else ""))
    response.headers["Cache-Control"] = "no-cache"  # revalidate: 304 while the store is unchanged
    return response.make_conditional(request)  # type: ignore[return-value]


@bp.get("/api/areas/<code>")
def area(code: str) -> Response:
    st = state()
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    return jsonify(service.area_profile(st.store, st.catalog, code, lang(), year))
