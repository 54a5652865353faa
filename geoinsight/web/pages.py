"""HTML pages: the overview with the gemeente picker, and the area profile."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from geoinsight.catalog import by_theme
from geoinsight.errors import NotFound
from geoinsight.export.pdf import html_to_pdf
from geoinsight.resources import resource_dir
from geoinsight.usecases import layer_about as about
from geoinsight.usecases import service
from geoinsight.usecases.area_report import area_report
from geoinsight.usecases.profile import area_profile
from geoinsight.web.context import audit_profile, catalog, gate, lang, readable, state
from geoinsight.web.pickers import chosen_selection, levels_held, municipality_options

bp = Blueprint("pages", __name__)


@bp.get("/layers")
def index() -> str:
    levels = ("buurt", "wijk", "gemeente")
    selection, _, _ = chosen_selection(gate(), request.args, levels,
                                       [i for x in catalog().layers.values() for i in x.inputs()])
    return render_template("pages/index.html", layers=list(catalog()), selection=selection,
                           themes=by_theme(catalog()),
                           levels=levels_held(gate(), levels),
                           municipalities=municipality_options(gate(), levels,
                                                               selection.level),
                           empty=gate().is_empty())


@bp.get("/areas/<code>")
def area(code: str) -> str:
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    profile = area_profile(gate(), catalog(), code, lang(), year, readable)
    audit_profile(profile, "area profile")
    return render_template("pages/area.html", profile=profile)


@bp.get("/areas/<code>/report")
def report(code: str) -> str:
    """The area report, to print (the page's print stylesheet) or to save as a PDF."""
    return _report_html(code)


@bp.get("/areas/<code>/report.pdf")
def report_pdf(code: str) -> Response:
    html = _report_html(code, pdf=True)
    pdf = html_to_pdf(html, url_for("static", filename=""), resource_dir("static"))
    name = f"gebiedsrapport-{code.upper()}.pdf" if lang() == "nl" else \
        f"area-report-{code.upper()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def _report_html(code: str, pdf: bool = False) -> str:
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    report = area_report(gate(), catalog(), code, lang(), year, readable,
                         signal_cache=state().signal_cache)
    audit_profile(report, "area report (pdf)" if pdf else "area report")
    return render_template("pages/report.html", report=report, profile=report, pdf=pdf)


@bp.get("/layers/<layer_id>/about")
def layer_about(layer_id: str) -> str:
    """"Over deze kaartlaag": what the layer is, where its figures come from, what protects
    them and who sees them (a layer the caller may not see is not found)."""
    layer = catalog().get(layer_id)
    return render_template("pages/layer_about.html", layer=layer,
                           about=about.layer_about(gate(), layer, lang()))


@bp.get("/areas")
def areas() -> Response:
    """The profiles start at the gemeente the maps open on."""
    selection, _, _ = chosen_selection(gate(), request.args, ("buurt", "wijk", "gemeente"),
                                       [i for x in catalog().layers.values()
                                        for i in x.inputs()])
    code = selection.municipality or next(
        (g["code"] for g in service.municipalities(gate(), "gemeente")), None)
    if code is None:
        raise NotFound("the store holds no areas yet", code="no_areas")
    return redirect(url_for("pages.area", code=code))
