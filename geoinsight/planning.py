"""The planning view's core: priority schemes from ``planning/*.yaml`` applied to stored figures.

Each indicator in an input takes its own latest year with figures for the areas in view, so a
2026 label share combines with 2024 CBS income figures; the years used are reported with every
answer and export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geoinsight import service
from geoinsight.analysis.priority import PriorityScheme, describe, load_scheme, score
from geoinsight.catalog import evaluate_expression, expression_inputs, parse_expression
from geoinsight.classify import Classification, classify
from geoinsight.errors import BadRequest, NotFound
from geoinsight.service import Selection, boundary_year
from geoinsight.store import Store

SCORE_CLASSES = {"scheme": "quantiles", "k": 5}
SCORE_PALETTE = "YlOrRd"


def load_schemes(folder: Path) -> dict[str, PriorityScheme]:
    schemes = [load_scheme(p) for p in sorted(folder.glob("*.yaml"))]
    return {s.id: s for s in schemes}


def scheme_indicators(scheme: PriorityScheme) -> list[str]:
    """The stored indicators a scheme's inputs read."""
    return sorted({i for item in scheme.inputs
                   for i in expression_inputs(parse_expression(item.indicator))})


@dataclass
class InputInfo:
    id: str
    years: list[int]
    available: bool
    synthetic: bool


@dataclass
class Plan:
    scheme: PriorityScheme
    selection: Selection
    boundary_year: int
    weights: dict[str, float]
    inputs: list[InputInfo]
    rows: pd.DataFrame
    classification: Classification

    @property
    def synthetic(self) -> bool:
        return any(i.synthetic and i.available for i in self.inputs)


def plan(store: Store, scheme: PriorityScheme, selection: Selection,
         weights: dict[str, float], lang: str = "nl",
         readable: Callable[[str], bool] = lambda _: True) -> Plan:
    """``readable`` says which indicators the asker may see; others count as missing."""
    if selection.level not in scheme.levels:
        raise BadRequest(f"planning works on {', '.join(scheme.levels)}, not {selection.level}",
                         code="bad_level")
    year = selection.year or max(store.area_years(level=selection.level,
                                                  municipality=selection.municipality) or [0])
    b_year = boundary_year(store, selection, year)
    areas = store.areas(level=selection.level, municipality=selection.municipality, year=b_year,
                        geometry=False)
    if areas.empty:
        raise NotFound("no areas to plan", code="no_areas")
    codes = areas["code"].tolist()
    synthetic_ids = service.synthetic_indicators(store)
    values: dict[str, pd.DataFrame] = {}
    infos: list[InputInfo] = []
    for item in scheme.inputs:
        ids = expression_inputs(parse_expression(item.indicator))
        if all(readable(i) for i in ids):
            frame, years = _latest_values(store, ids, codes, selection.year, b_year)
        else:
            frame, years = pd.DataFrame(columns=["code", "year", "indicator", "value",
                                                 "status"]), []
        values[item.id] = evaluate_expression(item.indicator, frame) if len(frame) else \
            pd.DataFrame({"code": codes, "value": float("nan"), "status": "missing"})
        ok = values[item.id]["status"].isin(["ok", "estimated"]).any()
        infos.append(InputInfo(item.id, years, bool(ok), bool(set(ids) & synthetic_ids)))
    rows = score(scheme, areas, values, weights)
    statuses = ["ok" if pd.notna(s) else "missing" for s in rows["score"]]
    classes = classify(rows["score"].tolist(), statuses, SCORE_CLASSES, SCORE_PALETTE, decimals=0,
                       lang=lang)
    return Plan(scheme, selection, b_year, weights, infos, rows, classes)


