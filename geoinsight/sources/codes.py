"""CBS area codes: GM0503 (gemeente), WK050301 (wijk), BU05030102 (buurt).

The code alone says the level and the parents: a buurt's first six digits are its wijk, the
first four its gemeente (CBS, Toelichting Wijk- en Buurtkaart).
"""

from __future__ import annotations

import re

import pandas as pd

#: Since 2022 some gemeenten (Amsterdam) use letters in the wijk and buurt part: BU0363KA05.
#: CBS tables carry the country as NL01 ("Nederland"): stored as values, never as an area.
CODE_RE = re.compile(r"^(NL01|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4})$")
COUNTRY_CODE = "NL01"
LEVEL_OF_PREFIX = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}


def clean_code(raw: object) -> str:
    """Strip padding and upper-case: ``"GM0363    "`` -> ``"GM0363"``."""
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return ""
    return str(raw).strip().upper()


def is_code(code: str) -> bool:
    return bool(CODE_RE.match(code))


def level_of(code: str) -> str:
    return LEVEL_OF_PREFIX[code[:2]]


def gemeente_of(code: str) -> str | None:
    return None if code.startswith("NL") else "GM" + code[2:6]


def wijk_of(code: str) -> str | None:
    return "WK" + code[2:8] if code.startswith("BU") else None


def find_code_column(frame: pd.DataFrame) -> str | None:
    """The column holding the area keys: the code-like column with the most distinct codes.

    A buurt table also carries its wijk and gemeente codes; the most specific column has the
    most distinct values, which is the one that identifies the row.
    """
    best: tuple[int, str] | None = None
    for column in frame.columns:
        if frame[column].dtype.kind not in "OUS" and str(frame[column].dtype) != "string":
            continue
        sample = frame[column].dropna().head(2000).map(clean_code)
        sample = sample[sample != ""]
        if sample.empty or sample.map(is_code).mean() < 0.5:  # bad codes are rejected per row
            continue
        distinct = sample.nunique()
        if best is None or distinct > best[0]:
            best = (distinct, str(column))
    return best[1] if best else None
