"""The beheerder's data page: what the store holds, every ingest with what it still holds, and
removing one ingest's data (a "source") from the store.

An ingest's rows stay its own until a later ingest replaces them (a newer table for the same
codes and year, a new EP-Online file, a register or raster of the same name): the page says
what each ingest still holds, and only such an ingest can be removed. The removal is one write
transaction of the store (all or nothing), logged in the store's ingest log as a ``removal``
and, by the caller, in the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geoinsight.catalog import load_catalog
from geoinsight.catalog.stored import with_stored_layers
from geoinsight.errors import GeoInsightError
from geoinsight.ingest.common import IngestResult
from geoinsight.settings import Settings
from geoinsight.store import Store, open_store
from geoinsight.store.model import Removal
from geoinsight.usecases.store_status import Status, store_status

#: log rows that are no source of their own: a removal, and the figures computed again after one
_NOT_SOURCES = ("removal", "recompute")
#: the store's tables, as the page names what an ingest holds (in this order)
HOLDING_TABLES = ("areas", "area_register", "indicator_values", "addresses", "energy_labels",
                  "event_registers", "rasters")


@dataclass(frozen=True)
class IngestEntry:
    """One row of the ingest log, with what it still holds."""

    id: int
    at: str
    kind: str
    file: str
    checksum: str
    year: int | None
    read: int
    stored: int
    rejected: int
    notes: str
    #: table -> rows of it that are still this ingest's
    holds: dict[str, int] = field(default_factory=dict)
    #: the removal that took this ingest's data out, if any
    removed_by: int | None = None

    @property
    def removable(self) -> bool:
        return self.kind not in _NOT_SOURCES and bool(self.holds)


@dataclass
class DataOverview:
    status: Status
    ingests: list[IngestEntry]


def data_overview(settings: Settings) -> DataOverview:
    store = open_store(settings)
    catalog = with_stored_layers(load_catalog(settings.layers_dir), store)
    status = store_status(store, catalog, settings.store_name)
    return DataOverview(status, ingest_entries(store))


def ingest_entries(store: Store) -> list[IngestEntry]:
    """The ingest log, newest first, with each ingest's holdings."""
    log = store.ingest_log()
    if log.empty:
        return []
    holdings = store.holdings()
    held: dict[int, dict[str, int]] = {}
    for row in holdings.itertuples():
        held.setdefault(int(row.ingest_id), {})[str(row.table)] = int(row.rows)
    removed = _removals(log)
    entries = []
    for row in log.itertuples():
        ingest_id = int(row.id)
        mine = held.get(ingest_id, {})
        entries.append(IngestEntry(
            ingest_id, str(row.at), str(row.kind), str(row.file), str(row.checksum),
            None if pd.isna(row.year) else int(row.year), int(row.rows_read),
            int(row.rows_stored), int(row.rows_rejected), "; ".join(_notes(row.notes)),
            {t: mine[t] for t in HOLDING_TABLES if mine.get(t)}, removed.get(ingest_id)))
    return entries[::-1]


def _removals(log: pd.DataFrame) -> dict[int, int]:
    """removed ingest id -> the removal's log id, read from the removals' notes."""
    found = {}
    for row in log[log["kind"] == "removal"].itertuples():
        for note in _notes(row.notes):
            words = note.split()
            if len(words) > 2 and words[:2] == ["removed", "ingest"] and words[2].isdigit():
                found[int(words[2])] = int(row.id)
    return found


def _notes(text: object) -> list[str]:
    """An ingest's notes: a JSON list of lines (older stores: plain text)."""
    try:
        notes = json.loads(str(text or "[]"))
    except ValueError:
        return [str(text)]
    return [str(n) for n in notes] if isinstance(notes, list) else [str(notes)]


#: removing these changes what the dwelling and energy-label figures are computed from
_POINT_INPUTS = ("boundaries", "addresses", "energy_labels")


@dataclass(frozen=True)
class RemovalOutcome:
    removal: Removal
    #: the dwelling and label figures computed again from what is left, if the store holds
    #: addresses and the removal changed what they rest on
    recomputed: IngestResult | None = None


def remove_source(settings: Settings, ingest_id: int) -> RemovalOutcome:
    """Take ``ingest_id``'s data out of the store (refused with a one-line reason when it
    holds nothing, or when other data rests on it); delete the raster files it kept; and when
    it changed what point figures rest on, compute those again from what is left.

    The removal is one write; the recomputation a second. Between them the dwelling and label
    figures of a removed boundary, address or label ingest are absent, not wrong: the
    ingest that computed them last owns them, and goes with it (see docs/operations.md).
    """
    store = open_store(settings)
    log = store.ingest_log()
    kind = log.loc[log["id"] == ingest_id, "kind"] if len(log) else pd.Series(dtype=str)
    if len(kind) and kind.iloc[0] == "recompute":
        raise GeoInsightError(f"ingest {ingest_id} is a recomputation after a removal: it goes "
                              "with the sources it was computed from", code="removal_refused",
                              status=409)
    removal = store.remove_ingest(ingest_id)
    for name in removal.files:
        kept = Path(name) if Path(name).is_absolute() else settings.data_dir / name
        kept.unlink(missing_ok=True)
    recomputed = None
    if removal.kind in _POINT_INPUTS:
        from geoinsight.ingest.points import recompute_points

        recomputed = recompute_points(store, f"after removal of ingest {ingest_id}")
    return RemovalOutcome(removal, recomputed)
