"""The planning view in headless Chromium against a real server process (the full demo).

What only a browser can show: the ranking table and the score map drawn from the same answer,
a weight slider that refetches and redraws table, map legend and export links, a sort that
survives the update, tooltips and click-through on the map, the synthetic-data banner, and no
request leaving the host.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import BASEMAP_HOST, INSIDE_POINT_JS, BrowserPage, LiveServer, hover_tooltip
from playwright.sync_api import expect

LV = "GM1916"
LV_BUURTEN = 10
PAGE = f"/planning?municipality={LV}"
API = f"/api/planning?scheme=energy_transition&level=buurt&municipality={LV}"
ROWS = "#gi-plan-table tbody tr"
PATHS = "#gi-plan-map .leaflet-overlay-pane path.leaflet-interactive"
READY = 'body[data-plan-ready="1"]'
BUURT_CODE = re.compile(r"BU1916\d{4}")

#: A point inside ``path`` where the path itself is topmost (not under the legend), or null.


def open_planning(bp: BrowserPage, url: str) -> None:
    """Load the page and wait for the first draw (or fail with the page's error box)."""
    bp.page.goto(url)
    # a selector, not wait_for_function: the page's CSP forbids the eval that would need
    bp.page.wait_for_selector(f'{READY}, body[data-plan-error="1"]')
    if bp.page.evaluate("document.body.dataset.planError") == "1":
        pytest.fail(f"the page shows an error: {bp.page.locator('.gi-error').all_text_contents()}"
                    f"; failed requests: {bp.record.problems()}; "
                    f"page errors: {bp.record.page_errors}")


def wait_updated(bp: BrowserPage) -> None:
    """After a weight change: wait until the page refetched and redrew (or failed)."""
    bp.page.wait_for_selector(f'{READY}, body[data-plan-error="1"]')
    error = bp.page.locator(".gi-error")
    assert error.count() == 0, f"update failed: {error.all_text_contents()}"


def table_codes(bp: BrowserPage) -> list[str]:
    return [c or "" for c in bp.page.locator(ROWS).evaluate_all(
        "(rows) => rows.map((r) => r.dataset.code)")]


def column_texts(bp: BrowserPage, index: int) -> list[str]:
    return [(t or "").strip()
            for t in bp.page.locator(f"{ROWS} td:nth-child({index})").all_text_contents()]


def weights_of(href: str | None) -> dict[str, str]:
    assert href, "no export link"
    text = parse_qs(urlsplit(href).query)["weights"][0]
    return dict(part.split(":") for part in text.split(","))


def hover_path(bp: BrowserPage, path: Any) -> str | None:
    """Scrolled like a user: with eight inputs the weights band pushes the map below the fold
    of a laptop screen; the ranking's heading stays beside it."""
    bp.page.locator("#gi-plan-map").scroll_into_view_if_needed()
    return hover_tooltip(bp.page, path, "#gi-ranking-title")


def assert_clean(bp: BrowserPage) -> None:
    record = bp.record
    assert record.problems() == [], "failed requests or responses >= 400"
    assert record.off_host((BASEMAP_HOST,)) == [], "requests left 127.0.0.1"
    assert record.aborted == []
    assert record.page_errors == [], "uncaught JavaScript errors"
    assert record.console_errors == [], "console errors"


@pytest.mark.browser
def test_planning_page_ranks_maps_and_follows_the_weights(
        live_server: LiveServer, browser_page: BrowserPage, screenshots: Any) -> None:
    page = browser_page.page
    default = live_server.get_json(API)
    open_planning(browser_page, live_server.url(PAGE))

    # the demo has labels and building years (5 of 13 of the weight): no score, and why
    expect(page.locator(ROWS)).to_have_count(LV_BUURTEN)
    expect(page.locator(PATHS)).to_have_count(LV_BUURTEN)
    assert default["coverage"]["areas_scored"] == 0
    expect(page.locator("#gi-plan-coverage-summary")).to_have_text(default["coverage"]["summary"])
    expect(page.locator("#gi-plan-coverage-summary")).to_contain_text(
        "Gebaseerd op 2 van 6 invoer, 38% van het gewicht; ontbrekend:")
    assert set(column_texts(browser_page, 1)) == {"–"}
    assert set(column_texts(browser_page, 3)) == {
        "2 van 6 invoer beschikbaar (38% van het gewicht): geen score"}
    banner = page.locator("#gi-plan-synthetic")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("synthetische demodata")
    legend = page.locator("#gi-plan-map .gi-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("geen score")
    # missing inputs: a badge with the reason, a disabled slider and no number in their column
    expect(page.locator(".gi-weight-unavailable .gi-badge-missing")).to_have_count(5)
    expect(page.locator(".gi-weight-unavailable .gi-plan-missing-why").first).to_contain_text(
        "niet geladen")
    expect(page.locator("#gi-w-low_income")).to_be_disabled()
    low_income = 5 + [i["id"] for i in default["inputs"]].index("low_income")
    assert set(column_texts(browser_page, low_income)) == {"–geen gegevens"}

    # the planner chooses to rank on what is there: the weights of missing inputs go to 0
    use_available = page.locator("#gi-plan-use-available")
    expect(use_available).to_be_visible()
    use_available.click()
    wait_updated(browser_page)
    csv_link = page.locator("#gi-export-csv")
    weights = weights_of(csv_link.get_attribute("href"))
    assert weights["gas_use"] == weights["low_income"] == weights["corporation_owned"] == "0"
    assert weights["poor_labels"] == "3" and weights["old_stock"] == "2"
    expect(page.locator("#gi-wv-gas_use")).to_have_text("0")
    expect(use_available).to_be_hidden()
    query = ",".join(f"{k}:{v}" for k, v in weights.items())
    initial = live_server.get_json(f"{API}&weights={query}")
    assert initial["coverage"]["areas_scored"] == LV_BUURTEN
    expect(page.locator("#gi-plan-coverage-summary")).to_have_text(initial["coverage"]["summary"])
    expect(page.locator("#gi-plan-coverage-summary")).to_contain_text(
        "Gebaseerd op 2 van 2 invoer, 100% van het gewicht")
    assert table_codes(browser_page) == [r["code"] for r in initial["rows"]]
    expect(legend.locator(".gi-legend-row")).to_have_count(len(initial["classes"]) + 1)

    # hovering a polygon names the buurt with its code, score and rank
    tips = [hover_path(browser_page, p) for p in page.locator(PATHS).element_handles()[:3]]
    tip = next((t for t in tips if t), None)
    assert tip is not None, "no polygon could be hovered"
    code = BUURT_CODE.findall(tip)[0]
    row = next(r for r in initial["rows"] if r["code"] == code)
    assert row["name"] in tip and "Score" in tip and f"Rang{row['rank']} van 10" in tip

    # a weight change refetches: owner_occupied (context, 0) up to 5 with the keyboard
    slider = page.locator("#gi-w-owner_occupied")
    slider.focus()
    page.keyboard.press("End")
    expect(page.locator("#gi-wv-owner_occupied")).to_have_text("5")
    expect(csv_link).to_have_attribute("href", re.compile(r"owner_occupied:5(,|&|$)"))
    wait_updated(browser_page)
    weights = weights_of(csv_link.get_attribute("href"))
    assert weights["owner_occupied"] == "5" and weights["poor_labels"] == "3"
    assert weights_of(page.locator("#gi-export-xlsx").get_attribute("href")) == weights
    assert "owner_occupied:5" in page.url, "the address keeps the weights"
    expect(page.locator("#gi-picker-weights")).to_have_value(re.compile(r"owner_occupied:5"))
    query = ",".join(f"{k}:{v}" for k, v in weights.items())
    updated = live_server.get_json(f"{API}&weights={query}")
    expected = [r["code"] for r in updated["rows"]]
    assert expected != [r["code"] for r in initial["rows"]], "the weight should reorder"
    assert table_codes(browser_page) == expected
    expect(page.locator("#gi-ws-owner_occupied")).to_have_text("50% van het gewicht")
    labels = [c["label"] for c in updated["classes"]]
    expect(legend.locator(".gi-legend-label")).to_have_text([*labels, "geen score"])

    # sorting by name (ascending, then descending) and the sort survives a weight change
    names = sorted((r["name"] for r in updated["rows"]), key=str.casefold)
    header = page.locator('#gi-plan-table th[data-sort="name"]')
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert column_texts(browser_page, 2) == names
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert column_texts(browser_page, 2) == names[::-1]
    page.locator("#gi-w-poor_labels").focus()
    page.keyboard.press("End")
    expect(csv_link).to_have_attribute("href", re.compile(r"poor_labels:5(,|&|$)"))
    wait_updated(browser_page)
    assert column_texts(browser_page, 2) == names[::-1]
    expect(header).to_have_attribute("aria-sort", "descending")

    page.screenshot(path=str(screenshots / "planning.png"), full_page=True)

    # clicking a polygon opens the buurt's profile
    page.locator("#gi-plan-map").scroll_into_view_if_needed()
    for path in page.locator(PATHS).element_handles():
        point = path.evaluate(INSIDE_POINT_JS)
        if point is not None:
            page.mouse.click(point["x"], point["y"])
            break
    page.wait_for_url(re.compile(r"/areas/BU1916\d{4}$"))
    assert_clean(browser_page)


@pytest.mark.browser
def test_planning_page_shows_a_failed_update_visibly(live_server: LiveServer,
                                                     browser_page: BrowserPage) -> None:
    """A weight the server refuses shows the error message, not a silently stale table."""
    page = browser_page.page
    open_planning(browser_page, live_server.url(PAGE))
    before = table_codes(browser_page)

    def refuse(route: Any) -> None:
        route.fulfill(status=400, content_type="application/json",
                      body='{"error": {"status": 400, "code": "bad_weights", '
                           '"message": "weight refused"}}')

    page.route(re.compile(r".*/api/planning\?.*weights=.*"), refuse)
    page.locator("#gi-w-old_stock").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector('body[data-plan-error="1"]')
    error = page.locator("#gi-plan-status .gi-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("weight refused")
    assert table_codes(browser_page) == before
    assert browser_page.record.page_errors == []


@pytest.mark.browser
def test_planning_page_in_english(live_server: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_planning(browser_page, live_server.url(PAGE + "&lang=en"))
    expect(page.locator("#gi-plan-synthetic")).to_contain_text("synthetic demo data")
    expect(page.locator('#gi-plan-table th[data-sort="name"]')).to_contain_text("Neighbourhood")
    legend = page.locator("#gi-plan-map .gi-legend")
    expect(legend).to_contain_text("Priority score")
    expect(legend).to_contain_text("no score")
    expect(legend).not_to_contain_text("geen score")
    expect(page.locator(".gi-weight-unavailable .gi-badge-missing").first).to_have_text(
        "missing here")
    expect(page.locator("#gi-plan-coverage-summary")).to_contain_text(
        "Based on 2 of 6 inputs, 38% of the weight")
    assert_clean(browser_page)
