"""Boundary files and tables -> validated frames -> the store, atomically.

Each ingest reads a file, keys its rows by CBS code and year, cleans what can be cleaned (CRS,
invalid geometry, CBS sentinels), rejects what cannot (with a reason), and hands the store one
batch that is written all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoinsight.analysis.placement import (
    PlacementReport,
    links_after,
    names_differ,
    placement_report,
)
from geoinsight.catalog.indicators import Indicator, normalise
from geoinsight.crs import STORE_CRS, looks_like_rd, to_store_crs
from geoinsight.errors import InputError
from geoinsight.ingest.common import IngestResult, checksum, finish
from geoinsight.ingest.keys import Keyed, is_water, key_rows, register_rows, to_long
from geoinsight.sources import cbs, regions, statline
from geoinsight.sources.codes import find_code_column
from geoinsight.store import Store
from geoinsight.store.model import AREA_COLUMNS, IngestBatch, IngestCounts, Reject, empty_values


@dataclass
class _LayerParts:
    """What one boundary layer contributes to the batch."""

    areas: gpd.GeoDataFrame
    values: pd.DataFrame
    indicators: list[Indicator]
    rejects: list[Reject]
    notes: list[str]
    repaired: int
    register: pd.DataFrame


def _boundary_layer(frame: gpd.GeoDataFrame, name: str, path: Path, year: int | None,
                    values_year: int | None) -> _LayerParts:
    """Key, check, repair and split one layer (water already left out)."""
    keyed = key_rows(frame, path, year, label=name)
    _check_in_netherlands(frame, path, name)
    country = keyed.frame["_level"] == "land"
    rejects = keyed.rejects + [
        Reject(r, c, "a country outline is not a gemeente, wijk or buurt")
        for r, c in zip(keyed.frame.loc[country, "_row"], keyed.frame.loc[country, "_code"],
                        strict=True)]
    good, repaired, bad = _repair(keyed.frame[~country])
    attributes = good.drop(columns="geometry")
    if values_year is not None:
        attributes = attributes.assign(_year=values_year)
    long = to_long(attributes)
    return _LayerParts(_area_frame(good), long.values, long.indicators, rejects + bad,
                       long.notes, repaired, register_rows(good))


def ingest_boundaries(store: Store, path: Path, year: int | None = None,
                      crs: str | None = None, values_year: int | None = None) -> IngestResult:
    """Boundaries, and the figures in their attribute columns.

    The figures get the boundary year unless ``values_year`` says otherwise (a file of 2023
    boundaries joined to 2024 Kerncijfers); either way they are on these polygons (their
    boundary year is the file's), as the file says.
    """
    path = Path(path)
    layers, notes = cbs.read_boundary_layers(path, crs)
    layer_errors: list[InputError] = []
    counts = IngestCounts()
    rejects: list[Reject] = []
    areas: list[gpd.GeoDataFrame] = []
    values: list[pd.DataFrame] = []
    registers: list[pd.DataFrame] = []
    indicators: dict[str, Indicator] = {}
    for layer in layers:
        counts.read += len(layer.frame)
        water = is_water(layer.frame)
        counts.skipped += int(water.sum())
        if water.any():
            notes.append(f"{int(water.sum())} water features left out of {layer.name}")
        try:
            parts = _boundary_layer(layer.frame[~water], layer.name, path, year, values_year)
        except InputError as exc:
            if len(layers) == 1 or "do not fall in the Netherlands" in exc.message:
                raise
            layer_errors.append(exc)
            notes.append(f"layer {layer.name} left out: {exc.message}")
            counts.skipped += int((~water).sum())
            continue
        counts.repaired += parts.repaired
        rejects += parts.rejects
        areas.append(parts.areas)
        values.append(parts.values)
        registers.append(parts.register)
        indicators.update({i.id: i for i in parts.indicators})
        notes += parts.notes
    if not areas:
        # a missing year stops every coded layer: say that rather than "no codes"
        year_errors = [e for e in layer_errors if "--year" in e.message]
        if year_errors:
            raise year_errors[0]
        raise InputError("no layer with CBS area codes (GM…, WK… or BU…) found", path=str(path))
    all_areas = gpd.GeoDataFrame(pd.concat(areas, ignore_index=True), crs=STORE_CRS)
    dup = all_areas.duplicated(["code", "year"], keep="first")
    rejects += [Reject("", c, "duplicate code in the same year (another layer)")
                for c in all_areas.loc[dup, "code"]]
    all_areas = all_areas[~dup]
    counts.rejected = len(rejects)
    counts.stored = len(all_areas)
    if counts.stored == 0:
        raise InputError(f"no usable areas: {counts.summary()}"
                         + (f"; first reason: {rejects[0].reason}" if rejects else ""),
                         path=str(path))
    value_frame = _dedupe(pd.concat(values, ignore_index=True)) if values else empty_values()
    batch = IngestBatch("boundaries", path, checksum(path), value_frame,
                        list(indicators.values()), counts, all_areas, rejects, notes, year)
    register = pd.concat(registers, ignore_index=True).drop_duplicates(["code", "year"])
    report = _link(store, batch, register[register["code"].isin(set(all_areas["code"]))],
                   all_areas)
    batch.rejects = batch.rejects + report.rejects
    if not store.addresses().empty:  # new boundaries: place the addresses in them too
        from geoinsight.ingest.points import current_state, refresh_points

        state = current_state(store)
        state.areas = _merged_areas(state.areas, all_areas)
        refresh_points(batch, state)
    return finish(store, batch, all_areas, [*all_areas["year"], *value_frame["year"]], report)


def _link(store: Store, batch: IngestBatch, register: pd.DataFrame,
          areas: gpd.GeoDataFrame | None) -> PlacementReport:
    """Put the batch's register and the links it changes in the batch; report how the figures
    already stored for its codes (a boundary file) or its own (a table) meet the boundaries."""
    update = links_after(store, register, areas)
    batch.register, batch.links, batch.linked_codes = register, update.links, update.codes
    stored = store.areas(codes=update.codes, geometry=False)[["code", "year"]]
    after = pd.concat([stored, areas[["code", "year"]]] if areas is not None else [stored],
                      ignore_index=True)
    if areas is None:  # a table: the codes of its rows (not the parents they name)
        own = register[register["code"].isin(set(batch.values["code"]))]
        return placement_report(own, after, update.links)
    # boundaries: the figures of other indelingen already stored for these codes
    known = store.register(update.codes)
    own = set(zip(after["code"], after["year"].astype(int), strict=True))
    others = known.loc[[(c, int(y)) not in own for c, y in zip(known["code"], known["year"],
                                                               strict=True)]]
    report = placement_report(others, after, update.links)
    report.boundaries = True
    return report


def _refuse_renamed(store: Store, keyed: Keyed) -> Keyed:
    """Rows whose name disagrees with the stored name of their code in the same indeling:
    the table is not of the year it says (or names another area); never stored."""
    frame = keyed.frame
    stored = pd.concat([store.register(frame["_code"].unique().tolist())[["code", "year", "name"]],
                        store.areas(codes=frame["_code"].unique().tolist(), geometry=False)[
                            ["code", "year", "name"]]], ignore_index=True)
    stored = stored[stored["name"].notna()].drop_duplicates(["code", "year"], keep="last")
    names = dict(zip(zip(stored["code"], stored["year"].astype(int), strict=True),
                     stored["name"], strict=True))
    clash = [names_differ(n, names.get((c, int(y)))) for c, y, n in zip(
        frame["_code"], frame["_boundary_year"], frame["_name"], strict=True)]
    mask = pd.Series(clash, index=frame.index, dtype=bool)
    rejects = [Reject(r, c, f"named {n!r} here but {names[(c, int(y))]!r} in the stored {y} "
                      "indeling: not loaded (is the table of another year?)")
               for r, c, y, n in zip(frame.loc[mask, "_row"], frame.loc[mask, "_code"],
                                     frame.loc[mask, "_boundary_year"],
                                     frame.loc[mask, "_name"], strict=True)]
    return Keyed(frame[~mask].copy(), keyed.rejects + rejects)


def ingest_indicators(store: Store, path: Path, year: int | None = None,
                      boundaries: int | None = None) -> IngestResult:
    """A table of figures keyed by area code (or by gemeente name).

    The figures are on the indeling of their year (CBS publishes year Y on Y's
    classification) unless ``boundaries`` names another; they land on stored areas only as
    :mod:`geoinsight.analysis.placement` allows.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() not in statline.TABLE_SUFFIXES:
        raise InputError(f"unsupported table type {path.suffix or '(none)'}: use CSV or XLSX",
                         path=str(path))
    frame = statline.read_table(path)
    frame, named = _key_by_names(store, frame, path)
    counts = IngestCounts(read=len(frame) + len(named.rejects))
    keyed = key_rows(frame, path, year)
    keyed.rejects = named.rejects + keyed.rejects
    if boundaries is not None:
        keyed.frame["_boundary_year"] = boundaries
    keyed = _refuse_renamed(store, keyed)
    long = to_long(keyed.frame)
    long.notes = named.notes + long.notes
    if not long.indicators:
        raise InputError(f"no known indicator columns (only {', '.join(long.ignored[:6])}"
                         f"{', …' if len(long.ignored) > 6 else ''})", path=str(path))
    counts.rejected = len(keyed.rejects)
    counts.stored = len(keyed.frame)
    if counts.stored == 0:
        raise InputError(f"no usable rows: {counts.summary()}", path=str(path))
    notes = long.notes + ([f"ignored columns: {', '.join(long.ignored)}"] if long.ignored else [])
    batch = IngestBatch("indicators", path, checksum(path), long.values, long.indicators,
                        counts, None, keyed.rejects, notes, year)
    report = _link(store, batch, register_rows(keyed.frame), None)
    batch.rejects = batch.rejects + report.rejects
    notes.append(report.summary())
    # only the keys: the file's own ``year`` or ``level`` column would otherwise be doubled
    rows = keyed.frame[["_code", "_year", "_level"]].rename(
        columns={"_code": "code", "_year": "year", "_level": "level"})
    return finish(store, batch, rows, [*rows["year"], *long.values["year"]], report)


@dataclass
class _Named:
    rejects: list[Reject]
    notes: list[str]


def _key_by_names(store: Store, frame: pd.DataFrame,
                  path: Path) -> tuple[pd.DataFrame, _Named]:
    """A table without codes but with region names gets codes from the stored gemeenten.

    A long StatLine table (a row per region, period and category) is widened first.
    """
    if find_code_column(frame) is not None:
        return frame, _Named([], [])
    column = regions.find_name_column(frame)
    if column is None:
        return frame, _Named([], [])  # key_rows says: no code column
    reference = regions.gemeente_names(store.areas(geometry=False))
    if not reference:
        raise InputError(f"regions are named ({column}), not coded; names are matched to "
                         "the gemeenten in the store, and it holds none: ingest gemeente "
                         "boundaries first", path=str(path))
    period = next((c for c in frame.columns if normalise(str(c)) == "perioden"), None)
    rows_before = len(frame)
    frame = statline.widen_dimensions(frame, [column] + ([period] if period else []))
    notes = ([f"{rows_before} rows widened to {len(frame)} (one column per category)"]
             if len(frame) != rows_before else [])
    match = regions.match_names(frame[column], reference)
    rejects = [Reject(f"region {name}", "", reason) for name, reason in
               zip(frame.loc[match.reasons != "", column], match.reasons[match.reasons != ""],
                   strict=True)]
    matched = frame[match.codes != ""].assign(_region_code=match.codes[match.codes != ""])
    found = matched[column].nunique()
    notes.append(f"matched {found} region names to codes; {len(match.unmatched)} gemeente "
                 "names unmatched" + (f": {', '.join(match.unmatched[:8])}"
                                      + (", …" if len(match.unmatched) > 8 else "")
                                      if match.unmatched else ""))
    if matched.empty:
        raise InputError(f"none of the region names in {column} matches a gemeente in the "
                         f"store (first: {frame[column].iloc[0]!r})", path=str(path))
    return matched, _Named(rejects, notes)


def _merged_areas(stored: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas after a boundary batch: new (code, year) rows replace stored ones."""
    key = stored["code"] + "/" + stored["year"].astype(str)
    replaced = key.isin(new["code"] + "/" + new["year"].astype(str))
    return gpd.GeoDataFrame(pd.concat([stored[~replaced], new], ignore_index=True),
                            crs=STORE_CRS)


def _repair(frame: pd.DataFrame) -> tuple[gpd.GeoDataFrame, int, list[Reject]]:
    """Make geometries valid polygons in RD New; count repairs; reject what has no area."""
    gdf = to_store_crs(gpd.GeoDataFrame(frame, geometry="geometry"))
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~empty & ~shapely.is_valid(geoms)
    geoms = geoms.copy()
    geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    polygonal = np.array([_polygonal(g) for g in geoms], dtype=object)
    no_area = empty | shapely.is_empty(polygonal) | (shapely.area(polygonal) <= 0)
    rejects = [Reject(r, c, "empty geometry" if e else "geometry has no area")
               for r, c, e in zip(gdf.loc[no_area, "_row"], gdf.loc[no_area, "_code"],
                                  empty[no_area], strict=True)]
    gdf = gdf.set_geometry(polygonal)
    return gdf[~no_area], int(invalid.sum()), rejects


def _polygonal(geom: shapely.Geometry | None) -> shapely.MultiPolygon:
    """The polygon parts of a geometry as one MultiPolygon (empty when there are none)."""
    polygons: list[shapely.Polygon] = []
    for part in shapely.get_parts(geom) if geom is not None else []:
        members = [part] if isinstance(part, shapely.Polygon) else shapely.get_parts(part)
        polygons += [m for m in members if isinstance(m, shapely.Polygon) and not m.is_empty]
    return shapely.MultiPolygon(polygons)


def _check_in_netherlands(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """A declared CRS that does not fit the coordinates puts areas off the map: refuse it."""
    valid = frame.geometry[~frame.geometry.is_empty & frame.geometry.notna()]
    if valid.empty:
        return
    try:
        projected = to_store_crs(gpd.GeoDataFrame(geometry=valid))
        bounds = tuple(float(b) for b in projected.total_bounds)
    except Exception:  # pyproj refuses coordinates far outside the CRS's area
        bounds = (float("inf"),) * 4
    if not looks_like_rd(bounds):  # type: ignore[arg-type]
        raise InputError(
            f"layer {layer}: the coordinates do not fall in the Netherlands when read as "
            f"{frame.crs.to_string() if frame.crs else 'unknown CRS'}; if the file's CRS is "
            "wrong, state the right one with --crs (e.g. --crs EPSG:28992)", path=str(path))


def _area_frame(good: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = pd.DataFrame({"code": good["_code"], "year": good["_year"], "level": good["_level"],
                          "name": good["_name"], "gemeente_code": good["_gm"],
                          "wijk_code": good["_wk"], "gemeente_name": good["_gm_name"]})
    return gpd.GeoDataFrame(frame[AREA_COLUMNS], geometry=good.geometry.to_numpy(), crs=STORE_CRS)


def _dedupe(values: pd.DataFrame) -> pd.DataFrame:
    return values.drop_duplicates(["code", "year", "indicator"], keep="first")
