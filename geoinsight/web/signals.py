"""Signals: what stands out (unusual changes, hot and cold spots), as a page and as JSON."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, render_template, request

from geoinsight.catalog import Layer
from geoinsight.i18n import text
from geoinsight.usecases import service, signal_report
from geoinsight.usecases.holdings import LEVELS
from geoinsight.web.context import audit_layer, catalog, gate, lang, state
from geoinsight.web.http import cached
from geoinsight.web.pickers import chosen_selection, levels_held, municipality_options

bp = Blueprint("signals", __name__)


def _selection() -> service.Selection:
    """The asked level and gemeente, else ones that have boundaries and figures."""
    indicators = [i for layer in catalog().layers.values() for i in layer.inputs()]
    selection, _, _ = chosen_selection(gate(), request.args, LEVELS, indicators)
    return selection


@bp.get("/api/layers/<layer_id>/signals")
def layer_signals(layer_id: str) -> Response:
    return cached(lambda: _layer_signals(layer_id))


def _layer_signals(layer_id: str) -> Response:
    st = state()
    selection = _selection()
    result = signal_report.layer_signals(gate(), catalog(), layer_id, selection,
                                         st.signal_cache)
    audit_layer(result.layer, f"signals {result.layer.id}", selection.municipality)
    return jsonify(signal_report.signals_json(result, lang()))


def _overview() -> tuple[service.Selection, list[signal_report.LayerSignals], list[Layer]]:
    """Signals of every visible layer with figures for the request's selection (each read
    audited), and the layers left out."""
    st = state()
    selection = _selection()
    found, left_out = signal_report.overview(gate(), catalog(), selection, st.signal_cache)
    for result in found:
        audit_layer(result.layer, f"signals {result.layer.id}", selection.municipality)
    return selection, found, left_out


@bp.get("/api/signals")
def overview_json() -> Response:
    return cached(_overview_json)


def _overview_json() -> Response:
    selection, found, left_out = _overview()
    return jsonify({"level": selection.level, "municipality": selection.municipality,
                    "layers": [_summary(r) for r in found],
                    "without_figures": [layer.id for layer in left_out]})


@bp.get("/signals")
def page() -> str:
    selection, found, left_out = _overview()
    # layers that changed since an earlier year first: "what changed" is the first question
    layers = sorted((_summary(r) for r in found),
                    key=lambda item: (item["previous_year"] is None, str(item["title"])))
    return render_template("signals/signals.html", selection=selection, layers=layers,
                           left_out=[layer.title_in(lang()) for layer in left_out],
                           levels=levels_held(gate(), LEVELS),
                           municipalities=municipality_options(gate(), LEVELS,
                                                               selection.level))


def _summary(result: signal_report.LayerSignals) -> dict[str, object]:
    items = signal_report.standouts(result)
    counts = {kind: sum(kind in item["signals"] for item in items)
              for kind in ("rising", "falling", "hot", "cold", "HL", "LH")}
    return {"layer": result.layer.id, "title": result.layer.title_in(lang()),
            "unit": result.layer.unit_in(lang()), "year": result.year,
            "previous_year": result.previous_year, "counts": counts,
            "global_moran_i": result.global_moran_i, "global_moran_p": result.global_moran_p,
            "note": signal_note(result.note, lang()), "synthetic": result.synthetic,
            "standouts": items[:8]}


#: the analysis's notes (English, in the JSON) -> the page's catalogue
_NOTES = ((re.compile(r"too few areas with a value \(n = (\d+) < (\d+)\)"), "note_few_values"),
          (re.compile(r"too few connected areas \(n = (\d+) < (\d+)\)"), "note_few_connected"),
          (re.compile(r"no variation in the values"), "note_no_variation"))


def signal_note(note: str | None, language: str) -> str | None:
    """A signals note in the page's language."""
    if not note:
        return note
    for pattern, key in _NOTES:
        found = pattern.fullmatch(note)
        if found:
            return text(language, key).format(*found.groups())
    return note
