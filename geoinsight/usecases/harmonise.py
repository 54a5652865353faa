"""Figures of one year re-expressed on another year's boundaries (boundary harmonisation).

CBS redraws gemeenten, wijken and buurten every year (mergers, splits, corrections), so a
series of one area breaks where its boundary changed. Harmonisation puts the figures of year A
on the boundaries of year B with :mod:`geoinsight.spatial.interpolate`: area-weighted, or
address-weighted where BAG address points are placed in both boundary sets. A target that is
one source unchanged keeps its figure and status (method ``identical``); every other figure is
``estimated`` and names the year it came from (``source_year``). See docs/methods.md.

Only published figures go in (the store passed is the published one), and a target that
draws on a suppressed figure is suppressed itself, so nothing hidden can be read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.analysis.placement import placed_values, same_links
from geoinsight.catalog import Catalog, Layer, evaluate
from geoinsight.catalog.indicators import known
from geoinsight.errors import BadRequest, NotFound
from geoinsight.privacy.disclosure import Published, indicator_meta, protect
from geoinsight.render.classify import classify
from geoinsight.spatial.interpolate import (
    PER,
    Overlay,
    interpolate,
    overlay,
    per_weighting,
    roughest,
)
from geoinsight.usecases.service import (
    LayerValues,
    Selection,
    evaluate_areas,
    is_synthetic,
    latest_values,
    layer_values,
    layer_years,
    reference_groups,
    selection_areas,
    values_json,
)

#: Share of a source area below which a piece is boundary noise, not a real transfer. Measured
#: on the real 2022 (v1) and 2023 PDOK gemeenten, two simplifications of mostly the same lines:
#: up to 2.0 % of a gemeente's area falls in a neighbour through simplification alone, while
#: the 2023 herindelingen move whole gemeenten (98.4 % and more of each).
HARMONISE_TOLERANCE = 0.03
#: Share of an area that may lie outside every area of the other year and still count as
#: within them: water and coastline drawn differently (5.2 % of Enkhuizen's 2022 outline lies
#: outside every 2023 gemeente, though Enkhuizen did not change).
HARMONISE_OUTSIDE = 0.10

RESULT_COLUMNS = ["code", "indicator", "year", "value", "status", "method", "coverage"]


def kinds(store: Published) -> dict[str, tuple[str, str]]:
    """Indicator -> (kind, unit): the store's record, else the registry's."""
    return {name: (m.kind, m.unit) for name, m in indicator_meta(store).items()}


def reexpress(store: Published, over: Overlay, requests: Mapping[str, int],
              source_years: Mapping[str, int], published_only: bool = False) -> pd.DataFrame:
    """Published figures of the overlay's sources, indicator -> year, on its targets.

    ``source_years``: each source's boundary year (its outline's); only figures that belong to
    the source on those boundaries (:mod:`geoinsight.analysis.placement`) are read. Returns code
    (target), indicator, year, value, status, method, coverage for every target and requested
    indicator; an indicator without any source figure is missing everywhere.
    ``published_only``: hidden sources lower a target's coverage instead of hiding it
    (:mod:`geoinsight.spatial.interpolate`; custom areas).
    """
    codes = sorted(set(over.pieces["source"]) | set(over.identical))
    meta = kinds(store)
    parts = []
    by_year: dict[int, list[str]] = {}
    for indicator, year in requests.items():
        by_year.setdefault(int(year), []).append(indicator)
    for year, names in sorted(by_year.items()):
        values = _source_figures(store, names, codes, source_years, year)
        population = _population(store, codes, source_years, year)
        weighting = {n: per_weighting(*meta.get(n, ("count", "")), _per(n)) for n in names}
        bases = {w[len(PER):]: _published_figures(store, w[len(PER):], codes, source_years, year)
                 for w in weighting.values() if w.startswith(PER)}
        found = interpolate(values, over, weighting, population, bases, published_only)
        full = pd.MultiIndex.from_product([over.targets, names], names=["code", "indicator"])
        found = found.set_index(["code", "indicator"]).reindex(full).reset_index()
        found["status"] = found["status"].fillna("missing")
        found["method"] = found["method"].fillna("none")
        found["coverage"] = found["coverage"].astype(float)
        parts.append(_protected(store, over, found.assign(year=year), population))
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[RESULT_COLUMNS]


def _by_boundary_year(codes: list[str], source_years: Mapping[str, int]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for code in codes:
        if code in source_years:
            groups.setdefault(int(source_years[code]), []).append(code)
    return groups


def _source_figures(store: Published, indicators: list[str], codes: list[str],
                    source_years: Mapping[str, int], year: int) -> pd.DataFrame:
    """The figures of ``year`` that belong to each source on its own boundaries."""
    parts = [placed_values(store, indicators=indicators, codes=group, boundary_year=b, year=year)
             for b, group in _by_boundary_year(codes, source_years).items()]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else \
        store.values(indicators=indicators, codes=[])


def _protected(store: Published, over: Overlay, found: pd.DataFrame,
               population: pd.Series) -> pd.DataFrame:
    """Re-expressed figures through the rules every published figure passes (small counts,
    rounding, small populations): an estimate is no way around them. Unchanged areas keep
    their published figure as it is."""
    estimated = found["status"] == "estimated"
    if not estimated.any():
        return found
    people = interpolate(pd.DataFrame({"code": population.index, "indicator": "population",
                                       "value": population.to_numpy(), "status": "ok"}),
                         over, {"population": "sum"})
    target_population = dict(zip(people["code"], people["value"], strict=True))
    rules = store.rules
    rows = found[estimated]
    done = protect(rows[["code", "year", "indicator", "value", "status"]],
                   indicator_meta(store), target_population, rules)
    found.loc[estimated, ["value", "status"]] = done[["value", "status"]].to_numpy()
    return found


def _per(indicator: str) -> str:
    """What a share or mean is per (its denominator), from the registry."""
    found = known().get(indicator)
    return found.per if found is not None else "population"


def _population(store: Published, codes: list[str], source_years: Mapping[str, int],
                year: int) -> pd.Series:
    """Published inhabitants per source from the latest year up to ``year`` (NaN: unknown)."""
    return _published_figures(store, "population", codes, source_years, year)


def _published_figures(store: Published, indicator: str, codes: list[str],
                       source_years: Mapping[str, int], year: int) -> pd.Series:
    """An indicator's published figure per source from its latest year up to ``year``."""
    parts = []
    for b_year, group in _by_boundary_year(codes, source_years).items():
        rows, _ = latest_values(store, indicator, group, year, b_year)
        parts.append(rows[rows["status"].isin(["ok", "estimated"])])
    shown = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["code", "value"])
    return pd.Series(pd.to_numeric(shown["value"], errors="coerce").to_numpy(dtype=float),
                     index=shown["code"].to_numpy(dtype=object))


