"""The twelve provinces (CBS 2022 outlines, ``data/regions/README.md``) and which gemeenten of a
store lie in one.

A province map (``province=``) shows the areas of the gemeenten in that province. Membership is
decided per gemeente, never per area, so a province map never cuts a gemeente: each of its
areas' interior points (``representative_point``) votes for the province that holds it (the
nearest where the simplified coast leaves it outside all), and the gemeente goes where most of
its areas are. That holds for the boundaries of any year.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoinsight.crs import STORE_CRS
from geoinsight.errors import BadRequest
from geoinsight.resources import resource_dir
from geoinsight.sources.regions import name_key

FILE = "provinces_2022.geojson"


@dataclass(frozen=True)
class Province:
    code: str
    name: str


@cache
def outlines() -> gpd.GeoDataFrame:
    """The provinces (code, name, geometry) in the store CRS."""
    frame = gpd.read_file(resource_dir("regions") / FILE)
    return frame.set_crs(STORE_CRS, allow_override=True)[["code", "name", "geometry"]]


def provinces() -> list[Province]:
    """Every province, by name."""
    frame = outlines()
    return sorted((Province(str(c), str(n)) for c, n in zip(frame["code"], frame["name"],
                                                             strict=True)),
                  key=lambda p: name_key(p.name))


def find(text: str | None) -> Province | None:
    """The province a ``province`` parameter names: its code (``PV26``) or its name, any case,
    with or without accents (``fryslan``); none for an empty parameter."""
    wanted = (text or "").strip()
    if not wanted:
        return None
    for each in provinces():
        if wanted.upper() == each.code or name_key(wanted) == name_key(each.name):
            return each
    known = ", ".join(f"{p.code} ({p.name})" for p in provinces())
    raise BadRequest(f"province must be one of {known}, not {wanted!r}", code="bad_province")


def gemeenten_in(province: Province, areas: gpd.GeoDataFrame) -> set[str]:
    """Codes of the gemeenten of ``areas`` (gemeente_code, geometry in the store CRS; at the
    gemeente level each area's own code) that lie in ``province`` (module docstring)."""
    if areas.empty:
        return set()
    shapes = outlines()
    points = shapely.point_on_surface(areas.geometry.to_numpy())
    tree = shapely.STRtree(shapes.geometry.to_numpy())
    inside, holder = tree.query(points, predicate="within")
    where = np.full(len(points), -1, dtype=np.int64)
    where[inside] = holder
    outside = np.flatnonzero(where < 0)
    if len(outside):
        where[outside] = tree.nearest(points[outside])
    codes = shapes["code"].to_numpy()[where]
    gemeente = areas["gemeente_code"].where(areas["gemeente_code"].notna(), areas["code"]) \
        if "gemeente_code" in areas else areas["code"]
    votes = pd.DataFrame({"gemeente": gemeente.to_numpy(), "province": codes})
    winner = votes.groupby("gemeente")["province"].agg(lambda s: s.value_counts().index[0])
    return {str(g) for g, p in winner.items() if p == province.code}
