"""Classes, colours and legend labels for a choropleth.

The map, the legend, the API and the exports all need the same answer to "which class is this
area in, and what colour is it", so it is computed once here, from plain numbers and statuses,
without Folium or Flask. mapclassify finds the breaks; the assignment of values to classes is
done here with the same upper-inclusive convention, so that de-duplicated or reduced break sets
stay consistent with the counts and with ``class_of``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import mapclassify
import numpy as np
from branca import utilities as branca_utilities

#: Statuses whose value takes part in the classification.
VALID_STATUSES = frozenset({"ok", "estimated"})
DATA_SCHEMES = ("quantiles", "fisher_jenks", "equal_interval")
SCHEMES = (*DATA_SCHEMES, "explicit")

NODATA_COLORS = {"missing": "#d9d9d9", "secret": "#969696"}
NODATA_LABELS = {
    "nl": {"missing": "geen gegevens", "secret": "geheim / te weinig waarnemingen"},
    "en": {"missing": "no data", "secret": "secret / too few observations"},
}

#: Pure-Python Fisher-Jenks is quadratic (about 0.15 s for 300 values, minutes for 14,000
#: buurten), so larger inputs are classified on evenly spaced order statistics.
JENKS_SAMPLE = 300
EN_DASH = "\u2013"


@dataclass(frozen=True)
class ClassBin:
    lower: float
    upper: float
    color: str
    label: str
    count: int


@dataclass(frozen=True)
class NoDataBin:
    status: str
    color: str
    label: str
    count: int


@dataclass(frozen=True)
class Classification:
    bins: list[ClassBin]
    nodata: list[NoDataBin]
    #: Index into ``bins`` for every input value, or None when it has no (usable) value.
    class_of: list[int | None]


@cache
def palette_names() -> frozenset[str]:
    """Sequential and diverging palettes branca knows; qualitative ones imply no order."""
    info_path = Path(branca_utilities.__file__).parent / "scheme_info.json"
    info: dict[str, str] = json.loads(info_path.read_text(encoding="utf-8"))
    return frozenset(name for name, kind in info.items() if kind in ("Sequential", "Diverging"))


def colors(palette: str, n: int, reverse: bool = False) -> list[str]:
    """``n`` ColorBrewer colours, light to dark; ColorBrewer starts at 3, so 1 and 2 take the
    first colours of the 3-class scheme."""
    check_palette(palette)
    if n <= 0:
        return []
    result = list(_brewer(palette, max(n, 3))[:n])
    return result[::-1] if reverse else result


def check_palette(palette: str) -> None:
    """Fail early, even for a map with no values, so a typo never waits for real data."""
    if palette not in palette_names():
        raise ValueError(f"unknown palette {palette!r}; choose one of {sorted(palette_names())}")


@cache
def _brewer(palette: str, n: int) -> tuple[str, ...]:
    return tuple(branca_utilities.color_brewer(palette, n))


def classify(values: Sequence[float | None], statuses: Sequence[str], classification: dict,
             palette: str, reverse: bool = False, decimals: int | None = None, lang: str = "nl",
             labels: dict[str, str] | None = None) -> Classification:
    """Classify ``values`` (aligned with ``statuses``) into coloured, labelled bins.

    Only finite values with status ok or estimated take part; everything else is counted in the
    ``missing`` or ``secret`` no-data bin, which are always present so a legend is stable.
    """
    if len(values) != len(statuses):
        raise ValueError(f"{len(values)} values but {len(statuses)} statuses")
    check_palette(palette)
    data, valid = _valid_values(values, statuses)
    uppers = _upper_bounds(data[valid], classification) if valid.any() else np.array([])
    class_of = _assign(data, valid, uppers)
    members = data if classification.get("scheme") in DATA_SCHEMES else None
    bins = _bins(data[valid], uppers, class_of, palette, reverse, decimals, lang, members)
    bins = _named(bins, classification, lang)
    nodata = _nodata(statuses, valid, lang, labels)
    return Classification(bins=bins, nodata=nodata, class_of=class_of)


def _named(bins: list[ClassBin], classification: dict, lang: str) -> list[ClassBin]:
    """Explicit classes may carry their own names and colours (energy label letters)."""
    names = (classification.get("labels") or {}).get("en" if lang == "en" else "nl")
    paint = classification.get("colors")
    if not names and not paint:
        return bins
    out = []
    for i, b in enumerate(bins):
        j = min(i, len(names) - 1) if names else 0  # an open last bin keeps the last name
        k = min(i, len(paint) - 1) if paint else 0
        out.append(ClassBin(b.lower, b.upper, paint[k] if paint else b.color,
                            names[j] if names else b.label, b.count))
    return out


def _valid_values(values: Sequence[float | None],
                  statuses: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    data = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    usable = np.array([s in VALID_STATUSES for s in statuses], dtype=bool)
    return data, usable & np.isfinite(data)


def _upper_bounds(valid: np.ndarray, classification: dict) -> np.ndarray:
    """Ascending, unique upper bounds; the last one is at least the maximum value."""
    scheme = classification.get("scheme")
    if scheme == "explicit":
        return _explicit_bounds(valid, classification["breaks"])
    if scheme not in DATA_SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; choose one of {SCHEMES}")
    unique = np.unique(valid)
    k = min(int(classification["k"]), len(unique))
    if k <= 1:
        return unique[-1:]
    bounds = _mapclassify_bounds(valid, scheme, k)
    bounds = np.unique(bounds[np.isfinite(bounds)])
    bounds = bounds[bounds < unique[-1]]
    bounds = np.append(bounds, unique[-1])
    if scheme == "equal_interval":
        return bounds
    # Data-driven schemes should not show classes nobody is in (ties can cause them).
    counts = np.bincount(np.searchsorted(bounds, valid, side="left"), minlength=len(bounds))
    return bounds[counts > 0]


def _mapclassify_bounds(valid: np.ndarray, scheme: str, k: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":
            return np.asarray(mapclassify.Quantiles(valid, k=k).bins, dtype=float)
        if scheme == "equal_interval":
            return np.asarray(mapclassify.EqualInterval(valid, k=k).bins, dtype=float)
        sample = _order_statistics(valid, JENKS_SAMPLE)
        k = min(k, len(np.unique(sample)))
        if k <= 1:
            return np.array([valid.max()])
        return np.asarray(mapclassify.FisherJenks(sample, k=k).bins, dtype=float)


def _order_statistics(valid: np.ndarray, size: int) -> np.ndarray:
    """A deterministic sample that keeps the shape of the distribution, min and max included."""
    ordered = np.sort(valid)
    if len(ordered) <= size:
        return ordered
    return ordered[np.linspace(0, len(ordered) - 1, size).round().astype(int)]


def _explicit_bounds(valid: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Configured breaks, all kept so the legend is the same everywhere, plus an open last bin
    when values exceed the last break."""
    bounds = np.asarray(breaks, dtype=float)
    if len(bounds) == 0 or np.any(np.diff(bounds) <= 0):
        raise ValueError(f"explicit breaks must be strictly ascending, got {list(breaks)}")
    top = valid.max()
    return np.append(bounds, top) if top > bounds[-1] else bounds


