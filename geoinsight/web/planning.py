"""The planning view: a tunable energy-transition ranking (page, JSON, CSV and XLSX)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from geoinsight.analysis.priority import NO_WEIGHT, PriorityScheme, parse_weights
from geoinsight.catalog.indicators import known
from geoinsight.errors import BadRequest, NotFound
from geoinsight.i18n import text
from geoinsight.usecases import planning
from geoinsight.web.context import audit_indicators, gate, lang, readable, state
from geoinsight.web.http import cached
from geoinsight.web.pickers import chosen_selection, municipality_options

bp = Blueprint("planning", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _request_plan() -> planning.Plan:
    scheme = _scheme(request.args.get("scheme"))
    selection, _, _ = chosen_selection(gate(), request.args, scheme.levels,
                                       planning.scheme_indicators(scheme, weighted=True))
    if selection.municipality is None:  # a ranking is within one gemeente
        raise NotFound(f"no {'/'.join(scheme.levels)} boundaries in the store",
                       code="no_areas")
    weights = parse_weights(request.args.get("weights"), scheme)
    return planning.plan(gate(), scheme, selection, weights, lang(), readable)


def _scheme(scheme_id: str | None) -> PriorityScheme:
    schemes = state().schemes
    if not schemes:
        raise NotFound("no planning schemes configured", code="unknown_scheme")
    if scheme_id is None:
        return next(iter(schemes.values()))
    if scheme_id not in schemes:
        raise NotFound(f"no planning scheme {scheme_id!r}", code="unknown_scheme")
    return schemes[scheme_id]


def plan_document(result: planning.Plan, language: str) -> dict[str, Any]:
    """The plan as JSON, with what it stands on in words (the page shows these texts, and
    static/js/planning.js shows them again after every weight change)."""
    doc = planning.plan_json(result, language)
    coverage, titles = doc["coverage"], {i["id"]: i["title"] for i in doc["inputs"]}

    def say(key: str, **values: object) -> str:
        return text(language, key).format(**values)

    for item in doc["inputs"]:
        if item["missing"]:
            item["missing"]["text"] = _missing_text(item["missing"], item["indicator"],
                                                    result.boundary_year, language)
    if coverage["inputs"] == 0:
        coverage["summary"] = say("plan_coverage_no_weight")
    else:
        coverage["summary"] = say("plan_coverage_summary", available=coverage["inputs_available"],
                                  inputs=coverage["inputs"],
                                  share=planning.percent(coverage["weight_share"]))
        if coverage["missing"]:
            coverage["summary"] += "; " + say("plan_coverage_missing", items=", ".join(
                titles[i] for i in coverage["missing"]))
        coverage["summary"] += "."
    coverage["areas_text"] = say("plan_coverage_areas", scored=coverage["areas_scored"],
                                 areas=coverage["areas"])
    coverage["rule"] = say("plan_coverage_rule")
    for row in doc["rows"]:
        if row["no_score"] == NO_WEIGHT:
            row["note"] = say("plan_row_no_weight")
        elif row["no_score"]:
            row["note"] = say("plan_row_no_score", available=row["inputs_used"],
                              inputs=coverage["inputs"],
                              share=planning.percent(row["weight_share"]))
        else:
            row["note"] = None
    return doc


def _missing_text(missing: dict[str, Any], expression: str, boundary_year: int,
                  language: str) -> str:
    """Why an input is missing; names the indicator at fault when the input is an expression
    over several (energy poverty lacks its low-income part)."""
    at_fault = missing["indicator"]
    of = ""
    if at_fault and at_fault != expression.strip():
        found = known().get(at_fault)
        of = text(language, "plan_missing_of").format(
            indicator=found.title(language) if found else at_fault)
    return text(language, f"plan_missing_{missing['reason']}").format(
        of=of, years=", ".join(map(str, missing["years"])), boundary_year=boundary_year)


@bp.get("/api/planning")
def api_planning() -> Response:
    return cached(_api_planning)


def _api_planning() -> Response:
    fmt = request.args.get("format", "json").lower()
    if fmt not in ("json", "csv", "xlsx"):
        raise BadRequest(f"format must be json, csv or xlsx, not {fmt!r}", code="bad_format")
    result = _request_plan()
    audit_indicators(planning.input_indicators(result), f"planning ({fmt})",
                     result.selection.municipality)
    if fmt == "json":
        return jsonify(plan_document(result, lang()))
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
    # some areas lack a score because inputs are missing: offer, never apply, a ranking on the
    # inputs that are there (the page then still lists what is missing, at weight 0)
    missing = {i.id for i in result.inputs if not i.available}
    use_available = None
    short = result.coverage.areas_scored < result.coverage.areas
    if short and result.coverage.inputs_available and any(result.weights[i] > 0
                                                           for i in missing):
        weights = ",".join(f"{k}:{0 if k in missing else w:g}" for k, w in result.weights.items())
        year = {"year": result.selection.year} if result.selection.year else {}
        use_available = url_for("planning.page") + "?" + urlencode(
            {**query, **year, "weights": weights})
    tiles, attribution = st.settings.basemap_tiles()
    return render_template(
        "planning/planning.html", plan=plan_document(result, lang()),
        tiles=tiles, tiles_attribution=attribution,
        municipalities=municipality_options(gate(), [result.selection.level],
                                            result.selection.level),
        use_available_url=use_available, schemes=list(st.schemes.values()),
        api_url=url_for("planning.api_planning") + "?" + urlencode(query),
        areas_url=url_for("api.areas") + "?" + urlencode(
            {"level": result.selection.level, "municipality": result.selection.municipality,
             "year": result.boundary_year}),
        profile_url=url_for("pages.area", code="CODE").replace("CODE", "{code}"))
