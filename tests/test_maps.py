"""build_map renders an offline-capable page: local assets only, data by URL, config escaped."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest
from folium.plugins import Fullscreen

from geoinsight.errors import GeoInsightError
from geoinsight.render.assets import STATIC_DIR, localize_assets, vendored_files, vendored_urls
from geoinsight.render.choropleth import (
    REQUIRED_LABELS,
    MapConfig,
    MapLayerRef,
    MapParts,
    build_map,
    script_json,
)

PDOK = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (PDOK)'
EVIL = "</script><img src=x onerror=alert(1)>"
URL = re.compile(r"https?://[^\s\"'<>\\]+")
VENDOR_DIR = STATIC_DIR / "vendor"


def make_config(**changes: object) -> MapConfig:
    config = MapConfig(
        areas_url="/api/areas?level=buurt&municipality=GM0503&year=2023",
        values_url="/api/layers/{layer}/values?level=buurt&municipality=GM0503&year=2024&format=json",
        layers=[
            MapLayerRef("population_density", "Bevolkingsdichtheid"),
            MapLayerRef("energy_poor_label_share", "Aandeel woningen met label E, F of G"),
        ],
        active="population_density",
        bounds=(4.30, 51.95, 4.42, 52.06),
        tiles="",
        tiles_attribution="",
        labels={key: f"label {key}" for key in REQUIRED_LABELS},
    )
    return replace(config, **changes)  # type: ignore[arg-type]


def all_text(parts: MapParts) -> str:
    return parts.header + parts.body + parts.script


class LinkCollector(HTMLParser):
    """Every ``<script src>`` and ``<link href>`` in a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.urls.append(value)


def linked_urls(parts: MapParts) -> list[str]:
    collector = LinkCollector()
    collector.feed(all_text(parts))
    return collector.urls


def embedded_config(parts: MapParts) -> dict[str, object]:
    match = re.search(r"geoinsightChoropleth\(map_\w+, (.*)\);", parts.script)
    assert match, parts.script
    return json.loads(match.group(1))


def test_offline_map_has_no_external_url() -> None:
    parts = build_map(make_config())
    assert URL.findall(all_text(parts)) == []
    assert "L.tileLayer" not in parts.script


def test_only_basemap_urls_leave_the_host() -> None:
    parts = build_map(make_config(tiles=PDOK, tiles_attribution=PDOK_ATTRIBUTION))
    for url in URL.findall(all_text(parts)):
        # The tile template is a request; the attribution's link is only a link.
        assert url == PDOK or url in PDOK_ATTRIBUTION, url
    assert json.dumps(PDOK) in parts.script


@pytest.mark.parametrize("prefix", ["/static", "/geoinsight/static"])
def test_every_script_and_stylesheet_is_local(prefix: str) -> None:
    parts = build_map(make_config(static_url=prefix, tiles=PDOK, tiles_attribution="x"))
    urls = linked_urls(parts)
    assert f"{prefix}/vendor/leaflet-1.9.4/leaflet.js" in urls
    assert f"{prefix}/vendor/leaflet-1.9.4/leaflet.css" in urls
    assert f"{prefix}/js/choropleth.js" in urls
    assert f"{prefix}/css/map.css" in urls
    assert all(url.startswith(f"{prefix}/") for url in urls), urls
    # Leaflet loads before the script that uses it.
    assert urls.index(f"{prefix}/vendor/leaflet-1.9.4/leaflet.js") < urls.index(
        f"{prefix}/js/choropleth.js"
    )


def test_folium_cdn_defaults_are_all_gone() -> None:
    text = all_text(build_map(make_config()))
    for needle in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "cdn", "glyphicons"):
        assert needle not in text.lower()


def test_every_referenced_file_exists() -> None:
    for url in linked_urls(build_map(make_config())):
        path = STATIC_DIR / url.removeprefix("/static/")
        assert path.is_file(), url
    for path in vendored_files().values():
        assert path.is_file(), path


def test_leaflet_css_images_are_vendored() -> None:
    css = vendored_files()["leaflet_css"]
    for ref in re.findall(r"url\((images/[^)]+)\)", css.read_text()):
        assert (css.parent / ref).is_file(), ref


