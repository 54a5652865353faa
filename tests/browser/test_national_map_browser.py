"""The national map in headless Chromium: every buurt the store holds on one canvas, hover as on
a gemeente map, and each gemeente's detailed geometry fetched once the map is zoomed in on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import SCREENSHOTS, BrowserPage, LiveServer, run_cli, start_server
from builders import gemeente_buurten
from test_map_browser import open_map

DELFT, DEN_HAAG = "GM0503", "GM0518"
NATIONAL = "/map/population?level=buurt"


@pytest.fixture(scope="module")
def national_server(chromium_path: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo (Delft's buurten of 2023) and four buurten of 2023 of a gemeente in the far
    north-east (named Den Haag's code, placed near Groningen so the country is in view)."""
    root = tmp_path_factory.mktemp("national-server")
    data_dir = root / "data"
    data_dir.mkdir()
    run_cli(data_dir, "demo")
    source = root / "den_haag.gpkg"
    gemeente_buurten(DEN_HAAG, "'s-Gravenhage", 4, 233000.0, 582000.0).to_file(source)
    run_cli(data_dir, "ingest", "boundaries", str(source), "--year", "2023")
    yield from start_server(data_dir, "none")


def the_map(page: Any) -> str:
    """The Leaflet map's global name (folium names it map_<id>)."""
    name = page.evaluate("Object.keys(window).find((k) => /^map_[0-9a-f]+$/.test(k))")
    assert name, "no Leaflet map on the page"
    return str(name)


def test_the_country_is_drawn_on_a_canvas_with_tooltips(national_server: LiveServer,
                                                        browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_map(browser_page, national_server.url(NATIONAL))
    # thousands of areas: one canvas, not a path per area
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 0
    name = the_map(page)
    # fitted to what it shows: both gemeenten in view, far below the detail zoom
    assert page.evaluate(f"window.{name}.getBounds().contains([52.0115, 4.3571])")
    assert page.evaluate(f"window.{name}.getBounds().contains([53.2, 6.55])")
    assert page.evaluate(f"window.{name}.getZoom()") < 12
    layer_count = page.evaluate(
        f"(() => {{ let n = 0; window.{name}.eachLayer((l) => {{ if (l.feature) n += 1; }});"
        " return n; })()")
    assert layer_count == 91 + 4
    # zoomed in on Delft, hovering the middle of the map shows a Delft buurt and its figure
    page.evaluate(f"void window.{name}.setView([52.0115, 4.3571], 14)")
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 - 40, box["y"] + box["height"] / 2 - 40,
                    steps=3)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    tooltip = page.locator(".gi-tooltip")
    tooltip.wait_for(state="visible")
    assert "BU0503" in (tooltip.text_content() or "")
    # the hovered area is outlined by one path above the canvas, not by redrawing the canvas
    outline = page.locator(".leaflet-gi-outline-pane path")
    assert outline.count() == 1
    assert outline.get_attribute("stroke") == "#222222"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "national-map.png"))
    page.mouse.move(box["x"] + 5, box["y"] - 20, steps=3)  # off the map, above it
    page.wait_for_function("() => !document.querySelector('.leaflet-gi-outline-pane path')")
    assert not browser_page.record.problems()
    assert not browser_page.record.page_errors


def test_zooming_in_swaps_in_the_gemeente_in_view(national_server: LiveServer,
                                                  browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_map(browser_page, national_server.url(NATIONAL))
    name = the_map(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/areas" in r.url else None)
    with page.expect_response(lambda r: f"municipality={DELFT}" in r.url):
        page.evaluate(f"void window.{name}.setView([52.0115, 4.3571], 14)")
    page.wait_for_timeout(500)
    detailed = [url for url in asked if "municipality=" in url]
    # only the gemeente in view, at full detail, once
    assert [url.split("municipality=")[1] for url in detailed] == [DELFT]
    assert "detail=" not in detailed[0]
    layer_count = page.evaluate(
        f"(() => {{ let n = 0; window.{name}.eachLayer((l) => {{ if (l.feature) n += 1; }});"
        " return n; })()")
    assert layer_count == 91 + 4  # swapped, not added
    page.evaluate(f"void window.{name}.panBy([5, 5])")
    page.wait_for_timeout(300)
    assert len([url for url in asked if "municipality=" in url]) == 1
    assert not browser_page.record.page_errors


@pytest.mark.parametrize("width", [1280, 1600])
def test_the_country_is_fitted_beside_the_panels_in_the_corners(
        national_server: LiveServer, browser_page: BrowserPage, width: int) -> None:
    """The custom-area panel (bottom left) and the legend (bottom right) cover no area of the
    fitted country on a desktop-wide map: its west end (Delft) lies right of the panel, its
    east end left of the legend."""
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": 720})
    open_map(browser_page, national_server.url(NATIONAL))
    name = the_map(page)
    edges = page.evaluate(f"""(() => {{
        const map = window.{name}, box = map.getContainer().getBoundingClientRect();
        const right = (sel) => document.querySelector(sel).getBoundingClientRect();
        return {{
          west: map.latLngToContainerPoint([52.0115, 4.3230]).x,
          east: map.latLngToContainerPoint([53.21, 6.60]).x,
          panel: right(".leaflet-bottom.leaflet-left .gi-area").right - box.left,
          legend: right(".leaflet-bottom.leaflet-right .gi-legend").left - box.left,
        }}; }})()""")
    assert edges["panel"] < edges["west"] < edges["east"] < edges["legend"], edges
