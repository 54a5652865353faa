"""A small store filled through the real ingests (boundaries, table, addresses, labels, events),
and everything a reader can ask of it, for comparing stores and before/after states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from builders import RD, bike_thefts, squares
from rasterio.transform import from_origin
from test_ingest_points import ADDRESSES, LABELS, PUBLISHED, write_labels

from geoinsight.ingest import (
    ingest_addresses,
    ingest_boundaries,
    ingest_energy_labels,
    ingest_events,
    ingest_indicators,
)
from geoinsight.ingest.rasters import ingest_raster
from geoinsight.rasters import RasterSpec
from geoinsight.store import Store

CODES = ["BU05030000", "BU05030001"]
TABLE = "buurtcode;aantalInwoners;percentageOuderDan65\nBU05030000;120;12,5\nBU05030001;.;\n"


def fill(store: Store, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    buurten = gpd.GeoDataFrame({"buurtcode": CODES, "buurtnaam": ["A", "B"],
                                "jaar": [2022, 2022]}, geometry=squares(2), crs=RD)
    buurten.to_file(folder / "b.gpkg")
    ingest_boundaries(store, folder / "b.gpkg")
    (folder / "kwb.csv").write_text(TABLE, encoding="utf-8")
    ingest_indicators(store, folder / "kwb.csv", year=2022)
    (folder / "bag.csv").write_text(ADDRESSES)
    ingest_addresses(store, folder / "bag.csv", year=2022)
    ingest_energy_labels(store, write_labels(folder / "ep.csv", LABELS), today=PUBLISHED)
    ingest_events(store, bike_thefts(store.areas(), folder / "fiets.csv", year=2022))
    ingest_raster(store, heat_raster(folder / "heat.tif"),
                  RasterSpec("hitte", unit="°C", above=(21.0,), year=2022), folder / "data")


def heat_raster(path: Path) -> Path:
    """10 m cells over both buurten of :func:`fill` and beyond: 20 °C, rising eastwards."""
    values = np.tile(np.linspace(20.0, 22.0, 30, dtype="float32"), (20, 1))
    with rasterio.open(path, "w", driver="GTiff", width=30, height=20, count=1,
                       dtype="float32", crs=RD, nodata=-9999.0,
                       transform=from_origin(83950.0, 447150.0, 10.0, 10.0)) as out:
        out.write(values, 1)
    return path


def normal(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A frame in a canonical order and form: rows sorted, index reset, geometry as WKT at 1e-6 m,
    integers as floats where one store may read a nullable column as float."""
    frame = pd.DataFrame(frame).drop(columns=[c for c in drop if c in frame.columns])
    if "geometry" in frame.columns:
        geoms = shapely.set_precision(shapely.normalize(frame["geometry"].to_numpy()), 1e-6)
        frame = frame.assign(geometry=shapely.to_wkt(geoms, rounding_precision=6))
    frame = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        frame[column] = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                         for v in frame[column]]
    return frame.sort_values(list(frame.columns), key=lambda s: s.astype(str)).reset_index(
        drop=True)


def snapshot(store: Store) -> dict[str, Any]:
    """Every read of the protocol, in canonical form (the ingest time left out)."""
    log = store.ingest_log()
    return {
        "empty": store.is_empty(), "version": store.version(),
        "areas": normal(store.areas()), "area_years": store.area_years(),
        "values": normal(store.values()), "value_years": store.value_years(),
        "presence": normal(store.presence()), "indicators": normal(store.indicators()),
        "log": normal(log, drop=("at",)),
        "rejects": [normal(store.rejects(int(i))) for i in log.get("id", [])],
        "inventory": {k: normal(v) for k, v in store.inventory().items()},
        "addresses": normal(store.addresses()), "labels": normal(store.labels()),
        "point_areas": normal(store.point_areas("addresses")),
        "register": normal(store.register()), "links": normal(store.links()),
        "event_registers": [(r.name, r.indicator_ids(), r.tier)
                            for r in store.event_registers()],
        "rasters": [(r.as_row(), r.ingest_id) for r in store.rasters()],
    }


def assert_same(a: dict[str, Any], b: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key in skip:
            continue
        left, right = a[key], b[key]
        if isinstance(left, dict):
            for part in left:
                pd.testing.assert_frame_equal(left[part], right[part], obj=f"{key}.{part}")
        elif isinstance(left, list) and left and isinstance(left[0], pd.DataFrame):
            assert len(left) == len(right), key
            for x, y in zip(left, right, strict=True):
                pd.testing.assert_frame_equal(x, y, obj=key)
        elif isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right, obj=key)
        else:
            assert left == right, key