def test_config_is_embedded_escaped() -> None:
    title = EVIL + " \u2028 & co"
    config = make_config(
        layers=[MapLayerRef("evil", title, EVIL)],
        active="evil",
        labels={**make_config().labels, "missing": "<b>geen</b>"},
    )
    parts = build_map(config)
    text = all_text(parts)
    assert EVIL not in text
    assert "<img" not in text
    assert "<b>" not in text
    assert "\u2028" not in text
    assert text.count("</script>") == parts.script.count("<script>") + parts.header.count("<script")
    embedded = embedded_config(parts)
    assert embedded["layers"] == [{"id": "evil", "title": title, "theme": EVIL}]
    assert embedded["areas_url"] == config.areas_url


def test_client_config_contents() -> None:
    embedded = embedded_config(build_map(make_config(lang="en")))
    assert embedded["active"] == "population_density"
    assert embedded["locale"] == "en-GB"
    assert embedded["profile_url"] == "/areas/{code}"
    assert "{layer}" in str(embedded["values_url"])
    labels = embedded["labels"]
    assert isinstance(labels, dict)
    assert set(REQUIRED_LABELS) <= set(labels)
    assert labels["source"] == "Source"


def test_script_json_escapes_script_breakers() -> None:
    text = script_json({"a": "</script>&\u2028\u2029"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script>&\u2028\u2029"}


def test_map_fills_container_without_restyling_page() -> None:
    parts = build_map(make_config())
    assert re.search(r"#map_\w+ \{ position: relative; width: 100%; height: 100%; \}", parts.header)
    assert "html, body" not in parts.header
    assert "user-scalable" not in parts.header
    assert 'class="folium-map"' in parts.body


def test_map_fits_bounds_with_scale_and_attribution() -> None:
    script = build_map(make_config()).script
    assert "L.control.scale()" not in script  # the metric-only one comes from choropleth.js
    js = (STATIC_DIR / "js" / "choropleth.js").read_text()
    assert "L.control.scale({ imperial: false })" in js
    assert '"attributionControl": true' in script
    assert ".fitBounds(\n                [[51.95, 4.3], [52.06, 4.42]]" in script


def test_tile_attribution_is_optional() -> None:
    script = build_map(make_config(tiles=PDOK, tiles_attribution="")).script
    assert '"attribution"' not in script


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"active": "nope"}, "active layer"),
        ({"layers": []}, "no layers"),
        ({"labels": {}}, "labels missing"),
        ({"values_url": "/api/values"}, "{layer}"),
        ({"profile_url": "/areas"}, "{code}"),
        ({"bounds": (4.42, 51.95, 4.30, 52.06)}, "bounds"),
        ({"bounds": (4.3, 91.0, 4.4, 92.0)}, "bounds"),
    ],
)
def test_bad_config_is_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(GeoInsightError, match=re.escape(message)):
        build_map(make_config(**changes))


def test_localize_replaces_on_instances_only() -> None:
    before = list(folium.Map.default_js)
    m = folium.Map(tiles=None)
    localize_assets(m)
    assert m.default_js == [("leaflet", vendored_urls()["leaflet"])]
    assert m.default_css == [("leaflet_css", vendored_urls()["leaflet_css"])]
    assert folium.Map.default_js == before


def test_unvendored_plugin_is_refused() -> None:
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(GeoInsightError, match="not vendored"):
        localize_assets(m)


def _versions_table() -> dict[str, str]:
    text = (VENDOR_DIR / "VERSIONS.md").read_text()
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, flags=re.MULTILINE))


def test_versions_md_lists_every_vendored_file() -> None:
    listed = _versions_table()
    on_disk = {
        path.relative_to(VENDOR_DIR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in VENDOR_DIR.rglob("*")
        if path.is_file() and path.name != "VERSIONS.md"
    }
    assert listed == on_disk
    for path in vendored_files().values():
        assert path.relative_to(VENDOR_DIR).as_posix() in listed


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_choropleth_js_parses() -> None:
    script = Path(STATIC_DIR / "js" / "choropleth.js")
    subprocess.run(["node", "--check", str(script)], check=True)
    source = script.read_text()
    # ES2018 only: no optional chaining or nullish coalescing.
    assert "?." not in source
    assert "??" not in source
