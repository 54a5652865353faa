"""The area profile: an area's figures beside its wijk, its gemeente and the country.

Three parts: every catalogue layer (as on the maps), every other indicator the store holds for
the area, and, where labels exist, the energy-label distribution in the official colours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from geoinsight.analysis.placement import placed_values
from geoinsight.catalog import Catalog, evaluate
from geoinsight.catalog.energy_indicators import LABEL_CLASSES, LABEL_COLOURS, class_id
from geoinsight.sources.codes import COUNTRY_CODE, is_code
from geoinsight.store import Reader
from geoinsight.usecases.service import area_record, synthetic_indicators

LABEL_COUNTS = {f"labels_class_{class_id(c)}": c for c in LABEL_CLASSES}
LABEL_TOTAL = "energy_labels_valid"


def area_profile(store: Reader, catalog: Catalog, code: str, lang: str = "nl",
                 year: int | None = None,
                 readable: Callable[[str], bool] = lambda _: True) -> dict[str, Any]:
    """``catalog`` is the one the asker may see; ``readable`` says which indicators they may."""
    area = area_record(store, code, year)
    compare = _comparison_codes(area)
    # the area, its wijk and its gemeente of the same indeling: their figures as placed there
    values = placed_values(store, codes=[c for _, c in compare],
                           boundary_year=int(area["year"]))
    values = values[values["indicator"].map(readable).astype(bool)]
    if year is not None:
        values = values[values["year"] <= year]
    # the country column only where the store holds national figures (CBS code NL01)
    compare = [(r, c) for r, c in compare if r != "country" or (values["code"] == c).any()]
    names = _names(store, [c for _, c in compare])
    # a composite index is normalised among an area's peers (the map), not beside its wijk,
    # gemeente and country: those rows would compare numbers of different reference sets
    layers = [lay for lay in catalog.layers.values()
              if area["level"] in lay.levels and lay.composite is None]
    shown = {i for lay in layers for i in lay.inputs()}
    return {"code": area["code"], "name": area["name"], "level": area["level"],
            "boundary_year": int(area["year"]), "gemeente_code": area["gemeente_code"],
            "gemeente_name": area.get("gemeente_name"), "wijk_code": area["wijk_code"],
            "compare": [{"role": role, "code": c, "name": names.get(c)} for role, c in compare],
            "indicators": _layer_rows(layers, values, area["code"], compare, lang),
            "other_indicators": _other_rows(store, values, area["code"], compare, shown, lang),
            "labels": _label_distribution(store, values, area["code"])}


def _layer_rows(layers: list[Any], values: pd.DataFrame, code: str,
                compare: list[tuple[str, str]], lang: str) -> list[dict[str, Any]]:
    rows = []
    own = values[values["code"] == code]
    for layer in layers:
        years = sorted(set(own[own["indicator"].isin(layer.inputs())]["year"]))
        if not years:
            continue
        latest = int(years[-1])
        evaluated = _evaluate_year(layer, values, latest)
        rows.append({"layer": layer.id, "title": layer.title_in(lang), "unit": layer.unit_in(lang),
                     "decimals": layer.decimals, "year": latest,
                     "values": {role: _cell(evaluated, c) for role, c in compare},
                     "trend": _trend(layer, values, code, [int(y) for y in years])})
    return rows


def _trend(layer: Any, values: pd.DataFrame, code: str, years: list[int]) -> list[dict[str, Any]]:
    """The area's published figure for every year the layer has one (the profile sparkline)."""
    return [{"year": year, **(_cell(_evaluate_year(layer, values, year), code)
                              or {"value": None, "status": "missing"})} for year in years]


def _evaluate_year(layer: Any, values: pd.DataFrame, year: int) -> pd.DataFrame:
    """The layer for ``year``: its inputs of that year, and its base up to it."""
    inputs = values[(values["year"] == year) & values["indicator"].isin(layer.inputs())]
    if layer.base is not None and layer.base[0] not in layer.inputs():
        inputs = pd.concat([inputs, _base_at(values, layer.base[0], year)])
    return evaluate(layer, inputs)