def source_areas(store: Published, level: str, year: int,
                 indicators: list[str]) -> gpd.GeoDataFrame:
    """The areas whose figures of ``year`` of ``indicators`` can be re-expressed, each on the
    outline its figures belong to: that of the boundary year they were published on, else that
    of a year in which the code provably names the same area (:mod:`geoinsight.analysis.placement`).
    Figures with neither have no outline and are no source. Columns code, year (the outline's
    boundary year), geometry."""
    prefix = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}[level]
    figures = store.values(indicators=indicators, year=year)
    pairs = figures.loc[figures["code"].str.startswith(prefix), ["code", "boundary_year"]]
    pairs = pairs.drop_duplicates()
    listed = store.areas(level=level, codes=pairs["code"].unique().tolist(), geometry=False)
    stored: dict[str, list[int]] = {}
    for code, y in zip(listed["code"], listed["year"].astype(int), strict=True):
        stored.setdefault(str(code), []).append(y)
    same = same_links(store, [c for c, b in zip(pairs["code"], pairs["boundary_year"],
                                                strict=True)
                              if int(b) not in stored.get(str(c), [])])
    chosen: dict[int, list[str]] = {}
    for code, b in zip(pairs["code"], pairs["boundary_year"].astype(int), strict=True):
        years = stored.get(str(code), [])
        outline = b if b in years else min(
            (y for y in years if (code, b, y) in same), key=lambda y: abs(y - b), default=None)
        if outline is not None:
            chosen.setdefault(outline, []).append(str(code))
    parts = [store.areas(level=level, year=y, codes=sorted(set(group)))
             for y, group in sorted(chosen.items())]
    if not parts:
        return gpd.GeoDataFrame({"code": [], "year": []}, geometry=[], crs=28992)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


