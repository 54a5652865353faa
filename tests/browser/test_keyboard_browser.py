"""The map without a mouse: Tab reaches the areas, a focused area shows its name and figure,
Enter opens its profile; the figures as a table are one click from the map, with the same
classes and a link to every area."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import BASEMAP_HOST, BrowserPage, LiveServer
from playwright.sync_api import expect
from test_map_browser import assert_clean

QUERY = "?level=buurt&municipality=GM0503"
FOCUSED_AREA = "document.activeElement.matches('path.leaflet-interactive[role=link]')"


@pytest.mark.browser
def test_tab_reaches_the_areas_and_enter_opens_a_profile(live_server: LiveServer,
                                                         browser_page: BrowserPage,
                                                         screenshots: Any) -> None:
    page = browser_page.page
    page.goto(live_server.url(f"/map/population_density{QUERY}"))
    page.wait_for_selector('body[data-map-ready="1"]')
    for _ in range(80):  # header, search, pickers, downloads, map, zoom: then the areas
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_AREA):
            break
    assert page.evaluate(FOCUSED_AREA), "Tab never reached an area of the map"
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    name, _, figure = label.partition(": ")
    assert name and figure, label  # "Centrum: 12.345 inw./km²" or the reason there is none
    tooltip = page.locator(".gi-tooltip .gi-tip-name")
    expect(tooltip).to_have_text(name)
    page.screenshot(path=str(screenshots / "map-keyboard-focus.png"))
    page.keyboard.press("Tab")  # the next area: the tooltip follows the focus
    assert page.evaluate(FOCUSED_AREA)
    following = page.evaluate("document.activeElement.getAttribute('aria-label')")
    expect(tooltip).to_have_text(following.partition(": ")[0])
    page.keyboard.press("Enter")
    page.wait_for_url("**/areas/BU*")
    expect(page.locator("h1")).to_contain_text(following.partition(": ")[0])
    assert_clean(browser_page, (BASEMAP_HOST,))


@pytest.mark.browser
def test_the_figures_as_a_table_are_one_click_away(live_server: LiveServer,
                                                   browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url(f"/map/population_density{QUERY}"))
    page.wait_for_selector('body[data-map-ready="1"]')
    values = live_server.get_json(
        f"/api/layers/population_density/values{QUERY}&format=json")["values"]
    page.locator("a.gi-table-link").click()
    page.wait_for_url("**/map/population_density/table?*")
    rows = page.locator(".gi-figures-table tbody tr")
    expect(rows).to_have_count(len(values))
    first = sorted(values, key=lambda v: (v["name"].lower(), v["code"]))[0]
    cells = rows.first.locator("td")
    expect(rows.first.locator("th a")).to_have_text(first["name"])
    expect(cells.nth(0)).to_have_text(first["code"])
    rows.first.locator("th a").click()
    page.wait_for_url(f"**/areas/{first['code']}")
    assert_clean(browser_page, (BASEMAP_HOST,))


@pytest.mark.browser
@pytest.mark.parametrize("layer", ["population_density", "energy_label_share_efg"])
def test_the_table_link_follows_the_layer_switcher(live_server: LiveServer,
                                                   browser_page: BrowserPage,
                                                   layer: str) -> None:
    page = browser_page.page
    page.goto(live_server.url(f"/map/{layer}{QUERY}"))
    page.wait_for_selector('body[data-map-ready="1"]')
    href = page.get_attribute("a.gi-table-link", "href") or ""
    assert href.startswith(f"/map/{layer}/table?") and "municipality=GM0503" in href
