"""What a map page tells its reader about the figures it cannot show, in the page's language."""

from __future__ import annotations

from geoinsight.analysis.placement import unplaced
from geoinsight.catalog import Layer
from geoinsight.i18n import text
from geoinsight.privacy.gate import Gate
from geoinsight.usecases import service
from geoinsight.usecases.holdings import LayerFigures, gemeenten
from geoinsight.web.context import lang

#: gemeenten a notice names before it says "…"
NAMED = 5


def map_notices(gate: Gate, layer: Layer, selection: service.Selection, year: int,
                b_year: int, figures: LayerFigures, choice: tuple[str, str]) -> list[str]:
    """Why the map differs from what was asked, and which figures it leaves out and why."""
    note, asked = choice
    out = []
    if note == "no_figures_at_level":
        out.append(_t("notice_no_figures_at_level").format(asked=_t(asked),
                                                           level=_t(selection.level)))
    elif note == "layer_not_at_level":
        out.append(_t("notice_layer_not_at_level").format(asked=_t(asked),
                                                          level=_t(selection.level)))
    elif note == "no_level":
        out.append(_t("notice_no_level").format(asked=_t(asked), level=_t(selection.level)))
    elif note == "no_boundaries_at_level":
        name = next((g.name for g in gemeenten(gate) if g.code == selection.municipality),
                    selection.municipality)
        out.append(_t("notice_no_boundaries_at_level").format(
            name=name, asked=_t(asked), level=_t(selection.level)))
    if selection.municipality is None and selection.level != "gemeente":
        # a national or provincial map shows one indeling: gemeenten whose areas are of other
        # years only are left out, and said so
        inside = set(service.selection_areas(gate, selection, geometry=False)["gemeente_code"])
        other = [g.name for g in gemeenten(gate, selection.level)
                 if b_year not in g.years and g.code in inside]
        if other:
            names = ", ".join(other[:NAMED]) + (
                " " + _t("notice_more").format(n=len(other)) if len(other) > NAMED else "")
            out.append(_t("notice_other_years").format(level=_t(selection.level),
                                                       b_year=b_year, names=names))
    areas = service.selection_areas(gate, selection, b_year, geometry=False)
    elsewhere = unplaced(gate, codes=areas["code"].tolist(), boundary_year=b_year,
                         indicators=list(layer.inputs()), year=year)
    if elsewhere.count:
        on = sorted(elsewhere.codes)[-1]
        out.append(_t("notice_other_boundaries").format(
            year=year, n=elsewhere.count, on=on, b_year=b_year))
    elif not figures.available:
        out.append(_t(f"notice_{figures.reason or 'not_loaded'}"))
    return out


def _t(key: str) -> str:
    return text(lang(), key)
