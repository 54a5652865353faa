"""The catalogue with the layers a store defines: its event registers' and its rasters'."""

from __future__ import annotations

from typing import Protocol

from geoinsight.catalog import Catalog
from geoinsight.catalog.rasters import with_rasters
from geoinsight.catalog.registers import with_registers
from geoinsight.rasters import RasterSource
from geoinsight.registers import EventRegister


class Defining(Protocol):
    """What of a store defines layers (a store, or a request's gate: only what it may see)."""

    def event_registers(self) -> list[EventRegister]: ...

    def rasters(self) -> list[RasterSource]: ...


def with_stored_layers(catalog: Catalog, store: Defining) -> Catalog:
    """``catalog`` (the layer files) with a layer per event register and per raster figure of
    ``store`` (a layer file of the same id styles it)."""
    return with_rasters(with_registers(catalog, store.event_registers()), store.rasters())
