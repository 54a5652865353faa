"""What every ingest shares: the file's checksum, writing the batch, and the result it reports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geoinsight.analysis.placement import PlacementReport
from geoinsight.ingest.progress import report
from geoinsight.store import Store
from geoinsight.store.model import IngestBatch, IngestCounts, Reject


@dataclass
class IngestResult:
    ingest_id: int
    kind: str
    path: Path
    counts: IngestCounts
    rejects: list[Reject]
    notes: list[str]
    levels: dict[str, int]
    years: list[int]
    #: how the figures' codes meet the stored boundaries (tables and boundary files)
    placement: PlacementReport | None = None
    #: lines the summary prints below its first (``ingest events``: the category mapping)
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        what = ", ".join(f"{n} {level}" for level, n in self.levels.items()) or "no areas"
        years = "/".join(str(y) for y in self.years) or "-"
        line = (f"{self.kind.replace('_', ' ')} {self.path.name}: "
                f"{self.counts.summary(self.kind)} ({what}; {years})")
        placed = self.placement.summary() if self.placement else ""
        more = [placed] if placed else []
        return "\n  ".join([line, *more, *self.details])


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def finish(store: Store, batch: IngestBatch, rows: pd.DataFrame,
           years: Iterable[int], placement: PlacementReport | None = None) -> IngestResult:
    """Write the batch; the summary reports ``rows`` per level and the ``years`` given."""
    counts = batch.counts
    report("writing", read=counts.read, rejected=counts.rejected)
    ingest_id = store.write(batch)
    report("stored", read=counts.read, rejected=counts.rejected, stored=counts.stored)
    levels = rows["level"].value_counts()
    ordered = {lv: int(levels[lv]) for lv in ("gemeente", "wijk", "buurt") if lv in levels}
    return IngestResult(ingest_id, batch.kind, batch.source, batch.counts, batch.rejects,
                        batch.notes, ordered, sorted({int(y) for y in years}), placement)