def _latest_values(store: Store, ids: tuple[str, ...], codes: list[str],
                   year: int | None, b_year: int) -> tuple[pd.DataFrame, list[int]]:
    """Each indicator at its own latest year (≤ ``year`` when given) on ``b_year``'s areas,
    relabelled to one year."""
    parts, years = [], []
    for indicator in ids:
        frame, used = service.latest_values(store, indicator, codes, year, b_year)
        if used is not None:
            years.append(used)
            parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["code", "year", "indicator", "value", "status"]), []
    frame = pd.concat(parts, ignore_index=True).assign(year=0)
    return frame, sorted(set(years))


def input_indicators(result: Plan) -> set[str]:
    """The indicators whose figures the plan used (for the audit log)."""
    return {i for item, info in zip(result.scheme.inputs, result.inputs, strict=True)
            if info.available for i in expression_inputs(parse_expression(item.indicator))}


def plan_json(result: Plan, lang: str) -> dict[str, Any]:
    inputs = {i.id: i for i in result.inputs}
    records = []
    for row, klass in zip(result.rows.itertuples(index=False), result.classification.class_of,
                          strict=True):
        data = row._asdict()
        records.append({
            "code": data["code"], "name": data["name"], "rank": _int(data["rank"]),
            "score": _num(data["score"]), "inputs_used": int(data["inputs_used"]),
            "class": klass,
            "inputs": {i.id: {"value": _num(data[i.id]), "status": data[f"{i.id}_status"],
                              "normalised": _num(data[f"{i.id}_norm"])}
                       for i in result.scheme.inputs}})
    return {
        "scheme": describe(result.scheme, lang), "level": result.selection.level,
        "municipality": result.selection.municipality, "boundary_year": result.boundary_year,
        "weights": result.weights, "synthetic": result.synthetic,
        "inputs": [{**describe_input, "years": inputs[describe_input["id"]].years,
                    "available": inputs[describe_input["id"]].available,
                    "synthetic": inputs[describe_input["id"]].synthetic,
                    "weight": result.weights[describe_input["id"]]}
                   for describe_input in describe(result.scheme, lang)["inputs"]],
        "classes": [vars(b) for b in result.classification.bins],
        "nodata": [vars(b) for b in result.classification.nodata],
        "rows": records}


def export_table(result: Plan) -> pd.DataFrame:
    """The ranking with every input (raw value, status, normalised value), one row per area."""
    columns = ["rank", "code", "name", "score", "inputs_used"]
    for item in result.scheme.inputs:
        columns += [item.id, f"{item.id}_status", f"{item.id}_norm"]
    return result.rows[columns]


def export_about(result: Plan, lang: str) -> list[tuple[str, str]]:
    """Metadata that travels with every export."""
    about = [("scheme", result.scheme.title_in(lang)), ("level", result.selection.level),
             ("municipality", result.selection.municipality or "all"),
             ("boundary year", str(result.boundary_year)),
             ("normalisation", result.scheme.normalisation + " (see docs/methods.md)"),
             ("generated at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))]
    for item, info in zip(result.scheme.inputs, result.inputs, strict=True):
        state = "" if info.available else " — MISSING in this selection, left out of the score"
        synth = " — SYNTHETIC DEMO DATA" if info.synthetic else ""
        about.append((f"input {item.id}", f"{item.title_in(lang)}: {item.indicator}; weight "
                      f"{result.weights[item.id]:g}; {item.direction} first; years "
                      f"{'/'.join(map(str, info.years)) or '-'}{state}{synth}"))
    about.append(("sources", "CBS (CC BY 4.0); BAG (Kadaster, CC0); EP-Online (RVO)"))
    if result.synthetic:
        about.append(("WARNING", "contains synthetic demo data: not real energy labels"))
    return about


def export_csv(result: Plan, lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for key, value in export_about(result, lang):
        writer.writerow([f"# {key}", value])
    export_table(result).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def export_xlsx(result: Plan, lang: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        export_table(result).to_excel(writer, sheet_name="ranking", index=False)
        pd.DataFrame(export_about(result, lang), columns=["item", "value"]).to_excel(
            writer, sheet_name="about", index=False)
    return buffer.getvalue()


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]
