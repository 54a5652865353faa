"""A GeoTIFF into per-area figures (``ingest raster``), and the file kept for the map's overlay.

The raster is checked (:func:`geoinsight.sources.raster.read_raster`), then summarised with
exact fractional cell weights (:func:`geoinsight.spatial.zonal.zonal_statistics`) over every
stored area it meets, at every level, on the boundaries its year is shown on (that year's,
else the latest earlier set, else the earliest later one: the maps' rule). The figures are
ordinary indicators (:mod:`geoinsight.rasters`):

- ``<name>_coverage`` (the percentage of the area with data) for every area the raster meets;
- the statistics and shares only where the area lies where the raster has data (at least
  :data:`WITHIN` of it inside the raster's footprint: its cells with data and the nodata they
  enclose, :mod:`geoinsight.sources.raster_footprint`; the rest is a sliver along a drawn
  edge) and has a cell with data. Elsewhere they are stored as ``missing``: the mean of the
  corner of a gemeente that a raster reaches is not that gemeente's mean, nor is the mean of
  the strip of a neighbouring buurt that a raster clipped to one gemeente still holds.

The file itself is kept as a Cloud-Optimised GeoTIFF in ``<data dir>/rasters/`` (its own CRS,
lossless), written before the store and removed again if the store write fails; the map's
overlay draws from it, and later boundary ingests recompute the figures from it.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.shutil
import shapely

from geoinsight.catalog.indicators import known
from geoinsight.errors import InputError
from geoinsight.ingest.common import IngestResult, checksum, finish
from geoinsight.rasters import (
    FOLDER,
    SOURCE,
    RasterSource,
    RasterSpec,
    check_spec,
    clashes,
    raster_indicators,
    share_column,
)
from geoinsight.records import VALUE_COLUMNS
from geoinsight.sources.raster import RasterInfo, read_raster, reading
from geoinsight.spatial.assign import chosen_boundaries
from geoinsight.spatial.zonal import zonal_statistics
from geoinsight.store import Reader, Store
from geoinsight.store.model import IngestBatch, IngestCounts

#: an area lies within a raster's extent when at least this share of it does
WITHIN = 0.99


def ingest_raster(store: Store, path: Path, spec: RasterSpec, data_dir: Path,
                  synthetic: bool = False) -> IngestResult:
    """Ingest the raster at ``path`` as ``spec`` says; keep its file under ``data_dir``.

    ``synthetic`` flags the raster and its figures as synthetic demo data.
    """
    check_spec(spec)  # before anything is read
    path = Path(path)
    info = read_raster(path, spec.band)
    year = spec.year or info.tagged_year
    if year is None:
        raise InputError("give --year: the year the raster describes (the file has no "
                         "TIFFTAG_DATETIME)", path=str(path))
    digest = checksum(path)
    definition = _define(spec, info, path, digest, year, synthetic)
    taken = clashes(definition, _taken(store, spec.name))
    if taken:
        raise InputError(f"raster {spec.name!r} would reuse the ids {', '.join(taken)}: "
                         "choose another --name", code="bad_raster", path=str(path))
    areas = areas_for(store, info, year)
    if areas.empty:
        raise InputError("the raster meets no stored area: ingest the boundaries of its area "
                         "first", path=str(path))
    previous = next((r.kept_file(data_dir) for r in store.rasters() if r.name == spec.name),
                    None)
    kept = data_dir / definition.file
    wrote = keep(path, kept)
    try:
        result = _write(store, info, definition, areas, path, ["synthetic demo data"]
                        if synthetic else [])
    except BaseException:
        if wrote:
            kept.unlink(missing_ok=True)
        raise
    if previous is not None and previous != kept:
        previous.unlink(missing_ok=True)
    return result


def refresh_rasters(store: Store, data_dir: Path) -> tuple[list[IngestResult], list[str]]:
    """Every stored raster's figures computed again from its kept file, for the boundaries the
    store holds now (after a boundary ingest: new areas get their figures, and a raster's year
    may now be shown on a newer boundary set). Each raster is its own atomic write. Returns
    the results and a warning per raster whose file is not in the data folder."""
    results, missing = [], []
    for raster in store.rasters():
        path = raster.kept_file(data_dir)
        if path is None or not path.is_file():
            missing.append(f"raster {raster.name}: its file {data_dir / raster.file} is "
                           "missing, so its figures "
                           "were not recomputed for the new boundaries; ingest it again")
            continue
        info = RasterInfo.from_detail(path, raster.band, raster.detail)
        areas = areas_for(store, info, raster.year)
        if not areas.empty:
            results.append(_write(store, info, raster, areas, Path(raster.source_file),
                                  ["recomputed from the kept file for the stored boundaries"]))
    return results, missing


def _write(store: Store, info: RasterInfo, raster: RasterSource, areas: gpd.GeoDataFrame,
           path: Path, extra: list[str]) -> IngestResult:
    """Compute the figures of ``raster`` for ``areas`` and write them with its definition."""
    values = raster_figures(info, raster, areas)
    within = values[(values["indicator"] == f"{raster.name}_mean") & (values["status"] == "ok")]
    counts = IngestCounts(read=len(areas), stored=len(within),
                          skipped=len(areas) - len(within))
    notes = _notes(raster, info, counts) + extra
    batch = IngestBatch("raster", path, raster.checksum, values, raster_indicators(raster),
                        counts, notes=notes, year=raster.year,
                        replace_indicators=list(raster.indicator_ids()), raster=raster)
    result = finish(store, batch, areas.drop_duplicates(["level", "code"]), [raster.year])
    result.details = notes
    return result


def _define(spec: RasterSpec, info: RasterInfo, path: Path, digest: str, year: int,
            synthetic: bool) -> RasterSource:
    title_nl, title_en = spec.titles()
    return RasterSource(
        name=spec.name, title_nl=title_nl, title_en=title_en, unit=spec.unit, theme=spec.theme,
        tier=spec.tier, about=spec.about, band=spec.band, above=spec.above, below=spec.below,
        year=year, source=spec.source or f"{SOURCE} {path.name}",
        licence=spec.licence or "not stated",
        source_file=path.name, checksum=digest,
        file=f"{FOLDER}/{spec.name}-{digest[:12]}.tif", detail=info.detail(),
        synthetic=synthetic)


def _taken(store: Reader, name: str) -> set[str]:
    """Indicator ids a raster may not take: the registry's, the event registers' and every
    other raster's."""
    taken = set(known())
    taken |= {i for r in store.event_registers() for i in r.indicator_ids()}
    taken |= {i for r in store.rasters() if r.name != name for i in r.indicator_ids()}
    return taken


