"""The area report: the profile's figures with a map, signals, sources and the date, as a page
that prints and as a PDF looked at the way a reader would (pdftoppm, pdftotext); it shows only
what its reader may see, and is audited like a profile."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from rasterio.io import MemoryFile
from web.tiers import HIDDEN

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftoppm) is not installed")


def test_the_page(client) -> None:
    page = client.get("/areas/BU05031104/report").get_data(as_text=True)
    assert "Gebiedsrapport" in page and "<h1>Centrum</h1>" in page
    # the map: the buurt among the other buurten of its wijk, itself on top
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<path") >= 3 and svg.rindex("#2c7fb8") > svg.rindex("#e3e7ec")
    assert "<title>Centrum</title>" in svg and " m</text>" in svg
    assert "Kerncijfers" in page and "Omgevingsadressendichtheid" in page
    assert "CBS Kerncijfers wijken en buurten 2024 (CC BY 4.0)" in page
    assert "CBS Wijk- en Buurtkaart 2023 (CC BY 4.0)" in page
    assert "Gemaakt op 20" in page and "synthetische demodata" in page
    assert "css/report.css" in page
    assert 'href="/areas/BU05031104/report"' in client.get("/areas/BU05031104").get_data(
        as_text=True)


def test_a_gemeente_among_its_neighbours_and_in_english(client) -> None:
    page = client.get("/areas/GM0503/report?lang=en").get_data(as_text=True)
    assert "Area report" in page and "Key figures" in page and "Gebiedsrapport" not in page
    assert "<title>Delft</title>" in page


@needs_poppler
def test_the_pdf_as_a_reader_sees_it(client, tmp_path: Path) -> None:
    answer = client.get("/areas/BU05031104/report.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].endswith('"gebiedsrapport-BU05031104.pdf"')
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(answer.get_data())
    assert pdf.read_bytes().startswith(b"%PDF")
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    for expected in ("Centrum", "Kerncijfers", "Bronnen", "CC BY 4.0", "500 m"):
        assert expected in words, expected
    assert "Inloggen" not in words  # the site's header is not printed
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    with MemoryFile((tmp_path / "page-1.png").read_bytes()) as memory, memory.open() as png:
        rgb = png.read()[:3]
    # an A4 page with the buurt drawn in the map's blue, not a blank one
    assert rgb.shape[1] > rgb.shape[2] * 1.3
    blue = (rgb[0] < 80) & (rgb[1] > 100) & (rgb[2] > 160)
    assert blue.sum() > 500
    assert (rgb.mean(axis=0) < 128).sum() > 1000  # text


def test_only_what_the_reader_may_see_and_audited(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]]) -> None:
    client = tiered_app.test_client()
    (_, (_, title)) = next(iter(HIDDEN.items()))
    anonymous = client.get("/areas/BU05031104/report").get_data(as_text=True)
    assert title not in anonymous
    staff = token_for("staff-user", "staff")
    seen = client.get("/areas/BU05031104/report", headers=staff).get_data(as_text=True)
    assert title in seen
    entries = client.get("/api/audit", headers=token_for("admin", "beheerder")).get_json()
    assert ("staff-user", "area report", "BU05031104") in {
        (e["who"], e["what"], e["area"]) for e in entries["entries"]}


def test_an_unknown_area_has_no_report(client) -> None:
    assert client.get("/areas/BU99999999/report").status_code == 404
    assert client.get("/areas/BU99999999/report.pdf").status_code == 404
