"""A municipality's own event registrations, counted per area and year (``ingest events``).

Each event is placed with the point-to-area engine in the boundaries its year is shown on
(that year's, else the latest earlier set, else the earliest later one: the maps' rule), and
counted per area, year and event class. Only the counts are stored; the points stay with the
file. Areas of a gemeente with at least one event get a count for every year of the file (0
where nothing was registered); areas of other gemeenten get none: the file says nothing about
them. Each file is ingested into a named register (``--name``, default ``ondermijning``;
see :mod:`geoinsight.registers`); a new file replaces the counts of its own register only.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geoinsight.crs import STORE_CRS
from geoinsight.errors import InputError
from geoinsight.ingest.common import IngestResult, checksum, finish
from geoinsight.registers import (
    DEFAULT_NAME,
    EventRegister,
    RegisterSpec,
    category_counts,
    check_spec,
    clashes,
    describe_mapping,
    ondermijning_classes,
    own_classes,
    register_indicators,
)
from geoinsight.sources.codes import gemeente_of, level_of
from geoinsight.sources.events import Events, read_events
from geoinsight.spatial.assign import assign_points, chosen_boundaries
from geoinsight.store import Store
from geoinsight.store.model import IngestBatch, IngestCounts


def ingest_events(store: Store, path: Path, crs: str | None = None,
                  date_column: str | None = None, category_column: str | None = None,
                  category: str | None = None, synthetic: bool = False,
                  register: RegisterSpec | None = None) -> IngestResult:
    """Count a file's events into the register ``register`` names (default: ondermijning).

    ``synthetic`` flags every count as synthetic demo data (the demo's generated register).
    """
    spec = register or RegisterSpec()
    check_spec(spec)  # before anything is read
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
    definition = _define(spec, events, path, synthetic)
    taken = clashes(definition, store.event_registers())
    # a raster's figures are not a register's to take (nor its disclosure exemption)
    taken += [i for r in store.rasters() for i in r.indicator_ids()
              if i in definition.indicator_ids()]
    if taken:
        raise InputError(f"register {spec.name!r} would reuse the ids {', '.join(taken)}: "
                         "choose another --name", code="bad_register", path=str(path))
    values, placed = count_events(areas, events.frame, definition)
    counts = IngestCounts(read=events.read, stored=placed, rejected=len(events.rejects),
                          skipped=len(events.frame) - placed)
    notes = _notes(definition, events, len(events.frame) - placed) + (
        ["synthetic demo data"] if synthetic else [])
    if values.empty:
        raise InputError("no event lies in a stored area (check the CRS, or ingest the "
                         "boundaries of the events' gemeente first)", path=str(path))
    years = sorted(set(values["year"]))
    batch = IngestBatch("events", path, checksum(path), values,
                        register_indicators(definition), counts, rejects=events.rejects,
                        notes=notes, year=years[-1],
                        replace_indicators=list(definition.indicator_ids()),
                        event_register=definition)
    codes = values["code"].drop_duplicates()
    rows = pd.DataFrame({"code": codes, "level": codes.map(level_of)})
    result = finish(store, batch, rows, years)
    result.details = notes
    return result


def _define(spec: RegisterSpec, events: Events, path: Path, synthetic: bool) -> EventRegister:
    """The register's definition; sets each event's class (the file's own categories for any
    register but the default one, which keeps the ondermijning classes)."""
    events.frame["category"] = events.frame["category"].map(_text)
    if spec.name == DEFAULT_NAME:
        classes = ondermijning_classes()
    else:
        mapping, classes = own_classes(events.frame["category"])
        fallback = "other" if classes else ""
        events.frame["event_class"] = events.frame["category"].map(
            lambda c: fallback if c is None or pd.isna(c) else mapping[str(c)])
    title_nl, title_en = spec.titles()
    return EventRegister(spec.name, title_nl, title_en, spec.theme, spec.tier, classes,
                         category_counts(events.frame), path.name, synthetic)


def _text(category: object) -> str | None:
    """A category as the file says it; blank is no category."""
    if category is None or pd.isna(category) or not str(category).strip():
        return None
    return str(category).strip()


def count_events(areas: gpd.GeoDataFrame, events: pd.DataFrame,
                 register: EventRegister) -> tuple[pd.DataFrame, int]:
    """Long-form counts (code, year, indicator, value, status) and how many events were placed.

    ``events`` has x, y (RD New), year and event_class (one of the register's classes).
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
        parts.append(_year_counts(pairs, chosen, int(year), register))
    # only gemeenten the file covers get figures (zeros included)
    values = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if values.empty:
        return values, 0
    covered = set(values.loc[values["value"] > 0, "code"].map(gemeente_of))
    values = values[values["code"].map(gemeente_of).isin(covered)]
    return values.reset_index(drop=True), len(placed)


def _year_counts(pairs: pd.DataFrame, chosen: pd.DataFrame, year: int,
                 register: EventRegister) -> pd.DataFrame:
    classes = [c.id for c in register.classes]
    table = pairs.groupby(["area_code", "event_class"]).size().unstack(fill_value=0)
    table = table.reindex(columns=classes, fill_value=0)
    table = table.reindex(chosen["code"].drop_duplicates(), fill_value=0)
    table.insert(0, "total", pairs.groupby("area_code").size().reindex(table.index,
                                                                      fill_value=0))
    long = table.rename(columns=lambda c: f"{register.prefix}_{c}").stack().reset_index()
    long.columns = ["code", "indicator", "value"]
    long = long.merge(chosen[["code", "boundary_year"]].drop_duplicates("code"), on="code")
    return long.assign(year=year, value=long["value"].astype(float), status="ok")[
        ["code", "year", "indicator", "value", "status", "boundary_year"]]


def _notes(register: EventRegister, events: Events, outside: int) -> list[str]:
    """What the summary prints and the ingest log keeps: the register, and the complete
    mapping of the file's categories to the classes counted."""
    notes = [f"register {register.name} \"{register.title_nl}\": layer {register.total_id}, "
             f"theme {register.theme}, tier {register.tier}",
             f"dates from {events.date_column}"]
    notes += describe_mapping(register, events.category_column)
    if outside:
        notes.append(f"{outside} events lie outside every stored area")
    notes.append("only counts per area are stored; the event points are not")
    return notes
