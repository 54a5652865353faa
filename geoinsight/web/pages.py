"""HTML pages: the overview with the gemeente picker, and the area profile."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from geoinsight import service
from geoinsight.profile import area_profile
from geoinsight.web.context import audit_profile, catalog, lang, readable, state

bp = Blueprint("pages", __name__)


@bp.get("/layers")
def index() -> str:
    st = state()
    return render_template("pages/index.html", layers=list(catalog()),
                           municipalities=service.municipalities(st.store),
                           empty=st.store.is_empty())


@bp.get("/areas/<code>")
def area(code: str) -> str:
    st = state()
    year = service.parse_selection("buurt", None, request.args.get("year")).year
    profile = area_profile(st.store, catalog(), code, lang(), year, readable)
    audit_profile(profile, "area profile")
    return render_template("pages/area.html", profile=profile)