def _assign(data: np.ndarray, valid: np.ndarray, uppers: np.ndarray) -> list[int | None]:
    """Upper-inclusive: a value equal to a break falls in the lower bin, as in mapclassify."""
    if len(uppers) == 0:
        return [None] * len(data)
    index = np.searchsorted(uppers, np.where(valid, data, 0.0), side="left")
    index = np.minimum(index, len(uppers) - 1)
    return [int(i) if ok else None for i, ok in zip(index, valid, strict=True)]


def _bins(valid: np.ndarray, uppers: np.ndarray, class_of: list[int | None], palette: str,
          reverse: bool, decimals: int | None, lang: str,
          members: np.ndarray | None = None) -> list[ClassBin]:
    """``members`` (all values, aligned with ``class_of``): label each class of a data-driven
    scheme by the smallest and largest value in it, so that labels never overlap ("0",
    "1 – 14", not "0" and "0 – 14") and a class of one value shows that value."""
    if len(uppers) == 0:
        return []
    lowers = np.concatenate(([min(valid.min(), uppers[0])], uppers[:-1]))
    counts = np.bincount([c for c in class_of if c is not None], minlength=len(uppers))
    palette_colors = colors(palette, len(uppers), reverse)
    texts = legend_labels(lowers.tolist(), uppers.tolist(), decimals, lang)
    if members is not None:
        texts = _member_labels(members, class_of, lowers, uppers, decimals, lang, texts)
    return [ClassBin(lower=float(lo), upper=float(hi), color=color, label=text, count=int(n))
            for lo, hi, color, text, n in zip(lowers, uppers, palette_colors, texts, counts,
                                              strict=True)]


