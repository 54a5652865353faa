"""What an ingest hands to a store: one batch, written all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoinsight.rasters import RasterSource
from geoinsight.records import (
    ADDRESS_COLUMNS,
    AREA_COLUMNS,
    LABEL_COLUMNS,
    LEVELS,
    LINK_COLUMNS,
    POINT_AREA_COLUMNS,
    REGISTER_COLUMNS,
    STATUSES,
    VALUE_COLUMNS,
    Indicator,
    Reject,
)
from geoinsight.registers import EventRegister

# the vocabulary lives in geoinsight.records; re-exported for the store's users
__all__ = ["ADDRESS_COLUMNS", "AREA_COLUMNS", "LABEL_COLUMNS", "LEVELS", "LINK_COLUMNS",
           "POINT_AREA_COLUMNS", "REGISTER_COLUMNS", "STATUSES", "VALUE_COLUMNS", "IngestBatch",
           "IngestCounts", "Reject", "Removal", "empty_values"]


@dataclass
class IngestCounts:
    read: int = 0
    stored: int = 0
    repaired: int = 0
    rejected: int = 0
    skipped: int = 0
    superseded: int = 0

    def summary(self, kind: str = "") -> str:
        if kind == "energy_labels":
            return (f"read {self.read}, located {self.stored}, superseded {self.superseded}, "
                    f"rejected {self.rejected}")
        if kind == "raster":
            return (f"areas {self.read}, with statistics {self.stored}, coverage only "
                    f"{self.skipped}")
        text = (f"read {self.read}, stored {self.stored}, repaired {self.repaired}, "
                f"rejected {self.rejected}")
        return text + (f", skipped {self.skipped}" if self.skipped else "")


@dataclass
class IngestBatch:
    kind: str
    source: Path
    checksum: str
    values: pd.DataFrame
    indicators: list[Indicator]
    counts: IngestCounts
    areas: gpd.GeoDataFrame | None = None
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    year: int | None = None
    #: BAG address points to add or update (by vbo_id), EPSG:28992
    addresses: gpd.GeoDataFrame | None = None
    #: energy labels: the complete new set (an EP-Online totaalbestand replaces the old one)
    labels: pd.DataFrame | None = None
    #: point -> area assignments; replaces every assignment of the point sets it names
    point_areas: pd.DataFrame | None = None
    #: indicators recomputed from scratch (point aggregates): their old values are removed first
    replace_indicators: list[str] = field(default_factory=list)
    #: codes and names per classification year that the source names (REGISTER_COLUMNS)
    register: pd.DataFrame | None = None
    #: the links of ``linked_codes`` as recomputed after this batch (LINK_COLUMNS)
    links: pd.DataFrame | None = None
    linked_codes: list[str] = field(default_factory=list)
    #: an event register's definition: replaces the register of that name, and every value
    #: and indicator its previous definition owned
    event_register: EventRegister | None = None
    #: a raster's definition: replaces the raster of that name, and every value and
    #: indicator its previous definition owned
    raster: RasterSource | None = None


@dataclass(frozen=True)
class Removal:
    """What removing one ingest took out of the store (``Store.remove_ingest``)."""

    ingest_id: int
    kind: str
    file: str
    #: rows removed per table, in the order :data:`geoinsight.store.rows.REMOVAL_TABLES` names
    rows: dict[str, int]
    #: the ingest_log row that records the removal
    log_id: int
    #: the kept GeoTIFFs of removed rasters (``file`` relative to the data folder): the store
    #: leaves them; the caller deletes them once the removal is committed
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line, as the ingest log's notes keep it."""
        removed = ", ".join(f"{n} {table}" for table, n in self.rows.items() if n) or "nothing"
        return (f"removed ingest {self.ingest_id} ({self.kind} {Path(self.file).name}): "
                f"{removed}")


def empty_values() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
                         "indicator": pd.Series(dtype=str), "value": pd.Series(dtype=float),
                         "status": pd.Series(dtype=str),
                         "boundary_year": pd.Series(dtype="int64")})
