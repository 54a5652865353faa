"""Search: ``/api/search?q=`` (JSON) and ``/search?q=`` (a page, or straight to the one area
found), behind the search box every page has (static/js/search.js)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as Redirect

from geoinsight.errors import BadRequest
from geoinsight.usecases.search import Found, SearchIndex, search
from geoinsight.web.context import gate, remembered
from geoinsight.web.http import cached

bp = Blueprint("search", __name__)


def _results() -> list[dict[str, Any]]:
    query = request.args.get("q")
    if query is None:
        raise BadRequest("give the search text as q: a postcode (2611 AB, 2611AB 12), a "
                         "buurt, wijk or gemeente name, or its code", code="bad_query")
    index = remembered("search index", (), lambda: SearchIndex.build(gate()))
    return [_as_dict(found) for found in search(gate(), index, query)]


def _as_dict(found: Found) -> dict[str, Any]:
    """A result with its profile's URL and a map of its gemeente at its level, on it."""
    return {"code": found.code, "name": found.name, "level": found.level, "year": found.year,
            "gemeente": found.gemeente_name if found.level != "gemeente" else "",
            "match": found.match, "score": found.score,
            "url": url_for("pages.area", code=found.code),
            "map_url": url_for("maps.home", level=found.level,
                               municipality=found.gemeente_code or None, area=found.code)}


@bp.get("/api/search")
def api() -> Response:
    return cached(lambda: jsonify({"results": _results()}))


@bp.get("/search")
def page() -> str | Redirect:
    """The results as a list; the one area found, opened at once."""
    if not request.args.get("q", "").strip():
        return render_template("pages/search.html", query="", results=[])
    results = _results()
    if len(results) == 1:
        return redirect(results[0]["url"])
    return render_template("pages/search.html", query=request.args["q"], results=results)
