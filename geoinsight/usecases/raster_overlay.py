"""The rasters a principal may see, as map overlays: their tiles, legend and bounds.

A raster about the land is an overlay for whoever may read its tier
(:meth:`geoinsight.privacy.gate.Gate.rasters`); for anyone else it does not exist. A raster about
persons is never an overlay: its cells would show where people are (:mod:`geoinsight.rasters`).
The colours are those of the raster's mean layer (a layer file of that id restyles both),
stretched over the raster's range.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoinsight.errors import GeoInsightError, NotFound
from geoinsight.privacy.gate import Gate
from geoinsight.rasters import RasterSource
from geoinsight.render import raster_tiles
from geoinsight.render.raster_tiles import Ramp


@dataclass(frozen=True)
class Overlay:
    raster: RasterSource
    ramp: Ramp
    #: west, south, east, north (WGS84)
    bounds: tuple[float, float, float, float]

    def as_dict(self, lang: str, tiles_url: str) -> dict[str, Any]:
        r = self.raster
        return {"name": r.name, "title": r.title_en if lang == "en" else r.title_nl,
                "unit": r.unit, "year": r.year, "synthetic": r.synthetic, "tier": r.tier,
                "tiles": tiles_url, "bounds": list(self.bounds),
                "figures": list(r.indicator_ids()),
                "legend": {"min": self.ramp.low, "max": self.ramp.high,
                           "colors": self.ramp.stops()},
                "source": r.source, "licence": r.licence}


def drawable(gate: Gate) -> list[RasterSource]:
    """The rasters ``gate``'s principal may see drawn: those about the land."""
    return [r for r in gate.rasters() if r.about_land]


def overlays(gate: Gate, data_dir: Path) -> list[Overlay]:
    """Every raster ``gate``'s principal may see drawn whose file is at hand."""
    found = []
    for raster in drawable(gate):
        if raster.kept_file_present(data_dir):
            west, south, east, north = (float(v) for v in raster.detail["bounds_wgs84"])
            found.append(Overlay(raster, ramp_of(gate, raster), (west, south, east, north)))
    return found


def ramp_of(gate: Gate, raster: RasterSource) -> Ramp:
    mean = gate.catalog.layers.get(f"{raster.name}_mean")
    palette = mean.palette if mean is not None else "YlOrRd"
    return Ramp(palette, raster.minimum, raster.maximum, mean.reverse if mean else False)


def tile(gate: Gate, data_dir: Path, name: str, z: int, x: int, y: int) -> bytes | None:
    """The PNG of one tile of raster ``name`` (None where the raster does not reach); a raster
    the principal may not see drawn, or no tile of the grid, is not found."""
    raster = next((r for r in drawable(gate) if r.name == name), None)
    if raster is None or not raster_tiles.tile_exists(z, x, y):
        raise NotFound(f"no raster tile {name}/{z}/{x}/{y}")
    path = raster.kept_file(data_dir)
    if path is None or not path.is_file():
        raise GeoInsightError(f"the file of raster {name!r} is not in the data folder "
                              f"({raster.file}); ingest it again, or share the folder between "
                              "the servers", code="raster_file_missing", status=503)
    gate.audit_read(f"raster tiles {name}", raster.tier, None)
    return raster_tiles.render_tile(path, raster.band, ramp_of(gate, raster), z, x, y)
