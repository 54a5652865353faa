"""``GET /healthz``: for load balancers and monitors. No sign-in, no figures, not audited, never
cached; 200 when the store reads and the data dir, accounts and audit files are usable, else 503
with the one JSON error body naming what failed (the details go to the server log).

``process`` says what the answering process holds in memory: OGC collection tables and page
summaries (both made at start by the warm-up, :mod:`geoinsight.web.warm`), so a monitor can
tell a warm worker from a cold one."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, make_response

from geoinsight import __version__
from geoinsight.usecases import health
from geoinsight.web.auth import accounts_of
from geoinsight.web.context import catalog, gate, state
from geoinsight.web.errors import error_response
from geoinsight.web.ogc import tables_held

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    st = state()
    result = health.check(gate, st.settings.data_dir,
                          [path for path in (accounts_of(current_app).path, st.audit.path)
                           if path is not None])
    if result.ok:
        response = jsonify({"status": "ok", "version": __version__, "store": result.store_state,
                            "layers": len(catalog()),
                            "process": {"ogc_tables": tables_held(),
                                        "page_summaries": len(st.page_memo)}})
    else:
        current_app.logger.error("health check failed: %s", result.problems)
        body, status = error_response(503, "unhealthy",
                                      "unhealthy: " + ", ".join(sorted(result.problems)))
        response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
