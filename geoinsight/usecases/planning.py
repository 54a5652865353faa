"""The planning view's core: priority schemes from ``planning/*.yaml`` applied to stored figures.

Each indicator in an input takes its own latest year with figures for the areas in view, so a
2026 label share combines with 2024 CBS income figures; the years used are reported with every
answer and export.

Every answer says what it stands on (``Coverage``): which inputs have figures, what share of the
weight they carry, and for an input without any figure here, why (not loaded, figures only on
another year's boundaries, all suppressed, ...). An area whose inputs carry less than half of
the weight is not scored (geoinsight.analysis.priority).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geoinsight.analysis.placement import placed_values
from geoinsight.analysis.priority import (
    MIN_WEIGHT_SHARE,
    PriorityScheme,
    describe,
    load_scheme,
    score,
)
from geoinsight.catalog import evaluate_expression, expression_inputs, parse_expression
from geoinsight.errors import BadRequest, NotFound
from geoinsight.render.classify import Classification, classify
from geoinsight.store import Reader
from geoinsight.usecases import service
from geoinsight.usecases.service import Selection, boundary_year

PUBLISHED = ("ok", "estimated")
#: Why an input has no figure for any area in view (``Missing.reason``).
NOT_LOADED = "not_loaded"                # the store holds no figure of it at all
NOT_HERE = "not_for_these_areas"         # figures, but none for these areas (or up to the year)
OTHER_BOUNDARIES = "other_boundaries"    # figures for these codes, on another year's indeling
SUPPRESSED = "suppressed"                # its latest figures here are all secret
EMPTY = "empty"                          # its latest figures here are all empty in the source
NO_OVERLAP = "no_overlap"                # an expression whose parts never meet in one area

SCORE_CLASSES = {"scheme": "quantiles", "k": 5}
SCORE_PALETTE = "YlOrRd"


#: the scheme a planning page shows unless another is asked for
DEFAULT_SCHEME = "energy_transition"


def load_schemes(folder: Path) -> dict[str, PriorityScheme]:
    """The schemes of a folder by id, :data:`DEFAULT_SCHEME` first (where it is there)."""
    schemes = [load_scheme(p) for p in sorted(folder.glob("*.yaml"))]
    schemes.sort(key=lambda s: s.id != DEFAULT_SCHEME)
    return {s.id: s for s in schemes}


def scheme_indicators(scheme: PriorityScheme, weighted: bool = False) -> list[str]:
    """The stored indicators a scheme's inputs read (``weighted``: only inputs of weight > 0,
    what a default gemeente should have figures for)."""
    return sorted({i for item in scheme.inputs if item.weight > 0 or not weighted
                   for i in expression_inputs(parse_expression(item.indicator))})


@dataclass
class Missing:
    """Why an input has no figure for any area in view."""

    reason: str
    #: the indicator at fault (an input may be an expression over several)
    indicator: str | None = None
    #: other_boundaries: the boundary years its figures are on; suppressed/empty: the year
    years: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "indicator": self.indicator, "years": self.years}


@dataclass
class InputInfo:
    id: str
    years: list[int]
    available: bool
    synthetic: bool
    areas_with_value: int = 0
    missing: Missing | None = None


@dataclass
class Coverage:
    """What a ranking stands on. Inputs with weight 0 are not counted in ``inputs`` and
    ``inputs_available`` (they do not enter any score) but are listed in ``missing`` when they
    have no figures."""

    inputs: int                 # inputs with a weight > 0
    inputs_available: int       # of those, the ones with a figure for at least one area
    weight_share: float         # share of the total weight those carry (0 when it is 0)
    areas: int
    areas_scored: int
    missing: list[str]          # inputs without a figure for any area in view
    partial: list[str]          # inputs with figures for some areas in view, not all

    def as_dict(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "inputs_available": self.inputs_available,
                "weight_share": self.weight_share, "min_weight_share": MIN_WEIGHT_SHARE,
                "areas": self.areas, "areas_scored": self.areas_scored,
                "missing": self.missing, "partial": self.partial}


@dataclass
class Plan:
    scheme: PriorityScheme
    selection: Selection
    boundary_year: int
    weights: dict[str, float]
    inputs: list[InputInfo]
    rows: pd.DataFrame
    classification: Classification
    coverage: Coverage

    @property
    def synthetic(self) -> bool:
        return any(i.synthetic and i.available for i in self.inputs)


def plan(store: Reader, scheme: PriorityScheme, selection: Selection,
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
    input_years: dict[str, list[int]] = {}
    for item in scheme.inputs:
        ids = expression_inputs(parse_expression(item.indicator))
        if all(readable(i) for i in ids):
            frame, input_years[item.id] = _latest_values(store, ids, codes, selection.year,
                                                         b_year)
        else:
            frame, input_years[item.id] = pd.DataFrame(columns=["code", "year", "indicator",
                                                                "value", "status"]), []
        values[item.id] = evaluate_expression(item.indicator, frame) if len(frame) else \
            pd.DataFrame({"code": codes, "value": float("nan"), "status": "missing"})
    rows = score(scheme, areas, values, weights)
    infos = []
    for item in scheme.inputs:
        ids = expression_inputs(parse_expression(item.indicator))
        count = int(rows[item.id].notna().sum())
        why = None if count else _why_missing(store, ids, codes, selection.year, b_year,
                                              readable)
        infos.append(InputInfo(item.id, input_years[item.id], count > 0,
                               bool(set(ids) & synthetic_ids), count, why))
    statuses = ["ok" if pd.notna(s) else "missing" for s in rows["score"]]
    classes = classify(rows["score"].tolist(), statuses, SCORE_CLASSES, SCORE_PALETTE, decimals=0,
                       lang=lang)
    return Plan(scheme, selection, b_year, weights, infos, rows, classes,
                _coverage(infos, weights, rows))


def _coverage(infos: list[InputInfo], weights: dict[str, float], rows: pd.DataFrame) -> Coverage:
    weighted = [i for i in infos if weights[i.id] > 0]
    total = sum(weights[i.id] for i in weighted)
    carried = sum(weights[i.id] for i in weighted if i.available)
    return Coverage(
        inputs=len(weighted), inputs_available=sum(1 for i in weighted if i.available),
        weight_share=carried / total if total > 0 else 0.0, areas=len(rows),
        areas_scored=int(rows["score"].notna().sum()),
        missing=[i.id for i in infos if not i.available],
        partial=[i.id for i in infos if 0 < i.areas_with_value < len(rows)])


def _why_missing(store: Reader, ids: tuple[str, ...], codes: list[str], year: int | None,
                 b_year: int, readable: Callable[[str], bool]) -> Missing:
    """Why an input has no figure for any of ``codes``, as far as the store can tell.

    An indicator the asker may not read is "not loaded" for them: it does not exist for them,
    exactly as it would not for a store without it (README, Access).
    """
    for indicator in ids:
        if not readable(indicator) or not store.value_years(indicators=[indicator]):
            return Missing(NOT_LOADED, indicator)
    for indicator in ids:
        raw = store.values(indicators=[indicator], codes=codes)
        if year is not None:
            raw = raw[raw["year"] <= year]
        if raw.empty:
            return Missing(NOT_HERE, indicator)
        placed = placed_values(store, codes=codes, boundary_year=b_year, indicators=[indicator])
        if year is not None and len(placed):
            placed = placed[placed["year"] <= year]
        if placed.empty:
            return Missing(OTHER_BOUNDARIES, indicator,
                           sorted(int(y) for y in raw["boundary_year"].unique()))
        latest = int(placed["year"].max())
        shown = placed[placed["year"] == latest]
        if not shown["status"].isin(PUBLISHED).any():
            secret = (shown["status"] == "secret").any()
            return Missing(SUPPRESSED if secret else EMPTY, indicator, [latest])
    return Missing(NO_OVERLAP)


def _latest_values(store: Reader, ids: tuple[str, ...], codes: list[str],
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
            "weight_share": float(data["weight_share"]), "no_score": data["no_score"],
            "class": klass,
            "inputs": {i.id: {"value": _num(data[i.id]), "status": data[f"{i.id}_status"],
                              "normalised": _num(data[f"{i.id}_norm"])}
                       for i in result.scheme.inputs}})
    total = sum(result.weights.values())
    return {
        "scheme": describe(result.scheme, lang), "level": result.selection.level,
        "municipality": result.selection.municipality, "boundary_year": result.boundary_year,
        "weights": result.weights, "synthetic": result.synthetic,
        "coverage": result.coverage.as_dict(),
        "inputs": [{**describe_input, "years": info.years, "available": info.available,
                    "synthetic": info.synthetic, "weight": result.weights[info.id],
                    "weight_share": result.weights[info.id] / total if total > 0 else 0.0,
                    "areas_with_value": info.areas_with_value,
                    "missing": info.missing.as_dict() if info.missing else None}
                   for describe_input in describe(result.scheme, lang)["inputs"]
                   for info in [inputs[describe_input["id"]]]],
        "classes": [vars(b) for b in result.classification.bins],
        "nodata": [vars(b) for b in result.classification.nodata],
        "rows": records}


def export_table(result: Plan) -> pd.DataFrame:
    """The ranking with every input (raw value, status, normalised value), one row per area;
    ``weight_share`` is the share of the weight the area's inputs carry, ``no_score`` why an
    area has no score (``low_coverage``: less than half; ``no_weight``: every weight is 0)."""
    columns = ["rank", "code", "name", "score", "inputs_used", "weight_share", "no_score"]
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
    about += [("coverage", coverage_text(result)), ("coverage rule", COVERAGE_RULE)]
    for item, info in zip(result.scheme.inputs, result.inputs, strict=True):
        if info.missing:
            state = f" — MISSING in this selection ({missing_text(info.missing)}), left out"
        elif info.areas_with_value < len(result.rows):
            state = f" — figures for {info.areas_with_value} of {len(result.rows)} areas"
        else:
            state = ""
        synth = " — SYNTHETIC DEMO DATA" if info.synthetic else ""
        about.append((f"input {item.id}", f"{item.title_in(lang)}: {item.indicator}; weight "
                      f"{result.weights[item.id]:g}; {item.direction} first; years "
                      f"{'/'.join(map(str, info.years)) or '-'}{state}{synth}"))
    about.append(("sources", "CBS (CC BY 4.0); BAG (Kadaster, CC0); EP-Online (RVO)"))
    if result.synthetic:
        about.append(("WARNING", "contains synthetic demo data: not real energy labels"))
    return about


COVERAGE_RULE = (
    "per area, the weights are re-normalised over the inputs it has figures for (a missing or "
    "secret input never counts as 0); an area whose inputs carry less than "
    f"{MIN_WEIGHT_SHARE:.0%} of the total weight gets no score and no rank (docs/methods.md)")


def percent(share: float) -> int:
    """A weight share as whole percent, rounded down: never shown as more than it is."""
    return int(share * 100 + 1e-9)


def coverage_text(result: Plan) -> str:
    """One line in English (export metadata; pages and the API use geoinsight.i18n)."""
    c = result.coverage
    if c.inputs == 0:
        return "every weight is 0: no scores"
    text = (f"based on {c.inputs_available} of {c.inputs} weighted inputs, "
            f"{percent(c.weight_share)}% of the weight; {c.areas_scored} of {c.areas} areas "
            f"scored")
    if c.missing:
        text += "; missing: " + ", ".join(c.missing)
    return text


def missing_text(missing: Missing) -> str:
    """Why an input is missing, in English (export metadata)."""
    about = missing.indicator or "its parts"
    years = "/".join(map(str, missing.years))
    return {
        NOT_LOADED: f"no figures of {about} in the store: not loaded",
        NOT_HERE: f"no figures of {about} for these areas",
        OTHER_BOUNDARIES: f"figures of {about} only on the boundaries of {years}, not on "
                          "these areas' boundaries",
        SUPPRESSED: f"all figures of {about} ({years}) are secret here",
        EMPTY: f"the source gives no figure of {about} ({years}) for these areas",
        NO_OVERLAP: "its parts never have figures for the same area",
    }.get(missing.reason, missing.reason)


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
