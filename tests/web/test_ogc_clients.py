"""Real clients against a real server: GDAL's OGC API driver (``ogrinfo``) and OWSLib.

The server is ``geoinsight serve`` in its own process on a free port (the browser tests' helper),
on a copy of the demo store. ``ogrinfo`` comes from the Debian package ``gdal-bin``; without it
the GDAL tests skip, or fail when ``CI`` is set (a CI run that silently skips proves nothing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.browser_support import LiveServer, start_server

from geoinsight.settings import load_settings

OGRINFO = shutil.which("ogrinfo")
COLLECTIONS = {"gemeente_2023": 1, "wijk_2023": 13, "buurt_2023": 91, "buurt_2022": 14}


@pytest.fixture(scope="module")
def ogc_server(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("ogc-server") / "data"
    data_dir.mkdir()
    shutil.copyfile(demo_file, load_settings(data_dir=data_dir).store_path)
    yield from start_server(data_dir, "none")


def ogrinfo(*args: str) -> str:
    if OGRINFO is None:
        reason = "ogrinfo is missing (apt-get install gdal-bin)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run([OGRINFO, "-ro", *args], capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "GDAL_HTTP_TIMEOUT": "60"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_ogrinfo_lists_every_collection(ogc_server: LiveServer) -> None:
    out = ogrinfo("-so", f"OAPIF:{ogc_server.url('/ogc')}")
    listed = re.findall(r"^\d+: (\w+) \(title: .*\) \(Multi Polygon\)$", out, re.MULTILINE)
    assert listed == list(COLLECTIONS), out


@pytest.mark.parametrize(("cid", "count"), sorted(COLLECTIONS.items()))
def test_ogrinfo_reads_every_collection(ogc_server: LiveServer, cid: str, count: int) -> None:
    url = f"OAPIF:{ogc_server.url('/ogc')}"
    summary = ogrinfo("-so", url, cid)
    assert f"Feature Count: {count}\n" in summary, summary
    assert "population: Real" in summary and "population_status: String" in summary
    assert "events_total" not in summary  # restricted: not there for an anonymous client
    features = ogrinfo("-q", url, cid)  # reads every page, following the next links
    assert features.count("OGRFeature(") == count, features[-2000:]
    assert len(re.findall(r"^  MULTIPOLYGON \(\(\(", features, re.MULTILINE)) == count
    values = ogc_server.get_json(f"/ogc/collections/{cid}/items?limit=1000")["features"]
    first = values[0]["properties"]
    assert f"  code (String) = {first['code']}\n" in features
    if first.get("population") is not None:
        assert f"  population (Real) = {first['population']:g}" in features


def test_ogrinfo_spatial_filter_sends_a_bbox(ogc_server: LiveServer) -> None:
    out = ogrinfo("-so", "-spat", "4.35", "52.0", "4.36", "52.01",
                  f"OAPIF:{ogc_server.url('/ogc')}", "buurt_2023")
    expected = ogc_server.get_json(
        "/ogc/collections/buurt_2023/items?bbox=4.35,52.0,4.36,52.01")["numberMatched"]
    assert 0 < expected < 91
    assert f"Feature Count: {expected}\n" in out, out


def test_owslib_reads_landing_collections_and_items(ogc_server: LiveServer) -> None:
    from owslib.ogcapi.features import Features

    api = Features(ogc_server.url("/ogc"))
    assert any(link["rel"] == "service-desc" for link in api.links)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    assert api.feature_collections() == list(COLLECTIONS)
    openapi: dict[str, Any] = api.api()
    assert openapi["openapi"].startswith("3.0")
    for cid, count in COLLECTIONS.items():
        assert api.collection(cid)["id"] == cid
        items = api.collection_items(cid, limit=1000)
        assert items["numberMatched"] == count == len(items["features"])
        code = items["features"][0]["id"]
        assert api.collection_item(cid, code)["properties"]["code"] == code
    rd = api.collection_items("buurt_2023", limit=1, crs="EPSG:28992")
    x, y = rd["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 70_000 < x < 100_000 and 430_000 < y < 460_000
    assert "gemeente_code" in api.collection_queryables("buurt_2023")["properties"]
