"""The core the web layer calls: layers, values, areas and profiles as plain data.

Nothing here knows about Flask; every function takes a store and a catalogue and returns data or
raises a GeoInsightError, so it is testable without HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from threading import Lock
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.analysis.placement import Unplaced, placed_values, unplaced
from geoinsight.catalog import Catalog, Layer, evaluate
from geoinsight.crs import WEB_CRS
from geoinsight.errors import BadRequest, NotFound
from geoinsight.records import LEVELS
from geoinsight.render.classify import Classification, classify
from geoinsight.sources import provinces
from geoinsight.sources.codes import is_code
from geoinsight.spatial.simplify import feature_collection
from geoinsight.store import Reader, origin
from geoinsight.usecases.holdings import gemeenten, landing_years, pick_boundary_year


@dataclass(frozen=True)
class Selection:
    """Which areas a request is about: a level, optionally a gemeente or a province (its code),
    and a year. Neither gemeente nor province: every area of the level the store holds."""

    level: str
    municipality: str | None
    year: int | None
    province: str | None = None

    def where(self) -> str:
        """`` in GM0503`` / `` in PV26`` / nothing, for messages."""
        scope = self.municipality or self.province
        return f" in {scope}" if scope else ""


def parse_selection(level: str | None, municipality: str | None, year: str | None,
                    default_level: str = "buurt") -> Selection:
    level = (level or default_level).strip().lower()
    if level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}, not {level!r}",
                         code="bad_level")
    return Selection(level, parse_municipality(municipality), parse_year(year))


def parse_scope(level: str | None, municipality: str | None, year: str | None,
                province: str | None, default_level: str = "buurt") -> Selection:
    """:func:`parse_selection` with a ``province`` (code or name); a gemeente wins over it."""
    selection = parse_selection(level, municipality, year, default_level)
    found = provinces.find(province)
    if found is None or selection.municipality is not None:
        return selection
    return replace(selection, province=found.code)


def selection_areas(store: Reader, selection: Selection, year: int | None = None,
                    geometry: bool = True) -> gpd.GeoDataFrame:
    """The areas of a selection's level in its gemeente, its province or the whole store, of
    ``year`` (every year when None)."""
    if selection.province is None:
        return store.areas(level=selection.level, municipality=selection.municipality,
                           year=year, geometry=geometry)
    members = province_gemeenten(store, selection.level, selection.province)
    frame = store.areas(level=selection.level, year=year, geometry=geometry)
    key = frame["code"] if selection.level == "gemeente" else frame["gemeente_code"]
    return frame[key.isin(members).to_numpy()].reset_index(drop=True)


def selection_years(store: Reader, selection: Selection) -> list[int]:
    """The boundary years of a selection's areas, oldest first."""
    if selection.province is None:
        return store.area_years(level=selection.level, municipality=selection.municipality)
    return sorted({int(y) for y in selection_areas(store, selection, geometry=False)["year"]})


_PROVINCE_MEMO: dict[tuple[str, str, str, str], frozenset[str]] = {}
_PROVINCE_LOCK = Lock()


def province_gemeenten(store: Reader, level: str, province: str) -> frozenset[str]:
    """The gemeenten whose ``level`` areas lie in ``province`` (:mod:`provinces`), remembered
    per stored data and version (no view changes boundaries)."""
    key = (origin(store), store.version(), level, province)
    with _PROVINCE_LOCK:
        if key in _PROVINCE_MEMO:
            return _PROVINCE_MEMO[key]
    chosen = next(p for p in provinces.provinces() if p.code == province)
    found = frozenset(provinces.gemeenten_in(chosen, store.areas(level=level)))
    with _PROVINCE_LOCK:
        if len(_PROVINCE_MEMO) > 64:
            _PROVINCE_MEMO.clear()
        _PROVINCE_MEMO[key] = found
    return found


def parse_municipality(text: str | None, name: str = "municipality") -> str | None:
    """A gemeente code parameter (``GM0503``, any case), or none."""
    gm = (text or "").strip().upper() or None
    if gm is not None and not (is_code(gm) and gm.startswith("GM")):
        raise BadRequest(f"{name} must be a gemeente code like GM0503, not {gm!r}",
                         code="bad_municipality")
    return gm


