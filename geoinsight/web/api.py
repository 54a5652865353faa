"""The JSON API: catalogue, values (JSON/CSV), boundaries (GeoJSON), profiles.

Values, boundaries and profiles are kept in the answer cache (geoinsight.web.http.cached)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request

from geoinsight.errors import BadRequest
from geoinsight.usecases import harmonise, service
from geoinsight.usecases.layer_about import layer_about
from geoinsight.usecases.profile import area_profile
from geoinsight.web.context import audit_layer, audit_profile, catalog, gate, lang, readable, state
from geoinsight.web.http import cached

bp = Blueprint("api", __name__)


@bp.get("/api/layers")
def layers() -> Response:
    return jsonify({"layers": [service.layer_info(layer, lang())
                               for layer in catalog()]})


@bp.get("/api/layers/<layer_id>")
def layer(layer_id: str) -> Response:
    found = catalog().get(layer_id)
    return jsonify({**service.layer_info(found, lang()),
                    "years": service.layer_years(gate(), found),
                    "synthetic": service.is_synthetic(gate(), found),
                    "about": layer_about(gate(), found, lang())})


@bp.get("/api/layers/<layer_id>/values")
def layer_values(layer_id: str) -> Response:
    return cached(lambda: _layer_values(layer_id))


def _layer_values(layer_id: str) -> Response:
    fmt = request.args.get("format", "json").lower()
    if fmt not in ("json", "csv"):
        raise BadRequest(f"format must be json or csv, not {fmt!r}", code="bad_format")
    selection = service.parse_scope(request.args.get("level"),
                                    request.args.get("municipality"),
                                    request.args.get("year"), request.args.get("province"))
    boundaries = service.parse_year(request.args.get("boundaries"), "boundaries")
    # with boundaries: the figures re-expressed on that year's boundaries (estimated where changed)
    result = harmonise.layer_values_on(gate(), catalog(), layer_id, selection, boundaries,
                                       lang())
    audit_layer(result.layer, f"layer values {result.layer.id} ({fmt})",
                selection.municipality)
    if fmt == "json":
        if boundaries is not None:
            return jsonify(harmonise.harmonised_json(result, lang()))
        return jsonify(service.values_json(result, lang()))
    buffer = io.StringIO()
    result.rows.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    # the columns are fixed (code,name,level,year,value,status; harmonised: +source_year,method):
    # synthetic data is marked in the file name and a header, so it cannot pass for real figures
    mark = "_SYNTHETIC" if result.synthetic else ""
    on = f"_on{boundaries}" if boundaries is not None else ""
    name = (f"{layer_id}_{selection.level}_{selection.municipality or 'all'}_{result.year}"
            f"{on}{mark}.csv")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if result.synthetic:
        headers["X-GeoInsight-Synthetic"] = "synthetic demo data"
    return Response(buffer.getvalue(), mimetype="text/csv", headers=headers)


@bp.get("/api/areas")
def areas() -> Response:
    st = state()
    selection = service.parse_scope(request.args.get("level"),
                                    request.args.get("municipality"),
                                    request.args.get("year"), request.args.get("province"))
    detail = request.args.get("detail", "full")
    if detail not in ("full", "overview"):
        raise BadRequest(f"detail must be full or overview, not {detail!r}", code="bad_detail")
    # overview: the coarser geometry of a national or provincial map (settings.py)
    tolerances = st.settings.overview_simplify_m if detail == "overview" \
        else st.settings.simplify_m
    tolerance = tolerances.get(selection.level, 0.0)
    return cached(lambda: Response(service.area_features(gate(), selection, tolerance)[0],
                                   mimetype="application/geo+json"), tolerance)


@bp.get("/api/areas/<code>")
def area(code: str) -> Response:
    return cached(lambda: _area(code))


def _area(code: str) -> Response:
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    profile = area_profile(gate(), catalog(), code, lang(), year, readable)
    audit_profile(profile, "area profile (json)")
    return jsonify(profile)
