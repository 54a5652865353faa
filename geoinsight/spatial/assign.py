"""Points to areas for every stored boundary set, with the project's point-to-area engine."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoinsight.spatial.points import PointIndex
from geoinsight.store.model import POINT_AREA_COLUMNS


def assign_points(areas: gpd.GeoDataFrame, points: gpd.GeoDataFrame, point_set: str,
                  id_column: str) -> pd.DataFrame:
    """One row per (point, level, boundary year) for the area the point lies in.

    Points outside every area of a boundary set get no row for it.
    """
    if points.empty or areas.empty:
        return pd.DataFrame(columns=POINT_AREA_COLUMNS)
    x = points.geometry.x.to_numpy()
    y = points.geometry.y.to_numpy()
    ids = points[id_column].to_numpy()
    parts = []
    for (level, year), group in areas.groupby(["level", "year"], sort=True):
        position = PointIndex(group.geometry.to_numpy()).assign(x, y)
        inside = position >= 0
        parts.append(pd.DataFrame({
            "point_set": point_set, "point_id": ids[inside], "level": level,
            "boundary_year": int(year),
            "area_code": group["code"].to_numpy()[position[inside]]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=POINT_AREA_COLUMNS)


def chosen_boundaries(areas: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per level and code, the boundary year that figures of ``year`` are shown on.

    The same rule as the maps: that year's boundaries, else the latest earlier set, else the
    earliest later one. Returns (level, code, boundary_year).
    """
    frame = areas[["level", "code", "year"]].copy()
    frame["rank"] = np.where(frame["year"] <= year, year - frame["year"], 10_000 + frame["year"])
    best = frame.sort_values("rank").drop_duplicates(["level", "code"], keep="first")
    return best.rename(columns={"year": "boundary_year"})[["level", "code", "boundary_year"]]
