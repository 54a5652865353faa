"""Page weight and build time: GeoInsight's map page against a naive Folium choropleth.

Naive Folium (``folium.Choropleth`` with the full-detail GeoJSON and a GeoJsonTooltip) inlines
every coordinate in the page and links its JavaScript and CSS from CDNs. GeoInsight's page carries
only URLs; the browser fetches simplified, rounded geometry (gzip, ETag) and the values.

Usage: python scripts/bench_map_payload.py [SHARED_REAL_DIR]
Cases: the demo (Delft, 91 buurten) and, when the shared real data is there, the 3,340 wijken of
2022 (tmap extract of CBS Wijk- en Buurtkaart 2022).
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
import time
from pathlib import Path

import folium

from geoinsight import PROJECT_ROOT
from geoinsight.demo import load_demo
from geoinsight.ingest import ingest_boundaries
from geoinsight.settings import load_settings
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.web import create_app

CDN = re.compile(r"https?://[^\"' ]*(cdn|unpkg|jsdelivr|cdnjs|googleapis|bootstrapcdn)[^\"' ]*")


def naive_map(store: GeoPackageStore, level: str, municipality: str | None, year: int,
              indicator: str, tiles: str | None = "OpenStreetMap",
              legend: bool = True) -> folium.Map:
    """The obvious Folium map: a ``folium.Choropleth`` of the full-detail GeoJSON (inlined) of
    the latest figures, a GeoJsonTooltip, fitted to the areas. ``legend=False`` leaves out the
    colour scale (branca draws it with d3 from a CDN)."""
    areas = store.areas(level=level, municipality=municipality, year=year).to_crs(4326)
    values = store.values(indicators=[indicator], codes=areas["code"].tolist())
    latest = values[values["year"] == values["year"].max()][["code", "value"]]
    frame = areas.merge(latest, on="code", how="left")
    m = folium.Map(location=[52.1, 5.2], zoom_start=8, tiles=tiles)
    choropleth = folium.Choropleth(geo_data=frame.to_json(), data=frame,
                                   columns=["code", "value"], key_on="feature.properties.code",
                                   fill_color="YlOrBr")
    choropleth.add_to(m)
    choropleth.geojson.add_child(folium.GeoJsonTooltip(["name", "code", "value"]))
    if not legend and choropleth.color_scale is not None:
        del choropleth._children[choropleth.color_scale.get_name()]
        choropleth.color_scale = None
    m.fit_bounds([[frame.total_bounds[1], frame.total_bounds[0]],
                  [frame.total_bounds[3], frame.total_bounds[2]]])
    return m


def naive_folium(store: GeoPackageStore, level: str, municipality: str | None,
                 year: int, indicator: str) -> tuple[int, int, float]:
    """HTML bytes, gzipped bytes and build seconds of the obvious Folium page."""
    start = time.perf_counter()
    html = naive_map(store, level, municipality, year, indicator).get_root().render().encode()
    seconds = time.perf_counter() - start
    print(f"    naive Folium: {len(CDN.findall(html.decode()))} CDN links in the page")
    return len(html), len(gzip.compress(html)), seconds


def geoinsight_page(data_dir: Path, level: str, municipality: str | None,
                    layer: str) -> tuple[int, int, float, float]:
    """First-load bytes (page + areas + values), gzipped, cold and warm server seconds."""
    app = create_app(load_settings(data_dir=data_dir, basemap="none"))
    client = app.test_client()
    query = f"level={level}" + (f"&municipality={municipality}" if municipality else "")
    urls = [f"/api/areas?{query}", f"/api/layers/{layer}/values?{query}&format=json"]
    if municipality:
        urls.insert(0, f"/map/{layer}?{query}")
    timings = []
    for _ in range(2):  # cold (simplification runs), then warm (cached geometry)
        start = time.perf_counter()
        responses = [client.get(u) for u in urls]
        timings.append(time.perf_counter() - start)
        assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    plain = sum(len(r.get_data()) for r in responses)
    zipped = sum(len(client.get(u, headers={"Accept-Encoding": "gzip"}).get_data())
                 if u.startswith("/api/areas") else len(gzip.compress(client.get(u).get_data()))
                 for u in urls)
    return plain, zipped, timings[0], timings[1]


def run_case(name: str, data_dir: Path, level: str, municipality: str | None, year: int,
             layer: str, indicator: str) -> list[str]:
    store = GeoPackageStore(data_dir / "geoinsight.gpkg")
    print(f"{name}:")
    n_html, n_gz, n_s = naive_folium(store, level, municipality, year, indicator)
    g_html, g_gz, g_cold, g_warm = geoinsight_page(data_dir, level, municipality, layer)
    print(f"    naive Folium page      {n_html / 1e3:9.1f} kB  gzip {n_gz / 1e3:8.1f} kB  "
          f"build {n_s:.2f} s")
    print(f"    GeoInsight page + API  {g_html / 1e3:9.1f} kB  gzip {g_gz / 1e3:8.1f} kB  "
          f"cold {g_cold:.2f} s, warm {g_warm:.2f} s")
    print(f"    ratio naive / GeoInsight: {n_html / g_html:.1f}x bytes, {n_gz / g_gz:.1f}x gzip")
    return [f"| {name} | {n_html / 1e3:.0f} kB ({n_gz / 1e3:.0f} kB gzip), {n_s:.2f} s | "
            f"{g_html / 1e3:.0f} kB ({g_gz / 1e3:.0f} kB gzip), cold {g_cold:.2f} s, "
            f"warm {g_warm:.2f} s | {n_html / g_html:.1f}× ({n_gz / g_gz:.1f}× gzip) |"]


def main(real: Path) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        load_demo(demo / "geoinsight.gpkg", PROJECT_ROOT / "data" / "demo")
        rows += run_case("Delft, 91 buurten (demo)", demo, "buurt", "GM0503", 2023,
                         "population_density", "population_density")
        tmap = real / "nld_2022_prov_gem_wijk_tmap.gpkg"
        if tmap.exists():
            national = Path(tmp) / "national"
            ingest_boundaries(GeoPackageStore(national / "geoinsight.gpkg"), tmap, year=2022)
            rows += run_case("Netherlands, 3,340 wijken 2022", national, "wijk", None, 2022,
                             "population", "population")
    print("\n| case | naive Folium (inline geometry, CDN assets) | GeoInsight (page + areas + "
          "values) | ratio |\n|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    default = PROJECT_ROOT.parent / "shared" / "data" / "real"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