def boundary_overlay(store: Published, level: str, sources: gpd.GeoDataFrame, target_year: int,
                     targets: gpd.GeoDataFrame,
                     tolerance: float = HARMONISE_TOLERANCE) -> Overlay:
    """``sources`` that reach ``targets``, cut by every ``target_year`` area they reach.

    The wider target set (not only the requested ones) keeps the answer the same whatever the
    request's scope: a source's share in a target does not depend on which gemeente was asked.
    """
    hit = shapely.STRtree(sources.geometry.to_numpy()).query(
        targets.geometry.to_numpy(), predicate="intersects")[1] if len(sources) else []
    sources = sources.iloc[sorted(set(hit))]
    all_targets = store.areas(level=level, year=target_year)
    reach = shapely.STRtree(all_targets.geometry.to_numpy()).query(
        sources.geometry.to_numpy(), predicate="intersects")[1]
    wider = all_targets.iloc[sorted(set(reach) | set(_positions(all_targets, targets)))]
    points = _address_points(store, level, sources, target_year)
    return overlay(sources, wider, tolerance=tolerance, outside=max(tolerance, HARMONISE_OUTSIDE),
                   points=points)


def _positions(frame: gpd.GeoDataFrame, subset: gpd.GeoDataFrame) -> list[int]:
    wanted = set(subset["code"])
    return [i for i, code in enumerate(frame["code"]) if code in wanted]


def _address_points(store: Published, level: str, sources: gpd.GeoDataFrame,
                    target_year: int) -> pd.DataFrame | None:
    """(source, target) per address point placed in the sources' and the targets' boundary
    sets; None where no source holds addresses."""
    parts = []
    for year, group in sources.groupby("year"):
        placed = store.point_areas("addresses", level=level, boundary_year=int(year))
        parts.append(placed[placed["area_code"].isin(set(group["code"]))])
    before = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if before.empty:
        return None
    after = store.point_areas("addresses", level=level, boundary_year=target_year)
    joined = before[["point_id", "area_code"]].rename(columns={"area_code": "source"}).merge(
        after[["point_id", "area_code"]].rename(columns={"area_code": "target"}),
        on="point_id", how="left")
    return joined[["source", "target"]]


def harmonise_indicators(store: Published, indicators: list[str], level: str, year: int,
                         boundaries_year: int, municipality: str | None = None,
                         tolerance: float = HARMONISE_TOLERANCE) -> pd.DataFrame:
    """Figures of ``year`` of some indicators on the ``boundaries_year`` areas of a level.

    Returns code, name, indicator, value, status, source_year, method per target area.
    """
    targets = _targets(store, Selection(level, municipality, None), boundaries_year)
    sources = source_areas(store, level, year, indicators)
    over = boundary_overlay(store, level, sources, boundaries_year, targets, tolerance)
    long = reexpress(store, over, dict.fromkeys(indicators, year), _years_of(sources))
    long = long[long["code"].isin(set(targets["code"]))]
    names = targets[["code", "name"]]
    out = names.merge(long, on="code", how="left").rename(columns={"year": "source_year"})
    return out[["code", "name", "indicator", "value", "status", "source_year", "method"]]


def _targets(store: Published, selection: Selection,
             boundaries_year: int) -> gpd.GeoDataFrame:
    level = selection.level
    if boundaries_year not in store.area_years(level=level):
        years = ", ".join(map(str, store.area_years(level=level))) or "none"
        raise NotFound(f"no {level} boundaries of {boundaries_year} (stored: {years})",
                       code="no_areas")
    targets = selection_areas(store, selection, boundaries_year)
    if targets.empty:
        raise NotFound(f"no {level} boundaries of {boundaries_year}{selection.where()}",
                       code="no_areas")
    return targets


