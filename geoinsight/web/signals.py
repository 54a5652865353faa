"""Signals: what stands out (unusual changes, hot and cold spots), as a page and as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from geoinsight import service, signal_report
from geoinsight.web.context import audit_layer, catalog, lang, state

bp = Blueprint("signals", __name__)


def _selection() -> service.Selection:
    st = state()
    selection = service.parse_selection(request.args.get("level"),
                                        request.args.get("municipality"),
                                        request.args.get("year"))
    if selection.municipality is None and selection.level != "gemeente":
        selection = service.Selection(selection.level, service.default_municipality(st.store),
                                      selection.year)
    return selection


@bp.get("/api/layers/<layer_id>/signals")
def layer_signals(layer_id: str) -> Response:
    st = state()
    selection = _selection()
    result = signal_report.layer_signals(st.store, catalog(), layer_id, selection,
                                         st.signal_cache)
    audit_layer(result.layer, f"signals {result.layer.id}", selection.municipality)
    return jsonify(signal_report.signals_json(result, lang()))


def _overview() -> tuple[service.Selection, list[signal_report.LayerSignals]]:
    """Signals of every visible layer for the request's selection, each read audited."""
    st = state()
    selection = _selection()
    found = signal_report.overview(st.store, catalog(), selection, st.signal_cache)
    for result in found:
        audit_layer(result.layer, f"signals {result.layer.id}", selection.municipality)
    return selection, found


@bp.get("/api/signals")
def overview_json() -> Response:
    selection, found = _overview()
    return jsonify({"level": selection.level, "municipality": selection.municipality,
                    "layers": [_summary(r) for r in found]})


@bp.get("/signals")
def page() -> str:
    selection, found = _overview()
    # layers that changed since an earlier year first: "what changed" is the first question
    layers = sorted((_summary(r) for r in found),
                    key=lambda item: (item["previous_year"] is None, str(item["title"])))
    return render_template("signals/signals.html", selection=selection, layers=layers,
                           municipalities=service.municipalities(state().store))


def _summary(result: signal_report.LayerSignals) -> dict[str, object]:
    items = signal_report.standouts(result)
    counts = {kind: sum(kind in item["signals"] for item in items)
              for kind in ("rising", "falling", "hot", "cold", "HL", "LH")}
    return {"layer": result.layer.id, "title": result.layer.title_in(lang()),
            "unit": result.layer.unit, "year": result.year,
            "previous_year": result.previous_year, "counts": counts,
            "global_moran_i": result.global_moran_i, "global_moran_p": result.global_moran_p,
            "note": result.note, "synthetic": result.synthetic, "standouts": items[:8]}
