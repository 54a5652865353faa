"""Figures of source areas re-expressed on target polygons (areal interpolation).

One piece of code for two questions: what do the buurten say about a polygon a user drew
(custom areas, :mod:`geoinsight.usecases.custom_area`), and what do last year's figures say about
this
year's boundaries (harmonisation, :mod:`geoinsight.usecases.harmonise`). Both are "source areas with
figures, target polygons without". The rules are in docs/methods.md; in short:

- **Shares.** Each source area is cut by the targets; the share of source s in target t is the
  share of its area (EPSG:28992, m²) that lies in t, or, where s holds address points, the share
  of its addresses that lie in t (people live at addresses, not in parks).
- **Noise.** Two boundary files of the same place rarely agree to the metre (another
  simplification, a redigitised coast). With ``tolerance`` > 0 a piece smaller than that share
  of its source is treated as such noise and dropped, and a source that lies within the targets
  up to that share gives all of itself to the pieces that are left (its shares rescaled to sum
  to 1). A target that then takes all of one source, and nothing else, and is covered up to the
  tolerance, is that source unchanged (``identical``): value and status are kept as they are.
- **Kinds.** Counts are summed by share. Shares, rates, means and indices are averaged with
  weights population × share (the population living in the piece), or area × share where a
  source's population is unknown, and always for densities (a density of a union is its total
  over its area).
- **Hidden stays hidden** (harmonisation). A target whose contributing sources (share > 0)
  include a secret figure is secret; else one with a missing figure is missing. Nothing is
  computed around a hidden cell: a neighbour's estimate would let a reader difference it back.
- **Published only** (custom areas, ``published_only``). A target is computed from the
  published figures of its sources alone; a hidden source lowers its ``coverage`` (the share of
  its covered area whose figures are published) and makes it ``estimated``. The answer is a
  function of published figures and geometry only, so nothing it reveals is not published. A
  sum over sources that lie wholly in the target, all published and ``ok``, is exact
  (``whole_areas``, status ``ok``).

Nothing here knows about stores or layers: it takes frames and returns frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Tolerance for geometry that should agree exactly (a drawn polygon against buurten): only
#: numerical dust (reprojection round trips) is noise.
EXACT = 1e-6

#: a piece below the tolerance of its source but above it of its target is kept when it is at
#: least this fraction of the tolerance of its source: a buurt that grows by a quarter with a
#: sliver of a large neighbour has changed; a 0.35 % sliver of Baarle-Nassau's 2022 outline
#: in the 2023 polygon "Buitenland" is two simplifications disagreeing
SLIVER = 1 / 6

#: Weighting of an indicator when pieces are combined (see :func:`weighting_of`).
SUM, POPULATION, AREA = "sum", "population", "area"

#: Methods, from exact to rough: the method of a figure built from several is the roughest.
METHODS = ("identical", "whole_areas", "points", "raster", "raster_overview",
           "address_weighted", "denominator_weighted", "population_weighted", "area_weighted",
           "not_aggregable", "none")
#: a weighting ``per:<indicator>``: weighted by that indicator (households, dwellings, labels)
PER = "per:"

_HIDDEN = ("secret", "missing")


@dataclass(frozen=True)
class Overlay:
    """How source areas fall into targets.

    ``pieces``: source, target, share (of the source, by ``basis``), basis (``area`` or
    ``address``), source_area (m²); only pieces with share > 0 that are not noise.
    ``identical``: target -> source, for targets that are one whole source unchanged.
    ``coverage``: target -> share of the target's area covered by any source.
    """

    pieces: pd.DataFrame
    identical: pd.Series
    coverage: pd.Series
    targets: pd.Index


def weighting_of(kind: str, unit: str) -> str:
    """How an indicator of ``kind`` combines: counts add up, densities are area-weighted,
    every other kind (share, rate, mean, index) is population-weighted."""
    if kind == "count":
        return SUM
    if "km²" in unit or "km2" in unit:
        return AREA
    return POPULATION


def overlay(sources: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
            tolerance: float = EXACT, outside: float | None = None,
            points: pd.DataFrame | None = None, sliver: float = SLIVER,
            address_noise: bool = True) -> Overlay:
    """Cut ``sources`` (code, geometry) by ``targets`` (code, geometry), both EPSG:28992.

    ``tolerance``: pieces below this share of their source are noise. ``outside`` (default:
    ``tolerance``): a source with at most this share outside every target counts as lying
    within them (its shares are rescaled to sum to 1), and a target with at most this share
    outside every source counts as covered. Between two editions of the country's boundaries
    that share is water and coastline, not people. ``points`` (source, target; target NA
    outside every target) lists the address points of the sources that have any; their shares
    are shares of addresses, the others' shares of area. ``sliver``: see :data:`SLIVER` (0: a
    piece at least ``tolerance`` of its target is never noise, however small a part of its
    source: a small drawn area inside one buurt). ``address_noise=False``: address shares are
    counts of real points, never noise (custom areas).
    """
    outside = tolerance if outside is None else outside
    src_geom = sources.geometry.to_numpy()
    tgt_geom = targets.geometry.to_numpy()
    src_code = sources["code"].to_numpy(dtype=object)
    tgt_code = targets["code"].to_numpy(dtype=object)
    target_index = pd.Index(tgt_code, name="target")
    geo = _geometric_pieces(src_geom, tgt_geom, src_code, tgt_code)
    coverage = (geo.groupby("target")["area"].sum()
                / pd.Series(shapely.area(tgt_geom), index=target_index)).reindex(
        target_index).fillna(0.0).clip(upper=1.0)
    area_pieces = geo.assign(share=geo["area"] / geo["source_area"], basis="area")
    # whether a target is a source unchanged is a question of geometry, whatever the shares
    identical = _identical(_drop_noise(area_pieces, tolerance, outside, sliver), coverage,
                           outside)
    by_address = _address_pieces(points, geo)
    if not by_address.empty:
        area_pieces = area_pieces[~area_pieces["source"].isin(by_address["source"])]
    if not address_noise:
        by_address = by_address.assign(exact=True)
    pieces = _drop_noise(pd.concat([area_pieces, by_address], ignore_index=True), tolerance,
                         outside, sliver)
    columns = ["source", "target", "share", "basis", "source_area"]
    return Overlay(pieces[columns].reset_index(drop=True), identical, coverage, target_index)


def _geometric_pieces(src_geom: np.ndarray, tgt_geom: np.ndarray, src_code: np.ndarray,
                      tgt_code: np.ndarray) -> pd.DataFrame:
    """Every source × target pair with a positive intersection area."""
    if len(src_geom) == 0 or len(tgt_geom) == 0:
        return pd.DataFrame({"source": pd.Series(dtype=object), "target": pd.Series(dtype=object),
                             "area": pd.Series(dtype=float),
                             "source_area": pd.Series(dtype=float),
                             "target_area": pd.Series(dtype=float)})
    tree = shapely.STRtree(tgt_geom)
    si, ti = tree.query(src_geom, predicate="intersects")
    area = shapely.area(shapely.intersection(src_geom[si], tgt_geom[ti]))
    frame = pd.DataFrame({"source": src_code[si], "target": tgt_code[ti], "area": area,
                          "source_area": shapely.area(src_geom[si]),
                          "target_area": shapely.area(tgt_geom[ti])})
    frame = frame.groupby(["source", "target"], as_index=False, sort=False).agg(
        area=("area", "sum"), source_area=("source_area", "first"),
        target_area=("target_area", "first"))
    return frame[frame["area"] > 0].reset_index(drop=True)


def _address_pieces(points: pd.DataFrame | None, geo: pd.DataFrame) -> pd.DataFrame:
    """Shares of each source's addresses per target, for the sources that hold addresses.

    A target that overlaps such a source where it has no address gets a piece of share 0: it
    holds none of the source's people (a count of 0), and the source's figure is not used.
    """
    columns = ["source", "target", "share", "basis", "source_area"]
    if points is None or points.empty:
        return pd.DataFrame(columns=columns)
    totals = points.groupby("source").size()
    inside = points[points["target"].notna()]
    counts = inside.groupby(["source", "target"]).size().rename("n").reset_index()
    touching = geo.loc[geo["source"].isin(totals.index), ["source", "target"]]
    pairs = counts.merge(touching, on=["source", "target"], how="outer")
    pairs["share"] = pairs["n"].fillna(0).to_numpy() / totals.reindex(pairs["source"]).to_numpy()
    source_area = geo.drop_duplicates("source").set_index("source")["source_area"]
    pairs["source_area"] = source_area.reindex(pairs["source"]).to_numpy()
    pairs["basis"] = "address"
    # a source whose addresses all lie outside every target still is an address source
    lost = totals.index.difference(pairs["source"].unique())
    empty = pd.DataFrame({"source": lost, "target": None, "share": 0.0, "basis": "address",
                          "source_area": source_area.reindex(lost).to_numpy()})
    return pd.concat([pairs[columns], empty], ignore_index=True)


def _drop_noise(pieces: pd.DataFrame, tolerance: float, outside: float,
                sliver: float = SLIVER) -> pd.DataFrame:
    """Drop pieces below ``tolerance`` of their source and of their target (see
    :data:`SLIVER`); give a source that lies within the targets (up to the tolerance) wholly to
    the pieces left. Address pieces of share 0 stay: they say "none of this source's addresses
    are here"."""
    pieces = pieces[pieces["target"].notna()]
    total = pieces.groupby("source")["share"].transform("sum")
    empty = (pieces["share"] == 0) & (pieces["basis"] == "address")
    # a sliver of a large source can be a real part of a small target: noise is small for both
    if "target_area" in pieces:
        of_target = (pieces["area"] / pieces["target_area"]).fillna(0.0)
    else:
        of_target = pd.Series(0.0, index=pieces.index)
    big_for_target = (of_target >= tolerance) & (pieces["share"] >= tolerance * sliver)
    exact = pieces["exact"].fillna(False).astype(bool) if "exact" in pieces \
        else pd.Series(False, index=pieces.index)
    keep = ((pieces["share"] >= tolerance) | big_for_target | exact) & (pieces["share"] > 0) \
        | empty
    kept = pieces[keep].copy()
    total = total.loc[kept.index]
    kept_sum = kept.groupby("source")["share"].transform("sum")
    whole = (total >= 1.0 - outside) & (kept_sum > 0)
    kept.loc[whole, "share"] = kept.loc[whole, "share"] / kept_sum[whole]
    return kept