def harmonised_layer_values(store: Published, catalog: Catalog, layer_id: str, selection: Selection,
                            boundaries_year: int, lang: str = "nl",
                            tolerance: float = HARMONISE_TOLERANCE) -> LayerValues:
    """A layer's figures of ``selection.year`` (else its latest) on ``boundaries_year`` areas.

    The same shape as :func:`geoinsight.usecases.service.layer_values`; ``rows`` also has
    ``source_year`` (the year the figures are of) and ``method`` (``identical``,
    ``area_weighted``, ``address_weighted``, ``population_weighted``, ``none``).
    ``boundary_year`` is the target year.
    """
    layer = catalog.get(layer_id)
    level = selection.level
    if level not in layer.levels:
        raise BadRequest(f"layer {layer.id} has no {level} level "
                         f"(it has {', '.join(layer.levels)})", code="bad_level")
    year = _figures_year(store, layer, selection.year)
    targets = _targets(store, selection, boundaries_year)
    sources = source_areas(store, level, year, list(layer.inputs()))
    reaching = sources.iloc[sorted(set(shapely.STRtree(targets.geometry.to_numpy()).query(
        sources.geometry.to_numpy(), predicate="intersects")[0]))]
    if len(reaching) and (reaching["year"] == boundaries_year).all():
        # the figures are on these very boundaries: nothing to re-express
        evaluated = evaluate_areas(store, layer, level, targets, boundaries_year, year)
        evaluated = evaluated.assign(method="identical")
    else:
        groups = reference_groups(store, level, targets, boundaries_year) \
            if layer.composite is not None else None
        wanted = targets if groups is None else store.areas(
            level=level, year=boundaries_year, codes=list(groups.index))
        over = boundary_overlay(store, level, sources, boundaries_year, wanted, tolerance)
        long = reexpress(store, over, _requests(store, layer, over, year), _years_of(sources))
        long = long[long["code"].isin(set(wanted["code"]))]
        methods = long[long["indicator"].isin(layer.inputs())].groupby("code")["method"].agg(
            lambda m: roughest(list(m)))
        evaluated = evaluate(layer, long, groups)
        evaluated = evaluated.assign(method=evaluated["code"].map(methods))
    rows = targets[["code", "name", "level"]].merge(evaluated, on="code", how="left")
    rows["status"] = rows["status"].fillna("missing")
    rows["year"] = year
    rows["source_year"] = year
    rows["method"] = rows["method"].fillna("none")
    rows = rows[["code", "name", "level", "year", "value", "status", "source_year", "method"]]
    classes = classify(rows["value"].tolist(), rows["status"].tolist(), layer.classification,
                       layer.palette, reverse=layer.reverse, decimals=layer.decimals, lang=lang)
    return LayerValues(layer, selection, year, boundaries_year, rows.reset_index(drop=True),
                       classes, is_synthetic(store, layer))


def layer_values_on(store: Published, catalog: Catalog, layer_id: str, selection: Selection,
                    boundaries: int | None, lang: str = "nl") -> LayerValues:
    """A layer's figures on their own boundaries, or with ``boundaries`` re-expressed on
    that year's (the values API and exports both ask here)."""
    if boundaries is None:
        return layer_values(store, catalog, layer_id, selection, lang)
    return harmonised_layer_values(store, catalog, layer_id, selection, boundaries, lang)


def _requests(store: Published, layer: Layer, over: Overlay, year: int) -> dict[str, int]:
    """Each input at the figures' year; a base from its latest year up to it."""
    requests = dict.fromkeys(layer.inputs(), year)
    if layer.base is not None and layer.base[0] not in requests:
        codes = sorted(set(over.pieces["source"]) | set(over.identical))
        years = [y for y in store.value_years(indicators=[layer.base[0]], codes=codes)
                 if y <= year]
        requests[layer.base[0]] = years[-1] if years else year
    return requests


def _years_of(sources: gpd.GeoDataFrame) -> dict[str, int]:
    return {str(c): int(y) for c, y in zip(sources["code"], sources["year"], strict=True)}


def _figures_year(store: Published, layer: Layer, asked: int | None) -> int:
    """The figure year to re-express: the one asked for, else the layer's latest."""
    years = layer_years(store, layer)
    if not years:
        raise NotFound(f"layer {layer.id} has no values yet", code="no_values")
    year = asked if asked is not None else years[-1]
    if year not in years:
        raise NotFound(f"layer {layer.id} has no figures for {year} "
                       f"(years: {', '.join(map(str, years))})", code="no_values")
    return year


def harmonised_json(result: LayerValues, lang: str) -> dict[str, Any]:
    """:func:`geoinsight.usecases.service.values_json` plus where each figure came from."""
    payload = values_json(result, lang)
    payload["harmonised"] = {"boundary_year": result.boundary_year, "source_year": result.year}
    for record, row in zip(payload["values"], result.rows.itertuples(index=False), strict=True):
        record["source_year"] = int(row.source_year)
        record["method"] = str(row.method)
    return payload
