"""Energy-transition priority: a weighted score over normalised indicators, defined in YAML.

Each input is normalised over the areas in view to 0..1 so that 1 is "tackle first" (see
docs/methods.md): ``rank`` (percentile rank, ties share their average rank), ``minmax``
(linear between the lowest and highest value) or ``zscore`` (standard score, clipped to ±3 and
scaled). The score is the weighted mean of the normalised inputs an area has, times 100: the
weights are re-normalised per area over the inputs it has, and a missing input never counts as
0. An area whose inputs carry less than half of the total weight (``MIN_WEIGHT_SHARE``) gets no
score and no rank: a 0-100 figure built on a minority of what the scheme asks for would look as
firm as one built on all of it. ``weight_share`` and ``inputs_used`` say what each area stands on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from geoinsight.catalog import expression_problems
from geoinsight.errors import BadRequest, ConfigError

NORMALISATIONS = ("rank", "minmax", "zscore")
DIRECTIONS = ("higher", "lower")
#: An area is scored only when the inputs it has carry at least this share of the total weight.
MIN_WEIGHT_SHARE = 0.5
#: Why an area has no score: its inputs carry too little of the weight, or every weight is 0.
LOW_COVERAGE, NO_WEIGHT = "low_coverage", "no_weight"


@dataclass(frozen=True)
class PriorityInput:
    id: str
    title: dict[str, str]
    indicator: str
    unit: str
    direction: str
    weight: float

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["nl"]


@dataclass(frozen=True)
class PriorityScheme:
    id: str
    title: dict[str, str]
    levels: tuple[str, ...]
    normalisation: str
    inputs: tuple[PriorityInput, ...]
    path: Path

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["nl"]


def load_scheme(path: Path) -> PriorityScheme:
    """Read and check one planning file; a problem names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read planning file: {exc}", path=str(path)) from exc
    if not isinstance(data, dict):
        raise ConfigError("a planning file is a mapping", path=str(path))

    def fail(field: str, message: str) -> ConfigError:
        return ConfigError(f"{field}: {message}", path=str(path))

    normalisation = data.get("normalisation", "rank")
    if normalisation not in NORMALISATIONS:
        raise fail("normalisation", f"must be one of {', '.join(NORMALISATIONS)}")
    raw_inputs = data.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise fail("inputs", "must be a non-empty list")
    inputs = []
    for i, item in enumerate(raw_inputs):
        where = f"inputs.{i}"
        if not isinstance(item, dict) or not {"id", "title", "indicator"} <= set(item):
            raise fail(where, "needs id, title and indicator")
        raster = item.get("raster")
        problems = expression_problems(str(item["indicator"]),
                                       raster=str(raster) if raster else None)
        if problems:
            raise fail(f"{where}.indicator", problems[0])
        if item.get("direction", "higher") not in DIRECTIONS:
            raise fail(f"{where}.direction", "must be higher or lower")
        weight = item.get("weight", 1)
        if not isinstance(weight, (int, float)) or weight < 0:
            raise fail(f"{where}.weight", "must be a number ≥ 0")
        inputs.append(PriorityInput(str(item["id"]), dict(item["title"]), str(item["indicator"]),
                                    str(item.get("unit", "")), item.get("direction", "higher"),
                                    float(weight)))
    if len({i.id for i in inputs}) != len(inputs):
        raise fail("inputs", "ids must be unique")
    return PriorityScheme(str(data.get("id", path.stem)), dict(data.get("title", {})),
                          tuple(data.get("levels", ["buurt"])), normalisation, tuple(inputs), path)


def parse_weights(text: str | None, scheme: PriorityScheme) -> dict[str, float]:
    """``poor_labels:3,old_stock:0`` -> weights; unknown ids or bad numbers are a 400."""
    weights = {i.id: i.weight for i in scheme.inputs}
    if not text:
        return weights
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, number = part.partition(":")
        key = key.strip()
        if key not in weights:
            raise BadRequest(f"unknown planning input {key!r}; inputs: {', '.join(weights)}",
                             code="bad_weights")
        try:
            value = float(number)
        except ValueError:
            value = float("nan")
        if not 0 <= value <= 100:
            raise BadRequest(f"weight of {key} must be a number from 0 to 100",
                             code="bad_weights")
        weights[key] = value
    return weights


def normalise(values: np.ndarray, method: str, direction: str) -> np.ndarray:
    """To 0..1 with 1 = priority; NaN stays NaN; no spread gives 0.5 (no information)."""
    out = np.full(values.shape, np.nan)
    known = np.isfinite(values)
    v = values[known]
    if v.size:
        if method == "rank":
            ranks = pd.Series(v).rank(method="average").to_numpy()
            scaled = (ranks - 1) / (v.size - 1) if v.size > 1 else np.full(v.size, 0.5)
        elif method == "minmax":
            spread = v.max() - v.min()
            scaled = (v - v.min()) / spread if spread > 0 else np.full(v.size, 0.5)
        else:
            std = v.std()
            z = (v - v.mean()) / std if std > 0 else np.zeros(v.size)
            scaled = (np.clip(z, -3, 3) + 3) / 6
        out[known] = scaled if direction == "higher" else 1 - scaled
    return out


def score(scheme: PriorityScheme, areas: pd.DataFrame, inputs: dict[str, pd.DataFrame],
          weights: dict[str, float]) -> pd.DataFrame:
    """One row per area: every input's value, status and normalised value, the share of the
    weight its inputs carry, the score (or why there is none) and rank.

    ``inputs`` maps input id -> (code, value, status) from the catalogue's expression engine.
    """
    table = areas[["code", "name"]].reset_index(drop=True).copy()
    numerator = np.zeros(len(table))
    denominator = np.zeros(len(table))
    used = np.zeros(len(table), dtype=int)
    total = float(sum(weights[item.id] for item in scheme.inputs))
    for item in scheme.inputs:
        frame = table[["code"]].merge(inputs[item.id], on="code", how="left")
        values = frame["value"].to_numpy(dtype=float)
        status = frame["status"].fillna("missing").to_numpy(dtype=object)
        values = np.where(np.isin(status, ["ok", "estimated"]), values, np.nan)
        norm = normalise(values, scheme.normalisation, item.direction)
        table[item.id] = values
        table[f"{item.id}_status"] = status
        table[f"{item.id}_norm"] = norm
        has = np.isfinite(norm) & (weights[item.id] > 0)
        numerator += np.where(has, norm * weights[item.id], 0)
        denominator += np.where(has, weights[item.id], 0)
        used += has
    share = denominator / total if total > 0 else np.zeros(len(table))
    scored = (denominator > 0) & (share >= MIN_WEIGHT_SHARE - 1e-9)
    table["score"] = np.where(scored, numerator / np.where(scored, denominator, 1) * 100, np.nan)
    table["inputs_used"] = used
    table["weight_share"] = share
    reason = LOW_COVERAGE if total > 0 else NO_WEIGHT
    table["no_score"] = pd.Series([None if ok else reason for ok in scored], dtype=object)
    table["rank"] = table["score"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def describe(scheme: PriorityScheme, lang: str) -> dict[str, Any]:
    return {"id": scheme.id, "title": scheme.title_in(lang), "normalisation": scheme.normalisation,
            "levels": list(scheme.levels),
            "inputs": [{"id": i.id, "title": i.title_in(lang), "indicator": i.indicator,
                        "unit": i.unit, "direction": i.direction, "weight": i.weight}
                       for i in scheme.inputs]}
