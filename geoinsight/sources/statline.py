"""Tables keyed by area code: CBS Kerncijfers CSV/XLSX and raw StatLine exports.

Quirks handled: ``;`` or ``,`` (or tab) separators, UTF-8 with or without BOM or latin-1,
decimal commas, codes and numbers padded with spaces, ``.`` for secret.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from geoinsight.errors import InputError
from geoinsight.sources.files import check_input_file

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".gz")


def read_table(path: Path) -> pd.DataFrame:
    """The table as text cells (numbers are parsed per column later)."""
    check_input_file(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # a gzipped CSV (.csv.gz)
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError("damaged or truncated gzip file", path=str(path)) from exc
    if not data.strip():
        raise InputError("file is empty", path=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_excel(path)
    text = _decode(data, path)
    sep = _separator(text, path)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=True, on_bad_lines="error")
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"not a readable table: {str(exc).strip().splitlines()[0]}",
                         path=str(path)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _decode(data: bytes, path: Path) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" is UTF-16
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise InputError("binary file, not a CSV or XLSX table", path=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _separator(text: str, path: Path) -> str:
    header = text.lstrip().splitlines()[0] if text.strip() else ""
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0:
        raise InputError("not a table: no ';', ',' or tab separated header", path=str(path))
    return sep


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", path=str(path)) from exc
    for frame in sheets.values():
        if len(frame.columns) and len(frame):
            frame = frame.fillna("")
            frame.columns = [str(c).strip() for c in frame.columns]
            return frame
    raise InputError("workbook has no data", path=str(path))


#: StatLine dimension columns besides region and period (normalised name); a table with one is
#: long: a row per (region, period, category). It is widened to one column per category and
#: measure, named ``<category> | <measure>``; a "totaal" category keeps the bare measure name.
DIMENSIONS = ("soortmisdrijf",)


def widen_dimensions(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per ``keys`` (region, period): categories of a dimension column become columns."""
    from geoinsight.records import normalise

    dimension = next((c for c in frame.columns if normalise(str(c)) in DIMENSIONS), None)
    if dimension is None:
        return frame
    measures = [c for c in frame.columns if c != dimension and c not in keys]
    parts = []
    for category, rows in frame.groupby(dimension, sort=False):
        label = str(category).strip()
        prefix = "" if "totaal" in label.lower() else label.replace("/", " ") + " | "
        renamed = rows.set_index(keys)[measures]
        renamed.columns = [f"{prefix}{m}" for m in measures]
        parts.append(renamed[~renamed.index.duplicated(keep="first")])
    wide = pd.concat(parts, axis=1).fillna("").reset_index()
    return wide
