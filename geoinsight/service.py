"""The core the web layer calls: layers, values, areas and profiles as plain data.

Nothing here knows about Flask; every function takes a store and a catalogue and returns data or
raises a GeoInsightError, so it is testable without HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geoinsight.catalog import Catalog, Layer, evaluate
from geoinsight.classify import Classification, classify
from geoinsight.errors import BadRequest, NotFound
from geoinsight.sources.codes import COUNTRY_CODE, is_code, level_of
from geoinsight.store import Store
from geoinsight.store.model import LEVELS


@dataclass(frozen=True)
class Selection:
    """Which areas a request is about: a level, optionally a gemeente, and a year."""

    level: str
    municipality: str | None
    year: int | None


def parse_selection(level: str | None, municipality: str | None, year: str | None,
                    default_level: str = "buurt") -> Selection:
    level = (level or default_level).strip().lower()
    if level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}, not {level!r}",
                         code="bad_level")
    gm = (municipality or "").strip().upper() or None
    if gm is not None and not (is_code(gm) and gm.startswith("GM")):
        raise BadRequest(f"municipality must be a gemeente code like GM0503, not {gm!r}",
                         code="bad_municipality")
    parsed: int | None = None
    if year not in (None, ""):
        try:
            parsed = int(str(year))
        except ValueError:
            parsed = None
        if parsed is None or not 1900 <= parsed <= 2100:
            raise BadRequest(f"year must be a year like 2024, not {year!r}", code="bad_year")
    return Selection(level, gm, parsed)


def layer_info(layer: Layer, lang: str) -> dict[str, Any]:
    return {"id": layer.id, "title": layer.title_in(lang), "titles": layer.title,
            "description": layer.description, "indicator": layer.indicator, "unit": layer.unit,
            "kind": layer.kind, "levels": list(layer.levels), "tier": layer.tier,
            "source": layer.source, "licence": layer.licence,
            "classification": layer.classification, "palette": layer.palette}


def layer_years(store: Store, layer: Layer) -> list[int]:
    return store.value_years(indicators=list(layer.inputs()))


def boundary_year(store: Store, selection: Selection, year: int) -> int:
    """The boundaries that go with figures of ``year``: that year's, else the latest before it.

    CBS publishes figures on the boundaries of their year; where a store has only an older
    boundary set (the demo's 2023 buurten with 2024 Kerncijfers), the latest earlier one is used
    and the answer says so (``boundary_year``). Codes that no longer match show as no data.
    """
    years = store.area_years(level=selection.level, municipality=selection.municipality)
    if not years:
        where = f" in {selection.municipality}" if selection.municipality else ""
        raise NotFound(f"no {selection.level} boundaries{where}", code="no_areas")
    earlier = [y for y in years if y <= year]
    return max(earlier) if earlier else min(years)


@dataclass
class LayerValues:
    layer: Layer
    selection: Selection
    year: int
    boundary_year: int
    rows: pd.DataFrame  # code, name, level, year, value, status
    classification: Classification


def layer_values(store: Store, catalog: Catalog, layer_id: str, selection: Selection,
                 lang: str = "nl") -> LayerValues:
    layer = catalog.get(layer_id)
    if selection.level not in layer.levels:
        raise BadRequest(f"layer {layer.id} has no {selection.level} level "
                         f"(it has {', '.join(layer.levels)})", code="bad_level")
    year = selection.year
    if year is None:
        years = layer_years(store, layer)
        if not years:
            raise NotFound(f"layer {layer.id} has no values yet", code="no_values")
        year = years[-1]
    b_year = boundary_year(store, selection, year)
    areas = store.areas(level=selection.level, municipality=selection.municipality,
                        year=b_year, geometry=False)
    values = store.values(indicators=list(layer.inputs()), codes=areas["code"].tolist(),
                          year=year)
    evaluated = evaluate(layer, values)
    rows = areas[["code", "name", "level"]].merge(evaluated, on="code", how="left")
    rows["status"] = rows["status"].fillna("missing")
    rows["year"] = year
    rows = rows[["code", "name", "level", "year", "value", "status"]]
    classes = classify(rows["value"].tolist(), rows["status"].tolist(), layer.classification,
                       layer.palette, reverse=layer.reverse, decimals=layer.decimals, lang=lang)
    return LayerValues(layer, selection, year, b_year, rows, classes)


def values_json(result: LayerValues, lang: str) -> dict[str, Any]:
    layer = result.layer
    records = []
    for row, klass in zip(result.rows.itertuples(index=False), result.classification.class_of,
                          strict=True):
        value = None if pd.isna(row.value) else float(row.value)
        records.append({"code": row.code, "name": row.name, "level": row.level,
                        "year": int(row.year), "value": value, "status": row.status,
                        "class": klass})
    return {"layer": layer.id, "title": layer.title_in(lang), "unit": layer.unit,
            "level": result.selection.level, "municipality": result.selection.municipality,
            "year": result.year, "boundary_year": result.boundary_year,
            "source": layer.source, "licence": layer.licence,
            "classes": [vars(b) for b in result.classification.bins],
            "nodata": [vars(b) for b in result.classification.nodata],
            "values": records}


def municipalities(store: Store) -> list[dict[str, Any]]:
    frame = store.areas(level="gemeente", geometry=False)
    frame = frame.sort_values("year").drop_duplicates("code", keep="last")
    return [{"code": r.code, "name": r.name or r.code, "year": int(r.year)}
            for r in frame.sort_values("name").itertuples(index=False)]


def area_record(store: Store, code: str, year: int | None = None) -> dict[str, Any]:
    code = code.strip().upper()
    if not is_code(code):
        raise NotFound(f"{code!r} is not a CBS area code", code="unknown_area")
    areas = store.areas(codes=[code], geometry=False)
    if year is not None:
        areas = areas[areas["year"] <= year] if (areas["year"] <= year).any() else areas
    if areas.empty:
        raise NotFound(f"no area {code}", code="unknown_area")
    return dict(areas.sort_values("year").iloc[-1].to_dict())


def area_profile(store: Store, catalog: Catalog, code: str, lang: str = "nl",
                 year: int | None = None) -> dict[str, Any]:
    """Every layer's latest figure for an area beside its wijk, gemeente and the country."""
    area = area_record(store, code, year)
    compare = _comparison_codes(area)
    names = _names(store, [c for _, c in compare])
    layers = [lay for lay in catalog.layers.values() if area["level"] in lay.levels]
    inputs = sorted({i for lay in layers for i in lay.inputs()})
    values = store.values(indicators=inputs, codes=[c for _, c in compare])
    # the country column only where the store holds national figures (CBS code NL01)
    compare = [(r, c) for r, c in compare if r != "country" or (values["code"] == c).any()]
    rows = []
    for layer in layers:
        own = values[values["code"] == area["code"]]
        years = sorted(set(own[own["indicator"].isin(layer.inputs())]["year"]))
        if year is not None:
            years = [y for y in years if y <= year] or years
        if not years:
            continue
        latest = int(years[-1])
        evaluated = evaluate(layer, values[values["year"] == latest])
        cells = {role: _cell(evaluated, c) for role, c in compare}
        rows.append({"layer": layer.id, "title": layer.title_in(lang), "unit": layer.unit,
                     "decimals": layer.decimals, "year": latest, "values": cells})
    return {"code": area["code"], "name": area["name"], "level": area["level"],
            "boundary_year": int(area["year"]), "gemeente_code": area["gemeente_code"],
            "wijk_code": area["wijk_code"],
            "compare": [{"role": role, "code": c, "name": names.get(c)} for role, c in compare],
            "indicators": rows}


def _comparison_codes(area: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [("area", str(area["code"]))]
    if area["level"] == "buurt" and area["wijk_code"]:
        pairs.append(("wijk", str(area["wijk_code"])))
    if area["level"] != "gemeente" and area["gemeente_code"]:
        pairs.append(("gemeente", str(area["gemeente_code"])))
    pairs.append(("country", COUNTRY_CODE))
    return pairs


def _names(store: Store, codes: Sequence[str]) -> dict[str, str]:
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


def level_for(code: str) -> str:
    return level_of(code)
