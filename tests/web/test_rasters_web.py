"""Rasters on the web: the demo's heat-stress raster as layers, planning input and overlay tiles,
and a raster of a higher tier that does not exist for whoever may not see it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from flask import Flask
from rasterio.io import MemoryFile
from rasterio.warp import transform as warp
from web.test_registers_web import invisible_everywhere, visible_everywhere
from web.tiers import QUERY

from geoinsight.ingest.rasters import ingest_raster
from geoinsight.rasters import RasterSpec
from geoinsight.render.raster_tiles import Ramp, _colormap
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.web import create_app

Headers = dict[str, str]
#: a tile over the centre of Delft at zoom 14
TILE = (14, 8390, 5411)


def _tile_png(client, name: str, z: int, x: int, y: int, headers: Headers | None = None):
    return client.get(f"/tiles/raster/{name}/{z}/{x}/{y}.png", headers=headers or {})


def test_the_demo_raster_is_layers_and_an_overlay(client) -> None:
    visible_everywhere(client, "hittestress_share_above_35", {})
    layer = client.get("/api/layers/hittestress_p90").get_json()
    assert layer["synthetic"] and layer["unit"] == "°C" and layer["tier"] == "open"
    assert layer["source"] == ("GeoInsight-demo, gegenereerd hittestressraster (PET) "
                               "(hittestress-synthetic-demo.tif)")
    assert "Synthetische demogegevens." in layer["description"]["nl"]
    (overlay,) = client.get("/api/rasters").get_json()["rasters"]
    assert overlay["name"] == "hittestress" and overlay["synthetic"]
    assert overlay["tiles"] == "/tiles/raster/hittestress/{z}/{x}/{y}.png"
    west, south, east, north = overlay["bounds"]
    assert 4.2 < west < east < 4.5 and 51.9 < south < north < 52.1  # Delft
    assert overlay["legend"]["colors"][0] == "#ffffcc"  # the YlOrRd of its mean layer's file
    # small buurten keep their heat figure: it is about the land, not about anyone
    values = client.get("/api/layers/hittestress_mean/values" + QUERY).get_json()["values"]
    assert {row["status"] for row in values} == {"ok"} and len(values) == 91


def test_a_tile_shows_each_cell_in_the_legend_colour_of_its_value(client, demo_settings: Settings
                                                                  ) -> None:
    (raster,) = open_store(demo_settings).rasters()
    answer = _tile_png(client, "hittestress", *TILE)
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    with MemoryFile(answer.get_data()) as memory, memory.open() as png:
        rgba = png.read()
    assert rgba.shape == (4, 256, 256)
    # the value under a few pixels, read from the kept file itself
    z, x, y = TILE
    ramp = Ramp("YlOrRd", raster.minimum, raster.maximum)
    table = _colormap(ramp.palette, ramp.reverse)
    with rasterio.open(demo_settings.data_dir / raster.file) as dataset:
        checked = 0
        for row, col in ((40, 40), (128, 128), (200, 60), (90, 220)):
            lon = (x + (col + 0.5) / 256) / 2 ** z * 360 - 180
            lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + (row + 0.5) / 256)
                                                              / 2 ** z))))
            xs, ys = warp("EPSG:4326", dataset.crs, [lon], [lat])
            value = next(dataset.sample([(xs[0], ys[0])]))[0]
            if value == dataset.nodata:
                assert rgba[3, row, col] == 0  # nodata is see-through
                continue
            index = round((value - ramp.low) / (ramp.high - ramp.low) * 255)
            want = np.array(table[min(max(index, 0), 255)][:3])
            # one cell of 10 m is ~1 pixel here: a neighbour's value may be drawn instead
            assert np.abs(rgba[:3, row, col].astype(int) - want).max() <= 40, (row, col)
            assert rgba[3, row, col] == 255
            checked += 1
    assert checked >= 3


def test_tiles_beyond_the_raster_or_the_grid(client) -> None:
    assert _tile_png(client, "hittestress", 14, 1, 1).status_code == 204  # nothing to draw
    for z, x, y in ((25, 1, 1), (3, 8, 0), (3, 0, 99)):
        answer = _tile_png(client, "hittestress", z, x, y)
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    unknown = _tile_png(client, "nope", *TILE)
    assert unknown.status_code == 404 and unknown.is_json


def test_a_tile_is_cached_and_revalidates(client) -> None:
    first = _tile_png(client, "hittestress", *TILE, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in first.headers  # a PNG is compressed already
    cached = _tile_png(client, "hittestress", *TILE, headers={"Accept-Encoding": "gzip"})
    assert cached.get_data() == first.get_data() and "Content-Encoding" not in cached.headers
    again = _tile_png(client, "hittestress", *TILE,
                      headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_map_of_a_raster_figure_turns_its_overlay_on(client) -> None:
    page = client.get("/map/hittestress_share_above_35" + QUERY).get_data(as_text=True)
    assert '"rasters":[{' in page and "/tiles/raster/hittestress/{z}/{x}/{y}.png" in page


def test_climate_adaptation_reads_the_raster(client) -> None:
    answer = client.get("/api/planning?scheme=climate_adaptation" + QUERY.replace("?", "&"))
    body = answer.get_json()
    heat = next(i for i in body["inputs"] if i["id"] == "heat_stress")
    assert heat["available"] and heat["synthetic"] and heat["areas_with_value"] == 91
    assert body["synthetic"]
    scored = [row for row in body["rows"] if row.get("score") is not None]
    assert len(scored) >= 80


@pytest.fixture
def internal_raster_app(demo_settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    """The demo with a second raster, internal: a copy of the heat raster as ``groen``."""
    store = open_store(demo_settings)
    (heat,) = store.rasters()
    ingest_raster(store, demo_settings.data_dir / heat.file,
                  RasterSpec("groen", title="Groen (intern)", unit="%", tier="internal",
                             year=2024), demo_settings.data_dir)
    app = create_app(demo_settings)
    app.config["TESTING"] = True
    yield app


def test_an_internal_raster_is_not_there_for_the_anonymous(
        internal_raster_app: Flask, token_for: Callable[[str, str], Headers]) -> None:
    client = internal_raster_app.test_client()
    invisible_everywhere(client, "groen_mean", "Groen (intern)", {})
    assert [r["name"] for r in client.get("/api/rasters").get_json()["rasters"]] == [
        "hittestress"]
    hidden = _tile_png(client, "groen", *TILE)
    unknown = _tile_png(client, "nope", *TILE)
    assert hidden.status_code == unknown.status_code == 404
    # the same answer as for no raster at all
    assert hidden.get_data(as_text=True).replace("groen", "nope") == unknown.get_data(
        as_text=True)
    staff = token_for("staff-user", "staff")
    visible_everywhere(client, "groen_mean", staff)
    assert _tile_png(client, "groen", *TILE, headers=staff).status_code == 200
    names = [r["name"] for r in client.get("/api/rasters", headers=staff).get_json()["rasters"]]
    assert names == ["groen", "hittestress"]


def test_a_rasters_tiles_are_audited_once_per_viewer_not_per_tile(
        internal_raster_app: Flask, token_for: Callable[[str, str], Headers]) -> None:
    client = internal_raster_app.test_client()
    staff = token_for("staff-user", "staff")
    z, x, y = TILE
    for dx, dy in ((0, 0), (1, 0), (0, 1), (0, 0)):  # the last one from the answer cache
        assert _tile_png(client, "groen", z, x + dx, y + dy, headers=staff).status_code in (
            200, 204)
    other = token_for("other-user", "staff")
    assert _tile_png(client, "groen", *TILE, headers=other).status_code == 200
    entries = client.get("/api/audit", headers=token_for("admin", "beheerder")).get_json()
    tiles = [(e["who"], e["what"]) for e in entries["entries"] if "tiles" in e["what"]]
    assert sorted(tiles) == [("other-user", "raster tiles groen"),
                             ("staff-user", "raster tiles groen")]
