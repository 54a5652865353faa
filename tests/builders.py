"""Small boundary and table fixtures built in code, in the column dialects CBS uses."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

RD = "EPSG:28992"


def squares(n: int, x0: float = 84000.0, y0: float = 447000.0, size: float = 100.0) -> list:
    """n unit squares in a row, touching each other (a clean coverage), in RD New metres."""
    return [shapely.box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def classic_buurten(n: int = 3) -> gpd.GeoDataFrame:
    """Classic wijk- en buurtkaart shapefile columns (BU_CODE, AANT_INW, P_65_EO_JR, WATER)."""
    codes = [f"BU0503{i // 2:02d}{i:02d}" for i in range(n)]
    return gpd.GeoDataFrame({
        "BU_CODE": codes, "BU_NAAM": [f"Buurt {i}" for i in range(n)],
        "WK_CODE": [f"WK0503{i // 2:02d}" for i in range(n)], "GM_CODE": "GM0503",
        "GM_NAAM": "Delft", "WATER": "NEE",
        "AANT_INW": [1000 + i for i in range(n)], "P_65_EO_JR": [15.0 + i for i in range(n)],
    }, geometry=squares(n), crs=RD)


def write_zip_shapefile(frame: gpd.GeoDataFrame, folder: Path, name: str = "buurt") -> Path:
    shp_dir = folder / f"{name}_shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / f"{name}.shp")
    target = folder / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in shp_dir.iterdir():
            archive.write(part, part.name)
    return target


def four_buurten_store(store_path: Path, table: str, year: int = 2024) -> Path:
    """A store of four 2024 buurten of GM0503 (BU05030001..4, 100 m squares) and one indicator
    table for ``year`` (``;``-separated, keyed by ``buurtcode``); returns the store path."""
    from geoinsight.ingest import ingest_boundaries, ingest_indicators
    from geoinsight.store.gpkg import GeoPackageStore

    store_path.parent.mkdir(parents=True, exist_ok=True)
    store = GeoPackageStore(store_path)
    codes = [f"BU0503000{i}" for i in range(1, 5)]
    boundaries = store_path.parent / "buurten.gpkg"
    gpd.GeoDataFrame({"buurtcode": codes, "buurtnaam": [f"Buurt {c[-1]}" for c in codes],
                      "jaar": 2024}, geometry=squares(4), crs=RD).to_file(boundaries)
    ingest_boundaries(store, boundaries)
    target = store_path.parent / "kwb.csv"
    target.write_text(table, encoding="utf-8")
    ingest_indicators(store, target, year=year)
    return store_path


def bike_thefts(buurten: gpd.GeoDataFrame, path: Path, year: int = 2024,
                per_buurt: tuple[int, ...] = (0, 3, 8, 12, 20)) -> Path:
    """A register of bike thefts as a municipality exports it (x;y;datum;soort): in the i-th
    buurt (by code) ``per_buurt[i % len(per_buurt)]`` thefts, at a point inside it; every
    third one an attempt (``Poging fietsdiefstal``)."""
    frame = buurten.sort_values("code")
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    lines = ["x;y;datum;soort"]
    for i, point in enumerate(points):
        for k in range(per_buurt[i % len(per_buurt)]):
            kind = "Poging fietsdiefstal" if k % 3 == 2 else "Diefstal Fiets"
            lines.append(f"{point.x:.1f};{point.y:.1f};{year}-{1 + k % 12:02d}-15;{kind}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gemeente_buurten(gemeente: str, name: str, n: int, x0: float, y0: float,
                     size: float = 500.0) -> gpd.GeoDataFrame:
    """``n`` square buurten of one gemeente in a row from (x0, y0) RD, classic CBS columns, one
    wijk per two buurten, with inhabitants (a figure of the boundaries' year)."""
    number = gemeente[2:]
    return gpd.GeoDataFrame({
        "BU_CODE": [f"BU{number}{i // 2:02d}{i:02d}" for i in range(n)],
        "BU_NAAM": [f"{name} buurt {i}" for i in range(n)],
        "WK_CODE": [f"WK{number}{i // 2:02d}" for i in range(n)], "GM_CODE": gemeente,
        "GM_NAAM": name, "WATER": "NEE", "AANT_INW": [800 + 100 * i for i in range(n)],
    }, geometry=squares(n, x0, y0, size), crs=RD)
