"""From a raw attribute table to keyed rows and long-form indicator values.

Shared by boundary files and indicator tables: find the area code, the year and the name, turn
every recognised indicator column into ``(code, year, indicator, value, status)`` rows, and
reject (with a reason) every row that cannot be keyed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geoinsight.catalog.indicators import Indicator, match_column, normalise
from geoinsight.errors import InputError
from geoinsight.records import VALUE_COLUMNS, Reject
from geoinsight.sources.codes import (
    clean_code,
    find_code_column,
    gemeente_of,
    is_code,
    level_of,
    wijk_of,
)
from geoinsight.sources.values import parse_column

YEAR_COLUMNS = ("jaar", "jrstatcode", "jaarstatcode", "perioden", "year")
NAME_COLUMNS = {
    "buurt": ("bunaam", "buurtnaam"),
    "wijk": ("wknaam", "wijknaam"),
    "gemeente": ("gmnaam", "gemeentenaam"),
}
GENERIC_NAMES = ("name", "naam", "statnaam", "regionaam", "regio", "wijkenenbuurten", "regios")


@dataclass
class Keyed:
    """Rows that have a valid code and year, with their derived identity columns."""

    frame: pd.DataFrame  # original columns plus _code, _year, _level, _name, _gm, _wk, _row
    rejects: list[Reject] = field(default_factory=list)


def key_rows(frame: pd.DataFrame, path: Path, year: int | None, label: str = "") -> Keyed:
    code_column = find_code_column(frame)
    if code_column is None:
        raise InputError("no CBS area code column (GM…, WK… or BU… codes) found; "
                         f"columns: {_preview(frame.columns)}", path=str(path))
    out = frame.copy()
    # a table row is named by its line in the file (header = line 1), a feature by layer and number
    out["_row"] = ([f"line {i + 2}" for i in range(len(frame))] if not label
                   else [f"{label} feature {i + 1}" for i in range(len(frame))])
    out["_code"] = frame[code_column].map(clean_code)
    out["_year"] = _years(frame, year, path)
    rejects: list[Reject] = []
    bad_code = ~out["_code"].map(is_code)
    rejects += [Reject(r, c, "no valid CBS area code") for r, c in
                zip(out.loc[bad_code, "_row"], out.loc[bad_code, "_code"], strict=True)]
    no_year = out["_year"].isna() & ~bad_code
    rejects += [Reject(r, c, "no year") for r, c in
                zip(out.loc[no_year, "_row"], out.loc[no_year, "_code"], strict=True)]
    out = out[~bad_code & ~no_year].copy()
    dup = out.duplicated(["_code", "_year"], keep="first")
    rejects += [Reject(r, c, "duplicate code in the same year") for r, c in
                zip(out.loc[dup, "_row"], out.loc[dup, "_code"], strict=True)]
    out = out[~dup].copy()
    out["_year"] = out["_year"].astype(int)
    # the classification the row's figures are on: CBS publishes year Y on Y's indeling
    out["_boundary_year"] = out["_year"]
    out["_changed"] = _change_flags(out)
    out["_level"] = out["_code"].map(level_of)
    out["_gm"] = out["_code"].map(gemeente_of)
    out["_wk"] = out["_code"].map(wijk_of)
    out["_name"] = _names(out)
    out["_gm_name"] = _gemeente_names(out)
    return Keyed(out, rejects)


def _years(frame: pd.DataFrame, year: int | None, path: Path) -> pd.Series:
    if year is not None:
        return pd.Series(year, index=frame.index, dtype="Int64")
    by_key = {normalise(str(c)): c for c in frame.columns}
    for key in YEAR_COLUMNS:
        if key in by_key:
            text = frame[by_key[key]].astype(str).str.strip().str.extract(r"^(\d{4})")[0]
            return pd.to_numeric(text, errors="coerce").astype("Int64")
    raise InputError("no year in the file (no jaar, jrstatcode or Perioden column): "
                     "pass --year YEAR", path=str(path))


#: CBS's "indelingswijziging wijken en buurten" (1: unchanged since the year before), as PDOK
#: (``indelingswijziging_wijken_en_buurten``), the classic shapefiles (``IND_WBI``) and StatLine
#: ("Indelingswijziging gemeente, wijk, buurt (code)") name it
CHANGE_FLAG_PREFIXES = ("indelingswijziging", "indwbi")


def _change_flags(frame: pd.DataFrame) -> pd.Series:
    column = next((c for c in frame.columns if not str(c).startswith("_")
                   and normalise(str(c)).startswith(CHANGE_FLAG_PREFIXES)), None)
    if column is None:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return pd.to_numeric(frame[column].astype(str).str.strip(), errors="coerce").astype("Int64")


def register_rows(keyed: pd.DataFrame) -> pd.DataFrame:
    """The codes and names a keyed source names, per classification year (REGISTER_COLUMNS):
    each row's own code, and the wijk and gemeente it says the row lies in (a buurt file of 2021
    names the gemeente of 2021 too, which is what relates it to a gemeente figure of 2024)."""
    years = keyed["_boundary_year"].astype(int).to_numpy()
    own = pd.DataFrame({"code": keyed["_code"].to_numpy(), "year": years,
                        "level": keyed["_level"].to_numpy(),
                        "name": keyed["_name"].to_numpy(dtype=object),
                        "changed": keyed["_changed"].to_numpy()})
    wijk_names = _column_of(keyed, NAME_COLUMNS["wijk"])
    parents = [pd.DataFrame({"code": keyed["_gm"].to_numpy(), "year": years, "level": "gemeente",
                             "name": keyed["_gm_name"].to_numpy(dtype=object), "changed": pd.NA}),
               pd.DataFrame({"code": keyed["_wk"].to_numpy(), "year": years, "level": "wijk",
                             "name": wijk_names, "changed": pd.NA})]
    parents = [p[p["code"].notna()] for p in parents]
    frame = pd.concat([own, *parents], ignore_index=True)
    frame = frame[frame["level"] != "land"]
    # a row's own entry first: it may carry the flag, and its name is the row's subject
    return frame.drop_duplicates(["code", "year"]).reset_index(drop=True)


def _column_of(keyed: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    by_key = {normalise(str(c)): c for c in keyed.columns if not str(c).startswith("_")}
    column = next((by_key[k] for k in keys if k in by_key), None)
    if column is None:
        return np.full(len(keyed), None, dtype=object)
    return keyed[column].map(lambda v: str(v).strip() if pd.notna(v) and str(v).strip()
                             else None).to_numpy(dtype=object)


def _names(frame: pd.DataFrame) -> pd.Series:
    by_key = {normalise(str(c)): c for c in frame.columns if not str(c).startswith("_")}
    generic = next((by_key[k] for k in GENERIC_NAMES if k in by_key), None)
    names = pd.Series(None, index=frame.index, dtype=object)
    for level, keys in NAME_COLUMNS.items():
        column = next((by_key[k] for k in keys if k in by_key), generic)
        if column is None:
            continue
        rows = frame["_level"] == level
        names[rows] = frame.loc[rows, column]
    cleaned = names.map(lambda v: str(v).strip() if v is not None and not pd.isna(v) else "")
    return cleaned.where(cleaned != "", None)


def _gemeente_names(frame: pd.DataFrame) -> pd.Series:
    """The gemeente's name on every row: its own name for a gemeente, else a GM_NAAM column."""
    by_key = {normalise(str(c)): c for c in frame.columns if not str(c).startswith("_")}
    column = next((by_key[k] for k in NAME_COLUMNS["gemeente"] if k in by_key), None)
    names = pd.Series(None, index=frame.index, dtype=object)
    if column is not None:
        names = frame[column].map(lambda v: str(v).strip() if pd.notna(v) and str(v).strip()
                                  else None)
    return names.where(frame["_level"] != "gemeente", frame["_name"])


