"""What every store writes for a batch, as plain Python rows: the part of a write that does not
depend on the database (the GeoPackage and PostGIS stores each only say how rows get in)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.errors import GeoInsightError
from geoinsight.rasters import RASTER_ROW, RasterSource
from geoinsight.registers import REGISTER_ROW, EventRegister
from geoinsight.store.model import AREA_COLUMNS, VALUE_COLUMNS, IngestBatch, Removal

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


def definition_change(previous: Owner | None,
                      current: Owner | None) -> tuple[list[str], list[str]]:
    """What replacing an event register's or a raster's definition removes: the indicators
    whose values go (every one the previous definition owned) and those whose records go (the
    ones the new one lacks; all of them when there is no new one: a removal)."""
    if previous is None:
        return [], []
    kept = set(current.indicator_ids()) if current is not None else set()
    return list(previous.indicator_ids()), sorted(set(previous.indicator_ids()) - kept)


# -- removing an ingest ---------------------------------------------------------------------

#: the tables whose rows name the ingest that wrote them last: what an ingest still holds
HOLDING_TABLES = ("areas", "addresses", "energy_labels", "indicator_values", "area_register",
                  "event_registers", "rasters")
#: what a removal reports, in this order: those, then what goes with them
REMOVAL_TABLES = (*HOLDING_TABLES, "point_areas", "indicators")
#: the point sets whose point ids are the vbo_id of the table of the same name
POINT_TABLES = ("addresses", "energy_labels")
HOLDING_COLUMNS = ["ingest_id", "table", "rows"]


def holdings(records: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """(ingest_id, table, rows) of counted rows, the nonzero ones, by ingest and table."""
    frame = pd.DataFrame.from_records([tuple(r) for r in records], columns=HOLDING_COLUMNS)
    frame = frame[frame["rows"] > 0].astype({"ingest_id": "int64", "table": str,
                                              "rows": "int64"})
    order = frame["table"].map(HOLDING_TABLES.index)
    return frame.assign(order=order).sort_values(["ingest_id", "order"]).drop(
        columns="order").reset_index(drop=True)


def refused(message: str) -> GeoInsightError:
    return GeoInsightError(message, code="removal_refused", status=409)


def check_removal(ingest_id: int, entry: dict[str, Any] | None, held: Mapping[str, int],
                  labels_on: Sequence[int]) -> dict[str, Any]:
    """``entry``, the ingest's log row, when it may be removed; else the refusal, raised before
    anything changes. ``entry`` None: unknown; ``held``: its rows per table; ``labels_on``: the
    ingests of the energy labels located on addresses it holds."""
    if entry is None:
        raise refused(f"no ingest {ingest_id} in the store")
    if entry["kind"] == "removal":
        raise refused(f"ingest {ingest_id} is a removal: it cannot be removed itself")
    if not any(held.values()):
        raise refused(f"ingest {ingest_id} ({described(entry)}) holds nothing any more: "
                      "later ingests replaced what it stored")
    if labels_on:
        raise refused(f"remove the energy labels first (ingest "
                      f"{', '.join(str(i) for i in labels_on)}): they are located on these "
                      "addresses")
    return entry


def described(entry: Mapping[str, Any]) -> str:
    """An ingest as a removal names it: ``indicators kwb-2024.csv``."""
    return f"{entry['kind']} {Path(str(entry['file'])).name}"


def owned(definitions: Callable[[str, list[str]], Iterable[Sequence[Any]]],
          ) -> tuple[set[str], set[str], list[str]]:
    """What goes with the event registers and rasters a removed ingest defined: the indicators
    whose values go, those whose records go, and the kept files of the rasters.
    ``definitions(table, columns)`` answers the rows of those definitions in a table."""
    values: set[str] = set()
    records: set[str] = set()
    files: list[str] = []
    for table, (columns, from_row) in DEFINITION_TABLES.items():
        for found in definitions(table, columns):
            row = dict(zip(columns, found, strict=True))
            values_gone, records_gone = definition_change(from_row(row), None)
            values.update(values_gone)
            records.update(records_gone)
            if table == "rasters":
                files.append(str(row["file"]))
    return values, records, files


def removal(ingest_id: int, entry: Mapping[str, Any], removed: Mapping[str, int],
            files: list[str]) -> Removal:
    """The removal of an ingest (its log row ``entry``), its ``log_id`` still to be set."""
    return Removal(ingest_id, str(entry["kind"]), str(entry["file"]),
                   {t: n for t, n in removed.items() if n}, 0, files)


def removal_log_row(entry: Mapping[str, Any], notes: str, at: str) -> tuple[Any, ...]:
    """The ingest log's row of a removal: the removed ingest's file, checksum and year."""
    year = entry.get("year")
    return (at, "removal", str(entry["file"]), str(entry["checksum"]),
            None if year is None or pd.isna(year) else int(year), 0, 0, 0, 0, 0,
            json.dumps([notes], ensure_ascii=False))


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
