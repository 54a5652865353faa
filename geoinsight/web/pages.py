"""HTML pages: the overview with the gemeente picker, and the area profile."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from geoinsight import service
from geoinsight.catalog import by_theme
from geoinsight.errors import NotFound
from geoinsight.profile import area_profile
from geoinsight.web.context import audit_profile, catalog, lang, readable, state
from geoinsight.web.pickers import chosen_selection, levels_held, municipality_options

bp = Blueprint("pages", __name__)


@bp.get("/layers")
def index() -> str:
    st = state()
    levels = ("buurt", "wijk", "gemeente")
    selection, _, _ = chosen_selection(st.store, request.args, levels,
                                       [i for x in catalog().layers.values() for i in x.inputs()])
    return render_template("pages/index.html", layers=list(catalog()), selection=selection,
                           themes=by_theme(catalog()),
                           levels=levels_held(st.store, levels),
                           municipalities=municipality_options(st.store, levels,
                                                               selection.level),
                           empty=st.store.is_empty())


@bp.get("/areas/<code>")
def area(code: str) -> str:
    st = state()
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    profile = area_profile(st.store, catalog(), code, lang(), year, readable)
    audit_profile(profile, "area profile")
    return render_template("pages/area.html", profile=profile)


@bp.get("/areas")
def areas() -> Response:
    """The profiles start at the gemeente the maps open on."""
    st = state()
    selection, _, _ = chosen_selection(st.store, request.args, ("buurt", "wijk", "gemeente"),
                                       [i for x in catalog().layers.values()
                                        for i in x.inputs()])
    code = selection.municipality or next(
        (g["code"] for g in service.municipalities(st.store, "gemeente")), None)
    if code is None:
        raise NotFound("the store holds no areas yet", code="no_areas")
    return redirect(url_for("pages.area", code=code))