@dataclass
class LongValues:
    values: pd.DataFrame
    indicators: list[Indicator]
    ignored: list[str]
    notes: list[str]


def to_long(keyed: pd.DataFrame) -> LongValues:
    """Every recognised indicator column as long-form rows; other columns are listed as ignored.

    Identity columns (codes, names, years, the water flag) are neither values nor ignored.
    """
    parts: list[pd.DataFrame] = []
    used: dict[str, Indicator] = {}
    seen: set[tuple[str, int | None]] = set()
    ignored: list[str] = []
    notes: list[str] = []
    for column in keyed.columns:
        if str(column).startswith("_") or column == "geometry":
            continue
        match = match_column(str(column))
        if match is None or (match[0].id, match[1]) in seen:
            if not _is_identity(keyed, str(column)):
                ignored.append(str(column))
            continue
        indicator, column_year = match
        values, statuses = parse_column(keyed[column])
        bad = statuses == "bad"
        if bad.any() and not (statuses == "ok").any():
            ignored.append(str(column))  # a text column that shares a name (tmap's urbanity)
            notes.append(f"column {column} holds text, not numbers: ignored")
            continue
        if bad.any():
            notes.append(f"{int(bad.sum())} cells in {column} are not numbers: stored as missing")
            statuses = np.where(bad, "missing", statuses)
        seen.add((indicator.id, column_year))
        parts.append(pd.DataFrame({
            "code": keyed["_code"].to_numpy(),
            "year": keyed["_year"].to_numpy() if column_year is None else column_year,
            "indicator": indicator.id, "value": values, "status": statuses,
            "boundary_year": keyed["_boundary_year"].to_numpy()}))
        used[indicator.id] = indicator
    if not parts:
        return LongValues(pd.DataFrame(columns=VALUE_COLUMNS), [], ignored, notes)
    frame = pd.concat(parts, ignore_index=True)
    frame["year"] = frame["year"].astype(int)
    frame["boundary_year"] = frame["boundary_year"].astype(int)
    return LongValues(frame, list(used.values()), ignored, notes)


_IDENTITY = {k for keys in NAME_COLUMNS.values() for k in keys} | set(GENERIC_NAMES) | set(
    YEAR_COLUMNS) | {"water", "pvcode", "pvnaam", "provincie", "province", "recs", "indwbi"}


def _is_identity(keyed: pd.DataFrame, column: str) -> bool:
    key = normalise(column)
    # gwb_code_8, pv_code, the indeling flag, …: identifiers, not figures
    if key in _IDENTITY or "code" in key or key.startswith(CHANGE_FLAG_PREFIXES):
        return True
    sample = keyed[column].dropna().head(50).map(clean_code)
    return bool(len(sample)) and bool(sample.map(is_code).all())


def _preview(columns: pd.Index, n: int = 6) -> str:
    names = [str(c) for c in columns if c != "geometry"]
    more = f", … ({len(names)} in all)" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def is_water(frame: pd.DataFrame) -> pd.Series:
    """CBS marks water-only features ``water = JA`` (and Belgian enclaves ``B``, GM0998)."""
    by_key = {normalise(str(c)): c for c in frame.columns}
    mask = pd.Series(False, index=frame.index)
    if "water" in by_key:
        mask |= frame[by_key["water"]].astype(str).str.strip().str.upper().isin(["JA", "B"])
    return mask


