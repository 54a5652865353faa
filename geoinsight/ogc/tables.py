"""The areas and figures behind each collection, built once per store version and cached.

:class:`Source` is what one request sees: the published store, the caller's catalogue (hidden
layers are not in it, so they are in no collection, schema or table) and the app's cache. The
figures come from :func:`geoinsight.export.table.area_table`, the one table every export serves,
called once per figure year and scope; paging and bbox filters then only slice the cached table,
so a page of items does not evaluate any layer again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geoinsight.catalog import Catalog
from geoinsight.errors import NotFound
from geoinsight.export.table import area_table
from geoinsight.ogc.cache import BoundedCache
from geoinsight.ogc.collections import (
    Collection,
    Column,
    collection_id,
    gemeente_of,
    levels_and_years,
    parse_collection_id,
    plan_columns,
)
from geoinsight.ogc.crs import CRS84, output_geometries
from geoinsight.privacy.disclosure import Published
from geoinsight.usecases.service import Selection

#: the area attributes every feature carries, before the layers' values
AREA_PROPERTIES = ("code", "name", "level", "gemeente_code")


@dataclass
class AreaSet:
    """A collection's areas in code order; positions 0..n-1 index every table built on them."""

    frame: gpd.GeoDataFrame  # AREA_PROPERTIES and geometry (EPSG:28992)
    #: every area's geometry as served in an output CRS (reprojected and rounded), by CRS
    _served: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def select(self, bbox_rd: BaseGeometry | None, gemeente: str | None) -> np.ndarray:
        """Positions of the areas meeting the bbox (an RD New polygon) and in the gemeente."""
        if bbox_rd is None:
            positions = np.arange(len(self.frame))
        else:
            positions = np.sort(self.frame.sindex.query(bbox_rd, predicate="intersects"))
        if gemeente is not None:
            own = gemeente_of(self.frame).to_numpy()
            positions = positions[own[positions] == gemeente]
        return positions

    def prepare(self) -> None:
        """Build the spatial index :meth:`select` queries and the geometry served in the
        default CRS (else the first bbox query and the first page would)."""
        _ = self.frame.sindex
        self.served(CRS84)

    def served(self, crs: str) -> np.ndarray:
        """Every area's geometry in ``crs`` as features carry it, made once per CRS: a page
        then only picks its rows (no reprojection per request, so no thread's first use of
        PROJ either). Two threads asking at once both make it; the last one is kept."""
        made = self._served.get(crs)
        if made is None:
            made = output_geometries(self.frame.geometry, crs).to_numpy()
            self._served[crs] = made
        return made

    def position(self, code: str) -> int | None:
        found = np.flatnonzero(self.frame["code"].to_numpy() == code)
        return int(found[0]) if len(found) else None


@dataclass
class Table:
    collection: Collection
    areas: AreaSet
    #: the columns read (with ``year`` asked, their figure years may be earlier than the
    #: collection's); values has a value and a status column for every collection column
    columns: tuple[Column, ...]
    values: pd.DataFrame


class Source:
    """The collections of one store as one caller may see them."""

    def __init__(self, store: Published, catalog: Catalog, cache: BoundedCache,
                 lang: str = "nl") -> None:
        self.store = store
        self.catalog = catalog
        self.cache = cache
        self.lang = lang
        self.version = store.version()
        self._visible = tuple(catalog.layers)

    def collections(self) -> list[Collection]:
        return self.cache.get(("collections", self.version, self._visible), self._find)

    def collection(self, text: str) -> Collection:
        parse_collection_id(text)
        for found in self.collections():
            if found.id == text:
                return found
        raise NotFound(f"no collection {text!r} in the store", code="unknown_collection")

    def areas(self, level: str, year: int) -> AreaSet:
        def build() -> AreaSet:
            frame = self.store.areas(level=level, year=year)
            frame = frame[[*AREA_PROPERTIES, "geometry"]].sort_values("code")
            return AreaSet(frame.reset_index(drop=True))

        return self.cache.get(("areas", self.version, level, year), build)

    def table(self, collection: Collection, up_to: int | None = None) -> Table:
        key = ("table", self.version, collection.id, self._visible, up_to)
        return self.cache.get(key, lambda: self._build_table(collection, up_to))

    def _find(self) -> list[Collection]:
        found = []
        for level, year in levels_and_years(self.store):
            areas = self.areas(level, year).frame
            if areas.empty:
                continue
            columns = plan_columns(self.store, self.catalog, level, year, areas)
            bounds = tuple(float(v) for v in areas.total_bounds)
            found.append(Collection(collection_id(level, year), level, year, len(areas),
                                    bounds, columns))  # type: ignore[arg-type]
        return found

    def _build_table(self, collection: Collection, up_to: int | None) -> Table:
        areas = self.areas(collection.level, collection.boundary_year)
        columns = collection.columns
        if up_to is not None:
            columns = plan_columns(self.store, self.catalog, collection.level,
                                   collection.boundary_year, areas.frame, up_to)
        read = self._read(collection, columns)
        codes = areas.frame["code"]
        values = {}
        for column in collection.columns:
            layer_id = column.layer.id
            status = f"{layer_id}_status"
            rows = read.get(layer_id)
            if rows is None:
                values[layer_id] = np.full(len(codes), np.nan)
                values[status] = np.full(len(codes), "missing", dtype=object)
                continue
            values[layer_id] = codes.map(rows[layer_id]).astype(float).to_numpy()
            values[status] = codes.map(rows[status]).fillna("missing").to_numpy(dtype=object)
        return Table(collection, areas, columns, pd.DataFrame(values, index=codes.index))

    def _read(self, collection: Collection,
              columns: tuple[Column, ...]) -> dict[str, pd.DataFrame]:
        """Each column's figures by code, one area table per figure year and scope."""
        groups: dict[tuple[int, str | None], list[str]] = defaultdict(list)
        for column in columns:
            for scope in column.scopes:
                groups[(column.year, scope)].append(column.layer.id)
        parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
        for (year, scope), ids in groups.items():
            table = area_table(self.store, self.catalog, ids,
                               Selection(collection.level, scope, year), self.lang)
            if table.boundary_year != collection.boundary_year:
                continue
            frame = table.attributes().set_index("code")
            for layer_id in ids:
                parts[layer_id].append(frame[[layer_id, f"{layer_id}_status"]])
        read = {}
        for layer_id, frames in parts.items():
            joined = pd.concat(frames)
            read[layer_id] = joined[~joined.index.duplicated()]
        return read
