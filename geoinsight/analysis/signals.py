"""What stands out for one layer in one year: unusual changes, hot spots and clusters.

Two questions, answered on plain pandas/geopandas data (see docs/methods.md):

* *Did this area change unusually?* ``change_signals`` judges each area's change against the
  spread of changes over all areas with a robust z-score (median and MAD), so that a few
  extreme areas do not hide each other.
* *Is this area part of a spatial pattern?* ``spatial_signals`` runs Getis-Ord Gi* (hot and
  cold spots) and Local Moran's I (clusters and outliers) on queen contiguity, with pseudo
  p-values from conditional permutation, plus the global Moran's I.

Areas without a neighbour (islands, or areas whose neighbours all lack a value) are left out of
the spatial statistics and reported as ``isolated``: inventing neighbours for them (e.g. the
nearest four) would let a Wadden island "cluster" with the mainland. The statistics are
computed on the remaining areas, which esda handles without island special cases.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph

MIN_CHANGE_AREAS = 5
MIN_SPATIAL_AREAS = 8
MAD_TO_SD = 1.4826  # makes the MAD a consistent estimator of the SD for normal data
MORAN_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
SPATIAL_COLUMNS = ("code", "value", "gi_z", "gi_p", "hotspot", "moran_i", "moran_p",
                   "moran_cluster")

# Without numba, esda draws its permutations from numpy's global random state (seeded per
# call) and esda.Moran takes no seed at all. The lock keeps concurrent requests in a threaded
# server from interleaving draws, which would break "same seed, same answer".
_RANDOM_LOCK = threading.Lock()


@dataclass(frozen=True)
class SpatialResult:
    """Per-area spatial statistics and the global Moran's I.

    ``areas`` has one row per input area, in input order, with columns ``SPATIAL_COLUMNS``.
    ``hotspot`` is hot / cold / not_significant; ``moran_cluster`` is HH / LH / LL / HL /
    not_significant; both are ``isolated`` for areas without a neighbour and ``no_data`` for
    areas without a value. ``n`` is the number of areas the statistics were (or, with a
    ``note``, would have been) computed on.
    """

    areas: pd.DataFrame
    global_moran_i: float | None
    global_moran_p: float | None
    n: int
    note: str | None


def change_signals(current: pd.Series, previous: pd.Series,
                   threshold: float = 2.0) -> pd.DataFrame:
    """Flag areas whose change from ``previous`` to ``current`` is unusual among all areas.

    z = (change - median) / (1.4826 · MAD) over the areas with both figures; with a MAD of 0
    (most areas changed by exactly the same amount) the standard deviation is the scale, and
    with no spread at all z is 0. ``signal`` is ``rising`` for z ≥ threshold, ``falling`` for
    z ≤ -threshold, else None. One row per code in either series (index ``code``); codes
    lacking a figure get change, z and signal empty. With fewer than 5 areas having both
    figures there is no meaningful spread, so z stays NaN and no area is signalled.
    """
    frame = pd.DataFrame({"current": pd.to_numeric(current, errors="coerce"),
                          "previous": pd.to_numeric(previous, errors="coerce")}, dtype=float)
    frame = frame.where(np.isfinite(frame))
    frame.index.name = "code"
    frame["change"] = frame["current"] - frame["previous"]
    frame["z"] = np.nan
    frame["signal"] = pd.Series(None, index=frame.index, dtype=object)
    change = frame["change"].dropna()
    if len(change) < MIN_CHANGE_AREAS:
        return frame
    centre = change.median()
    scale = MAD_TO_SD * (change - centre).abs().median()
    if scale == 0:
        scale = change.std()
    z = (change - centre) / scale if scale > 0 else pd.Series(0.0, index=change.index)
    frame.loc[z.index, "z"] = z
    frame.loc[z.index[z >= threshold], "signal"] = "rising"
    frame.loc[z.index[z <= -threshold], "signal"] = "falling"
    return frame


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global random state for esda, and put the caller's state back after."""
    with _RANDOM_LOCK:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def _exact_p(p_sim: np.ndarray, permutations: int) -> np.ndarray:
    """esda returns float32 (k + 1) / (permutations + 1); 0.05 would then be just above 0.05."""
    return np.round(np.asarray(p_sim, dtype=float) * (permutations + 1)) / (permutations + 1)


