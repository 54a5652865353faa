"""The map and profile pages in headless Chromium against a real server process.

What only a browser can show: polygons really drawn (one SVG path per buurt), the legend and
tooltips rendered from data as text, layer switching without a reload, no request leaving the
host except basemap tiles, and payload names that stay text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    BASEMAP_HOST,
    SCREENSHOTS,
    TOOLTIP,
    XSS_NAMES,
    XSS_WIJK,
    BrowserPage,
    LiveServer,
    hover_tooltip,
)
from playwright.sync_api import expect

DELFT = "GM0503"
DELFT_BUURTEN = 91
MAP_QUERY = f"?level=buurt&municipality={DELFT}"
PATHS = ".leaflet-overlay-pane path.leaflet-interactive"
BUURT_CODE = re.compile(r"BU0503\d{4}")
MIN_MAP_PX = 300

#: A point inside ``path`` where the path itself is the topmost element (not the bounding-box
#: centre of a concave polygon, nor a spot under the legend or layer switcher), or null.


def open_map(bp: BrowserPage, url: str) -> None:
    """Load a map page and wait until the first layer is drawn (or fail with its error box)."""
    page = bp.page
    page.goto(url)
    # a selector, not wait_for_function: the page's CSP forbids the eval that would need
    page.wait_for_selector('body[data-map-ready="1"], body[data-map-error="1"]')
    if page.evaluate("document.body.dataset.mapError") == "1":
        error = page.locator(".gi-error").text_content()
        pytest.fail(f"the map shows an error: {error!r}; failed requests: "
                    f"{bp.record.problems()}; page errors: {bp.record.page_errors}")
    box = page.locator(".folium-map").bounding_box()
    if box is None or box["width"] < MIN_MAP_PX or box["height"] < MIN_MAP_PX:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "map-too-small.png"))
        pytest.fail(f"the map element is {box}: too small to show anything (page layout "
                    f"broken?); see {SCREENSHOTS / 'map-too-small.png'}")


def within_map(page: Any, selector: str) -> bool:
    """Whether the element lies inside the map's box (the map clips what sticks out)."""
    outer = page.locator(".folium-map").bounding_box()
    inner = page.locator(selector).first.bounding_box()
    return bool(outer and inner and inner["width"] > 0 and inner["height"] > 0
                and inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
                and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
                and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def leave_map(bp: BrowserPage) -> None:
    """Move the mouse onto the page heading so any tooltip closes."""
    box = bp.page.locator("#gi-map-title").bounding_box()
    assert box is not None
    bp.page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    bp.page.locator(TOOLTIP).wait_for(state="detached")


def hover_path(bp: BrowserPage, path: Any) -> str | None:
    return hover_tooltip(bp.page, path, "#gi-map-title")


def hover_all(bp: BrowserPage) -> list[str]:
    texts = [hover_path(bp, path) for path in bp.page.locator(PATHS).element_handles()]
    return [t for t in texts if t is not None]


def layer_titles(server: LiveServer, level: str) -> dict[str, str]:
    """Layer id -> Dutch title of every layer offered at ``level``."""
    return {layer["id"]: layer["title"] for layer in server.get_json("/api/layers")["layers"]
            if level in layer["levels"]}


def delft_buurten(server: LiveServer) -> dict[str, str | None]:
    collection = server.get_json(f"/api/areas{MAP_QUERY}")
    return {f["properties"]["code"]: f["properties"].get("name")
            for f in collection["features"]}


def assert_clean(bp: BrowserPage, allowed_hosts: tuple[str, ...] = ()) -> None:
    record = bp.record
    assert record.problems() == [], "failed requests or responses >= 400"
    assert record.off_host(allowed_hosts) == [], "requests left 127.0.0.1"
    assert record.page_errors == [], "uncaught JavaScript errors"


def assert_no_payload_ran(bp: BrowserPage) -> None:
    page = bp.page
    assert bp.record.dialogs == [], "a payload opened a dialog"
    assert page.locator('img[src="x"]').count() == 0, "a payload became an <img> element"
    assert page.evaluate("typeof window.__xss") == "undefined", "a payload ran script"


@pytest.mark.browser
def test_map_page_draws_every_buurt_with_legend_tooltip_and_basemap(
        live_server: LiveServer, browser_page: BrowserPage, screenshots: Any) -> None:
    buurten = delft_buurten(live_server)
    assert len(buurten) == DELFT_BUURTEN
    open_map(browser_page, live_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page

    expect(page.locator(PATHS)).to_have_count(DELFT_BUURTEN)
    legend = page.locator(".gi-legend")
    expect(legend).to_be_visible()
    assert within_map(page, ".gi-legend"), "the legend is cut off by the map's edge"
    assert legend.locator(".gi-legend-row").count() >= 3
    expect(legend).to_contain_text("geen gegevens")
    expect(legend).to_contain_text("geheim")
    expect(page.locator(".leaflet-control-layers")).to_be_visible()
    expect(page.locator(".gi-error")).to_have_count(0)

    named = None
    for path in page.locator(PATHS).element_handles():
        text = hover_path(browser_page, path)
        if text is None:
            continue
        codes = BUURT_CODE.findall(text)
        assert codes and codes[0] in buurten, f"tooltip without a Delft buurt code: {text!r}"
        if buurten[codes[0]]:
            named = (text, codes[0])
            break
    assert named is not None, "no polygon could be hovered to a tooltip with a buurt name"
    text, code = named
    assert buurten[code] in text

    page.screenshot(path=str(screenshots / "map.png"))
    assert_clean(browser_page, allowed_hosts=(BASEMAP_HOST,))
    assert browser_page.record.aborted == []
    assert browser_page.record.tiles >= 1, "no basemap tile was requested"


@pytest.mark.browser
def test_layer_switcher_redraws_legend_and_url(live_server: LiveServer,
                                               browser_page: BrowserPage) -> None:
    titles = layer_titles(live_server, "buurt")
    assert "population_density" in titles
    others = [i for i in ("woz_mean", "pct_owner_occupied") if i in titles] or [
        i for i in titles if i != "population_density"]
    assert others, f"only one layer at buurt level: {sorted(titles)}"
    target = others[0]
    open_map(browser_page, live_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page
    expect(page.locator(".gi-legend-title")).to_have_text(titles["population_density"])

    control = page.locator(".leaflet-control-layers")
    if "leaflet-control-layers-expanded" not in (control.get_attribute("class") or ""):
        control.hover()  # a collapsed switcher opens on mouse-over
    labels = control.locator(".leaflet-control-layers-base label")
    found = [i for i in range(labels.count())
             if (labels.nth(i).text_content() or "").strip() == titles[target]]
    assert len(found) == 1, f"no single switcher entry titled {titles[target]!r}"
    labels.nth(found[0]).locator("input").click()

    expect(page.locator(".gi-legend-title")).to_have_text(titles[target])
    expect(page.locator(PATHS)).to_have_count(DELFT_BUURTEN)
    parts = urlsplit(page.url)
    assert parts.path == f"/map/{target}"
    assert parse_qs(parts.query) == {"level": ["buurt"], "municipality": [DELFT]}
    expect(page.locator(".gi-error")).to_have_count(0)
    assert_clean(browser_page, allowed_hosts=(BASEMAP_HOST,))


@pytest.mark.browser
def test_area_names_stay_text_on_map_and_profile(xss_server: LiveServer,
                                                 browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_map(browser_page, xss_server.url(f"/map/population_density{MAP_QUERY}"))
    expect(page.locator(PATHS)).to_have_count(len(XSS_NAMES))
    options = page.locator("select[name=municipality] option")
    assert "Delft" in [(t or "").strip() for t in options.all_text_contents()]

    texts = hover_all(browser_page)
    assert len(texts) == len(XSS_NAMES), "not every polygon could be hovered"
    joined = "\n".join(texts)
    for code, name in XSS_NAMES.items():
        assert any(code in t and name in t for t in texts), f"{code} {name!r} not in {texts}"
    assert "&amp;" not in joined and "&lt;" not in joined, "names are escaped twice"
    assert page.locator(f"{TOOLTIP} img, {TOOLTIP} b, .gi-legend img").count() == 0
    assert_no_payload_ran(browser_page)
    assert_clean(browser_page)

    for code in XSS_NAMES:
        page.goto(xss_server.url(f"/areas/{code}"))
        expect(page.locator("h1")).to_contain_text(XSS_NAMES[code])
        expect(page.locator("table.gi-profile thead").first).to_contain_text(XSS_WIJK)
        assert_no_payload_ran(browser_page)
    assert_clean(browser_page)


@pytest.mark.browser
def test_wijk_name_stays_text_in_wijk_map_tooltip(xss_server: LiveServer,
                                                  browser_page: BrowserPage) -> None:
    if "wijk" not in xss_server.get_json("/api/layers/population_density")["levels"]:
        pytest.skip("population_density has no wijk level")
    open_map(browser_page,
             xss_server.url(f"/map/population_density?level=wijk&municipality={DELFT}"))
    expect(browser_page.page.locator(PATHS)).to_have_count(1)
    texts = hover_all(browser_page)
    assert texts and XSS_WIJK in texts[0]
    assert_no_payload_ran(browser_page)
    assert_clean(browser_page)


@pytest.mark.browser
def test_offline_basemap_makes_no_request_off_the_host(xss_server: LiveServer,
                                                       browser_page: BrowserPage) -> None:
    open_map(browser_page, xss_server.url(f"/map/population_density{MAP_QUERY}"))
    page = browser_page.page
    expect(page.locator(PATHS)).to_have_count(len(XSS_NAMES))
    hover_all(browser_page)
    assert page.locator(".leaflet-tile").count() == 0
    assert browser_page.record.tiles == 0
    assert browser_page.record.aborted == []
    assert_clean(browser_page)
    assert browser_page.record.requests, "the recorder saw no request at all"


@pytest.mark.browser
def test_area_profile_compares_buurt_wijk_and_gemeente(live_server: LiveServer,
                                                       browser_page: BrowserPage,
                                                       screenshots: Any) -> None:
    buurten = delft_buurten(live_server)
    code, name = sorted((c, n) for c, n in buurten.items() if n)[0]
    profile = live_server.get_json(f"/api/areas/{code}")
    wijk = next(c for c in profile["compare"] if c["role"] == "wijk")
    page = browser_page.page
    page.goto(live_server.url(f"/areas/{code}"))

    table = page.locator("table.gi-profile").first  # the layers; other indicators follow
    expect(table).to_be_visible()
    headers = [(t or "").strip() for t in table.locator("thead th").all_text_contents()]
    assert len(headers) >= 5, headers  # indicator, year, buurt, wijk, gemeente
    assert any(name in h for h in headers), f"no column for {name}: {headers}"
    assert any((wijk["name"] or wijk["code"]) in h and "wijk" in h for h in headers), headers
    assert any("Delft" in h and "gemeente" in h for h in headers), headers
    assert table.locator("tbody tr").count() >= 1
    expect(page.locator("h1")).to_contain_text(name)

    page.screenshot(path=str(screenshots / "profile.png"), full_page=True)
    assert_clean(browser_page)
