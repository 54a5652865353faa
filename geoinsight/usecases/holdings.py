"""What the store holds, so pages offer only what exists.

A municipality's store is uneven: national gemeenten of one year, its own buurten of an older
year, tables of newer years. Pages ask here which gemeenten have boundaries at a level, whether
a gemeente's buurten (wijken) are all there, which layers have figures that belong to a
selection's areas, and which gemeente and level to show when the request names none.

"(deel)": a gemeente's buurten (or wijken) are *partial* only where some are provably missing:

* a table of the same indeling names buurten of the gemeente that have no boundaries, or
* the gemeente's own outline is stored and its buurten cover less than 97% of it.

Where neither can be checked (no outline, no table of that year), nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

import pandas as pd

from geoinsight.analysis.placement import lands
from geoinsight.catalog import Layer
from geoinsight.sources.codes import gemeente_of
from geoinsight.store import Reader, origin

LEVELS = ("buurt", "wijk", "gemeente")
#: buurten covering at least this share of their gemeente's outline are all there
COMPLETE_SHARE = 0.97


@dataclass(frozen=True)
class Gemeente:
    """A gemeente as a picker at one level offers it."""

    code: str
    name: str
    #: boundary years of the level's areas in this gemeente, oldest first
    years: tuple[int, ...]
    #: areas at the level (of the latest year)
    areas: int
    #: False: some areas are provably missing; None: cannot tell; True: provably all there
    complete: bool | None
    #: why it is partial (codes a table names without boundaries, or the covered share)
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "year": self.years[-1],
                "years": list(self.years), "areas": self.areas,
                "complete": self.complete is not False, "why": self.why}


_MEMO: dict[tuple[str, str, str], list[Gemeente]] = {}
_MEMO_LOCK = Lock()


def gemeenten(store: Reader, level: str | None = None) -> list[Gemeente]:
    """Gemeenten with areas at ``level`` (every level when None), sorted by name.

    Memoised per stored data and version (no view changes boundaries or the register): the
    coverage check reads geometry.
    """
    key = (origin(store), store.version(), level or "")
    with _MEMO_LOCK:
        if key in _MEMO:
            return _MEMO[key]
    found = _gemeenten(store, level)
    with _MEMO_LOCK:
        if len(_MEMO) > 32:
            _MEMO.clear()
        _MEMO[key] = found
    return found


def _gemeenten(store: Reader, level: str | None) -> list[Gemeente]:
    if level is None:
        merged: dict[str, Gemeente] = {}
        for each in LEVELS:
            for gm in _gemeenten(store, each):
                old = merged.get(gm.code)
                if old is None or (old.complete is not False and gm.complete is False):
                    merged[gm.code] = gm
        return sorted(merged.values(), key=lambda g: (g.name.lower(), g.code))
    frame = store.areas(geometry=False)
    frame = frame[frame["gemeente_code"].notna()]
    outlines = frame[frame["level"] == "gemeente"]
    names = _names(frame, outlines)
    here = frame[frame["level"] == level]
    if level == "gemeente":
        return sorted((Gemeente(str(code), names.get(str(code), str(code)),
                                tuple(sorted(set(rows["year"].astype(int)))), 1, True)
                       for code, rows in here.groupby("code")),
                      key=lambda g: (g.name.lower(), g.code))
    latest = here.sort_values("year").groupby("gemeente_code")["year"].max().astype(int)
    missing = _missing(store, here, latest)
    shares = _covered(store, level, latest, outlines)
    found = []
    for code, rows in here.groupby("gemeente_code"):
        year = int(latest[code])
        count = int((rows["year"] == year).sum())
        gone, share = missing.get(str(code), 0), shares.get(str(code))
        if gone:
            complete, why = False, f"{gone} {level} codes in a {year} table have no boundaries"
        elif share is not None:
            complete = share >= COMPLETE_SHARE
            why = "" if complete else f"{level}en cover {share:.0%} of the gemeente"
        else:
            complete, why = None, ""
        found.append(Gemeente(str(code), names.get(str(code), str(code)),
                              tuple(sorted(set(rows["year"].astype(int)))), count, complete, why))
    return sorted(found, key=lambda g: (g.name.lower(), g.code))


def _names(frame: pd.DataFrame, outlines: pd.DataFrame) -> dict[str, str]:
    """A gemeente's name: its own outline's (latest), else what its areas say."""
    names = {str(c): str(n) for c, n in zip(frame["gemeente_code"], frame["gemeente_name"],
                                            strict=True) if isinstance(n, str) and n}
    for code, name in zip(outlines.sort_values("year")["code"],
                          outlines.sort_values("year")["name"], strict=True):
        if isinstance(name, str) and name:
            names[str(code)] = name
    return names


def _missing(store: Reader, here: pd.DataFrame, latest: pd.Series) -> dict[str, int]:
    """Per gemeente: codes of its latest indeling that a table names but no boundary has."""
    register = store.register()
    if register.empty:
        return {}
    register = register[register["level"].isin(set(here["level"]))]
    stored = set(zip(here["code"], here["year"].astype(int), strict=True))
    out: dict[str, int] = {}
    for code, year in zip(register["code"], register["year"].astype(int), strict=True):
        gm = gemeente_of(str(code))
        if gm is not None and gm in latest.index and int(latest[gm]) == year \
                and (code, year) not in stored:
            out[gm] = out.get(gm, 0) + 1
    return out


def _covered(store: Reader, level: str, latest: pd.Series,
             outlines: pd.DataFrame) -> dict[str, float]:
    """Per gemeente with a stored outline: the share of it its latest areas cover."""
    codes = [c for c in latest.index if c in set(outlines["code"])]
    if not codes:
        return {}
    parts = store.areas(level=level, geometry=True)
    parts = parts[parts["gemeente_code"].isin(codes)]
    parts = parts[parts["year"].astype(int) == parts["gemeente_code"].map(latest)]
    covered = parts.geometry.area.groupby(parts["gemeente_code"]).sum()
    whole = store.areas(codes=codes, geometry=True)
    out = {}
    for code, rows in whole.groupby("code"):
        year = int(latest[code])
        # the outline of the same indeling, else the nearest one
        nearest = rows.iloc[(rows["year"].astype(int) - year).abs().argsort()].iloc[0]
        area = float(nearest.geometry.area)
        if area > 0 and code in covered.index:
            out[str(code)] = float(covered[code]) / area
    return out


# -- figures -------------------------------------------------------------------------------------


def landing_masks(store: Reader, areas: pd.DataFrame,
                  values: pd.DataFrame) -> dict[int, pd.Series]:
    """For each boundary year of ``areas``: which of ``values`` belong to their code's area on
    it (:func:`geoinsight.analysis.placement.lands`), computed once for every layer."""
    if values.empty:
        return {}
    return {on: lands(store, values, on) & _is_area_of(values, areas, on)
            for on in sorted(set(areas["year"].astype(int)))}


def _is_area_of(values: pd.DataFrame, areas: pd.DataFrame, on: int) -> pd.Series:
    """Which of ``values`` are of a code among ``areas`` of boundary year ``on`` (object
    dtype: pandas' Arrow-string ``isin`` is a Python loop per row)."""
    codes = set(areas.loc[areas["year"].astype(int) == on, "code"].astype(object))
    return values["code"].astype(object).isin(codes)


def landing_years(store: Reader, areas: pd.DataFrame, values: pd.DataFrame,
                  indicators: Iterable[str],
                  masks: dict[int, pd.Series] | None = None) -> dict[int, int]:
    """Figure year -> boundary year for every year in which some of ``indicators`` (among the
    read ``values``, missing ones left out) land on ``areas`` (code, year; one selection).

    A year's figures go on the boundaries they were published on where those are stored, else
    on that year's, else on the latest before it (the maps' rule); only figures
    :func:`geoinsight.analysis.placement.lands` proves to belong there count (``masks``: from
    :func:`landing_masks` for the same ``values``).
    """
    values = values[values["status"] != "missing"]
    wanted = values[values["indicator"].isin(set(indicators))]
    years = sorted(set(areas["year"].astype(int)))
    if wanted.empty or not years:
        return {}
    found: dict[int, int] = {}
    for year, rows in wanted.groupby("year"):
        on = pick_boundary_year(years, int(year), rows["boundary_year"].astype(int).unique())
        if masks and on in masks:
            landed = masks[on].reindex(rows.index)
        else:
            here = rows[_is_area_of(rows, areas, on)]
            landed = lands(store, here, on) if len(here) else pd.Series(dtype=bool)
        if landed.any():
            found[int(year)] = on
    return dict(sorted(found.items()))


def pick_boundary_year(years: Sequence[int], year: int, figures_on: Iterable[int] = ()) -> int:
    """Of the stored boundary ``years``: the figures' own (``figures_on``), else ``year``'s,
    else the latest before it, else the earliest."""
    own = [int(y) for y in figures_on if y in years]
    if own:
        return max(own)
    earlier = [int(y) for y in years if y <= year]
    return max(earlier) if earlier else int(min(years))


@dataclass(frozen=True)
class LayerFigures:
    """Whether a layer has figures for a selection, and if not, why."""

    layer: Layer
    #: figure year -> boundary year, the years that land on the selection's areas
    years: dict[int, int]
    #: when ``years`` is empty: other_boundaries | elsewhere | not_loaded
    reason: str = ""

    @property
    def available(self) -> bool:
        return bool(self.years)


def layer_figures(store: Reader, layers: Sequence[Layer], level: str,
                  municipality: str | None) -> dict[str, LayerFigures]:
    """For each layer: the years its figures land on the selection's areas — with one read of
    the areas and one of the values."""
    areas = store.areas(level=level, municipality=municipality, geometry=False)
    inputs = sorted({i for layer in layers for i in layer.inputs()})
    values = store.presence(indicators=inputs, codes=areas["code"].unique().tolist()) \
        if len(areas) and inputs else pd.DataFrame(columns=["code", "year", "indicator",
                                                            "status", "boundary_year"])
    masks = landing_masks(store, areas, values)
    out = {}
    for layer in layers:
        years = landing_years(store, areas, values, layer.inputs(), masks)
        reason = "" if years else _reason(store, layer, values)
        out[layer.id] = LayerFigures(layer, years, reason)
    return out


def _reason(store: Reader, layer: Layer, values: pd.DataFrame) -> str:
    if values["indicator"].isin(set(layer.inputs())).any():
        return "other_boundaries"
    if store.value_years(indicators=list(layer.inputs())):
        return "elsewhere"
    return "not_loaded"


def default_gemeente(store: Reader, level: str,
                     indicators: Sequence[str]) -> tuple[str | None, int]:
    """The gemeente to show at ``level`` when a request names none, and how many of its areas
    have figures: the one with most areas whose figures of ``indicators`` belong to them, then
    a complete one, then most areas, then by name. (None, 0) when no gemeente has areas at the
    level."""
    candidates = gemeenten(store, level)
    if not candidates:
        return None, 0
    landed = _landed_per_gemeente(store, level, indicators)
    best = max(candidates, key=lambda g: (landed.get(g.code, 0), g.complete is not False,
                                          g.areas, _neg_name(g.name)))
    return best.code, landed.get(best.code, 0)


_LANDED: dict[tuple[str, str, str, tuple[str, ...]], dict[str, int]] = {}


def _landed_per_gemeente(store: Reader, level: str, indicators: Sequence[str]) -> dict[str, int]:
    """Per gemeente: its areas at ``level`` that some figure of ``indicators`` belongs to.

    Memoised per store version (every page without a gemeente asks it)."""
    key = (str(getattr(store, "path", id(store))), store.version(), level,
           tuple(sorted(set(indicators))))
    with _MEMO_LOCK:
        if key in _LANDED:
            return _LANDED[key]
    found = _count_landed(store, level, indicators)
    with _MEMO_LOCK:
        if len(_LANDED) > 64:
            _LANDED.clear()
        _LANDED[key] = found
    return found


def _count_landed(store: Reader, level: str, indicators: Sequence[str]) -> dict[str, int]:
    areas = store.areas(level=level, geometry=False)
    if areas.empty or not indicators:
        return {}
    values = store.presence(indicators=list(indicators), codes=areas["code"].unique().tolist())
    if values.empty:
        return {}
    landed: set[tuple[str, int]] = set()
    for on in sorted(set(areas["year"].astype(int))):
        codes = values.loc[lands(store, values, on), "code"]
        landed |= {(str(c), on) for c in codes.unique()}
    hit = [(str(c), int(y)) in landed for c, y in zip(areas["code"], areas["year"], strict=True)]
    found = areas.loc[hit].drop_duplicates("code")
    key = found["code"] if level == "gemeente" else found["gemeente_code"]
    return {str(k): int(n) for k, n in key.value_counts().items()}


def _neg_name(name: str) -> tuple[int, ...]:
    """Sorts names descending so ``max`` picks the alphabetically first."""
    return tuple(-ord(ch) for ch in name.lower())


@dataclass(frozen=True)
class Choice:
    """The level and gemeente a page shows, and why it is not what was asked (if so)."""

    level: str
    municipality: str | None
    #: "" | no_figures_at_level (the finest level held has none: a coarser one is shown) |
    #: no_boundaries_at_level (the asked gemeente has no areas at that level) |
    #: no_level (the store has no boundaries at the asked level)
    note: str = ""
    asked_level: str = ""


def choose(store: Reader, levels: Sequence[str], indicators: Sequence[str],
           level: str | None = None, municipality: str | None = None) -> Choice:
    """The level and gemeente to show for a request, never one without boundaries when the
    store has some: the asked ones where they exist; a gemeente with most areas that have
    figures; a coarser level when the finest has boundaries but no figures of its own.

    A level the layer is not made for (``levels``) is never chosen: the nearest level it is
    made for is, with the note ``layer_not_at_level`` (on a tie, the finer level inside a
    gemeente, the coarser one for the whole country)."""
    offered = [lv for lv in LEVELS if lv in levels] or list(LEVELS)
    if level is not None and level not in offered:
        asked_at = LEVELS.index(level)  # LEVELS runs from fine to coarse
        finer_first = municipality is not None

        def distance(lv: str) -> tuple[int, bool]:
            finer = LEVELS.index(lv) < asked_at
            return abs(LEVELS.index(lv) - asked_at), finer != finer_first

        instead = min(offered, key=distance)
        found = choose(store, offered, indicators, instead, municipality)
        return Choice(found.level, found.municipality, "layer_not_at_level", level)
    if municipality is not None:
        asked = level or offered[0]
        has = [lv for lv in offered if lv == "gemeente" or any(
            g.code == municipality for g in gemeenten(store, lv))]
        if asked in has or not has:
            return Choice(asked, municipality)
        return Choice(has[0], municipality, "no_boundaries_at_level", asked)
    if level is not None and gemeenten(store, level):
        code, _ = default_gemeente(store, level, indicators)
        return Choice(level, None if level == "gemeente" else code)
    held: Choice | None = None
    for each in offered:
        code, landed = default_gemeente(store, each, indicators)
        if code is None:
            continue
        choice = Choice(each, None if each == "gemeente" else code)
        held = held or choice
        if landed:
            if choice.level != held.level:
                note = "no_level" if level is not None else "no_figures_at_level"
                return Choice(choice.level, choice.municipality, note, level or held.level)
            break
    found = held or Choice(offered[0], None)
    if level is not None:  # the store has no boundaries at the asked level
        return Choice(found.level, found.municipality, "no_level", level)
    return found
