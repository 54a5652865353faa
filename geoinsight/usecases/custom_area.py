"""Every visible layer inside a drawn or uploaded area (custom areas).

For each layer, at the finest level it has where the area meets stored boundaries (the latest
boundary year there that has figures):

- figures computed from points (BAG dwellings, EP-Online labels) are counted exactly from the
  points inside the area, where every area it overlaps holds address points and the layer's
  year is the year of the current point set (method ``points``);
- figures of a raster about the land (``ingest raster``) are computed from the raster itself
  for the area, with exact cell weights, as for a stored area (method ``raster``): the mean
  heat of a drawn area is not an average of its buurten's. An area over more raster cells than
  :data:`MAX_RASTER_CELLS` gets its mean and coverage from the finest overview of the raster that
  is coarse enough (method ``raster_overview``) and no extremes, percentiles or shares;
- every other figure is re-expressed from the published figures of the areas it overlaps,
  and from those only (:mod:`geoinsight.spatial.interpolate`, ``published_only``;
  ``area_weighted``, ``address_weighted``, ``population_weighted``, ``identical`` when the
  area is one stored area, ``whole_areas`` for a count over whole areas): a suppressed or
  missing area lowers the answer's coverage instead of hiding it, slivers along shared edges
  (:data:`NOISE`) are ignored, and below :data:`MIN_PUBLISHED` there is no value;
- the layer's expression is evaluated on those inputs, after disclosure control with the rules
  every buurt gets (:func:`geoinsight.privacy.disclosure.protect_custom_area`);
- a composite index is relative to a gemeente's areas and cannot be re-normalised for an
  arbitrary area: it is listed as ``missing`` with method ``not_aggregable``.

An area that meets no stored boundary gets an empty list of layers, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoinsight.analysis.energy import address_aggregates, label_aggregates
from geoinsight.analysis.placement import placed_values
from geoinsight.area_input import DrawnArea, to_lonlat_bounds
from geoinsight.catalog import Catalog, Layer, evaluate
from geoinsight.catalog.energy_indicators import address_indicators, label_indicators
from geoinsight.ingest.rasters import raster_figures
from geoinsight.privacy.disclosure import (
    ADDITIVE,
    CUSTOM_AREA,
    GROUP_OF,
    DisclosureRules,
    Published,
    indicator_meta,
    protect_custom_area,
)
from geoinsight.rasters import RasterSource
from geoinsight.records import LEVELS
from geoinsight.sources.raster import RasterInfo
from geoinsight.spatial.interpolate import Overlay, overlay, roughest
from geoinsight.spatial.zonal import overview_for
from geoinsight.usecases.harmonise import reexpress
from geoinsight.usecases.service import layer_years, synthetic_indicators

ADDRESS_BASED = frozenset(i.id for i in address_indicators())
LABEL_BASED = frozenset(i.id for i in label_indicators())
_VALUE_COLUMNS = ["code", "indicator", "year", "value", "status", "method", "coverage"]
#: a piece of a buurt below this share of it and of the area is a sliver along a shared edge,
#: drawn by hand: ignored; a buurt inside the area up to this share counts as wholly in.
#: Address shares are counts of real points and never noise.
NOISE = 0.01
#: below this share of the area's covered part with published figures, no figure is given: a
#: sum would miss too much, an average would speak for too little of the area
MIN_PUBLISHED = {"count": 0.9}
MIN_PUBLISHED_OTHER = 0.5
#: the most raster cells a drawn area reads (about a second of work); a larger area reads an
#: overview of the kept file (method ``raster_overview``)
MAX_RASTER_CELLS = 16_000_000


@dataclass
class Placement:
    """Where the area meets one level: the boundary year used and its overlay."""

    level: str
    year: int
    areas: gpd.GeoDataFrame
    over: Overlay
    #: every overlapping area holds address points in this boundary set
    addressed: bool

    @property
    def coverage(self) -> float:
        return float(self.over.coverage.get(CUSTOM_AREA, 0.0))

    @property
    def codes(self) -> list[str]:
        return sorted(self.areas["code"])


@dataclass
class _Points:
    """The address points inside the area, and the years of the point sets (lazily read)."""

    store: Published
    geometry: shapely.Geometry
    #: where the rasters' files are kept (None: their figures are re-expressed like others)
    data_dir: Path | None = None
    _inside: pd.DataFrame | None = None
    _addresses: gpd.GeoDataFrame | None = None
    _years: dict[str, int] = field(default_factory=dict)

    def addresses(self) -> gpd.GeoDataFrame:
        """The address points read so far (:meth:`load`)."""
        if self._addresses is None:
            self._addresses = self.store.addresses(ids=[])
        return self._addresses

    def load(self, ids: Iterable[str]) -> None:
        """Read the address points of the areas the custom area meets (not the country's).

        Called first for the finest level (buurten): every address in the custom area lies in
        one of the buurten it meets, so the wijken and gemeenten it meets add none inside it
        and are not read again."""
        if self._addresses is None:
            self._addresses = self.store.addresses(ids=sorted(set(ids)))
            self._inside = None

    def years(self) -> dict[str, int]:
        """The year of the current address and label sets, from the ingest log (the year
        their aggregates are stored under)."""
        if not self._years:
            log = self.store.ingest_log()
            for kind in ("addresses", "energy_labels"):
                rows = log[log["kind"] == kind] if len(log) else log
                if len(rows) and pd.notna(rows.iloc[-1]["year"]):
                    self._years[kind] = int(rows.iloc[-1]["year"])
        return self._years

    def inside(self) -> pd.DataFrame:
        """vbo_id of every address point in the (closed) area, as the point engine places
        points: a point on the edge is in."""
        if self._inside is None:
            addresses = self.addresses()
            hit = shapely.intersects_xy(self.geometry, addresses.geometry.x.to_numpy(),
                                        addresses.geometry.y.to_numpy()) \
                if len(addresses) else []
            self._inside = pd.DataFrame({"vbo_id": addresses["vbo_id"].to_numpy()[hit]},
                                        dtype=object)
        return self._inside

    def figures(self) -> pd.DataFrame:
        """Dwelling and label aggregates of the area from its points (code CUSTOM_AREA)."""
        years = self.years()
        pairs = self.inside().assign(code=CUSTOM_AREA)
        parts = []
        if "addresses" in years:
            parts.append(address_aggregates([CUSTOM_AREA], pairs, self.addresses(),
                                            years["addresses"]))
        labels = self.store.labels(ids=list(pairs["vbo_id"]))
        if "energy_labels" in years and len(labels):
            year = years["energy_labels"]
            # the rule of ingest.points.current_state: valid on the last day of the label year
            parts.append(label_aggregates([CUSTOM_AREA], pairs, self.addresses(), labels,
                                          year, pd.Timestamp(year, 12, 31)))
        if not parts:
            return pd.DataFrame(columns=_VALUE_COLUMNS)
        return pd.concat(parts, ignore_index=True).assign(method="points", coverage=1.0)

    def rasters(self) -> dict[str, RasterSource]:
        """Raster figure id -> the raster whose kept file computes it for the area: rasters
        about the land (one about persons is re-expressed from its published figures, so no
        drawn area reads its single cells)."""
        if self.data_dir is None:
            return {}
        return {i: r for r in self.store.rasters()
                if r.about_land and r.kept_file_present(self.data_dir)
                for i in r.indicator_ids()}

    def raster_figures(self, keys: list[tuple[str, int]]) -> pd.DataFrame:
        """The area's figures of ``keys`` (raster figures of their raster's year) computed from
        the rasters themselves, with exact cell weights (method ``raster``); over more than
        :data:`MAX_RASTER_CELLS` cells, the mean and coverage from the finest overview of the
        kept file that is small enough (method ``raster_overview``)."""
        assert self.data_dir is not None
        owners = self.rasters()
        parts = []
        for raster in {owners[i].name: owners[i] for i, _ in keys}.values():
            path = raster.kept_file(self.data_dir)
            assert path is not None  # rasters() holds only those whose file is present
            info = RasterInfo.from_detail(path, raster.band, raster.detail)
            area = gpd.GeoDataFrame({"code": [CUSTOM_AREA], "year": [raster.year]},
                                    geometry=[self.geometry], crs=28992)
            bounds = tuple(float(v) for v in area.to_crs(info.crs_wkt).total_bounds)
            level = overview_for(info, (bounds[0], bounds[1], bounds[2], bounds[3]),
                                 MAX_RASTER_CELLS)
            method = "raster" if level is None else "raster_overview"
            parts.append(raster_figures(info, raster, area, overview=level).assign(
                method=method))
        found = pd.concat(parts, ignore_index=True)
        wanted = pd.MultiIndex.from_tuples(keys, names=["indicator", "year"])
        found = found[pd.MultiIndex.from_frame(found[["indicator", "year"]]).isin(wanted)]
        return found.drop(columns="boundary_year").assign(coverage=1.0)


def aggregate_area(store: Published, catalog: Catalog, area: DrawnArea, *, year: int | None = None,
                   lang: str = "nl", rules: DisclosureRules | None = None,
                   data_dir: Path | None = None) -> dict[str, Any]:
    """The answer of ``POST /api/aggregate`` for ``area`` over the layers of ``catalog`` (pass
    only the layers the asker may see), read from ``store`` (pass the published store).
    ``data_dir``: where the rasters' files are kept (their figures are computed from them).

    ``year`` means "as of": each layer shows its latest figures up to that year (a panel over
    every layer wants the 2022 BAG count beside the 2024 CBS figures), and says which.
    """
    rules = rules or store.rules
    summary = {"area_m2": round(float(area.geometry.area), 1), "vertices": area.vertices,
               "bbox": to_lonlat_bounds(area.geometry)}
    points = _Points(store, area.geometry, data_dir=data_dir)
    # finest level first: its areas' address points are all the points the area can hold
    found = (place(store, level, points) for level in reversed(LEVELS))
    placements = {p.level: p for p in found if p is not None}
    finest = next((lvl for lvl in reversed(LEVELS) if lvl in placements), None)
    if finest is None:
        return {"area": summary, "level": LEVELS[-1], "boundary_year": None,
                "overlapping_areas": 0, "layers": []}
    plans = [p for p in (_plan(store, layer, placements, year) for layer in catalog)
             if p is not None]
    values = {level: _level_values(store, placement, points, rules,
                                   [p for p in plans if p.level == level])
              for level, placement in placements.items()}
    synthetic = synthetic_indicators(store)
    layers = [_result(plan, values[plan.level], placements[plan.level], lang,
                      bool(set(plan.layer.inputs()) & synthetic)) for plan in plans]
    return {"area": summary, "level": finest, "boundary_year": placements[finest].year,
            "overlapping_areas": len(placements[finest].areas), "layers": layers}


def place(store: Published, level: str, points: _Points) -> Placement | None:
    """The latest boundary set of ``level`` whose areas meet the area and have figures."""
    geometry = points.geometry
    target = gpd.GeoDataFrame({"code": [CUSTOM_AREA]}, geometry=[geometry], crs=28992)
    for year in sorted(store.area_years(level=level), reverse=True):
        bounds = tuple(float(b) for b in geometry.bounds)  # the store's index narrows first
        areas = store.areas(level=level, year=year, bbox=(bounds[0], bounds[1], bounds[2],
                                                          bounds[3]))
        areas = areas[areas.intersects(geometry)]
        if areas.empty:
            continue
        areas = areas[shapely.area(shapely.intersection(areas.geometry.to_numpy(),
                                                        geometry)) > 0]
        if areas.empty or placed_values(store, codes=list(areas["code"]),
                                        boundary_year=int(year)).empty:
            continue
        assigned = store.point_areas("addresses", level=level, boundary_year=year,
                                     area_codes=list(areas["code"]))
        addressed = set(areas["code"]) <= set(assigned["area_code"])
        shares = None
        if len(assigned):
            points.load(assigned["point_id"])
            inside = set(points.inside()["vbo_id"])
            shares = pd.DataFrame({"source": assigned["area_code"].to_numpy(),
                                   "target": [CUSTOM_AREA if p in inside else None
                                              for p in assigned["point_id"]]})
        over = overlay(areas[["code", "geometry"]], target, tolerance=NOISE, points=shares,
                       sliver=0.0, address_noise=False)
        return Placement(level, int(year), areas, over, addressed)
    return None


@dataclass(frozen=True)
class _Plan:
    """What one layer needs: its level, its year, and each indicator it reads with its year."""

    layer: Layer
    level: str
    year: int
    reads: dict[str, int]


def _plan(store: Published, layer: Layer, placements: dict[str, Placement],
          asked: int | None) -> _Plan | None:
    level = next((lvl for lvl in reversed(LEVELS) if lvl in layer.levels and lvl in placements),
                 None)
    if level is None:
        return None
    codes = placements[level].codes
    b_year = placements[level].year
    here = [y for y in _placed_years(store, list(layer.inputs()), codes, b_year)
            if asked is None or y <= asked]
    anywhere = [y for y in layer_years(store, layer) if asked is None or y <= asked]
    if not (here or anywhere):
        if asked is None:
            return None  # a layer without any figure yet
        anywhere = [asked]
    year = (here or anywhere)[-1]
    reads = dict.fromkeys(layer.inputs(), year)
    if layer.base is not None and layer.base[0] not in reads:
        years = [y for y in _placed_years(store, [layer.base[0]], codes, b_year) if y <= year]
        reads[layer.base[0]] = years[-1] if years else year
    return _Plan(layer, level, year, reads)


def _placed_years(store: Published, indicators: list[str], codes: list[str],
                  b_year: int) -> list[int]:
    found = placed_values(store, indicators=indicators, codes=codes, boundary_year=b_year)
    return sorted({int(y) for y in found["year"]})


def _level_values(store: Published, placement: Placement, points: _Points, rules: DisclosureRules,
                  plans: list[_Plan]) -> pd.DataFrame:
    """Every figure the layers at this level read, for the area, after disclosure control."""
    wanted: dict[tuple[str, int], None] = {}
    for plan in plans:
        if plan.layer.composite is None:
            wanted.update(dict.fromkeys(plan.reads.items()))
    wanted.update(dict.fromkeys(_with_groups(wanted)))
    if not wanted:
        return pd.DataFrame(columns=_VALUE_COLUMNS)
    population_year = _population_year(store, placement)
    if population_year is not None:
        wanted.setdefault(("population", population_year), None)
    by_points = [key for key in wanted if _from_points(key, placement, points)]
    owners = points.rasters()
    by_raster = [(i, y) for i, y in wanted if i in owners and owners[i].year == y]
    parts = []
    if by_points:
        counted = points.figures()
        keys = pd.MultiIndex.from_frame(counted[["indicator", "year"]])
        parts.append(counted[keys.isin(by_points)])
    if by_raster:
        parts.append(points.raster_figures(by_raster))
    requests: dict[int, list[str]] = {}
    for indicator, year in wanted:
        if (indicator, year) not in by_points and (indicator, year) not in by_raster:
            requests.setdefault(year, []).append(indicator)
    for year, names in requests.items():
        found = reexpress(store, placement.over, dict.fromkeys(names, year),
                          dict.fromkeys(placement.codes, placement.year), published_only=True)
        parts.append(found[found["code"] == CUSTOM_AREA])
    raw = pd.concat(parts, ignore_index=True)[_VALUE_COLUMNS]
    people = raw[(raw["indicator"] == "population") & raw["status"].isin(["ok", "estimated"])]
    # an area whose inhabitants cannot be told because a buurt's are suppressed fails closed:
    # its shares, rates and means are suppressed as for an area of fewer than the minimum. Where
    # no source states inhabitants at all, they are unknown, as they are for a stored buurt
    # without a population figure: rule 3 then leaves the figures (weighted means of published
    # figures) as it leaves that buurt's.
    population = {CUSTOM_AREA: float(people.sort_values("year")["value"].iloc[-1])
                  if len(people) else 0.0 if population_year is not None else np.nan}
    protected = protect_custom_area(raw, indicator_meta(store), population, rules)
    return protected.assign(method=raw["method"].to_numpy(),
                            coverage=raw["coverage"].to_numpy(dtype=float))


def _population_year(store: Published, placement: Placement) -> int | None:
    """The latest year in which an area the custom area overlaps states its inhabitants,
    published or suppressed (a year in which all are missing says nothing)."""
    found = placed_values(store, indicators=["population"], codes=placement.codes,
                          boundary_year=placement.year)
    stated = found[found["status"].isin(["ok", "estimated", "secret"])]
    return int(stated["year"].max()) if len(stated) else None


def _with_groups(wanted: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """A category or total brings its whole group (disclosure rule 5 protects them together)."""
    extra = []
    for indicator, year in wanted:
        total = GROUP_OF.get(indicator)
        if total is not None:
            extra += [(m, year) for m in (total, *ADDITIVE[total])]
    return extra


def _from_points(key: tuple[str, int], placement: Placement, points: _Points) -> bool:
    """Whether a figure is counted from the points inside the area rather than re-expressed.

    Only for the year of the current point set (older figures are of older points), only where
    every overlapping area holds addresses (elsewhere the point set says nothing), and not when
    the area is one stored area (its published figure is the answer).
    """
    indicator, year = key
    kind = "addresses" if indicator in ADDRESS_BASED else \
        "energy_labels" if indicator in LABEL_BASED else None
    if kind is None or not placement.addressed or CUSTOM_AREA in placement.over.identical:
        return False
    return points.years().get(kind) == year


def _result(plan: _Plan, values: pd.DataFrame, placement: Placement, lang: str,
            synthetic: bool) -> dict[str, Any]:
    layer = plan.layer
    out: dict[str, Any] = {"layer": layer.id, "title": layer.title_in(lang),
                           "unit": layer.unit_in(lang), "kind": layer.kind,
                           "year": plan.year, "value": None,
                           "status": "missing", "method": "not_aggregable",
                           "coverage": round(placement.coverage, 6),
                           "synthetic": synthetic}
    if layer.composite is not None:
        return out
    if values.empty:
        out["method"] = "none"
        return out
    keys = pd.MultiIndex.from_frame(values[["indicator", "year"]])
    rows = values[keys.isin(list(plan.reads.items()))]
    evaluated = evaluate(layer, rows[["code", "indicator", "value", "status"]])
    mine = evaluated[evaluated["code"] == CUSTOM_AREA]
    if len(mine):
        value = mine["value"].iloc[0]
        out["value"] = None if pd.isna(value) else float(value)
        out["status"] = str(mine["status"].iloc[0])
    used = rows[rows["indicator"].isin(layer.inputs())]
    out["method"] = roughest([str(m) for m in used["method"]])
    published = float(used["coverage"].min()) if len(used) else 1.0
    out["coverage"] = round(placement.coverage * (published if published == published else 0.0),
                            6)
    if out["value"] is not None and published < MIN_PUBLISHED.get(layer.kind,
                                                                 MIN_PUBLISHED_OTHER):
        out.update(value=None, status="missing", reason="too_little_published")
    return out