def _member_labels(members: np.ndarray, class_of: list[int | None], lowers: np.ndarray,
                   uppers: np.ndarray, decimals: int | None, lang: str,
                   fallback: list[str]) -> list[str]:
    """Labels from the range of each class's own values (an empty class keeps its bounds)."""
    low = [math.inf] * len(uppers)
    high = [-math.inf] * len(uppers)
    for value, index in zip(members, class_of, strict=True):
        if index is not None:
            low[index] = min(low[index], float(value))
            high[index] = max(high[index], float(value))
    ranges = [(lo, hi) if lo <= hi else (float(a), float(b))
              for lo, hi, a, b in zip(low, high, lowers, uppers, strict=True)]
    places = decimals
    ends = sorted({x for r in ranges for x in r})
    if places is None:  # whole numbers as such; else enough decimals to tell ends apart
        places = 0 if all(float(x).is_integer() for x in ends) else default_decimals(ends)
        while places < 6 and not _distinguishable(ends, places):
            places += 1
    labels: list[str] = []
    for (lo, hi), empty in zip(ranges, [lo > hi for lo, hi in zip(low, high, strict=True)],
                               strict=True):
        if empty:
            labels.append(fallback[len(labels)])
            continue
        a, b = format_number(lo, places, lang), format_number(hi, places, lang)
        labels.append(a if a == b else f"{a} {EN_DASH} {b}")
    return labels


def _nodata(statuses: Sequence[str], valid: np.ndarray, lang: str,
            labels: dict[str, str] | None) -> list[NoDataBin]:
    texts = {**NODATA_LABELS["en" if lang == "en" else "nl"], **(labels or {})}
    secret = sum(1 for s, ok in zip(statuses, valid, strict=True) if s == "secret" and not ok)
    missing = int((~valid).sum()) - secret
    return [NoDataBin("missing", NODATA_COLORS["missing"], texts["missing"], missing),
            NoDataBin("secret", NODATA_COLORS["secret"], texts["secret"], secret)]


def legend_labels(lowers: Sequence[float], uppers: Sequence[float], decimals: int | None = None,
                  lang: str = "nl") -> list[str]:
    """``"1.500 – 3.000"`` (nl) or ``"1,500 – 3,000"`` (en); a bin holding a single value shows
    that value once. Default decimals follow the spread of the bounds, and grow until
    neighbouring bounds read differently."""
    bounds = [*lowers, *uppers]
    places = default_decimals(bounds) if decimals is None else decimals
    if decimals is None:
        while places < 6 and not _distinguishable(uppers, places):
            places += 1
    labels = []
    for lo, hi in zip(lowers, uppers, strict=True):
        low, high = format_number(lo, places, lang), format_number(hi, places, lang)
        labels.append(low if low == high else f"{low} {EN_DASH} {high}")
    return labels


def default_decimals(numbers: Sequence[float]) -> int:
    """Enough decimals to tell values apart at the scale of their spread: 0 for a spread of
    10 or more, 1 for 1 to 10, 2 for 0.1 to 1, and so on."""
    finite = [float(x) for x in numbers if math.isfinite(x)]
    if not finite:
        return 0
    spread = max(finite) - min(finite) or abs(max(finite, key=abs))
    if spread == 0:
        return 0
    return int(min(6, max(0, 1 - math.floor(math.log10(spread)))))


def _distinguishable(uppers: Sequence[float], places: int) -> bool:
    texts = [f"{x:.{places}f}" for x in uppers]
    return len(set(texts)) == len(texts)


def format_number(x: float, decimals: int, lang: str = "nl") -> str:
    """Dutch style for nl (``1.234,5``), English style otherwise (``1,234.5``); never ``-0``."""
    text = f"{x:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    if lang == "en":
        return text
    return text.translate(str.maketrans(",.", ".,"))