def _identical(pieces: pd.DataFrame, coverage: pd.Series, outside: float) -> pd.Series:
    """Target -> source where the target takes one whole source and nothing else."""
    per_target = pieces.groupby("target")["source"].transform("size")
    per_source = pieces.groupby("source")["target"].transform("size")
    one = pieces[(per_target == 1) & (per_source == 1)
                 & (pieces["share"] >= 1.0 - 1e-9)]
    covered = coverage.reindex(one["target"]).to_numpy() >= 1.0 - outside
    one = one[covered]
    return pd.Series(one["source"].to_numpy(dtype=object), index=one["target"].to_numpy(),
                     dtype=object)


def interpolate(values: pd.DataFrame, over: Overlay, weighting: Mapping[str, str],
                population: Mapping[str, float] | pd.Series | None = None,
                bases: Mapping[str, pd.Series] | None = None,
                published_only: bool = False) -> pd.DataFrame:
    """Re-express long-form source ``values`` (code, indicator, value, status) on the targets.

    ``weighting`` maps each indicator to :data:`SUM`, :data:`POPULATION`, :data:`AREA`
    (:func:`weighting_of`) or ``per:<base>`` (a mean or share of households, dwellings or
    labels is weighted by that base, :func:`per_weighting`); ``population`` gives each source's
    published inhabitants and ``bases`` each other base's published figures (absent or NaN
    where unknown or secret: the pieces are then weighted by area). Returns one row per target
    and indicator of ``values``: code (the target), indicator, value, status, method, coverage
    (the share of the target's covered area whose source figures are published; 1 where the
    target is a source unchanged). ``published_only``: see the module's rules.
    """
    pop = pd.Series(population if population is not None else {}, dtype=float)
    parts = []
    for name, rows in values.groupby("indicator", sort=True):
        how = weighting.get(str(name), SUM)
        weights, method = pop, "population_weighted"
        if how.startswith(PER):
            weights = pd.Series((bases or {}).get(how[len(PER):], pd.Series(dtype=float)),
                                dtype=float)
            how, method = POPULATION, "denominator_weighted"
        parts.append(_one_indicator(str(name), rows, over, how, weights, method,
                                    published_only))
    if not parts:
        return pd.DataFrame(columns=["code", "indicator", "value", "status", "method",
                                     "coverage"])
    return pd.concat(parts, ignore_index=True)


