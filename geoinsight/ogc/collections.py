"""Which collections the OGC API offers and which layer figures each one carries.

A collection is one level on one boundary year (``buurt_2023``, ``gemeente_2023``): the areas as
CBS drew them that year, each with every visible layer's figure as a property. Figures belong on
the boundaries the rest of GeoInsight shows them on
(:func:`geoinsight.usecases.service.figure_years`:
their own year's, else the latest before it), so a feature's value is the one
``/api/layers/<id>/values`` gives for that level, gemeente and year. Where a gemeente's boundaries
lag behind the rest of the store (the demo's 2022 Den Haag buurten next to 2023 Delft ones), its
figures sit on its own older boundaries; a layer's figures are then read per gemeente (a
*scope*), else for all gemeenten at once. A layer takes the latest figure year that has figures
on the collection's boundaries; layers without any are left out of the collection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from geoinsight.catalog import Catalog, Layer
from geoinsight.errors import NotFound
from geoinsight.export.table import LayerColumn, column_info
from geoinsight.i18n import LANGUAGES, text
from geoinsight.records import LEVELS
from geoinsight.store import Reader
from geoinsight.usecases.layer_about import StoreFacts, metadata_facts
from geoinsight.usecases.service import Selection, figure_years, is_synthetic

_ID = re.compile(r"^(gemeente|wijk|buurt)_(\d{4})$")

@dataclass(frozen=True)
class Column:
    """One layer in a collection: the figure year shown, and where to read it."""

    layer: Layer
    year: int
    #: gemeenten whose figures of ``year`` lie on these boundaries; ``(None,)`` is all at once
    scopes: tuple[str | None, ...]
    synthetic: bool
    #: the layer's facts as every export carries them, per language (metadata_facts)
    facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def info(self, boundary_year: int, lang: str) -> dict[str, object]:
        """The layer described as every export describes it (:func:`column_info`)."""
        return column_info(LayerColumn(self.layer, self.year, boundary_year, self.synthetic,
                                       facts=self.facts.get(lang, {})), lang)


@dataclass(frozen=True)
class Collection:
    id: str
    level: str
    boundary_year: int
    count: int
    #: RD New (EPSG:28992) bounds of the areas
    bounds: tuple[float, float, float, float]
    columns: tuple[Column, ...]

    def title(self, lang: str) -> str:
        title = text(lang, f"ogc_title_{self.level}")
        return f"{title} ({text(lang, 'boundaries_of')} {self.boundary_year})"

    @property
    def synthetic(self) -> bool:
        return any(c.synthetic for c in self.columns)

    def description(self, lang: str) -> str:
        """One readable paragraph: what the features are and which figures they carry."""
        head = text(lang, "ogc_collection_head").format(
            level=self.level, year=self.boundary_year, count=self.count)
        if not self.columns:
            return head + text(lang, "ogc_collection_no_figures")
        parts = []
        for c in self.columns:
            mark = " " + text(lang, "synthetic") if c.synthetic else ""
            unit = f"{c.layer.unit_in(lang)}, " if c.layer.unit else ""
            tables = "".join(f", CBS {t}"
                             for t in c.facts.get(lang, {}).get("source_tables", []))
            parts.append(f"{c.layer.id} ({unit}{c.year}{mark}; "
                         f"{c.layer.source}{tables}, {c.layer.licence})")
        return head + text(lang, "ogc_collection_columns") + "; ".join(parts) + "."


def collection_id(level: str, year: int) -> str:
    return f"{level}_{year}"


def parse_collection_id(text: str) -> tuple[str, int]:
    found = _ID.match(text)
    if not found:
        raise NotFound(f"no collection {text!r}; collections are named like buurt_2023",
                       code="unknown_collection")
    return found.group(1), int(found.group(2))


def area_scope_codes(areas: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The codes of a collection's areas and the gemeenten they lie in."""
    codes = areas["code"].astype(str).tolist()
    return codes, sorted({str(g) for g in gemeente_of(areas).dropna()})


def gemeente_of(areas: pd.DataFrame) -> pd.Series:
    """The gemeente of each area: its own code for a gemeente, else its gemeente_code."""
    return areas["gemeente_code"].where(areas["level"] != "gemeente", areas["code"])


def plan_columns(store: Reader, catalog: Catalog, level: str, b_year: int,
                 areas: pd.DataFrame, up_to: int | None = None) -> tuple[Column, ...]:
    """Per layer of ``catalog`` at ``level``: the latest figure year (up to ``up_to``) whose
    figures lie on the ``b_year`` boundaries of ``areas``, and the scopes to read it in."""
    codes, gemeenten = area_scope_codes(areas)
    if not codes:
        return ()
    memo: dict[tuple[str, str | None], dict[int, int]] = {}

    def years_here(layer: Layer, scope: str | None) -> dict[int, int]:
        """figure year -> boundary year it is shown on, as every map and export decides"""
        if (layer.id, scope) not in memo:
            try:
                memo[(layer.id, scope)] = figure_years(store, layer, Selection(level, scope,
                                                                               None))
            except NotFound:
                memo[(layer.id, scope)] = {}
        return memo[(layer.id, scope)]

    columns = []
    known = StoreFacts.of(store)
    for layer in catalog.for_level(level):
        years = store.value_years(indicators=list(layer.inputs()), codes=codes)
        for year in sorted(years, reverse=True):
            if up_to is not None and year > up_to:
                continue
            scopes = _scopes(gemeenten, year, partial(_lies_on, years_here, layer, b_year))
            if scopes:
                facts = {lang: metadata_facts(known, layer, lang) for lang in LANGUAGES}
                columns.append(Column(layer, year, scopes, is_synthetic(store, layer), facts))
                break
    return tuple(columns)


def _lies_on(years_here: Callable[[Layer, str | None], dict[int, int]], layer: Layer,
             b_year: int, scope: str | None, year: int) -> bool:
    return years_here(layer, scope).get(year) == b_year


def _scopes(gemeenten: Sequence[str], year: int,
            on_these: Callable[[str | None, int], bool]) -> tuple[str | None, ...]:
    if on_these(None, year):
        return (None,)
    return tuple(gm for gm in gemeenten if on_these(gm, year))


def levels_and_years(store: Reader) -> list[tuple[str, int]]:
    """Every (level, boundary year) in the store: gemeente first, newest year first."""
    return [(level, year) for level in LEVELS
            for year in sorted(store.area_years(level=level), reverse=True)]
