"""The planning view: a tunable energy-transition ranking (page, JSON, CSV and XLSX)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from geoinsight import planning
from geoinsight.analysis.priority import PriorityScheme, parse_weights
from geoinsight.errors import BadRequest, NotFound
from geoinsight.web.context import audit_indicators, lang, readable, state
from geoinsight.web.pickers import chosen_selection, municipality_options

bp = Blueprint("planning", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _request_plan() -> planning.Plan:
    st = state()
    scheme = _scheme(request.args.get("scheme"))
    selection, _, _ = chosen_selection(st.store, request.args, scheme.levels,
                                       planning.scheme_indicators(scheme))
    if selection.municipality is None:  # a ranking is within one gemeente
        raise NotFound(f"no {'/'.join(scheme.levels)} boundaries in the store",
                       code="no_areas")
    weights = parse_weights(request.args.get("weights"), scheme)
    return planning.plan(st.store, scheme, selection, weights, lang(), readable)


def _scheme(scheme_id: str | None) -> PriorityScheme:
    schemes = state().schemes
    if not schemes:
        raise NotFound("no planning schemes configured", code="unknown_scheme")
    if scheme_id is None:
        return next(iter(schemes.values()))
    if scheme_id not in schemes:
        raise NotFound(f"no planning scheme {scheme_id!r}", code="unknown_scheme")
    return schemes[scheme_id]


@bp.get("/api/planning")
def api_planning() -> Response:
    fmt = request.args.get("format", "json").lower()
    if fmt not in ("json", "csv", "xlsx"):
        raise BadRequest(f"format must be json, csv or xlsx, not {fmt!r}", code="bad_format")
    result = _request_plan()
    audit_indicators(planning.input_indicators(result), f"planning ({fmt})",
                     result.selection.municipality)
    if fmt == "json":
        return jsonify(planning.plan_json(result, lang()))
    name = (f"{result.scheme.id}_{result.selection.level}_{result.selection.municipality}"
            f"{'_SYNTHETIC' if result.synthetic else ''}.{fmt}")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(planning.export_csv(result, lang()), mimetype="text/csv", headers=headers)
    return Response(planning.export_xlsx(result, lang()), mimetype=XLSX, headers=headers)


@bp.get("/planning")
def page() -> str:
    st = state()
    result = _request_plan()
    audit_indicators(planning.input_indicators(result), "planning page",
                     result.selection.municipality)
    query = {"scheme": result.scheme.id, "level": result.selection.level,
             "municipality": result.selection.municipality or ""}
    tiles, attribution = st.settings.basemap_tiles()
    return render_template(
        "planning/planning.html", plan=planning.plan_json(result, lang()),
        tiles=tiles, tiles_attribution=attribution,
        municipalities=municipality_options(st.store, [result.selection.level],
                                            result.selection.level),
        api_url=url_for("planning.api_planning") + "?" + urlencode(query),
        areas_url=url_for("api.areas") + "?" + urlencode(
            {"level": result.selection.level, "municipality": result.selection.municipality,
             "year": result.boundary_year}),
        profile_url=url_for("pages.area", code="CODE").replace("CODE", "{code}"))
