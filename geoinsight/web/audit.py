"""The audit trail on the web side: record protected reads, and show them to beheerders."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import NotFound

from geoinsight.web.context import principal, state

bp = Blueprint("audit", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def _append(response: Response) -> Response:
        from flask import g

        request_gate = g.pop("gate", None)  # only a request that read through its gate read
        reads = request_gate.reads if request_gate is not None else None
        if reads and response.status_code < 400:
            who = principal().name or "anonymous"
            state().audit.record(who, request.full_path.rstrip("?"),
                                 request.remote_addr or "", reads,
                                 coalesce=request.path.startswith("/tiles/"))
        return response


def _beheerder_only() -> None:
    """Others get the very answer an unknown address gets."""
    if not principal().has_role("beheerder"):
        raise NotFound()


@bp.get("/audit")
def page() -> str:
    _beheerder_only()
    return render_template("audit/audit.html", entries=state().audit.entries(limit=500))


@bp.get("/api/audit")
def export() -> Response:
    _beheerder_only()
    entries = state().audit.entries()
    if request.args.get("format", "json") == "csv":
        return Response(entries.to_csv(index=False), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="geoinsight-audit.csv"'})
    return jsonify({"entries": entries.to_dict(orient="records")})
