"""The map page's download menu: real files from the layer shown, following the switcher."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from browser_support import BrowserPage, LiveServer
from playwright.sync_api import expect
from test_map_browser import MAP_QUERY, PATHS, open_map

pytestmark = pytest.mark.browser


def test_download_menu_gives_the_export_of_the_layer_shown(live_server: LiveServer,
                                                           browser_page: BrowserPage) -> None:
    open_map(browser_page, live_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page
    page.locator(".gi-download summary").click()
    links = page.locator(".gi-download a")
    assert links.count() == 8  # seven formats and the PNG of the view
    with page.expect_download() as info:
        page.locator(".gi-download a[data-format=csv]").click()
    download = info.value
    assert download.suggested_filename == "population_density_buurt_GM0503_2024.csv"
    body = Path(download.path()).read_bytes()
    direct = urllib.request.urlopen(live_server.url(
        "/api/export/population_density" + MAP_QUERY + "&format=csv")).read()
    assert body == direct and body.startswith(b"code,name,level,gemeente_code,year")

    # switching the layer on the map switches what the menu downloads
    control = page.locator(".leaflet-control-layers")
    if "leaflet-control-layers-expanded" not in (control.get_attribute("class") or ""):
        control.hover()
    control.locator(".leaflet-control-layers-base label", has_text="WOZ").locator(
        "input").click()
    expect(page.locator(PATHS)).to_have_count(91)
    href = page.locator(".gi-download a[data-format=gpkg]").get_attribute("href") or ""
    assert href.startswith("/api/export/woz_mean?") and "format=gpkg" in href


def test_the_png_is_the_view_on_the_screen(live_server: LiveServer,
                                           browser_page: BrowserPage) -> None:
    from rasterio.io import MemoryFile

    open_map(browser_page, live_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page
    page.locator(".gi-download summary").click()
    with page.expect_download() as info:
        page.locator(".gi-download a.gi-map-png").click()
    download = info.value
    assert download.suggested_filename == "population_density_buurt_GM0503_2024.png"
    assert "bbox=" in download.url and "width=1600" in download.url
    with MemoryFile(Path(download.path()).read_bytes()) as memory, memory.open() as png:
        assert png.width == 1600 and 400 <= png.height <= 3000
