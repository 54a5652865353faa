"""HTML pages: Dutch first, English on request, HTML errors, nothing fetched off the host."""

from __future__ import annotations

import gzip
import re

from flask.testing import FlaskClient


def test_front_page_is_the_delft_map(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "municipality=GM0503" in html and "/api/areas?level=buurt" in html
    assert 'name="layer"' in html and 'name="level"' in html and 'value="GM0503"' in html
    assert "Bron: CBS" in html and "CC BY 4.0" in html


def test_layer_overview_lists_layers_and_gemeente(client: FlaskClient) -> None:
    html = client.get("/layers").get_data(as_text=True)
    assert "Bevolkingsdichtheid" in html and 'value="GM0503"' in html


def test_language_link_stays_on_the_page(client: FlaskClient) -> None:
    html = client.get("/%5Cevil.com", headers={"Accept": "text/html"}).get_data(as_text=True)
    links = re.findall(r'class="gi-lang"|href="([^"]*lang=en[^"]*)"', html)
    assert [link for link in links if link] == ["?lang=en"]


def test_picker_refuses_unknown_layer(client: FlaskClient) -> None:
    response = client.get("/map?layer=..%2F..%2Fhealthz", headers={"Accept": "text/html"})
    assert response.status_code == 404


def test_english_switch_is_remembered(client: FlaskClient) -> None:
    html = client.get("/layers?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Population density" in html
    assert '<html lang="en">' in client.get("/layers").get_data(as_text=True)  # cookie


def test_map_page_loads_everything_from_this_host(client: FlaskClient) -> None:
    response = client.get("/map/population_density?level=buurt&municipality=GM0503")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/api/areas?level=buurt&amp;municipality=GM0503" in html or \
        "/api/areas?level=buurt\\u0026municipality=GM0503" in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")) or "creativecommons" in url, url
    assert "cdn" not in html.lower()
    assert "2024" in html and "2023" in html  # figures of 2024 on boundaries of 2023
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in policy and "'unsafe-inline'" not in policy.split(";")[1]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_map_picker_redirects(client: FlaskClient) -> None:
    response = client.get("/map?layer=woz_mean&level=wijk&municipality=GM0503")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/map/woz_mean?")


def test_map_page_errors_are_html(client: FlaskClient) -> None:
    response = client.get("/map/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Niet gevonden" in response.get_data(as_text=True)
    bad = client.get("/map/population_density?level=straat", headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "Ongeldig verzoek" in bad.get_data(as_text=True)


def test_area_profile_page(client: FlaskClient) -> None:
    html = client.get("/areas/BU05031102").get_data(as_text=True)
    assert "Centrum-West" in html and "Delft" in html
    assert "10.150" in html  # Dutch number format
    assert "geen gegevens" in html or "–" in html


def test_area_profile_unknown_is_html_404(client: FlaskClient) -> None:
    response = client.get("/areas/BU99999999", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "BU99999999" in response.get_data(as_text=True)


def test_static_scripts_and_styles_are_gzipped_and_revalidated(client: FlaskClient) -> None:
    url = "/static/vendor/leaflet-1.9.4/leaflet.js"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.vary
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    # images stay as they are; a range request gets its bytes of the plain file
    image = client.get("/static/vendor/leaflet-1.9.4/images/layers.png",
                       headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in image.headers
    part = client.get(url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert part.status_code == 206 and part.get_data() == plain.get_data()[:100]
    for answer in (plain, zipped, again, image, part):
        answer.close()