def parse_year(text: str | None, name: str = "year") -> int | None:
    """A year parameter (``year``, ``boundaries``): ASCII digits from 1900 to 2100, or none."""
    if text is None or str(text).strip() == "":
        return None
    value = str(text).strip()
    if not (value.isascii() and value.isdigit() and 1900 <= int(value) <= 2100):
        raise BadRequest(f"{name} must be a year like 2024, not {text!r}", code=f"bad_{name}")
    return int(value)


def layer_info(layer: Layer, lang: str) -> dict[str, Any]:
    """The layer's public description, with its title in the asked language."""
    return {**layer.as_dict(), "title": layer.title_in(lang), "titles": dict(layer.title),
            "base": {"indicator": layer.base[0], "min": layer.base[1]} if layer.base else None}


def synthetic_indicators(store: Reader) -> set[str]:
    """Indicators derived from synthetic demo data (flagged when they were ingested)."""
    meta = store.indicators()
    return set(meta.loc[meta["synthetic"].astype(int) == 1, "id"]) if len(meta) else set()


def is_synthetic(store: Reader, layer: Layer) -> bool:
    return bool(set(layer.inputs()) & synthetic_indicators(store))


def layer_years(store: Reader, layer: Layer) -> list[int]:
    return store.value_years(indicators=list(layer.inputs()))


def boundary_year(store: Reader, selection: Selection, year: int,
                  figures_on: Iterable[int] = ()) -> int:
    """The boundaries that go with figures of ``year``: the ones the figures were published
    on (``figures_on``) where stored, else that year's, else the latest before it.

    CBS publishes figures on the boundaries of their year; where a store has only an older
    boundary set (the demo's 2023 buurten with 2024 Kerncijfers), the latest earlier one is used
    and the answer says so (``boundary_year``); only figures :mod:`geoinsight.analysis.placement`
    proves
    to belong to those areas are shown on them.
    """
    years = selection_years(store, selection)
    if not years:
        raise NotFound(f"no {selection.level} boundaries{selection.where()}", code="no_areas")
    return pick_boundary_year(years, year, figures_on)


def figure_years(store: Reader, layer: Layer, selection: Selection) -> dict[int, int]:
    """Figure year -> boundary year, for every year of which the layer has a figure (also a
    suppressed one) that lands on the selection's areas; oldest first."""
    areas = selection_areas(store, selection, geometry=False)
    if areas.empty:
        raise NotFound(f"no {selection.level} boundaries{selection.where()}", code="no_areas")
    values = store.presence(indicators=list(layer.inputs()),
                            codes=areas["code"].unique().tolist())
    return landing_years(store, areas, values, layer.inputs())


@dataclass
class LayerValues:
    layer: Layer
    selection: Selection
    year: int
    boundary_year: int
    rows: pd.DataFrame  # code, name, level, year, value, status
    classification: Classification
    synthetic: bool = False
    #: areas whose figures of ``year`` are on another indeling and not provably theirs
    unplaced: Unplaced | None = None


def layer_values(store: Reader, catalog: Catalog, layer_id: str, selection: Selection,
                 lang: str = "nl") -> LayerValues:
    layer = catalog.get(layer_id)
    if selection.level not in layer.levels:
        raise BadRequest(f"layer {layer.id} has no {selection.level} level "
                         f"(it has {', '.join(layer.levels)})", code="bad_level")
    year, b_year = figures_year(store, layer, selection)
    areas = selection_areas(store, selection, b_year, geometry=False)
    evaluated = evaluate_areas(store, layer, selection.level, areas, b_year, year)
    rows = areas[["code", "name", "level"]].merge(evaluated, on="code", how="left")
    rows["status"] = rows["status"].fillna("missing")
    rows["year"] = year
    rows = rows[["code", "name", "level", "year", "value", "status"]]
    classes = classify(rows["value"].tolist(), rows["status"].tolist(), layer.classification,
                       layer.palette, reverse=layer.reverse, decimals=layer.decimals, lang=lang)
    elsewhere = unplaced(store, codes=areas["code"].tolist(), boundary_year=b_year,
                         indicators=list(layer.inputs()), year=year)
    return LayerValues(layer, selection, year, b_year, rows, classes,
                       is_synthetic(store, layer), elsewhere)


