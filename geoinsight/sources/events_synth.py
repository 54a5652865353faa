"""A synthetic event register for the demo: no real registrations can be published.

Events are drawn per buurt and year from a Poisson distribution around a base rate per
inhabitant, raised near one planted hot spot (centred on the buurt with most inhabitants per
hectare) and, in the last year only, around a second, emerging one (the populous buurt farthest
from the first). Points fall uniformly inside their buurt; dates uniformly in their year;
categories follow a fixed mix. Deterministic for a seed. The file is written as a municipality
would export it (x;y;pleegdatum;categorie) and read by the real ``ingest events`` parser; every
figure made from it is flagged synthetic.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

BASE_PER_1000 = 9.0
HOTSPOT_GAIN = 3.0
HOTSPOT_RADIUS_M = 700.0
CATEGORIES = ("Drugshandel", "Hennepkwekerij", "Vuurwapenbezit", "Explosie",
              "Fraude", "Witwassen")
CATEGORY_P = (0.28, 0.12, 0.15, 0.10, 0.22, 0.13)


def synthetic_events(buurten: gpd.GeoDataFrame, population: pd.Series, years: list[int],
                     seed: int) -> pd.DataFrame:
    """``buurten``: code and geometry (RD New); ``population``: inhabitants by code."""
    rng = np.random.default_rng(seed)
    frame = buurten[["code", "geometry"]].sort_values("code").reset_index(drop=True)
    people = population.reindex(frame["code"]).fillna(0).to_numpy(dtype=float)
    centres = shapely.centroid(frame.geometry.to_numpy())
    density = people / np.maximum(shapely.area(frame.geometry.to_numpy()) / 1e4, 1.0)
    first = centres[int(np.argmax(density))]
    far = shapely.distance(centres, first) * (people > np.median(people))
    second = centres[int(np.argmax(far))]
    rows = []
    for i, year in enumerate(years):
        gain = 1 + HOTSPOT_GAIN * _bump(centres, first)
        if i == len(years) - 1:
            gain = gain + HOTSPOT_GAIN * _bump(centres, second)  # the emerging hot spot
        expected = people / 1000 * BASE_PER_1000 * gain * (1 + 0.04 * i)
        counts = rng.poisson(expected)
        for geom, n in zip(frame.geometry, counts, strict=True):
            if n:
                rows.append(_events_in(rng, geom, int(n), year))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["x", "y", "pleegdatum", "categorie"])


def _bump(centres: np.ndarray, centre: shapely.Point) -> np.ndarray:
    return np.exp(-((shapely.distance(centres, centre) / HOTSPOT_RADIUS_M) ** 2))


def _events_in(rng: np.random.Generator, geom: shapely.Geometry, n: int,
               year: int) -> pd.DataFrame:
    minx, miny, maxx, maxy = geom.bounds
    xs: list[float] = []
    ys: list[float] = []
    shapely.prepare(geom)
    while len(xs) < n:
        x = rng.uniform(minx, maxx, 4 * n)
        y = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(geom, x, y)
        xs += list(np.round(x[inside], 1))
        ys += list(np.round(y[inside], 1))
    days = rng.integers(0, 365, n)
    dates = (np.datetime64(f"{year}-01-01") + days.astype("timedelta64[D]")).astype(str)
    category = rng.choice(CATEGORIES, size=n, p=CATEGORY_P)
    return pd.DataFrame({"x": xs[:n], "y": ys[:n], "pleegdatum": dates, "categorie": category})


def write_events_file(events: pd.DataFrame, path: Path) -> Path:
    events.to_csv(path, sep=";", index=False)
    return path
