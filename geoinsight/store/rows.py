"""What every store writes for a batch, as plain Python rows: the part of a write that does not
depend on the database (the GeoPackage and PostGIS stores each only say how rows get in)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.rasters import RASTER_ROW, RasterSource
from geoinsight.registers import REGISTER_ROW, EventRegister
from geoinsight.store.model import AREA_COLUMNS, VALUE_COLUMNS, IngestBatch

#: the ingest log's columns after its id, in the order both stores keep them
LOG_COLUMNS = ["at", "kind", "file", "checksum", "year", "rows_read", "rows_stored",
               "rows_repaired", "rows_rejected", "rows_skipped", "notes"]
INDICATOR_COLUMNS = ["id", "title_nl", "title_en", "unit", "kind", "tier", "source", "licence",
                     "synthetic"]
#: the columns a bounding box is given in: (minx, miny, maxx, maxy), EPSG:28992
BBox = tuple[float, float, float, float]


def now() -> str:
    """The ingest log's timestamp: UTC, ISO 8601, microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_row(batch: IngestBatch, at: str) -> tuple[Any, ...]:
    c = batch.counts
    return (at, batch.kind, str(batch.source), batch.checksum, batch.year, c.read, c.stored,
            c.repaired, c.rejected, c.skipped, json.dumps(batch.notes, ensure_ascii=False))


def reject_rows(batch: IngestBatch, ingest_id: int) -> list[tuple[Any, ...]]:
    return [(ingest_id, r.row, r.code, r.reason) for r in batch.rejects]


def indicator_rows(batch: IngestBatch) -> list[tuple[Any, ...]]:
    return [(i.id, i.title_nl, i.title_en, i.unit, i.kind, i.tier, i.source, i.licence,
             int(i.extra.get("synthetic") == "1")) for i in batch.indicators]


def value_rows(values: pd.DataFrame, ingest_id: int) -> list[tuple[Any, ...]]:
    """(area_code, year, indicator, value, status, ingest_id, boundary_year) per figure."""
    return list(zip(values["code"], values["year"].astype(int).tolist(), values["indicator"],
                    [None if pd.isna(x) else float(x) for x in values["value"]],
                    values["status"], [ingest_id] * len(values),
                    values["boundary_year"].astype(int).tolist(), strict=True))


def plain(frame: pd.DataFrame) -> Iterable[tuple[Any, ...]]:
    """The rows of a frame as tuples of Python values, missing ones as None."""
    return (tuple(r) for r in frame.astype(object).where(frame.notna(), None)
            .itertuples(index=False))


def area_rows(areas: gpd.GeoDataFrame) -> tuple[Any, list[tuple[Any, ...]]]:
    """The 2D geometries and the AREA_COLUMNS rows (year as int) of a boundary batch."""
    geoms = shapely.force_2d(areas.geometry.to_numpy())
    rows = [(r[0], int(r[1]), *r[2:]) for r in plain(areas[AREA_COLUMNS])]
    return geoms, rows


def register_rows(register: pd.DataFrame, ingest_id: int) -> list[tuple[Any, ...]]:
    """(code, year, level, name, changed, ingest_id) of REGISTER_COLUMNS rows."""
    return [(r[0], int(r[1]), r[2], r[3], None if r[4] is None else int(r[4]), ingest_id)
            for r in plain(register[["code", "year", "level", "name", "changed"]])]


class Owner(Protocol):
    """A store-defined source that owns indicators: an event register, a raster."""

    @property
    def name(self) -> str: ...

    def indicator_ids(self) -> tuple[str, ...]: ...

    def as_row(self) -> dict[str, Any]: ...


#: (table, columns, reader) of each kind of definition a batch may replace
DEFINITION_TABLES: dict[str, tuple[list[str], Callable[[Mapping[str, Any]], Owner]]] = {
    "event_registers": (REGISTER_ROW, EventRegister.from_row),
    "rasters": (RASTER_ROW, RasterSource.from_row),
}


def definitions(batch: IngestBatch) -> list[tuple[str, Owner]]:
    """The definitions a batch replaces, with their tables."""
    found: list[tuple[str, Owner]] = []
    if batch.event_register is not None:
        found.append(("event_registers", batch.event_register))
    if batch.raster is not None:
        found.append(("rasters", batch.raster))
    return found


def definition_change(previous: Owner | None, current: Owner) -> tuple[list[str], list[str]]:
    """What replacing an event register's or a raster's definition removes: the indicators
    whose values go (every one the previous definition owned) and those whose records go (the
    ones the new one lacks)."""
    if previous is None:
        return [], []
    gone = set(previous.indicator_ids()) - set(current.indicator_ids())
    return list(previous.indicator_ids()), sorted(gone)


def presence(values: pd.DataFrame) -> pd.DataFrame:
    """The figures that exist, without their value (Reader.presence)."""
    return values.loc[values["status"] != "missing", [c for c in VALUE_COLUMNS if c != "value"]]


def chunks(keys: Sequence[str], size: int) -> Iterable[list[str]]:
    keys = list(keys)
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


def intersecting(frame: gpd.GeoDataFrame, bbox: BBox) -> gpd.GeoDataFrame:
    """The rows whose geometry meets the box (the exact test after an index's coarse one)."""
    box = shapely.box(*bbox)
    return frame[shapely.intersects(frame.geometry.to_numpy(), box)].reset_index(drop=True)
