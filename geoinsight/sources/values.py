"""Reading CBS numbers: sentinels, decimal commas, padding, and secret markers.

CBS marks suppressed or unknown figures in several ways: ``-99999999`` (PDOK exports),
``-99997`` (older wijk- en buurtkaart files), ``.`` (StatLine: secret or unreliable) and empty
cells. None of these may ever be stored as a number: they become null with a status.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

#: Numbers CBS uses for "secret" rather than a value.
SECRET_SENTINELS = frozenset({-99999999.0, -99999997.0, -99997.0, -99998.0, -99995.0})
SECRET_TEXT = frozenset({".", "x", "geheim"})
MISSING_TEXT = frozenset({"", "-", "nan", "none", "null", "na", "n/a", "?"})
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+$")


def parse_number(raw: object, decimal_comma: bool = True) -> tuple[float | None, str]:
    """One cell to ``(value, status)``; status is ``ok``, ``missing``, ``secret`` or ``bad``."""
    if raw is None:
        return None, "missing"
    if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool):
        value = float(raw)
        if math.isnan(value):
            return None, "missing"
        return (None, "secret") if value in SECRET_SENTINELS else (value, "ok")
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    low = text.lower()
    if low in MISSING_TEXT:
        return None, "missing"
    if low in SECRET_TEXT:
        return None, "secret"
    try:
        value = float(_to_point_decimal(text, decimal_comma))
    except ValueError:
        return None, "bad"
    if math.isnan(value) or math.isinf(value):
        return None, "missing"
    return (None, "secret") if value in SECRET_SENTINELS else (value, "ok")


def _to_point_decimal(text: str, decimal_comma: bool) -> str:
    if "," in text and "." in text:
        # whichever separator comes last is the decimal one: 1.234,5 (nl) or 1,234.5 (en)
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        if not decimal_comma and _THOUSANDS_COMMA.match(text):
            return text.replace(",", "")
        return text.replace(",", ".")
    return text


def parse_column(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column to float values and statuses (``bad`` where text is not a number).

    The decimal separator is decided per column, not per file: CBS files never use thousands
    separators, so a column with commas and no points writes decimal commas ("0,750", "2,125"),
    whatever the file's field separator; where both occur, the last one in a value is decimal.
    """
    texts = series.dropna().astype(str)
    decimal_comma = not (texts.str.contains(",", regex=False).any()
                         and texts.str.contains(".", regex=False).any())
    parsed = [parse_number(v, decimal_comma) for v in series.tolist()]
    values = np.array([np.nan if v is None else v for v, _ in parsed], dtype=float)
    statuses = np.array([s for _, s in parsed], dtype=object)
    return values, statuses
