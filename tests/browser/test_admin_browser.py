"""The beheerder's pages in a real Chromium: upload the real files of a municipality and watch
the jobs, read the rejects, remove a source, manage a user end to end; everyone else finds no
such pages. The pages pass axe (WCAG 2.1 AA) at desktop and phone width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import LOCAL_HOST, LiveServer, axe_violations, start_server

from geoinsight import PROJECT_ROOT
from geoinsight.privacy.accounts import open_accounts
from geoinsight.settings import load_settings

pytestmark = pytest.mark.browser

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
PASSWORDS = {"bea": "a long enough password for bea", "els": "a long enough password for els"}
DONE = "#gi-ingest-progress[data-state=done], #gi-ingest-progress[data-state=failed]"


@pytest.fixture(scope="module")
def admin_server(chromium_path: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Its own server (these tests change its store): the demo, a beheerder and a staff user."""
    data_dir = tmp_path_factory.mktemp("admin-server") / "data"
    for server in start_server(data_dir, "none"):
        accounts = open_accounts(load_settings(data_dir=data_dir))
        accounts.add_user("bea", ["beheerder"], PASSWORDS["bea"])
        accounts.add_user("els", ["staff"], PASSWORDS["els"])
        yield server


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """Dutch, 1280×720; CSP bypassed for axe only; dialogs (confirm) accepted; nothing leaves
    the machine."""
    made = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 720},
                               bypass_csp=True, service_workers="block")
    made.route("**/*", lambda route: route.fallback()
               if LOCAL_HOST in route.request.url else route.abort())
    yield made
    made.close()