def evaluate_areas(store: Reader, layer: Layer, level: str, areas: pd.DataFrame,
                   b_year: int, year: int) -> pd.DataFrame:
    """The layer's figures of ``year`` for ``areas`` on ``b_year``'s boundaries (and, for an
    index, more codes).

    A composite index is normalised within each gemeente over every area of the level there,
    not over the areas a request names: a buurt's index is the same whatever the request's
    scope, so answers cannot be differenced against each other (docs/methods.md).
    """
    if layer.composite is None:
        return evaluate(layer, layer_inputs(store, layer, areas["code"].tolist(), year, b_year))
    groups = reference_groups(store, level, areas, b_year)
    values = layer_inputs(store, layer, groups.index.tolist(), year, b_year)
    return evaluate(layer, values, groups)


def reference_groups(store: Reader, level: str, areas: pd.DataFrame, b_year: int) -> pd.Series:
    """Code -> gemeente of every area of ``level`` and ``b_year`` in the gemeenten of ``areas``;
    at the gemeente level, every stored gemeente in one group."""
    if level == "gemeente":
        everything = store.areas(level=level, year=b_year, geometry=False)
        return pd.Series("", index=everything["code"].to_numpy(), dtype=object)
    gemeenten = sorted(set(areas["gemeente_code"].dropna()))
    municipality = gemeenten[0] if len(gemeenten) == 1 else None
    everything = store.areas(level=level, municipality=municipality, year=b_year, geometry=False)
    everything = everything[everything["gemeente_code"].isin(gemeenten)]
    return pd.Series(everything["gemeente_code"].to_numpy(dtype=object),
                     index=everything["code"].to_numpy())


def figures_year(store: Reader, layer: Layer, selection: Selection) -> tuple[int, int]:
    """The year a request shows and the boundary year they are shown on: the year asked for
    (which must have figures somewhere), else the latest with figures on the selection's areas,
    else the layer's latest (its figures then land nowhere here, and the answer says why)."""
    here = figure_years(store, layer, selection)
    anywhere = layer_years(store, layer)
    year = selection.year
    if year is not None and year not in here and year not in anywhere:
        shown = ", ".join(map(str, anywhere)) or "none"
        raise NotFound(f"layer {layer.id} has no figures for {year} (years: {shown})",
                       code="no_values")
    if year is None:
        year = max(here) if here else (anywhere[-1] if anywhere else max(
            selection_years(store, selection) or [0]))
    if year in here:
        return year, here[year]
    held = store.presence(indicators=list(layer.inputs()))
    on = held.loc[held["year"] == year, "boundary_year"]
    return year, boundary_year(store, selection, year, on.astype(int).unique().tolist())


def layer_inputs(store: Reader, layer: Layer, codes: list[str], year: int,
                 b_year: int) -> pd.DataFrame:
    """The values a layer needs for ``year`` on ``b_year``'s areas: its inputs of that year,
    and its base from the latest year up to it (the 2022 BAG dwellings are the base of 2026
    label shares)."""
    values = placed_values(store, indicators=list(layer.inputs()), codes=codes, year=year,
                           boundary_year=b_year)
    if layer.base is None or layer.base[0] in layer.inputs():
        return values
    base, _ = latest_values(store, layer.base[0], codes, year, b_year)
    return pd.concat([values, base.assign(year=year)], ignore_index=True)


def latest_values(store: Reader, indicator: str, codes: list[str],
                  up_to: int | None, b_year: int) -> tuple[pd.DataFrame, int | None]:
    """An indicator's figures on ``b_year``'s areas from its latest year (up to ``up_to`` when
    given), and that year.

    Figures of different years meet here: 2022 BAG dwellings are the base of 2026 label
    shares, and a planning input combines 2026 labels with 2024 CBS figures.
    """
    every = placed_values(store, indicators=[indicator], codes=codes, boundary_year=b_year)
    if up_to is not None and len(every):
        every = every[every["year"] <= up_to]
    if every.empty:
        return every, None
    latest = int(every["year"].max())
    return every[every["year"] == latest].reset_index(drop=True), latest


