"""``GET /api/openapi.json``: the OpenAPI 3.0 document of the JSON API, made per request.

Per request because it depends on who asks: the layer-id enums list only the layers the
caller may see (:func:`~geoinsight.web.context.catalog`), and the beheerder-only routes appear
only for a beheerder. Operations of routes this app does not serve are left out.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from geoinsight import __version__
from geoinsight.web.context import catalog, principal, state
from geoinsight.web.openapi_spec import build_document

bp = Blueprint("openapi", __name__)

_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
#: what the document covers: the JSON API; pages, static files and /ogc are described elsewhere
DOCUMENTED_PREFIXES = ("/api/", "/healthz")
_METHODS = ("get", "post", "put", "patch", "delete")


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path template: ``/api/layers/<layer_id>`` ->
    ``/api/layers/{layer_id}``."""
    return _VARIABLE.sub(r"{\1}", rule)


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """Every ``(path template, method)`` the app serves under the documented prefixes."""
    return {(openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith(DOCUMENTED_PREFIXES)
            for method in rule.methods or ()
            if method.lower() in _METHODS}


@bp.get("/api/openapi.json")
def document() -> Response:
    schemes = {scheme_id: [i.id for i in scheme.inputs]
               for scheme_id, scheme in state().schemes.items()}
    doc = build_document(version=__version__, layer_ids=[layer.id for layer in catalog()],
                         schemes=schemes, beheerder=principal().has_role("beheerder"),
                         routed=api_routes(current_app),
                         server=state().settings.base_url or request.script_root or "/")
    response = jsonify(doc)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("Authorization", "Cookie"))
    return response