def signed_in(context: Any, server: LiveServer, name: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(server.url("/login"))
    page.fill("#gi-login-name", name)
    page.fill("#gi-login-password", PASSWORDS[name])
    page.click("#gi-login button[type=submit]")
    page.wait_for_selector(".gi-user")
    return page


def ingest(page: Any, kind: str, path: Path, screenshots: Path | None = None,
           **options: str) -> dict[str, str]:
    page.select_option("#gi-kind", kind)
    for name, value in options.items():
        field = f"#gi-opt-{kind}-{name}"
        if page.eval_on_selector(field, "e => e.tagName") == "SELECT":
            page.select_option(field, value)
        else:
            page.fill(field, value)
    page.set_input_files("#gi-file", str(path))
    page.click("#gi-ingest-form button[type=submit]")
    page.wait_for_selector(DONE, state="attached")
    if screenshots is not None:
        page.screenshot(path=str(screenshots / f"admin-ingest-{path.stem}.png"))
    panel = "#gi-ingest-progress "
    return {"state": page.get_attribute("#gi-ingest-progress", "data-state"),
            "line": page.text_content(panel + ".gi-ingest-state") or "",
            "counts": page.text_content(panel + ".gi-ingest-counts") or "",
            "summary": page.text_content(panel + ".gi-ingest-summary") or "",
            "rejects": "" if page.is_hidden(panel + ".gi-ingest-rejects") else
            page.get_attribute(panel + ".gi-ingest-rejects a", "href")}


@pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real not beside the repo")
def test_a_beheerder_loads_a_municipality_from_real_files(
        admin_server: LiveServer, context: Any, screenshots: Path) -> None:
    page = signed_in(context, admin_server, "bea")
    page.click("text=Beheer")
    assert page.url.endswith("/admin")
    gemeenten = ingest(page, "boundaries", REAL / "gemeenten_2023_pdok_kwb_wgs84.geojson")
    assert gemeenten["state"] == "done", gemeenten
    assert gemeenten["counts"].startswith("gelezen 343, opgeslagen 343")
    assert "343 gemeente" in gemeenten["summary"]
    buurten = ingest(page, "boundaries", REAL / "denhaag_lv_testgebied_bag_2022.gpkg")
    assert buurten["state"] == "done", buurten
    kwb = ingest(page, "indicators", REAL / "kwb2024_misdrijven_buurten_woonikveilig.csv",
                 screenshots, year="2024")
    assert kwb["state"] == "done" and "gelezen 14.574" in kwb["counts"], kwb
    crime = ingest(page, "indicators", REAL / "misdrijven_gemeente_soort_2015_cbs83648.csv",
                   screenshots)
    assert crime["counts"] == "gelezen 392, opgeslagen 285, afgewezen 107", crime
    assert crime["rejects"], "the rejects report is one click away"
    report = page.request.get(admin_server.url(crime["rejects"]))
    assert report.ok and report.text().startswith("row,code,reason\r\n")
    assert len(report.text().strip().splitlines()) == 108
    # a file the CLI refuses fails here with the CLI's one line, and changes nothing
    refused = ingest(page, "raster", REAL / "ahn_5m_sample_zeeland_rd.tif", name="hoogte")
    assert refused["state"] == "failed"
    assert refused["summary"].startswith("give --year: the year the raster describes")
    # the data page lists them all, with what each still holds
    page.goto(admin_server.url("/admin"))
    history = page.text_content(".gi-ingests") or ""
    for name in ("gemeenten_2023_pdok_kwb_wgs84.geojson", "misdrijven_gemeente_soort_2015"):
        assert name in history
    assert "ahn_5m_sample_zeeland_rd.tif" not in history
    page.screenshot(path=str(screenshots / "admin-data.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, "the data page fits 1280 px"


def test_an_ep_online_file_is_located_on_the_stored_addresses(
        admin_server: LiveServer, context: Any, tmp_path: Path) -> None:
    """No real EP-Online file may be kept here: a synthetic bulk file in its format, over the
    BAG addresses the demo store holds (as the demo itself makes one)."""
    import datetime as dt

    from geoinsight.settings import load_settings
    from geoinsight.sources.eponline_synth import synthetic_labels, write_bulk_file
    from geoinsight.store import open_store

    addresses = open_store(load_settings(data_dir=admin_server.data_dir)).addresses()
    bulk = tmp_path / "v20261201_v2_csv.csv"
    published = dt.date(2026, 12, 1)
    write_bulk_file(synthetic_labels(addresses, seed=7, today=published), bulk,
                    published=published.strftime("%d-%m-%Y"))
    page = signed_in(context, admin_server, "bea")
    page.goto(admin_server.url("/admin"))
    labels = ingest(page, "energy-labels", bulk)
    assert labels["state"] == "done", labels
    assert labels["summary"].startswith(f"energy labels {bulk.name}: read ")
    assert "located" in labels["summary"]


def test_a_beheerder_removes_a_source(admin_server: LiveServer, context: Any,
                                      tmp_path: Path) -> None:
    table = tmp_path / "eigen-telling.csv"
    table.write_text("gwb_code,jaar,aantal_inwoners\nGM0503,2030,12\n", encoding="utf-8")
    page = signed_in(context, admin_server, "bea")
    page.goto(admin_server.url("/admin"))
    assert ingest(page, "indicators", table)["state"] == "done"
    page.goto(admin_server.url("/admin"))
    row = page.locator(".gi-ingests tr", has_text="eigen-telling.csv").first
    row.locator("button.gi-danger").click()  # the confirm dialog is accepted
    page.wait_for_selector(".gi-done-message")
    assert "(eigen-telling.csv) is verwijderd." in (page.text_content(".gi-done-message") or "")
    again = page.locator(".gi-ingests tr", has_text="eigen-telling.csv").last  # the ingest
    assert "verwijderd (#" in (again.text_content() or "")
    assert again.locator("button").count() == 0


def test_a_beheerder_manages_a_user_end_to_end(admin_server: LiveServer, context: Any,
                                               browser: Any, screenshots: Path) -> None:
    page = signed_in(context, admin_server, "bea")
    page.goto(admin_server.url("/admin/users"))
    page.fill("#gi-new-name", "kees")
    page.check(".gi-user-form input[value=analist]")
    page.fill("#gi-new-password", "correct horse battery staple 42")
    page.click(".gi-user-form button[type=submit]")
    assert page.text_content(".gi-done-message") == "Gebruiker kees is toegevoegd."
    card = page.locator("#user-kees")
    # kees signs in elsewhere, as analist
    other = browser.new_context(locale="nl-NL")
    kees = other.new_page()
    kees.goto(admin_server.url("/login"))
    kees.fill("#gi-login-name", "kees")
    kees.fill("#gi-login-password", "correct horse battery staple 42")
    kees.click("#gi-login button[type=submit]")
    assert kees.text_content(".gi-user") == "kees"
    # roles change: his session ends
    card.locator("input[value=staff]").uncheck()
    card.locator("input[value=analist]").uncheck()
    card.locator("input[value=ondermijning]").check()
    card.locator("button", has_text="Rollen opslaan").click()
    assert "rollen van kees zijn opgeslagen" in (page.text_content(".gi-done-message") or "")
    kees.reload()
    assert kees.text_content(".gi-user") != "kees"
    other.close()
    card = page.locator("#user-kees")
    card.locator("input[type=password]").fill("another long passphrase 7")
    card.locator("button", has_text="Wachtwoord instellen").click()
    assert "wachtwoord van kees is ingesteld" in (page.text_content(".gi-done-message") or "")
    page.screenshot(path=str(screenshots / "admin-users.png"))
    page.locator("#user-kees button", has_text="Gebruiker verwijderen").click()
    assert page.text_content(".gi-done-message") == (
        "Gebruiker kees is verwijderd, met API-sleutels en sessies.")
    assert page.locator("#user-kees").count() == 0
    audit = page.request.get(admin_server.url("/api/audit")).json()["entries"]
    whats = [e["what"] for e in audit if e["who"] == "bea"]
    for expected in ("user added: kees", "roles of kees", "password set", "user removed"):
        assert any(w.startswith(expected) for w in whats), expected


def test_nobody_else_finds_the_pages(admin_server: LiveServer, context: Any) -> None:
    anonymous = context.new_page()
    unknown = anonymous.goto(admin_server.url("/no-such-page"))
    assert unknown is not None and unknown.status == 404
    unknown_text = anonymous.text_content("main")
    staff = signed_in(context, admin_server, "els")
    for page in (anonymous, staff):
        assert page.locator(".gi-nav a", has_text="Beheer").count() == 0
        for path in ("/admin", "/admin/users", "/admin/jobs/x"):
            answer = page.goto(admin_server.url(path))
            assert answer is not None and answer.status == 404, path
            assert page.text_content("main") == unknown_text


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["/admin", "/admin/users"])
def test_the_admin_pages_pass_axe(admin_server: LiveServer, context: Any, path: str,
                                  width: int) -> None:
    page = signed_in(context, admin_server, "bea")
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 720})
    page.goto(admin_server.url(path))
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
