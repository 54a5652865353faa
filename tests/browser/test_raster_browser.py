"""The raster overlay in a real Chromium: the demo's heat-stress raster drawn as PNG tiles from
the server over its layer, with a legend ramp, an opacity slider and a switch in the layer
control; nothing is fetched from anywhere but the server (and the stubbed basemap)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import BASEMAP_HOST, BrowserPage, LiveServer
from playwright.sync_api import expect
from test_map_browser import DELFT_BUURTEN, MAP_QUERY, PATHS, assert_clean, open_map

RASTER_TILES = "img.leaflet-tile[src*='/tiles/raster/hittestress/']"


@pytest.mark.browser
def test_the_heat_raster_is_drawn_with_legend_opacity_and_switch(
        live_server: LiveServer, browser_page: BrowserPage, screenshots: Any) -> None:
    browser_page.page.set_viewport_size({"width": 1280, "height": 720})
    open_map(browser_page, live_server.url(f"/map/hittestress_share_above_35{MAP_QUERY}"))
    page = browser_page.page
    expect(page.locator(PATHS)).to_have_count(DELFT_BUURTEN)
    # a figure of the raster opens with the raster itself on
    assert page.evaluate("document.body.dataset.rasters") == "hittestress"
    # tiles are drawn by the server on demand, several at once by its threads
    page.wait_for_selector(f"{RASTER_TILES}.leaflet-tile-loaded")
    served = [u for u in browser_page.record.requests if "/tiles/raster/hittestress/" in u]
    assert served, "no raster tile was requested"
    # the legend: a ramp from the lowest to the highest value, and an opacity slider
    block = page.locator(".gi-legend-raster")
    expect(block).to_have_count(1)
    # with the raster's block the legend is tall, yet stays below the layer control's button
    legend = page.locator(".gi-legend").bounding_box()
    button = page.locator(".leaflet-control-layers").bounding_box()
    assert legend is not None and button is not None
    assert legend["y"] >= button["y"] + button["height"], (legend, button)
    expect(block).to_contain_text("Hittestress (gevoelstemperatuur)")
    expect(block.locator(".gi-raster-ends")).to_contain_text("°C")
    pane = page.locator(".leaflet-gi-raster-pane .leaflet-layer")
    assert float(pane.evaluate("(e) => getComputedStyle(e).opacity")) == pytest.approx(0.6)
    block.locator("input[type=range]").fill("20")
    assert float(pane.evaluate("(e) => getComputedStyle(e).opacity")) == pytest.approx(0.2)
    page.screenshot(path=str(screenshots / "raster-overlay.png"))
    # the switch in the layer control turns it off, and the legend block goes with it
    control = page.locator(".leaflet-control-layers")
    if "leaflet-control-layers-expanded" not in (control.get_attribute("class") or ""):
        control.hover()
    switch = control.locator(".leaflet-control-layers-overlays label",
                             has_text="Hittestress (gevoelstemperatuur)")
    switch.locator("input").click()
    expect(page.locator(RASTER_TILES)).to_have_count(0)
    expect(page.locator(".gi-legend-raster")).to_have_count(0)
    assert page.evaluate("document.body.dataset.rasters") == ""
    # and back on over another layer
    switch.locator("input").click()
    expect(page.locator(".gi-legend-raster")).to_have_count(1)
    assert_clean(browser_page, allowed_hosts=(BASEMAP_HOST,))


@pytest.mark.browser
def test_another_layer_offers_the_raster_switched_off(live_server: LiveServer,
                                                      browser_page: BrowserPage) -> None:
    open_map(browser_page, live_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page
    assert page.evaluate("document.body.dataset.rasters || ''") == ""
    expect(page.locator(RASTER_TILES)).to_have_count(0)
    control = page.locator(".leaflet-control-layers")
    expect(control.locator(".leaflet-control-layers-overlays")).to_contain_text("Hittestress")
