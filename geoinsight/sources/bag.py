"""BAG address points (verblijfsobjecten): GeoPackage / GeoJSON point layers or CSV with x, y.

Keys are normalised the way EP-Online and BAG both spell them, so labels can be joined either
by verblijfsobject id or by postcode + huisnummer + huisletter + toevoeging.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoinsight.crs import STORE_CRS, looks_like_rd, to_store_crs
from geoinsight.errors import InputError
from geoinsight.records import ADDRESS_COLUMNS, Reject, normalise
from geoinsight.sources import statline
from geoinsight.sources.files import check_input_file
from geoinsight.sources.values import parse_column

#: normalised column name -> our column
ALIASES = {
    "vboid": "vbo_id", "identificatie": "vbo_id", "verblijfsobjectid": "vbo_id",
    "verblijfsobjectidentificatie": "vbo_id", "bagverblijfsobjectid": "vbo_id",
    "postcode": "postcode", "huisnummer": "huisnummer", "huisletter": "huisletter",
    "huisnummertoevoeging": "toevoeging", "toevoeging": "toevoeging",
    "gebruiksdoel": "gebruiksdoel", "gebruiksdoelverblijfsobject": "gebruiksdoel",
    "bouwjaar": "bouwjaar", "oorspronkelijkbouwjaar": "bouwjaar", "status": "status",
    "oppervlakte": "oppervlakte", "oppervlakteverblijfsobject": "oppervlakte",
}
X_NAMES = ("x", "rdx", "xcoord", "xcoordinaat")
Y_NAMES = ("y", "rdy", "ycoord", "ycoordinaat")
POSTCODE = re.compile(r"^\d{4}[A-Z]{2}$")


def read_addresses(path: Path, crs: str | None = None) -> tuple[gpd.GeoDataFrame, int,
                                                                list[Reject]]:
    """Normalised address points in RD New, the number of rows read, and the rejects."""
    raw = read_points(path, crs, prefer="verblijfsobjecten", what="BAG verblijfsobjecten")
    read = len(raw)
    frame = raw.rename(columns={c: ALIASES[normalise(str(c))] for c in raw.columns
                                if normalise(str(c)) in ALIASES})
    if "vbo_id" not in frame.columns:
        raise InputError("no verblijfsobject id column (vbo_id / identificatie)", path=str(path))
    frame["_row"] = [f"feature {i + 1}" for i in range(len(frame))]
    out = gpd.GeoDataFrame({
        "vbo_id": frame["vbo_id"].map(bag_id),
        "postcode": _column(frame, "postcode").map(postcode),
        "huisnummer": pd.to_numeric(_column(frame, "huisnummer"), errors="coerce").astype("Int64"),
        "huisletter": _column(frame, "huisletter").map(_letter),
        "toevoeging": _column(frame, "toevoeging").map(_addition),
        "gebruiksdoel": _column(frame, "gebruiksdoel").map(_text).str.lower(),
        "bouwjaar": _year(_column(frame, "bouwjaar")),
        "status": _column(frame, "status").map(_text),
        "oppervlakte": pd.to_numeric(_column(frame, "oppervlakte"), errors="coerce"),
        "_row": frame["_row"],
    }, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    out = to_store_crs(out)
    return _reject(out, read)


def bag_id(raw: object) -> str | None:
    """BAG ids are 16 digits; spreadsheets drop the leading zero (0518… becomes 518…)."""
    text = _text(raw)
    if text is None:
        return None
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    return text.zfill(16) if text.isdigit() and 15 <= len(text) <= 16 else None


def postcode(raw: object) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    text = text.replace(" ", "").upper()
    return text if POSTCODE.match(text) else None


def _letter(raw: object) -> str:
    text = (_text(raw) or "").upper()
    return text if re.fullmatch(r"[A-Z]", text) else ""


def _addition(raw: object) -> str:
    return re.sub(r"[^0-9A-Z]", "", (_text(raw) or "").upper())[:4]


def _text(raw: object) -> str | None:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return None
    text = str(raw).strip()
    return text or None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index,
                                                               dtype=object)


def _year(series: pd.Series) -> pd.Series:
    years = pd.to_numeric(series, errors="coerce")
    return years.where((years >= 1000) & (years <= 2100)).astype("Int64")  # 9999 = unknown


def _reject(out: gpd.GeoDataFrame, read: int) -> tuple[gpd.GeoDataFrame, int, list[Reject]]:
    rejects: list[Reject] = []
    checks = [
        (out["vbo_id"].isna(), "no valid BAG verblijfsobject id (16 digits)"),
        (out.geometry.isna() | out.geometry.is_empty, "no location"),
        (out["vbo_id"].duplicated(keep="first") & out["vbo_id"].notna(), "duplicate vbo_id"),
    ]
    keep = pd.Series(True, index=out.index)
    for mask, reason in checks:
        mask = mask & keep
        rejects += [Reject(r, "" if pd.isna(v) else str(v), reason)
                    for r, v in zip(out.loc[mask, "_row"], out.loc[mask, "vbo_id"], strict=True)]
        keep &= ~mask
    out = out[keep]
    points = out.geometry.to_numpy()
    not_point = ~np.array([isinstance(g, shapely.Point) for g in points], dtype=bool)
    if not_point.any():
        out = out.set_geometry(shapely.centroid(points))  # a vbo is a point; take its centre
    return out[[*ADDRESS_COLUMNS, "geometry"]], read, rejects


def read_points(path: Path, crs: str | None, prefer: str, what: str) -> gpd.GeoDataFrame:
    """A point layer (the one named ``prefer`` when there are several) or a CSV with x, y."""
    check_input_file(path)
    if path.suffix.lower() in statline.TABLE_SUFFIXES:
        return _points_from_table(path, crs, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
            points = [n for n, t in layers if "point" in t.lower()]
            if not points:
                raise InputError(f"no point layer ({what}) in the file", path=str(path))
            layer = prefer if prefer in points else points[0]
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except InputError:
        raise
    except Exception as exc:
        raise InputError("not readable as GeoPackage, GeoJSON or CSV with x, y",
                         path=str(path)) from exc
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        raise InputError("the point layer has no CRS: state it with --crs EPSG:28992",
                         path=str(path))
    return frame


def _points_from_table(path: Path, crs: str | None, what: str) -> gpd.GeoDataFrame:
    table = statline.read_table(path)
    by_key = {normalise(c): c for c in table.columns}
    x_col = next((by_key[k] for k in X_NAMES if k in by_key), None)
    y_col = next((by_key[k] for k in Y_NAMES if k in by_key), None)
    if x_col is None or y_col is None:
        raise InputError(f"a CSV of {what} needs x and y columns (RD New metres)",
                         path=str(path))
    x = parse_column(table[x_col])[0]
    y = parse_column(table[y_col])[0]
    geoms = shapely.points(x, y)
    geoms[np.isnan(x) | np.isnan(y)] = None
    frame = gpd.GeoDataFrame(table.drop(columns=[x_col, y_col]), geometry=geoms,
                             crs=crs or STORE_CRS)
    if crs is None and len(frame) and not looks_like_rd(tuple(frame.total_bounds)):
        raise InputError("x, y do not look like RD New metres: state the CRS with --crs",
                         path=str(path))
    return frame
