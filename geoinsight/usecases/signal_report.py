"""Signals for the web: what stands out per layer, year and selection, from published values.

Framework-neutral like :mod:`geoinsight.usecases.service`: every figure comes from the values the
caller's
store publishes (the web app passes its PublishedStore), so a suppressed figure never feeds a
signal, and the statistics themselves live in :mod:`geoinsight.analysis.signals`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoinsight.analysis.signals import change_signals, compare, peer_mean, spatial_signals
from geoinsight.catalog import Catalog, Layer, evaluate
from geoinsight.errors import GeoInsightError
from geoinsight.privacy.disclosure import parent_of
from geoinsight.sources.codes import COUNTRY_CODE
from geoinsight.store import Reader
from geoinsight.usecases import service
from geoinsight.usecases.holdings import layer_figures
from geoinsight.usecases.service import Selection

PARENT_LEVEL = {"buurt": "wijk", "wijk": "gemeente"}
PEER_INDICATOR = "urbanity"  # CBS stedelijkheid 1-5: the peer group of an area
#: what a row must show to stand out
STANDOUT = {"rising", "falling", "hot", "cold", "HL", "LH"}


@dataclass
class LayerSignals:
    layer: Layer
    selection: Selection
    year: int
    previous_year: int | None
    boundary_year: int
    rows: pd.DataFrame
    global_moran_i: float | None
    global_moran_p: float | None
    note: str | None
    synthetic: bool


SignalCache = MutableMapping[tuple[object, ...], LayerSignals]


def layer_signals(store: Reader, catalog: Catalog, layer_id: str, selection: Selection,
                  cache: SignalCache | None = None) -> LayerSignals:
    layer = catalog.get(layer_id)
    key = (store.version(), layer.id, selection)
    if cache is not None and key in cache:
        return cache[key]
    current = service.layer_values(store, catalog, layer_id, selection)
    earlier = [y for y in service.figure_years(store, layer, selection) if y < current.year]
    previous = earlier[-1] if earlier else None
    rows = current.rows[["code", "name", "value", "status"]].copy()
    values = pd.Series(rows["value"].to_numpy(dtype=float), index=rows["code"])
    before = pd.Series(np.nan, index=rows["code"])
    if previous is not None:
        # the previous year's figures on this year's areas: a change is one area's change
        areas = store.areas(level=selection.level, municipality=selection.municipality,
                            year=current.boundary_year, geometry=False)
        old = service.evaluate_areas(store, layer, selection.level, areas,
                                     current.boundary_year, previous)
        before = pd.Series(old["value"].to_numpy(dtype=float), index=old["code"]).reindex(
            rows["code"])
    change = change_signals(values, before.reindex(values.index))
    rows["previous"] = change["previous"].reindex(rows["code"]).to_numpy()
    rows["change"] = change["change"].reindex(rows["code"]).to_numpy()
    rows["change_z"] = change["z"].reindex(rows["code"]).to_numpy()
    rows["change_signal"] = change["signal"].reindex(rows["code"]).to_numpy()
    areas = store.areas(level=selection.level, municipality=selection.municipality,
                        year=current.boundary_year)
    spatial = spatial_signals(areas[["code", "geometry"]], values)
    stats = spatial.areas.set_index("code")
    for column in ("gi_z", "gi_p", "hotspot", "moran_i", "moran_p", "moran_cluster"):
        rows[column] = stats[column].reindex(rows["code"]).to_numpy()
    _comparisons(store, catalog, layer, selection, current.year, current.boundary_year, rows)
    result = LayerSignals(layer, selection, current.year, previous, current.boundary_year,
                          rows.reset_index(drop=True), spatial.global_moran_i,
                          spatial.global_moran_p, spatial.note, current.synthetic)
    if cache is not None:
        while len(cache) > 256:
            del cache[next(iter(cache))]
        cache[key] = result
    return result


def _comparisons(store: Reader, catalog: Catalog, layer: Layer, selection: Selection, year: int,
                 b_year: int, rows: pd.DataFrame) -> None:
    """Beside each area: its parent area (of the same indeling), the country and its peers
    (same urbanity class)."""
    parent_level = PARENT_LEVEL.get(selection.level)
    parents: dict[str, float] = {}
    if parent_level and parent_level in layer.levels:
        try:
            up = service.layer_values(store, catalog, layer.id,
                                      Selection(parent_level, selection.municipality, year))
            if up.boundary_year == b_year:
                parents = dict(zip(up.rows["code"], up.rows["value"].astype(float),
                                   strict=True))
            elif layer.composite is None:
                # parents of another indeling count only where provably the same areas
                codes = sorted({c for c in rows["code"].map(parent_of) if c})
                found = evaluate(layer, service.layer_inputs(store, layer, codes, year, b_year))
                parents = dict(zip(found["code"], found["value"].astype(float), strict=True))
        except GeoInsightError:
            parents = {}
    rows["parent_code"] = rows["code"].map(parent_of)
    rows["parent_value"] = rows["parent_code"].map(lambda c: parents.get(c, np.nan))
    country = _country_value(store, layer, year)
    rows["country_value"] = country if country is not None else np.nan
    peers = _peer_classes(store, list(rows["code"]), year, b_year)
    values = pd.Series(rows["value"].to_numpy(dtype=float), index=rows["code"])
    rows["peer_class"] = rows["code"].map(lambda c: peers.get(c, np.nan))
    rows["peer_mean"] = [peer_mean(values, pd.Series(peers), c) if c in peers else None
                         for c in rows["code"]]
    for column, reference in (("vs_parent", "parent_value"), ("vs_country", "country_value"),
                              ("vs_peers", "peer_mean")):
        rows[column] = [compare(v, None if r is None or pd.isna(r) else float(r))
                        for v, r in zip(rows["value"], rows[reference], strict=True)]


def _country_value(store: Reader, layer: Layer, year: int) -> float | None:
    if getattr(layer, "composite", None) is not None:
        return None  # an index is relative to its own reference set, not the country's
    values = service.layer_inputs(store, layer, [COUNTRY_CODE], year, year)
    if values.empty:
        return None
    hit = evaluate(layer, values)
    hit = hit[(hit["code"] == COUNTRY_CODE) & hit["status"].isin(["ok", "estimated"])]
    return None if hit.empty else float(hit["value"].iloc[0])


def _peer_classes(store: Reader, codes: list[str], year: int, b_year: int) -> dict[str, float]:
    rows, _ = service.latest_values(store, PEER_INDICATOR, codes, year, b_year)
    rows = rows[rows["status"].isin(["ok", "estimated"]) & rows["value"].notna()]
    return {str(c): float(v) for c, v in zip(rows["code"], rows["value"], strict=True)}


def standouts(result: LayerSignals) -> list[dict[str, Any]]:
    """The areas of one layer that stand out, strongest first."""
    out = []
    for row in result.rows.itertuples(index=False):
        kinds = [k for k in (row.change_signal, row.hotspot, row.moran_cluster)
                 if isinstance(k, str) and k in STANDOUT]
        if not kinds:
            continue
        strength = max(abs(row.change_z) if row.change_signal in STANDOUT else 0,
                       abs(row.gi_z) if row.hotspot in STANDOUT else 0)
        out.append({"code": row.code, "name": row.name, "signals": kinds,
                    "value": _num(row.value), "previous": _num(row.previous),
                    "change_z": _num(row.change_z), "gi_z": _num(row.gi_z),
                    "gi_p": _num(row.gi_p), "strength": float(strength),
                    "vs_parent": _num(row.vs_parent), "vs_country": _num(row.vs_country),
                    "vs_peers": _num(row.vs_peers)})
    return sorted(out, key=lambda r: (-r["strength"], r["code"]))


def signals_json(result: LayerSignals, lang: str) -> dict[str, Any]:
    records = []
    for row in result.rows.to_dict("records"):
        records.append({k: (_num(v) if isinstance(v, float | np.floating) else v)
                        for k, v in row.items()})
    return {"layer": result.layer.id, "title": result.layer.title_in(lang),
            "unit": result.layer.unit_in(lang), "level": result.selection.level,
            "municipality": result.selection.municipality, "year": result.year,
            "previous_year": result.previous_year, "boundary_year": result.boundary_year,
            "global_moran_i": result.global_moran_i, "global_moran_p": result.global_moran_p,
            "note": result.note, "synthetic": result.synthetic, "areas": records,
            "standouts": standouts(result)}


def overview(store: Reader, catalog: Catalog, selection: Selection,
             cache: SignalCache | None = None) -> tuple[list[LayerSignals], list[Layer]]:
    """Signals of every layer with figures for the selection, and the layers left out (no
    figure of theirs belongs to the selection's areas)."""
    offered = catalog.for_level(selection.level)
    figures = layer_figures(store, offered, selection.level, selection.municipality)
    found, left_out = [], []
    for layer in offered:
        if not figures[layer.id].available:
            left_out.append(layer)
            continue
        try:
            found.append(layer_signals(store, catalog, layer.id, selection, cache))
        except GeoInsightError:
            left_out.append(layer)
    return found, left_out


def _num(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number
