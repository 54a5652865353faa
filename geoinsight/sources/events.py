"""Point events from a municipality's own registrations: date, category and location.

A GeoPackage / GeoJSON point layer or a CSV with x, y (RD New). The date column and the
category column are found by name (``datum``, ``pleegdatum``, ``b_datum``, …; ``categorie``,
``soort``, ``srt``, …) or named on the command line. Categories are mapped to the ondermijning
classes (drugs, wapens, explosies, fraude) by keywords; everything else is ``other``. Those are
the classes of the default register, ``ondermijning``; any other register keeps the file's own
categories (:mod:`geoinsight.registers`). The points themselves are never stored: only counts per
area and year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geoinsight.errors import InputError
from geoinsight.records import Reject, normalise
from geoinsight.sources.bag import read_points
from geoinsight.sources.eponline_fields import dates

DATE_NAMES = ("datum", "date", "pleegdatum", "begindatum", "bdatum", "startdatum",
              "melddatum", "kdatum", "registratiedatum", "datumtijd")
CATEGORY_NAMES = ("categorie", "category", "soort", "soortmelding", "srt", "type", "feit",
                  "incidenttype", "soortmisdrijf")
#: keyword (in the normalised category text) -> event class; first match wins
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("drug", "drugs"), ("hennep", "drugs"), ("cannabis", "drugs"), ("opium", "drugs"),
    ("xtc", "drugs"), ("cocaine", "drugs"),
    ("vuurwapen", "weapons"), ("wapen", "weapons"), ("weapon", "weapons"),
    ("firearm", "weapons"),
    ("explos", "explosions"), ("ontploff", "explosions"), ("brandstichting", "explosions"),
    ("arson", "explosions"), ("aanslag", "explosions"),
    ("fraude", "fraud"), ("fraud", "fraud"), ("bedrog", "fraud"), ("valsheid", "fraud"),
    ("witwas", "fraud"), ("launder", "fraud"),
)


@dataclass
class Events:
    frame: pd.DataFrame  # x, y, year, event_class, category (the file's own text)
    read: int
    rejects: list[Reject]
    date_column: str
    category_column: str | None


def event_class(category: object) -> str:
    key = normalise(str(category)) if category is not None and not pd.isna(category) else ""
    return next((cls for word, cls in KEYWORDS if word in key), "other")


def read_events(path: Path, crs: str | None = None, date_column: str | None = None,
                category_column: str | None = None, category: str | None = None) -> Events:
    raw = read_points(path, crs, prefer="events", what="events")
    read = len(raw)
    date_col = _column(raw, date_column, DATE_NAMES, "date", path)
    assert date_col is not None
    cat_col = None if category else _column(raw, category_column, CATEGORY_NAMES,
                                            "category", path, required=False)
    when = _dates(raw[date_col])
    texts = (pd.Series(category, index=raw.index) if category else
             raw[cat_col].astype(object) if cat_col else pd.Series(None, index=raw.index))
    geoms = raw.geometry
    no_place = (geoms.isna() | geoms.is_empty).to_numpy()
    frame = pd.DataFrame({
        "row": [f"feature {i + 1}" for i in range(read)],
        "x": np.where(no_place, np.nan, geoms.x.where(~no_place)),
        "y": np.where(no_place, np.nan, geoms.y.where(~no_place)),
        "year": pd.Series(when).dt.year.to_numpy(),
        "category": texts.to_numpy(),
        "event_class": texts.map(event_class).to_numpy(),
    })
    rejects = [Reject(r, "", "no location") for r in frame.loc[no_place, "row"]]
    no_date = ~no_place & frame["year"].isna().to_numpy()
    rejects += [Reject(r, "", f"no valid date in {date_col}")
                for r in frame.loc[no_date, "row"]]
    kept = frame[~no_place & ~no_date].copy()
    kept["year"] = kept["year"].astype(int)
    return Events(kept.reset_index(drop=True), read, rejects, date_col, cat_col)


def _column(frame: pd.DataFrame, named: str | None, candidates: tuple[str, ...], what: str,
            path: Path, required: bool = True) -> str | None:
    by_key = {normalise(str(c)): str(c) for c in frame.columns if c != "geometry"}
    if named:
        if named in frame.columns:
            return named
        if normalise(named) in by_key:
            return by_key[normalise(named)]
        raise InputError(f"no column {named!r}; columns: {', '.join(list(by_key.values())[:12])}",
                         path=str(path))
    found = next((by_key[k] for k in candidates if k in by_key), None)
    if found is None and required:
        raise InputError(f"no {what} column (one of {', '.join(candidates[:6])}, …): name it "
                         f"with --{what}-column", path=str(path))
    return found


def _dates(series: pd.Series) -> np.ndarray:
    """Datetimes as they are; text as ``YYYY-MM-DD``, ``YYYYMMDD`` or ``DD-MM-YYYY`` (with an
    optional time after a space or ``T``). Never guesses between day and month."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.to_datetime(series).to_numpy()
    text = series.astype(object).map(lambda v: "" if v is None or pd.isna(v)
                                     else re.split(r"[ T]", str(v).strip(), maxsplit=1)[0])
    text = text.str.replace("/", "-", regex=False)
    parsed, _ = dates(pa.array(text.tolist(), type=pa.string()))
    return parsed
