"""The store: one protocol, an embedded GeoPackage by default, PostGIS for scale-out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import geopandas as gpd
import pandas as pd

from geoinsight.rasters import RasterSource
from geoinsight.registers import EventRegister
from geoinsight.settings import Settings
from geoinsight.store.model import IngestBatch, Removal
from geoinsight.store.rows import BBox


class Reader(Protocol):
    """What use cases may ask of a store: reading only. Geometry is in EPSG:28992. A request
    reads through a :class:`geoinsight.privacy.gate.Gate`, which answers this protocol as its
    principal may see it."""

    def is_empty(self) -> bool: ...

    def version(self) -> str:
        """Changes with every successful write (used for ETags and caches)."""
        ...

    def areas(self, *, level: str | None = None, municipality: str | None = None,
              year: int | None = None, codes: Sequence[str] | None = None,
              geometry: bool = True, bbox: BBox | None = None) -> gpd.GeoDataFrame:
        """Areas by code and year; with ``bbox`` (minx, miny, maxx, maxy in EPSG:28992) only
        those whose geometry meets that box, found through the store's spatial index."""
        ...

    def area_years(self, *, level: str | None = None,
                   municipality: str | None = None) -> list[int]: ...

    def values(self, *, indicators: Sequence[str] | None = None,
               codes: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
        """Figures as stored (VALUE_COLUMNS): ``boundary_year`` is the classification each
        was published on. Never join them to areas by code alone: geoinsight.analysis.placement
        does."""
        ...

    def value_years(self, *, indicators: Sequence[str] | None = None,
                    codes: Sequence[str] | None = None) -> list[int]: ...

    def presence(self, *, indicators: Sequence[str] | None = None,
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
        """Which figures exist (code, year, indicator, status, boundary_year; no value), the
        missing ones left out: what pages need to offer only what is there."""
        ...

    def indicators(self) -> pd.DataFrame: ...

    def ingest_log(self) -> pd.DataFrame:
        """Every ingest: kind, file name, checksum, time, year and counts."""
        ...

    def inventory(self) -> dict[str, pd.DataFrame]:
        """Counts of what the store holds (``geoinsight status``)."""
        ...

    def holdings(self) -> pd.DataFrame:
        """What each ingest still holds: ``ingest_id``, ``table``, ``rows`` (nonzero counts) of
        the tables whose rows name their ingest (later ingests may have replaced rows)."""
        ...

    def addresses(self, ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """BAG address points (those of ``ids`` when given): vbo_id, postcode, huisnummer, …,
        bouwjaar, geometry."""
        ...

    def addresses_in_postcode(self, postcode: str,
                              huisnummer: int | None = None) -> gpd.GeoDataFrame:
        """The BAG address points of a postcode (``2611AB``) or a PC4 (``2611``), of one
        huisnummer when given; columns as :meth:`addresses`."""
        ...

    def labels(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The current energy labels, one per located verblijfsobject (of ``ids``)."""
        ...

    def point_areas(self, point_set: str, *, level: str | None = None,
                    boundary_year: int | None = None,
                    area_codes: Sequence[str] | None = None) -> pd.DataFrame:
        """Which area each point of a set lies in, per level and boundary year (in
        ``area_codes`` when given)."""
        ...

    def register(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        """Codes and names per classification year (REGISTER_COLUMNS), of ``codes``."""
        ...

    def links(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        """Whether a code names the same area in two years (LINK_COLUMNS), of ``codes``."""
        ...

    def event_registers(self) -> list[EventRegister]:
        """The definitions of the own event registers (``ingest events --name``), by name."""
        ...

    def rasters(self) -> list[RasterSource]:
        """The definitions of the ingested rasters (``ingest raster --name``), by name."""
        ...


class ReadThrough:
    """A read-only view of another reader: every read of the protocol is passed on, by name
    (nothing is passed on that the protocol does not name, and there is no ``write``). Views that
    change what some reads answer (disclosure control, a principal's tiers) override those."""

    def __init__(self, store: Reader) -> None:
        self._store = store

    def is_empty(self) -> bool:
        return self._store.is_empty()

    def version(self) -> str:
        return self._store.version()

    def areas(self, *, level: str | None = None, municipality: str | None = None,
              year: int | None = None, codes: Sequence[str] | None = None,
              geometry: bool = True, bbox: BBox | None = None) -> gpd.GeoDataFrame:
        return self._store.areas(level=level, municipality=municipality, year=year,
                                 codes=codes, geometry=geometry, bbox=bbox)

    def area_years(self, *, level: str | None = None,
                   municipality: str | None = None) -> list[int]:
        return self._store.area_years(level=level, municipality=municipality)

    def values(self, *, indicators: Sequence[str] | None = None,
               codes: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
        return self._store.values(indicators=indicators, codes=codes, year=year)

    def value_years(self, *, indicators: Sequence[str] | None = None,
                    codes: Sequence[str] | None = None) -> list[int]:
        return self._store.value_years(indicators=indicators, codes=codes)

    def presence(self, *, indicators: Sequence[str] | None = None,
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._store.presence(indicators=indicators, codes=codes)

    def indicators(self) -> pd.DataFrame:
        return self._store.indicators()

    def ingest_log(self) -> pd.DataFrame:
        return self._store.ingest_log()

    def inventory(self) -> dict[str, pd.DataFrame]:
        return self._store.inventory()

    def holdings(self) -> pd.DataFrame:
        return self._store.holdings()

    def addresses(self, ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        return self._store.addresses(ids)

    def addresses_in_postcode(self, postcode: str,
                              huisnummer: int | None = None) -> gpd.GeoDataFrame:
        return self._store.addresses_in_postcode(postcode, huisnummer)

    def labels(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        return self._store.labels(ids)

    def point_areas(self, point_set: str, *, level: str | None = None,
                    boundary_year: int | None = None,
                    area_codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._store.point_areas(point_set, level=level, boundary_year=boundary_year,
                                       area_codes=area_codes)

    def register(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._store.register(codes)

    def links(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        return self._store.links(codes)

    def event_registers(self) -> list[EventRegister]:
        return self._store.event_registers()

    def rasters(self) -> list[RasterSource]:
        return self._store.rasters()


class Store(Reader, Protocol):
    """Everything the rest of GeoInsight may ask of a store: reading, and writing a batch."""

    def write(self, batch: IngestBatch) -> int:
        """Store a batch atomically and return its ingest id; on failure nothing changes."""
        ...

    def rejects(self, ingest_id: int) -> pd.DataFrame: ...

    def remove_ingest(self, ingest_id: int) -> Removal:
        """Remove what one ingest still holds, and what goes with it (the values and indicator
        records of an event register or raster it defined, indicator records left without
        values, point assignments of its points and of boundary sets left without areas), in
        one write: atomic as :meth:`write`, logged as an ingest of kind ``removal``. Refused
        (``GeoInsightError``, code ``removal_refused``) before anything changes: an unknown id,
        a removal, an ingest that holds nothing any more, addresses that stored energy labels
        are located on. Kept raster files are left for the caller (:attr:`Removal.files`)."""
        ...


def open_store(settings: Settings) -> Store:
    """The store the settings choose: PostGIS when a database URL is set, else the GeoPackage."""
    if settings.database_url:
        from geoinsight.store.postgis import PostGISStore, check_url
        return PostGISStore(check_url(settings.database_url))
    from geoinsight.store.gpkg import GeoPackageStore
    return GeoPackageStore(settings.store_path)


def origin(store: object) -> str:
    """Which stored data a reader reads, the same for every view of it (a principal's gate, the
    published store): for memos of answers that no view changes (boundaries, registers)."""
    while isinstance(store, ReadThrough):
        store = store._store
    return str(getattr(store, "path", None) or getattr(store, "url", None) or id(store))

