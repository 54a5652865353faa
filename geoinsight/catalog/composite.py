"""Composite indices: a layer that is the weighted mean of several normalised indicators.

A layer file has ``composite:`` instead of ``indicator:``; its components are indicator ids or
expressions (the catalogue's language), each with a direction (which end is *more* vulnerable,
more signal) and a weight. Per group of areas (a gemeente, see :mod:`geoinsight.usecases.service`),
each
component is normalised over the areas that have every component, then averaged with its
weight; a higher index always means more vulnerable. The method is in docs/methods.md.

This module holds the description and the arithmetic; :mod:`geoinsight.catalog` reads the
file, checks the expressions and computes the components, so this module needs nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

NORMALISATIONS = ("zscore", "rank")
DIRECTIONS = ("lower", "higher")
#: fewer areas with every component than this in a group, and the group gets no index
MIN_AREAS = 3
#: statuses from least to most restrictive; an index takes the most restrictive of its inputs
_STATUS_ORDER = ("ok", "estimated", "missing", "secret")
_SHOWN = ("ok", "estimated")


@dataclass(frozen=True)
class Component:
    """One input of an index: an indicator id or expression, its direction and weight."""

    indicator: str
    direction: str
    weight: float = 1.0
    title: dict[str, str] = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "direction": self.direction,
                "weight": self.weight, "title": dict(self.title) or None}


@dataclass(frozen=True)
class Composite:
    normalisation: str
    components: tuple[Component, ...]

    def describe(self) -> str:
        """A readable one-line formula, shown where a plain layer shows its expression."""
        parts = [f"{c.indicator} ({c.direction}, weight {c.weight:g})" for c in self.components]
        return f"{self.normalisation} index of " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"normalisation": self.normalisation,
                "components": [c.as_dict() for c in self.components]}


def from_doc(doc: Mapping[str, Any]) -> Composite:
    """The ``composite`` mapping of a layer file that passed validation."""
    components = tuple(
        Component(indicator=" ".join(str(item["indicator"]).split()),
                  direction=str(item["direction"]), weight=float(item.get("weight", 1)),
                  title=dict(item.get("title") or {}))
        for item in doc["components"])
    return Composite(normalisation=str(doc["normalisation"]), components=components)


def normalise(values: np.ndarray, method: str, direction: str) -> np.ndarray:
    """Normalise finite ``values`` so that higher means more vulnerable.

    ``zscore``: (x − mean) / std (population std); no spread gives 0 for all.
    ``rank``: (rank − 1) / (n − 1) × 100 with ties sharing their average rank; one value
    gives 50. Direction ``lower`` flips the sign (z) or takes 100 minus the rank score.
    """
    if method == "zscore":
        std = values.std()
        scaled = (values - values.mean()) / std if std > 0 else np.zeros(values.size)
        return scaled if direction == "higher" else -scaled
    if method == "rank":
        ranks = pd.Series(values).rank(method="average").to_numpy(dtype=float)
        n = values.size
        scaled = (ranks - 1) / (n - 1) * 100 if n > 1 else np.full(n, 50.0)
        return scaled if direction == "higher" else 100 - scaled
    raise ValueError(f"unknown normalisation {method!r}; use one of {', '.join(NORMALISATIONS)}")


def combine(composite: Composite, codes: np.ndarray, parts: Sequence[pd.DataFrame],
            groups: pd.Series | None = None) -> pd.DataFrame:
    """The index per code from its evaluated components (code, value, status, one per component,
    every frame holding the same ``codes`` in the same order).

    ``groups`` maps code -> group key (a gemeente); each group is normalised on its own. None
    puts every code in one group; a code without a group gets no index (``missing``).
    """
    values = np.column_stack([p["value"].to_numpy(dtype=float) for p in parts]) \
        if parts else np.empty((len(codes), 0))
    status = _strictest([p["status"].to_numpy(dtype=object) for p in parts], len(codes))
    keys = np.zeros(len(codes), dtype=int) if groups is None else \
        pd.factorize(groups.reindex(codes))[0]
    complete = np.isin(status, _SHOWN) & np.isfinite(values).all(axis=1) & (keys >= 0)
    status = np.where(np.isin(status, _SHOWN) & ~complete, "missing", status)
    index = np.full(len(codes), np.nan)
    for key in np.unique(keys[complete]):
        members = complete & (keys == key)
        if members.sum() < MIN_AREAS:
            status = np.where(members, "missing", status)
            continue
        index[members] = _weighted_mean(composite, values[members])
    # + 0.0 turns the -0.0 a flipped zero z-score gives into 0.0
    return pd.DataFrame({"code": codes, "value": index + 0.0, "status": status.astype(object)})


def _weighted_mean(composite: Composite, values: np.ndarray) -> np.ndarray:
    """The weighted mean of each column normalised over the rows (one group's complete areas)."""
    total = np.zeros(values.shape[0])
    for column, component in enumerate(composite.components):
        normalised = normalise(values[:, column], composite.normalisation, component.direction)
        total += component.weight * normalised
    return total / sum(c.weight for c in composite.components)


def _strictest(statuses: Sequence[np.ndarray], size: int) -> np.ndarray:
    """Per row, the most restrictive status of the components (secret > missing > estimated)."""
    combined = np.full(size, "ok", dtype=object)
    for rank in _STATUS_ORDER[1:]:
        for status in statuses:
            combined = np.where(status == rank, rank, combined)
    return combined