def _base_at(values: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """Each area's base from its latest year up to ``year``, relabelled to ``year``."""
    rows = values[(values["indicator"] == indicator) & (values["year"] <= year)]
    return rows.sort_values("year").drop_duplicates("code", keep="last").assign(year=year)


def _other_rows(store: Reader, values: pd.DataFrame, code: str, compare: list[tuple[str, str]],
                shown: set[str], lang: str) -> list[dict[str, Any]]:
    """Indicators no layer shows (label counts go to the chart instead)."""
    meta = store.indicators().set_index("id")
    own = values[(values["code"] == code) & ~values["indicator"].isin(shown | set(LABEL_COUNTS))]
    rows = []
    for indicator, group in own.groupby("indicator"):
        latest = int(group["year"].max())
        same_year = values[(values["indicator"] == indicator) & (values["year"] == latest)]
        info = meta.loc[indicator] if indicator in meta.index else None
        title = str(indicator) if info is None else str(info["title_en" if lang == "en"
                                                              else "title_nl"])
        rows.append({"indicator": indicator, "title": title,
                     "unit": "" if info is None else str(info["unit"]), "decimals": None,
                     "year": latest, "synthetic": bool(info is not None and info["synthetic"]),
                     "values": {role: _cell(same_year, c) for role, c in compare}})
    return sorted(rows, key=lambda r: r["title"].lower())


def _label_distribution(store: Reader, values: pd.DataFrame, code: str) -> dict[str, Any] | None:
    """The area's labels per class in its latest label year. The total is the published number
    of valid labels, not the sum of the classes shown: disclosure control may hide classes
    (rule 5) while the total may be published; without a published total, the sum only when
    every class is known."""
    own = values[(values["code"] == code) & values["indicator"].isin(LABEL_COUNTS)]
    if own.empty:
        return None
    year = int(own["year"].max())
    latest = own[own["year"] == year]
    counts = {LABEL_COUNTS[r.indicator]: (None if pd.isna(r.value) else int(r.value))
              for r in latest.itertuples(index=False)}
    total = _published(values, code, LABEL_TOTAL, year)
    if total is None and len(counts) == len(LABEL_CLASSES) and None not in counts.values():
        total = sum(n for n in counts.values() if n is not None)
    synthetic = bool(set(LABEL_COUNTS) & synthetic_indicators(store))
    return {"year": year, "total": total, "synthetic": synthetic,
            "classes": [{"label": c, "count": (n := counts.get(c)), "colour": LABEL_COLOURS[c],
                         "share": n / total * 100 if total and n is not None else None}
                        for c in LABEL_CLASSES]}


def _published(values: pd.DataFrame, code: str, indicator: str, year: int) -> int | None:
    row = values[(values["code"] == code) & (values["indicator"] == indicator)
                 & (values["year"] == year) & values["status"].isin(["ok", "estimated"])]
    return None if row.empty or pd.isna(row["value"].iloc[0]) else int(row["value"].iloc[0])


def _comparison_codes(area: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [("area", str(area["code"]))]
    if area["level"] == "buurt" and area["wijk_code"]:
        pairs.append(("wijk", str(area["wijk_code"])))
    if area["level"] != "gemeente" and area["gemeente_code"]:
        pairs.append(("gemeente", str(area["gemeente_code"])))
    pairs.append(("country", COUNTRY_CODE))
    return pairs


def _names(store: Reader, codes: Sequence[str]) -> dict[str, str]:
    frame = store.areas(codes=[c for c in codes if is_code(c)], geometry=False)
    names = {r.code: r.name for r in frame.sort_values("year").itertuples() if r.name}
    names.setdefault(COUNTRY_CODE, "Nederland")
    return names


def _cell(evaluated: pd.DataFrame, code: str) -> dict[str, Any] | None:
    hit = evaluated[evaluated["code"] == code]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return {"value": None if pd.isna(row.value) else float(row.value), "status": row.status}

