"""The search box and the layer pages in a real Chromium: suggestions as you type, arrow keys
and Enter open an area's profile, a postcode finds its buurt, a result opens the map on its
area, the legend leads to the layer's "about" page and on to the method; nothing leaves the
server."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import BASEMAP_HOST, BrowserPage, LiveServer
from playwright.sync_api import expect
from test_map_browser import assert_clean

OPTIONS = "#gi-search-list [role=option]"


@pytest.mark.browser
def test_typing_suggests_areas_and_enter_opens_one(live_server: LiveServer,
                                                   browser_page: BrowserPage,
                                                   screenshots: Any) -> None:
    page = browser_page.page
    page.goto(live_server.url("/layers"))
    box = page.locator("#gi-search-q")
    box.fill("wipolder")  # a typo
    expect(page.locator(OPTIONS).first).to_contain_text("Wippolder")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.fill("centrum")
    expect(page.locator(OPTIONS).first).to_contain_text("Centrum")
    expect(page.locator(OPTIONS).first).to_contain_text("buurt in Delft")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "gi-search-opt-0")
    page.screenshot(path=str(screenshots / "search-suggestions.png"))
    box.press("Enter")
    page.wait_for_url("**/areas/BU05031104")
    expect(page.locator("h1")).to_contain_text("Centrum")
    assert_clean(browser_page)


@pytest.mark.browser
def test_a_postcode_opens_its_buurt_without_the_script_too(live_server: LiveServer,
                                                          browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url("/signals"))
    page.locator("#gi-search-q").fill("2592 HL 323")
    page.locator("form.gi-search button[type=submit]").click()  # the form, not a suggestion
    page.wait_for_url("**/areas/BU05182569")
    box = page.locator("#gi-search-q")
    box.fill("centrum")
    expect(page.locator(OPTIONS).first).to_be_visible()
    box.press("Escape")  # closes the list
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#gi-search-list")).to_be_hidden()
    box.fill("qqqqqq")
    box.press("Enter")
    expect(page.locator(".gi-note")).to_contain_text("Niets gevonden")
    assert_clean(browser_page)


@pytest.mark.browser
def test_a_result_opens_the_map_on_its_area(live_server: LiveServer,
                                            browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url("/search?q=centrum"))
    page.locator(".gi-search-results li").first.locator(".gi-search-maplink").click()
    page.wait_for_selector('body[data-map-ready="1"]')
    page.wait_for_selector('body[data-focus="BU05031104"]')
    assert page.locator(".leaflet-gi-focus-pane path").count() == 1
    outline = page.locator(".leaflet-gi-focus-pane path").bounding_box()
    assert outline is not None and outline["width"] > 150
    assert_clean(browser_page, allowed_hosts=(BASEMAP_HOST,))


@pytest.mark.browser
def test_the_legend_leads_to_the_layers_about_page(live_server: LiveServer,
                                                   browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url("/map/population?level=buurt&municipality=GM0503"))
    page.wait_for_selector('body[data-map-ready="1"]')
    link = page.locator(".gi-legend a.gi-legend-about")
    expect(link).to_have_text("Over deze kaartlaag")
    link.click()
    page.wait_for_url("**/layers/population/about")
    expect(page.locator("h1")).to_contain_text("Aantal inwoners")
    page.locator("a", has_text="Volledige uitleg").click()
    page.wait_for_url("**/docs/methods#**")
    assert_clean(browser_page, allowed_hosts=(BASEMAP_HOST,))
