"""Signals in the browser: the hot/cold-spot overlay, the year slider and the signals page."""

from __future__ import annotations

from browser_support import BrowserPage, LiveServer
from playwright.sync_api import expect
from test_map_browser import MAP_QUERY, open_map


def test_hotspot_overlay_outlines_the_gi_star_hot_and_cold_spots(
        live_server: LiveServer, browser_page: BrowserPage) -> None:
    signals = live_server.get_json(f"/api/layers/crimes_registered/signals{MAP_QUERY}")
    expected = {k: sum(a["hotspot"] == k for a in signals["areas"]) for k in ("hot", "cold")}
    assert expected["hot"] > 0
    page = browser_page.page
    open_map(browser_page, live_server.url(f"/map/crimes_registered{MAP_QUERY}&overlay=hotspots"))
    page.wait_for_selector("body[data-spots]")
    # outlines only: one non-interactive path per hot or cold spot, on top of the 91 buurten
    outlines = page.locator(".leaflet-overlay-pane path:not(.leaflet-interactive)")
    expect(outlines).to_have_count(expected["hot"] + expected["cold"])
    legend = page.locator(".gi-legend-spots")
    expect(legend).to_contain_text("hotspot")
    expect(legend.locator(".gi-spot-hot .gi-legend-count")).to_have_text(f"({expected['hot']})")
    # switching the overlay off in the layer control removes the outlines and legend rows
    control = page.locator(".leaflet-control-layers")
    control.hover()
    control.get_by_text("Hot- en coldspots").click()
    expect(outlines).to_have_count(0)
    expect(page.locator(".gi-legend-spots")).to_have_count(0)
    assert browser_page.record.problems() == []


def test_year_slider_loads_the_chosen_year(live_server: LiveServer,
                                           browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_map(browser_page, live_server.url(f"/map/crimes_registered{MAP_QUERY}"))
    expect(page.locator("#gi-year-output")).to_have_text("2025")
    slider = page.locator("#gi-year-range")
    slider.focus()
    with page.expect_navigation():
        page.keyboard.press("Home")  # the first year; 'change' fires on a key step
    page.wait_for_selector('body[data-map-ready="1"]')
    assert "year=2021" in page.url
    expect(page.locator("#gi-year-output")).to_have_text("2021")
    expect(page.locator(".gi-map-meta")).to_contain_text("2021")


def test_signals_page_links_to_the_overlay(live_server: LiveServer,
                                           browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(live_server.url("/signals"))
    section = page.locator('section[data-layer="crimes_registered"]')
    expect(section).to_contain_text("hotspot")
    section.locator("h2 a").click()
    page.wait_for_selector('body[data-map-ready="1"]')
    assert "overlay=hotspots" in page.url
    page.wait_for_selector("body[data-spots]")
