"""``/api/export/<layers>``: a layer (or ``a,b,c``) as a file, streamed, with its metadata.

The same :func:`geoinsight.export.build_export` as ``geoinsight export``; figures come from the
app's published store, layers from the request's visible catalogue (a hidden layer is "not
found"), and every non-open layer read is audited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, url_for

from geoinsight.errors import BadRequest
from geoinsight.export import build_export
from geoinsight.export.formats import get_format
from geoinsight.export.table import parse_layer_ids
from geoinsight.usecases import service
from geoinsight.web.context import audit_layer, catalog, gate, lang

bp = Blueprint("exports", __name__)

#: the map page's download menu: format and what the user sees
MENU = (("gpkg", "GeoPackage (.gpkg)"), ("geojson", "GeoJSON"), ("csv", "CSV"),
        ("xlsx", "Excel (.xlsx)"), ("parquet", "GeoParquet"), ("shp", "Shapefile (.zip)"),
        ("tif", "GeoTIFF (100 m)"))


def menu_links(layer_id: str, query: dict[str, str]) -> list[tuple[str, str, str]]:
    """(format, label, URL) per format for the map page; ``{layer}`` stands for the layer so
    the page can follow its layer switcher."""
    base = url_for("exports.export", layers="LAYER").replace("LAYER", "{layer}")
    return [(fmt, label, base + "?" + urlencode({**query, "format": fmt}))
            for fmt, label in MENU]


@bp.get("/api/export/<layers>")
def export(layers: str) -> Response:
    fmt_name = request.args.get("format", "csv")
    metadata_only = fmt_name.strip().lower() in ("metadata", "csvw")
    fmt = get_format("csv" if metadata_only else fmt_name)
    selection = service.parse_scope(request.args.get("level"),
                                    request.args.get("municipality"),
                                    request.args.get("year"), request.args.get("province"))
    ids = parse_layer_ids([layers, *request.args.getlist("layers")])
    result = build_export(gate(), catalog(), ids, selection, fmt,
                          gate().rules, lang(),
                          boundaries=service.parse_year(request.args.get("boundaries"),
                                                        "boundaries"), cell_m=_cell())
    for column in result.table.columns:
        audit_layer(column.layer, f"export {column.layer.id} ({fmt.name})",
                    selection.municipality)
    if metadata_only:
        return jsonify(result.sidecar())
    headers = {"Content-Disposition": f'attachment; filename="{result.filename}"'}
    if result.table.synthetic:
        headers["X-GeoInsight-Synthetic"] = "synthetic demo data"
    if fmt.name == "csv":
        args = {**request.args.to_dict(), "format": "metadata"}
        headers["Link"] = (f'<{request.path}?{urlencode(args)}>; rel="describedby"; '
                           'type="application/csvm+json"')
    # the body is passed as is: werkzeug closes it after the response, which removes the
    # temporary file of a binary format even when the body is never read (HEAD)
    return Response(result.chunks, mimetype=fmt.mimetype, headers=headers)


def _cell() -> float:
    text = request.args.get("cell", "100")
    try:
        return float(text)
    except ValueError:
        raise BadRequest(f"cell must be a size in metres, not {text!r}", code="bad_cell") from None