def spatial_signals(areas: gpd.GeoDataFrame, values: pd.Series, permutations: int = 999,
                    alpha: float = 0.05, seed: int = 12345) -> SpatialResult:
    """Hot/cold spots (Gi*) and local clusters (Local Moran's I) of ``values`` over ``areas``.

    ``areas`` has ``code`` and polygon ``geometry``; ``values`` is indexed by code. Only areas
    with a finite value take part; neighbours are queen contiguity (a shared vertex) among
    them. Gi* uses binary weights with the area itself included (Ord & Getis 1995), Local and
    global Moran's I row-standardised weights. p-values are esda's pseudo p-values from
    ``permutations`` conditional permutations: one-sided, in the direction of the observed
    statistic (esda's ``directed``). An area is hot/cold or in a Moran cluster when p ≤ alpha.

    Gi* is meant for non-negative values; other values are shifted up first, which leaves its
    z-scores and pseudo p-values unchanged. Fewer than 8 areas, or no variation in the
    values, give no statistics and a ``note``. The same seed and the same areas give the same
    result, whatever the row order; numpy's global random state is left as it was.
    """
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    codes = areas["code"].astype(str).reset_index(drop=True)
    if codes.duplicated().any():
        raise ValueError("area codes must be unique")
    y_all = pd.to_numeric(values.reindex(codes.to_numpy()), errors="coerce").to_numpy(float)
    known = np.isfinite(y_all)
    table = pd.DataFrame({"code": codes, "value": np.where(known, y_all, np.nan)})
    for column in ("gi_z", "gi_p", "moran_i", "moran_p"):
        table[column] = np.nan
    status = np.where(known, "not_significant", "no_data").astype(object)
    table["hotspot"] = status
    table["moran_cluster"] = status.copy()
    table = table[list(SPATIAL_COLUMNS)]

    if known.sum() < MIN_SPATIAL_AREAS:
        return SpatialResult(table, None, None, int(known.sum()),
                             f"too few areas with a value (n = {known.sum()} < "
                             f"{MIN_SPATIAL_AREAS})")

    geometry = gpd.GeoSeries(areas.geometry.to_numpy(), index=codes.to_numpy())
    usable = known & ~(geometry.isna() | geometry.is_empty).to_numpy()
    graph = Graph.build_contiguity(geometry[usable], rook=False)
    isolated = known & ~codes.isin(graph.unique_ids.difference(graph.isolates)).to_numpy()
    table.loc[isolated, ["hotspot", "moran_cluster"]] = "isolated"
    # sorted, so that the permutations (drawn by position) do not depend on the row order
    linked = np.sort(codes[known & ~isolated].to_numpy())
    n = len(linked)
    if n < MIN_SPATIAL_AREAS:
        return SpatialResult(table, None, None, n,
                             f"too few connected areas (n = {n} < {MIN_SPATIAL_AREAS})")
    graph = graph.subgraph(linked)
    rows = pd.Index(codes).get_indexer(graph.unique_ids)  # table has a RangeIndex
    y = y_all[rows]
    if np.ptp(y) == 0:
        return SpatialResult(table, None, None, n, "no variation in the values")

    y_gi = y if y.min() > 0 else y - y.min() + np.ptp(y)
    with warnings.catch_warnings(), _seeded(seed):
        warnings.simplefilter("ignore")
        gi = esda.G_Local(y_gi, graph, transform="B", star=True, permutations=permutations,
                          seed=seed, n_jobs=1, keep_simulations=False)
        lisa = esda.Moran_Local(y, graph, transformation="r", permutations=permutations,
                                seed=seed, n_jobs=1, keep_simulations=False)
        moran = esda.Moran(y, graph, transformation="r", permutations=permutations)

    gi_z = np.asarray(gi.Zs, dtype=float)
    gi_p = _exact_p(gi.p_sim, permutations)
    moran_p = _exact_p(lisa.p_sim, permutations)
    hot = np.where(gi_z > 0, "hot", "cold")
    hotspot = np.where((gi_p <= alpha) & (gi_z != 0), hot, "not_significant")
    quadrant = np.array([MORAN_QUADRANTS.get(int(q), "not_significant") for q in lisa.q])
    cluster = np.where(moran_p <= alpha, quadrant, "not_significant")
    table.loc[rows, "gi_z"] = gi_z
    table.loc[rows, "gi_p"] = gi_p
    table.loc[rows, "hotspot"] = hotspot
    table.loc[rows, "moran_i"] = np.asarray(lisa.Is, dtype=float)
    table.loc[rows, "moran_p"] = moran_p
    table.loc[rows, "moran_cluster"] = cluster
    return SpatialResult(table, float(moran.I), float(moran.p_sim), n, None)


def compare(value: float, reference: float | None) -> float | None:
    """Relative difference (value - reference) / |reference|; None if it cannot be told."""
    if reference is None or not math.isfinite(reference) or reference == 0:
        return None
    if value is None or not math.isfinite(value):
        return None
    return (value - reference) / abs(reference)


def peer_mean(values: pd.Series, peers: pd.Series, code: str) -> float | None:
    """Mean value of the other areas in the same peer class as ``code`` (e.g. urbanity 1..5).

    ``peers`` maps area code -> peer class. None if ``code`` has no class or no peer has a value.
    """
    group = peers.get(code)
    if group is None or pd.isna(group):
        return None
    others = peers.index[(peers == group) & (peers.index != code)]
    found = pd.to_numeric(values.reindex(others), errors="coerce")
    found = found[np.isfinite(found)]
    return float(found.mean()) if len(found) else None