def per_weighting(kind: str, unit: str, per: str) -> str:
    """:func:`weighting_of`, with a mean or share of something other than inhabitants
    weighted by that (``per``: households, dwellings, valid labels)."""
    how = weighting_of(kind, unit)
    return f"{PER}{per}" if how == POPULATION and per != "population" else how


def _one_indicator(name: str, rows: pd.DataFrame, over: Overlay, weighting: str,
                   population: pd.Series, weighted: str,
                   published_only: bool = False) -> pd.DataFrame:
    rows = rows.drop_duplicates("code", keep="last").set_index("code")
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    shown = value.notna() & rows["status"].isin(["ok", "estimated"])
    status = rows["status"].astype(object).where(shown | (rows["status"] == "secret"), "missing")
    p = over.pieces.copy()
    p["v"] = value.reindex(p["source"]).to_numpy()
    p["st"] = status.reindex(p["source"]).fillna("missing").to_numpy()
    p["pop"] = population.reindex(p["source"]).to_numpy(dtype=float)
    combined = _combine(p, weighting, weighted, published_only) if not p.empty else \
        pd.DataFrame(columns=["value", "status", "method", "coverage"])
    out = combined.reindex(over.targets)
    out["value"] = out["value"].astype(float)
    out["status"] = out["status"].astype(object).fillna("missing")
    out["method"] = out["method"].astype(object).fillna("none")
    out["coverage"] = out["coverage"].astype(float)
    same = over.identical[over.identical.index.isin(out.index)]
    if len(same):
        out.loc[same.index, "value"] = value.reindex(same.to_numpy()).to_numpy()
        out.loc[same.index, "status"] = status.reindex(same.to_numpy()).fillna(
            "missing").to_numpy()
        out.loc[same.index, "method"] = "identical"
        out.loc[same.index, "coverage"] = 1.0
    hidden = out["status"].isin(_HIDDEN)
    return pd.DataFrame({"code": out.index.to_numpy(dtype=object), "indicator": name,
                         "value": np.where(hidden, np.nan, out["value"].to_numpy(dtype=float)),
                         "status": out["status"].to_numpy(dtype=object),
                         "method": out["method"].to_numpy(dtype=object),
                         "coverage": out["coverage"].to_numpy(dtype=float)})


