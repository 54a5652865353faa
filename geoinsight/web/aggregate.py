"""``POST /api/aggregate``: every visible layer inside a drawn or uploaded area.

Thin: read the area (a GeoJSON body, or a multipart upload in field ``file``), call
:func:`geoinsight.usecases.custom_area.aggregate_area` with the layers this request may see, audit
the
reads of protected layers, answer JSON. The request body is limited by ``MAX_CONTENT_LENGTH``
(setting ``aggregate_max_upload_bytes``): a larger one is answered 413 ``too_large`` before it is
read. Uploaded files are read with bounds on features, vertices, unpacked bytes and work
(:mod:`geoinsight.uploads`). Scripts send a bearer token (no CSRF token needed); pages send
their session's CSRF token in ``X-CSRF-Token`` (geoinsight/web/auth.py); anonymous requests
see the open layers only.

A big polygon costs seconds of CPU, so anonymous requests are rate limited per client address
(setting ``aggregate_rate_per_minute``, default 30): past it, 429 with ``Retry-After`` and the
JSON error body. The counts are shared by the server processes (the accounts file).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from geoinsight.area_input import DrawnArea, area_from_geojson, area_from_upload
from geoinsight.errors import BadRequest
from geoinsight.uploads import Budget, ReadStats, UploadLimits
from geoinsight.uploads.geojson import parse_geojson
from geoinsight.usecases.custom_area import aggregate_area
from geoinsight.usecases.service import parse_selection
from geoinsight.web.auth import enforce_rate_limit
from geoinsight.web.context import audit_layer, catalog, gate, lang, principal, state

bp = Blueprint("aggregate", __name__)


@bp.record_once
def _limit_uploads(setup: BlueprintSetupState) -> None:
    """The app-wide body limit, set before any hook reads a form (the CSRF check does)."""
    settings = setup.app.extensions["geoinsight"].settings
    if setup.app.config.get("MAX_CONTENT_LENGTH") is None:
        setup.app.config["MAX_CONTENT_LENGTH"] = settings.aggregate_max_upload_bytes


@bp.post("/api/aggregate")
def aggregate() -> Response:
    st = state()
    if principal().anonymous:
        enforce_rate_limit("custom area aggregate", st.settings.aggregate_rate_per_minute)
    year = parse_selection("buurt", None, request.args.get("year")).year
    area = _area()
    visible = catalog()
    result = aggregate_area(gate(), visible, area, year=year, lang=lang(),
                            rules=gate().rules, data_dir=state().settings.data_dir)
    which = area.fingerprint()  # the row says which area: it has no CBS code
    for row in result["layers"]:
        audit_layer(visible.get(row["layer"]), "custom area aggregate", None, which)
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    return response


def _area() -> DrawnArea:
    """The area of the request, read with the upload bounds; ``g.upload_read`` keeps how far
    the read got (features, vertices, SQLite steps), also when it was refused."""
    limits = UploadLimits.from_settings(state().settings)
    if request.content_length is not None and request.content_length > limits.max_bytes:
        raise RequestEntityTooLarge(f"the request is larger than {limits.max_bytes:,} bytes")
    crs = request.args.get("crs")
    g.upload_read = stats = ReadStats()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("send the area as a file in the multipart field 'file'",
                             code="no_file")
        data = upload.read(limits.max_bytes + 1)
        if len(data) > limits.max_bytes:
            raise RequestEntityTooLarge(f"the file is larger than {limits.max_bytes:,} bytes")
        return area_from_upload(data, upload.filename or "", crs, limits, stats)
    body = request.stream.read(limits.max_bytes + 1)
    # a body sent without a length (chunked) is cut at the limit by the server's stream, so
    # one that reaches the limit may have been longer: refused too, not parsed truncated
    reached = limits.max_bytes if request.content_length is None else limits.max_bytes + 1
    if len(body) >= reached:
        raise RequestEntityTooLarge(f"the request is larger than {limits.max_bytes:,} bytes")
    if not body.strip():
        raise BadRequest("send a GeoJSON geometry, Feature or FeatureCollection as the JSON "
                         "body, or a file upload (multipart field 'file')", code="bad_geojson")
    return area_from_geojson(parse_geojson(body, limits), crs, limits, Budget(limits, stats))
