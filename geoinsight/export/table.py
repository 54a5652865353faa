"""The one table every export and the OGC API serve: areas of a selection with layer columns.

A row per area of one level, gemeente (optional) and boundary year; per layer a value column
(named by the layer id) and a status column (``<id>_status``). Figures come from the store the
caller passes: the web layer and the CLI pass a
:class:`~geoinsight.privacy.disclosure.PublishedStore`, so every figure in a file is one that
may be published. One figure year per table: several layers share the year asked for, or the
latest year they all have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import pandas as pd

from geoinsight.catalog import Catalog, Layer
from geoinsight.errors import BadRequest, NotFound
from geoinsight.privacy.disclosure import Published
from geoinsight.usecases.harmonise import layer_values_on
from geoinsight.usecases.layer_about import StoreFacts, metadata_facts
from geoinsight.usecases.service import LayerValues, Selection, layer_years, selection_areas

#: the columns before the layers' columns, in every format
AREA_FIELDS = ["code", "name", "level", "gemeente_code", "year", "boundary_year"]


@dataclass
class LayerColumn:
    """One layer in a table: where its figures are and what they mean."""

    layer: Layer
    year: int
    boundary_year: int
    synthetic: bool
    #: harmonised figures: the boundary year they were re-expressed from (else None)
    source_year: int | None = None
    #: what the layer's "about" page says of it that every export carries
    #: (geoinsight.usecases.layer_about.metadata_facts)
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def value_column(self) -> str:
        return self.layer.id

    @property
    def status_column(self) -> str:
        return f"{self.layer.id}_status"


@dataclass
class AreaTable:
    selection: Selection
    year: int
    boundary_year: int
    columns: list[LayerColumn]
    #: AREA_FIELDS, then each layer's value and status; geometry in EPSG:28992
    frame: gpd.GeoDataFrame

    @property
    def synthetic(self) -> bool:
        return any(c.synthetic for c in self.columns)

    def attributes(self) -> pd.DataFrame:
        """The table without geometry (CSV, XLSX)."""
        return pd.DataFrame(self.frame.drop(columns="geometry", errors="ignore"))


def parse_layer_ids(text: str | Sequence[str]) -> list[str]:
    """``a,b`` or ``["a", "b,c"]`` → ``["a", "b", "c"]``, duplicates dropped, order kept."""
    parts = [text] if isinstance(text, str) else list(text)
    ids = [p.strip() for part in parts for p in part.split(",") if p.strip()]
    if not ids:
        raise BadRequest("name at least one layer", code="no_layers")
    return list(dict.fromkeys(ids))


def common_year(store: Published, layers: Sequence[Layer], asked: int | None) -> int:
    """The figure year of a table: the one asked for, else the latest all layers have."""
    years = {layer.id: set(layer_years(store, layer)) for layer in layers}
    for layer_id, found in years.items():
        if not found:
            raise NotFound(f"layer {layer_id} has no values yet", code="no_values")
    if asked is not None:
        lacking = [i for i, found in years.items() if asked not in found]
        if lacking:
            raise NotFound(f"no figures for {asked} in {', '.join(lacking)} "
                           f"(years: {_years_text(years)})", code="no_values")
        return asked
    shared = set.intersection(*years.values())
    if not shared:
        raise NotFound(f"the layers share no year ({_years_text(years)}): "
                       "name a year or export them separately", code="no_common_year")
    return max(shared)


def _years_text(years: dict[str, set[int]]) -> str:
    return "; ".join(f"{i} {', '.join(map(str, sorted(y)))}" for i, y in years.items())


def area_table(store: Published, catalog: Catalog, layer_ids: Sequence[str], selection: Selection,
               lang: str = "nl", boundaries: int | None = None,
               geometry: bool = True) -> AreaTable:
    """Every named layer's figures for the selection, joined on the areas' codes.

    Layers whose figures sit on older boundaries than the others (2024 figures on 2023 buurten)
    are joined by code onto the newest boundary set among them; ``boundaries`` asks for one
    boundary year and re-expresses figures of other years on it
    (:mod:`geoinsight.usecases.harmonise`).
    Without ``geometry`` (CSV, XLSX) the areas are read without their boundaries.
    """
    layers = [catalog.get(i) for i in parse_layer_ids(list(layer_ids))]
    for layer in layers:
        if selection.level not in layer.levels:
            raise BadRequest(f"layer {layer.id} has no {selection.level} level "
                             f"(it has {', '.join(layer.levels)})", code="bad_level")
    year = common_year(store, layers, selection.year)
    chosen = replace(selection, year=year)
    results = [layer_values_on(store, catalog, layer.id, chosen, boundaries, lang)
               for layer in layers]
    b_year = boundaries if boundaries is not None else max(r.boundary_year for r in results)
    areas = selection_areas(store, chosen, b_year, geometry=geometry)
    if areas.empty:
        raise NotFound(f"no {chosen.level} boundaries of {b_year}{chosen.where()}",
                       code="no_areas")
    frame = pd.DataFrame(areas[["code", "name", "level", "gemeente_code"]]).copy()
    frame.insert(4, "year", year)
    frame.insert(5, "boundary_year", b_year)
    columns: list[LayerColumn] = []
    known = StoreFacts.of(store)
    for result in results:
        column = LayerColumn(result.layer, result.year, result.boundary_year, result.synthetic,
                             _source_year(result), metadata_facts(known, result.layer, lang))
        rows = result.rows.set_index("code")
        frame[column.value_column] = frame["code"].map(rows["value"]).astype(float)
        frame[column.status_column] = frame["code"].map(rows["status"]).fillna("missing")
        columns.append(column)
    table = gpd.GeoDataFrame(frame.reset_index(drop=True))
    if geometry:
        table = gpd.GeoDataFrame(table, geometry=areas.geometry.reset_index(drop=True),
                                 crs=areas.crs)
    return AreaTable(chosen, year, b_year, columns, table)


def _source_year(result: LayerValues) -> int | None:
    if "source_year" not in result.rows.columns:
        return None
    years = result.rows["source_year"].dropna()
    return int(years.iloc[0]) if len(years) else None


def column_info(column: LayerColumn, lang: str) -> dict[str, Any]:
    """A layer column described for metadata (every format carries the same description)."""
    layer = column.layer
    info: dict[str, Any] = {
        "id": layer.id, "column": column.value_column, "status_column": column.status_column,
        "title": layer.title_in(lang), "description": layer.description_in(lang),
        "unit": layer.unit_in(lang), "kind": layer.kind, "year": column.year,
        "figures_on_boundaries_of": column.boundary_year, "tier": layer.tier,
        "source": layer.source, "licence": layer.licence, "synthetic": column.synthetic,
        "indicator": layer.indicator, **column.facts,
    }
    labels = layer.classification.get("labels")
    if labels:
        info["labels"] = labels
    if column.source_year is not None:
        info["harmonised_from_boundaries_of"] = column.source_year
    return info