def _combine(p: pd.DataFrame, weighting: str, weighted: str,
             published_only: bool = False) -> pd.DataFrame:
    """Value, status, method and coverage per target that has pieces.

    Only pieces with share > 0 contribute. Their worst status decides (secret, then missing);
    with ``published_only`` only the published ones contribute, and the hidden ones lower the
    coverage instead. A target whose pieces all have share 0 (no address of the source lies in
    it) holds a count of 0 and no average.
    """
    target = p["target"]
    overlaps = p["share"] > 0
    published = p["st"].isin(["ok", "estimated"]) & p["v"].notna()
    contributes = overlaps & published if published_only else overlaps
    weight = (p["share"] * p["source_area"]).where(overlaps, 0.0)
    total = weight.groupby(target, sort=False).sum()
    shown = weight.where(overlaps & published, 0.0).groupby(target, sort=False).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = (shown / total.where(total > 0)).fillna(1.0)
    basis = (p["basis"] == "address").groupby(target, sort=False).all().map(
        {True: "address_weighted", False: "area_weighted"})
    status = p["st"].where(overlaps, "ok").groupby(target, sort=False).agg(_worst)
    if weighting == SUM:
        term = np.where(contributes, p["share"] * p["v"], 0.0)
        result = pd.Series(term, index=p.index).groupby(target, sort=False).sum()
        method = basis
    else:
        area_w = (p["share"] * p["source_area"]).where(contributes, 0.0)
        pop_w = (p["share"] * p["pop"]).where(contributes, 0.0)
        by_pop = (pop_w.notna().groupby(target).transform("all")
                  & (pop_w.fillna(0).groupby(target).transform("sum") > 0))
        if weighting != POPULATION:
            by_pop[:] = False
        w = pd.Series(np.where(by_pop, pop_w, area_w), index=p.index)
        wv = pd.Series(np.where(contributes, w * p["v"], 0.0), index=p.index)
        total_w = w.groupby(target, sort=False).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            result = wv.groupby(target, sort=False).sum() / total_w.where(total_w > 0)
        used_pop = by_pop.groupby(target, sort=False).all()
        method = pd.Series(np.where(used_pop.reindex(result.index), weighted,
                                    basis.reindex(result.index)), index=result.index)
    status = status.reindex(result.index)
    if published_only:
        any_shown = (overlaps & published).groupby(target, sort=False).any().reindex(
            result.index)
        # published pieces carry the answer; only where there are none does a hidden one show
        status = status.where(~any_shown | ~status.isin(_HIDDEN), "estimated")
        result = result.where(any_shown)
        if weighting == SUM:
            whole = _whole(p, overlaps).reindex(result.index, fill_value=False) & \
                (status == "ok") & (coverage.reindex(result.index) >= 1.0)
            method = method.where(~whole, "whole_areas")
            return pd.DataFrame({"value": result, "status": status.where(
                ~(result.notna() & ~whole & ~status.isin(_HIDDEN)), "estimated"),
                "method": method.reindex(result.index),
                "coverage": coverage.reindex(result.index)}, index=result.index)
    status = status.where(status.isin(_HIDDEN),
                          np.where(result.notna(), "estimated", "missing"))
    return pd.DataFrame({"value": result, "status": status, "method": method.reindex(
        result.index), "coverage": coverage.reindex(result.index)}, index=result.index)


def _whole(p: pd.DataFrame, overlaps: pd.Series) -> pd.Series:
    """Targets every overlapping source of which lies wholly inside them."""
    return (p["share"] >= 1.0 - 1e-9).where(overlaps, True).groupby(p["target"],
                                                                   sort=False).all()


def _worst(statuses: pd.Series) -> str:
    found = set(statuses)
    for status in ("secret", "missing", "estimated"):
        if status in found:
            return status
    return "ok"


def roughest(methods: list[str]) -> str:
    """The method of a figure built from several: the least exact of theirs."""
    known = [m for m in methods if m in METHODS]
    return max(known, key=METHODS.index) if known else "none"
