"""What an ingest hands to a store: one batch, written all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoinsight.indicators import Indicator

AREA_COLUMNS = ["code", "year", "level", "name", "gemeente_code", "wijk_code"]
VALUE_COLUMNS = ["code", "year", "indicator", "value", "status"]
STATUSES = ("ok", "missing", "secret", "estimated")
LEVELS = ("gemeente", "wijk", "buurt")


@dataclass(frozen=True)
class Reject:
    """A row that was not stored, and why (so nothing disappears silently)."""

    row: str
    code: str
    reason: str


@dataclass
class IngestCounts:
    read: int = 0
    stored: int = 0
    repaired: int = 0
    rejected: int = 0
    skipped: int = 0

    def summary(self) -> str:
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


def empty_values() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
                         "indicator": pd.Series(dtype=str), "value": pd.Series(dtype=float),
                         "status": pd.Series(dtype=str)})
