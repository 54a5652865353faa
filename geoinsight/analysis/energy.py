"""Energy-label and housing-stock aggregates per area, from BAG addresses and EP-Online labels.

Definitions (see docs/methods.md):
- a *dwelling* is a BAG verblijfsobject with a woonfunctie that exists (in gebruik, also niet
  ingemeten, verbouwing, buiten gebruik); planned, withdrawn or erroneous objects do not count;
- a dwelling *has a valid label* when its newest EP-Online label is of class W and not past
  ``Meting_geldig_tot`` on the label set's publication date;
- shares of label classes are of dwellings with a valid label; the coverage is of all dwellings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geoinsight.catalog.energy_indicators import (
    A_OR_BETTER,
    BUILD_PERIODS,
    BUILDING_GROUPS,
    EXISTING,
    GROUP_TITLES,
    LABEL_CLASSES,
    POOR,
    class_id,
)


def dwellings(addresses: pd.DataFrame) -> pd.DataFrame:
    """The addresses that are dwellings (see the module docstring)."""
    use = addresses["gebruiksdoel"].fillna("").str.contains("woonfunctie")
    status = addresses["status"].fillna("").str.lower()
    return addresses[use & (status.isin(EXISTING) | (status == ""))]


def address_aggregates(codes: Iterable[str], pairs: pd.DataFrame, addresses: pd.DataFrame,
                       year: int) -> pd.DataFrame:
    """Dwelling counts and build periods per area; ``pairs`` has (vbo_id, code) per point."""
    homes = dwellings(addresses).merge(pairs, on="vbo_id")
    index = pd.Index(sorted(set(codes)), name="code")
    frame = pd.DataFrame(index=index)
    frame["dwellings"] = homes.groupby("code").size().reindex(index, fill_value=0)
    known = homes[homes["bouwjaar"].notna()]
    for pid, first, last in BUILD_PERIODS:
        inside = _in_period(known["bouwjaar"], first, last)
        frame[f"dwellings_built_{pid}"] = known[inside].groupby("code").size().reindex(
            index, fill_value=0)
    old = known[known["bouwjaar"] < 1975].groupby("code").size().reindex(index, fill_value=0)
    frame["share_built_before_1975"] = _share(old, known.groupby("code").size().reindex(
        index, fill_value=0))
    return _long(frame, year)


def label_aggregates(codes: Iterable[str], pairs: pd.DataFrame, addresses: pd.DataFrame,
                     labels: pd.DataFrame, year: int, as_of: pd.Timestamp) -> pd.DataFrame:
    """Label counts, shares and breakdowns per area for dwellings (class W labels only).

    A label counts as expired when ``valid_until`` lies before ``as_of`` (the publication date
    of the label set), so re-running on the same data gives the same figures on any day.
    """
    index = pd.Index(sorted(set(codes)), name="code")
    homes = dwellings(addresses)[["vbo_id", "bouwjaar"]].merge(pairs, on="vbo_id")
    lab = labels[labels["building_class"].fillna("W") == "W"].merge(homes, on="vbo_id")
    expired = pd.to_datetime(lab["valid_until"], errors="coerce") < as_of
    valid = lab[~expired]
    frame = pd.DataFrame(index=index)
    n_homes = homes.groupby("code").size().reindex(index, fill_value=0)
    n_valid = valid.groupby("code").size().reindex(index, fill_value=0)
    frame["energy_labels_valid"] = n_valid
    for c in LABEL_CLASSES:
        frame[f"labels_class_{class_id(c)}"] = _count(valid, valid["energy_class"] == c, index)
    frame["energy_label_share_efg"] = _share(
        _count(valid, valid["energy_class"].isin(POOR), index), n_valid)
    frame["energy_label_share_a_plus"] = _share(
        _count(valid, valid["energy_class"].isin(A_OR_BETTER), index), n_valid)
    frame["energy_label_coverage"] = _share(n_valid, n_homes)
    frame["energy_label_share_expired"] = _share(
        _count(lab, expired, index), lab.groupby("code").size().reindex(index, fill_value=0))
    frame["energy_index_mean"] = valid.groupby("code")["energy_index"].mean().reindex(index)
    order = {c: float(i) for i, c in enumerate(LABEL_CLASSES)}
    rank = pd.to_numeric(valid["energy_class"].astype(str).map(order), errors="coerce")
    frame["energy_label_median_rank"] = rank.groupby(valid["code"]).quantile(
        0.5, interpolation="lower").reindex(index)  # a class that occurs, never a half-way one
    for pid, first, last in BUILD_PERIODS:
        part = valid[_in_period(valid["bouwjaar"], first, last)]
        n = part.groupby("code").size().reindex(index, fill_value=0)
        frame[f"labels_valid_built_{pid}"] = n
        frame[f"energy_label_share_efg_built_{pid}"] = _share(
            _count(part, part["energy_class"].isin(POOR), index), n)
    groups = valid["building_type"].fillna("").str.lower().map(BUILDING_GROUPS).fillna("other")
    for gid in GROUP_TITLES:
        part = valid[groups == gid]
        n = part.groupby("code").size().reindex(index, fill_value=0)
        frame[f"labels_valid_type_{gid}"] = n
        frame[f"energy_label_share_efg_type_{gid}"] = _share(
            _count(part, part["energy_class"].isin(POOR), index), n)
    return _long(frame, year)


def _in_period(years: pd.Series, first: int | None, last: int | None) -> pd.Series:
    mask = years.notna()
    if first is not None:
        mask &= years >= first
    if last is not None:
        mask &= years <= last
    return mask.fillna(False).astype(bool)


def _count(frame: pd.DataFrame, mask: pd.Series, index: pd.Index) -> pd.Series:
    return frame[mask].groupby("code").size().reindex(index, fill_value=0)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """Percent; no denominator means no figure (missing), never 0 %."""
    whole = whole.astype(float)
    return (part.astype(float) / whole.where(whole > 0) * 100).astype(float)


def _long(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    long = frame.reset_index().melt(id_vars="code", var_name="indicator", value_name="value")
    long["value"] = long["value"].astype(float)
    long["status"] = np.where(long["value"].isna(), "missing", "ok")
    long["year"] = year
    return long[["code", "year", "indicator", "value", "status"]]