def areas_for(store: Reader, info: RasterInfo, year: int) -> gpd.GeoDataFrame:
    """The stored areas a raster's figures of ``year`` go to: per level and code, the boundary
    set that year is shown on, of the areas that meet the raster (column ``year`` is their
    boundary year)."""
    near = store.areas(bbox=info.bounds_rd)
    if near.empty:
        return near
    chosen = chosen_boundaries(store.areas(geometry=False), year)
    near = near.merge(chosen, left_on=["level", "code", "year"],
                      right_on=["level", "code", "boundary_year"])
    footprint = shapely.box(*info.bounds_rd)
    return near[shapely.intersects(near.geometry.to_numpy(), footprint)].drop(
        columns="boundary_year").reset_index(drop=True)


def raster_figures(info: RasterInfo, raster: RasterSource, areas: gpd.GeoDataFrame,
                   overview: int | None = None) -> pd.DataFrame:
    """Long-form figures (VALUE_COLUMNS) of ``raster`` for ``areas`` (code, year = boundary
    year, geometry in EPSG:28992): coverage everywhere, the rest where an area lies where the
    raster has data (module docstring). Read from ``overview`` (an overview of the kept file,
    for an area too large to read cell by cell) only the mean and the coverage are given: the
    extremes, percentiles and shares of averaged cells are not those of the cells."""
    exact = overview is None
    stats = zonal_statistics(info, areas, statistics=raster.statistics if exact else ("mean",),
                             above=raster.above if exact else (),
                             below=raster.below if exact else (), overview=overview)
    within = within_share(info, areas) >= WITHIN
    has_data = stats["mean"].notna().to_numpy()
    columns = [*raster.statistics, *(share_column(d, t) for d, values in
                                     (("above", raster.above), ("below", raster.below))
                                     for t in values)]
    parts = []
    for column in [*columns, "coverage"]:
        value = stats[column].to_numpy(dtype=float) if column in stats \
            else np.full(len(areas), np.nan)
        shown = np.ones(len(areas), bool) if column == "coverage" else within & has_data
        parts.append(pd.DataFrame({
            "code": areas["code"].to_numpy(), "year": raster.year,
            "indicator": f"{raster.name}_{column}",
            "value": np.where(shown, value, np.nan),
            "status": np.where(shown & ~np.isnan(value), "ok", "missing"),
            "boundary_year": areas["year"].to_numpy(dtype="int64")}))
    return pd.concat(parts, ignore_index=True)[VALUE_COLUMNS]


def within_share(info: RasterInfo, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The share of each area that lies where the raster has data: inside its footprint
    (:mod:`geoinsight.sources.raster_footprint`), or, for a raster kept without one, its extent."""
    shapes = gpd.GeoSeries(areas.geometry.to_numpy(), crs=areas.crs or 28992)
    shapes = shapes.to_crs(info.crs_wkt)
    if info.footprint is not None:
        return info.footprint.shares_inside(shapes)
    geometries = shapes.to_numpy()
    whole = shapely.area(geometries)
    inside = shapely.area(shapely.intersection(geometries, shapely.box(*info.bounds)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, inside / whole, 0.0)


def keep(path: Path, target: Path) -> bool:
    """Copy the raster to ``target`` as a Cloud-Optimised GeoTIFF (lossless, DEFLATE with a
    predictor, 512 px tiles, internal overviews), atomically; False when it is there already
    (the same file, by checksum)."""
    if target.exists():
        return False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the rasters folder: {exc.strerror}",
                         path=str(target.parent)) from exc
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with reading():
            rasterio.shutil.copy(path, partial, driver="COG", COMPRESS="DEFLATE",
                                 PREDICTOR="YES", BIGTIFF="IF_SAFER",
                                 OVERVIEW_RESAMPLING="AVERAGE")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return True


def _notes(raster: RasterSource, info: RasterInfo, counts: IngestCounts) -> list[str]:
    crs = f"EPSG:{info.epsg}" if info.epsg else "its own CRS"
    unit = f" {raster.unit}" if raster.unit else ""
    nodata = "none declared" if info.nodata is None else f"{info.nodata:g}"
    notes = [f"raster {raster.name} \"{raster.title_nl}\": band {raster.band} of {info.bands}, "
             f"{crs}, {info.width} × {info.height} cells of {info.resolution[0]:g} × "
             f"{info.resolution[1]:g}, nodata {nodata}, values {info.minimum:g} to "
             f"{info.maximum:g}{unit}; theme {raster.theme}, tier {raster.tier}, about the "
             f"{raster.about}",
             f"layers: {', '.join(raster.indicator_ids())}"]
    if counts.skipped:
        notes.append(f"{counts.skipped} areas lie only partly where the raster has data: "
                     "their coverage is stored, their statistics are missing")
    return notes
