"""A municipality's own event registrations, counted per area and year (``ingest events``).

Each event is placed with the point-to-area engine in the boundaries its year is shown on
(that year's, else the latest earlier set, else the earliest later one: the maps' rule), and
counted per area, year and event class. Only the counts are stored; the points stay with the
file. Areas of a gemeente with at least one event get a count for every year of the file (0
where nothing was registered); areas of other gemeenten get none: the file says nothing about
them. A new file replaces the counts of the previous one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.crs import STORE_CRS
from geoinsight.errors import InputError
from geoinsight.indicators import BY_ID, EVENT_CATEGORIES, Indicator
from geoinsight.ingest import IngestResult, checksum, finish
from geoinsight.sources.codes import gemeente_of, level_of
from geoinsight.sources.events import Events, read_events
from geoinsight.spatial.assign import assign_points, chosen_boundaries
from geoinsight.store import Store
from geoinsight.store.model import IngestBatch, IngestCounts

EVENT_INDICATORS = ("events_total", *(f"events_{key}" for key in EVENT_CATEGORIES))


def ingest_events(store: Store, path: Path, crs: str | None = None,
                  date_column: str | None = None, category_column: str | None = None,
                  category: str | None = None, synthetic: bool = False) -> IngestResult:
    """``synthetic`` flags every count as synthetic demo data (the demo's generated register)."""
    path = Path(path)
    events = read_events(path, crs, date_column, category_column, category)
    if events.frame.empty:
        first = f", first: {events.rejects[0].reason}" if events.rejects else ""
        raise InputError(f"no usable events ({len(events.rejects)} rejected{first})",
                         path=str(path))
    areas = store.areas()
    if areas.empty:
        raise InputError("no boundaries in the store to count events in: ingest boundaries "
                         "first", path=str(path))
    values, placed = count_events(areas, events.frame)
    counts = IngestCounts(read=events.read, stored=placed, rejected=len(events.rejects),
                          skipped=len(events.frame) - placed)
    notes = _notes(events, len(events.frame) - placed) + (["synthetic demo data"] if synthetic
                                                           else [])
    if values.empty:
        raise InputError("no event lies in a stored area (check the CRS, or ingest the "
                         "boundaries of the events' gemeente first)", path=str(path))
    years = sorted(set(values["year"]))
    batch = IngestBatch("events", path, checksum(path), values,
                        event_indicators(synthetic), counts, rejects=events.rejects,
                        notes=notes, year=years[-1], replace_indicators=list(EVENT_INDICATORS))
    codes = values["code"].drop_duplicates()
    rows = pd.DataFrame({"code": codes, "level": codes.map(level_of)})
    return finish(store, batch, rows, years)


def event_indicators(synthetic: bool) -> list[Indicator]:
    found = [BY_ID[i] for i in EVENT_INDICATORS]
    if not synthetic:
        return found
    return [replace(i, source=i.source + " — synthetic demo data",
                    licence="synthetic (no licence needed)", extra={"synthetic": "1"})
            for i in found]


def count_events(areas: gpd.GeoDataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Long-form counts (code, year, indicator, value, status) and how many events were placed.

    ``events`` has x, y (RD New), year and event_class.
    """
    points = gpd.GeoDataFrame(events.assign(point_id=range(len(events))),
                              geometry=shapely.points(events["x"], events["y"]), crs=STORE_CRS)
    where = assign_points(areas, points, "events", "point_id")
    parts: list[pd.DataFrame] = []
    placed: set[int] = set()
    for year, group in events.groupby("year"):
        chosen = chosen_boundaries(areas, int(year))
        pairs = where[where["point_id"].isin(group.index)].merge(
            chosen.rename(columns={"code": "area_code"}), on=["level", "area_code",
                                                             "boundary_year"])
        placed |= set(pairs["point_id"])
        pairs = pairs.assign(event_class=events.loc[pairs["point_id"], "event_class"].to_numpy())
        parts.append(_year_counts(pairs, chosen, int(year)))
    # only gemeenten the file covers get figures (zeros included)
    values = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if values.empty:
        return values, 0
    covered = set(values.loc[values["value"] > 0, "code"].map(gemeente_of))
    values = values[values["code"].map(gemeente_of).isin(covered)]
    return values.reset_index(drop=True), len(placed)


def _year_counts(pairs: pd.DataFrame, chosen: pd.DataFrame, year: int) -> pd.DataFrame:
    table = pairs.groupby(["area_code", "event_class"]).size().unstack(fill_value=0)
    table = table.reindex(columns=list(EVENT_CATEGORIES), fill_value=0)
    table = table.reindex(chosen["code"].drop_duplicates(), fill_value=0)
    table.insert(0, "total", table.sum(axis=1))
    long = table.rename(columns=lambda c: f"events_{c}").stack().reset_index()
    long.columns = ["code", "indicator", "value"]
    long = long.merge(chosen[["code", "boundary_year"]].drop_duplicates("code"), on="code")
    return long.assign(year=year, value=long["value"].astype(float), status="ok")[
        ["code", "year", "indicator", "value", "status", "boundary_year"]]


def _notes(events: Events, outside: int) -> list[str]:
    notes = [f"dates from {events.date_column}"
             + (f", categories from {events.category_column}" if events.category_column else "")]
    mapping = events.frame.groupby(["category", "event_class"], dropna=False).size()
    shown = [f"{cat if pd.notna(cat) else '(none)'} → {cls} ({n})"
             for (cat, cls), n in mapping.sort_values(ascending=False).head(8).items()]
    notes.append("categories: " + "; ".join(shown) + ("; …" if len(mapping) > 8 else ""))
    if outside:
        notes.append(f"{outside} events lie outside every stored area")
    notes.append("only counts per area are stored; the event points are not")
    return notes
