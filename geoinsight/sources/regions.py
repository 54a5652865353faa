"""Tables that name their regions instead of coding them (CBS StatLine ``RegioS`` labels).

StatLine extracts such as 83648NED (geregistreerde criminaliteit) carry ``'s-Gravenhage
(gemeente)``, ``Aa en Hunze`` or ``Utrecht (PV)`` instead of GM0518. Names are matched to the
codes of the gemeenten already in the store (every boundary year; the latest year wins when a
name moved to a new code), compared in a normalised form. A name that matches nothing is
reported, never guessed: gemeenten merged since the table was made (Aalburg, 2019) simply have
no code in a store of later boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geoinsight.records import normalise
from geoinsight.sources.codes import COUNTRY_CODE, clean_code, is_code

#: columns that may hold region names, in order of preference (normalised)
NAME_COLUMNS = ("regios", "regio", "gemeentenaam", "gemeente", "gmnaam", "naam", "name")
#: StatLine marks what a region is in brackets; only gemeenten (and the country) are matched
GEMEENTE_MARKS = ("gemeente", "gem")
OTHER_REGION = re.compile(r"\((pv|cr|ld|re|rs|ggd|ve|ag|po|jz|bc)\)\s*$", re.IGNORECASE)
_GEMEENTE_MARK = re.compile(r"\((?:" + "|".join(GEMEENTE_MARKS) + r")\.?\)\s*$", re.IGNORECASE)
#: CBS's province marks for names used twice: Bergen (NH.), Beek (L.), Hengelo (O.)
_PROVINCE_MARK = re.compile(r"\s*\([A-Za-z]{1,4}\.\)\s*$")
COUNTRY_NAMES = {"nederland", "thenetherlands", "netherlands"}
#: names CBS and common usage spell differently (normalised): alias -> CBS name
SYNONYMS = {"denhaag": "sgravenhage", "denbosch": "shertogenbosch"}


def ascii_text(text: object) -> str:
    """``Súdwest-Fryslân`` -> ``Sudwest-Fryslan``: accents dropped, nothing else changed."""
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()


def name_key(name: object) -> str:
    """``'s-Gravenhage (gemeente)`` -> ``sgravenhage``; ``Bergen (NH.)`` -> ``bergennh``."""
    text = _GEMEENTE_MARK.sub("", ascii_text(name).strip())
    key = normalise(text)
    return SYNONYMS.get(key, key)


def area_name_key(name: object) -> str:
    """:func:`name_key` without CBS's province mark: ``Hengelo (O.)`` and ``Hengelo`` are one
    gemeente's name, written with and without the mark CBS adds where a name occurs twice."""
    return name_key(_PROVINCE_MARK.sub("", str(name)))


def find_name_column(frame: pd.DataFrame) -> str | None:
    """The column of region names: a known name column whose cells are mostly text."""
    by_key = {normalise(str(c)): str(c) for c in frame.columns}
    for key in NAME_COLUMNS:
        column = by_key.get(key)
        if column is None:
            continue
        cells = frame[column].astype(str).str.strip()
        if (cells.str.contains(r"[A-Za-z]", regex=True)).mean() > 0.5:
            return column
    return None


def gemeente_names(areas: pd.DataFrame) -> dict[str, str]:
    """Normalised name -> gemeente code from stored areas (code, level, name, year).

    Each name is also known without its province mark (``Hengelo (O.)`` as ``hengelo``) where
    that short form is unambiguous, because CBS adds and drops the mark over the years.
    """
    rows = areas[(areas["level"] == "gemeente") & areas["name"].notna()].sort_values("year")
    exact = {name_key(n): str(c) for n, c in zip(rows["name"], rows["code"], strict=True)}
    short: dict[str, set[str]] = {}
    for name, code in zip(rows["name"], rows["code"], strict=True):
        short.setdefault(area_name_key(name), set()).add(str(code))
    unique = {k: next(iter(v)) for k, v in short.items() if len(v) == 1 and k not in exact}
    return {**unique, **exact}


def _lookup(text: str, reference: Mapping[str, str]) -> str | None:
    """Exact name first, then without a province mark (``Beek (L.)`` finds ``Beek``)."""
    found = reference.get(name_key(text))
    if found is None and _PROVINCE_MARK.search(text):
        found = reference.get(area_name_key(text))
    return found


@dataclass
class NameMatch:
    codes: pd.Series  # a code per row, "" where the name was not matched
    reasons: pd.Series  # why a row has no code ("" where it has one)
    unmatched: list[str]  # distinct gemeente names that matched nothing, in file order


def match_names(names: pd.Series, reference: Mapping[str, str]) -> NameMatch:
    """Codes for region names; the country becomes NL01, other region types are refused."""
    codes = pd.Series("", index=names.index, dtype=object)
    reasons = pd.Series("", index=names.index, dtype=object)
    unmatched: list[str] = []
    for index, raw in names.items():
        text = "" if pd.isna(raw) else str(raw).strip()
        key = name_key(text)
        if is_code(clean_code(text)):
            codes[index] = clean_code(text)
        elif key in COUNTRY_NAMES:
            codes[index] = COUNTRY_CODE
        elif not key:
            reasons[index] = "no region name"
        elif OTHER_REGION.search(text):
            reasons[index] = f"{text!r} is not a gemeente (a province or other region)"
        elif (code := _lookup(text, reference)) is not None:
            codes[index] = code
        else:
            reasons[index] = f"no gemeente named {text!r} in the store"
            if text not in unmatched:
                unmatched.append(text)
    return NameMatch(codes, reasons, unmatched)