def area_features(store: Reader, selection: Selection, tolerance_m: float) -> tuple[bytes, int]:
    """The areas of a selection as GeoJSON for browsers (simplified with shared edges kept,
    rounded to about a metre), and the boundary year they are of."""
    year = selection.year
    if year is None:
        years = selection_years(store, selection)
        year = years[-1] if years else 0
    year = boundary_year(store, selection, year)
    frame = selection_areas(store, selection, year)
    return feature_collection(frame, tolerance_m), year


#: lon/lat box of the Netherlands, for a map of nothing yet
NETHERLANDS_WGS84 = (3.2, 50.7, 7.3, 53.6)


def bounds_wgs84(store: Reader, selection: Selection,
                 year: int) -> tuple[float, float, float, float]:
    """The lon/lat box of a selection (the whole country when it is empty)."""
    areas = selection_areas(store, selection, year)
    if areas.empty:
        return NETHERLANDS_WGS84
    # the box reprojected with densified edges, not every vertex (14,500 buurten: 2.3 M)
    box = gpd.GeoSeries([shapely.box(*areas.total_bounds)], crs=areas.crs)
    minx, miny, maxx, maxy = box.segmentize(1000.0).to_crs(WEB_CRS).total_bounds
    return (float(minx), float(miny), float(maxx), float(maxy))


#: what a synthetic layer's source says, per language
SYNTHETIC_SUFFIX = {"nl": " (synthetische demodata)", "en": " (synthetic demo data)"}


def values_json(result: LayerValues, lang: str) -> dict[str, Any]:
    layer = result.layer
    records = []
    elsewhere = result.unplaced.all_codes() if result.unplaced else set()
    for row, klass in zip(result.rows.itertuples(index=False), result.classification.class_of,
                          strict=True):
        value = None if pd.isna(row.value) else float(row.value)
        record = {"code": row.code, "name": row.name, "level": row.level,
                  "year": int(row.year), "value": value, "status": row.status, "class": klass}
        if row.code in elsewhere and row.status == "missing":
            record["reason"] = "other_boundaries"
        records.append(record)
    extra = {"unplaced": result.unplaced.as_dict()} if result.unplaced and \
        result.unplaced.count else {}
    return {**extra, "layer": layer.id, "title": layer.title_in(lang), "unit": layer.unit_in(lang),
            "level": result.selection.level, "municipality": result.selection.municipality,
            "year": result.year, "boundary_year": result.boundary_year,
            "source": layer.source + (SYNTHETIC_SUFFIX.get(lang, SYNTHETIC_SUFFIX["nl"])
                                      if result.synthetic else ""),
            "licence": layer.licence,
            "categorical": bool(layer.classification.get("labels")),
            "synthetic": result.synthetic,
            "classes": [vars(b) for b in result.classification.bins],
            "nodata": [vars(b) for b in result.classification.nodata],
            "values": records}


def municipalities(store: Reader, level: str | None = None) -> list[dict[str, Any]]:
    """Gemeenten with areas at ``level`` (any level when None) for pickers; ``complete`` is
    False only where areas are provably missing (see :mod:`geoinsight.usecases.holdings`)."""
    return [g.as_dict() for g in gemeenten(store, level)]


def area_record(store: Reader, code: str, year: int | None = None) -> dict[str, Any]:
    code = code.strip().upper()
    if not is_code(code):
        raise NotFound(f"{code!r} is not a CBS area code", code="unknown_area")
    areas = store.areas(codes=[code], geometry=False)
    if year is not None:
        areas = areas[areas["year"] <= year] if (areas["year"] <= year).any() else areas
    if areas.empty:
        raise NotFound(f"no area {code}", code="unknown_area")
    return dict(areas.sort_values("year").iloc[-1].to_dict())
