"""Every answer compressed and revalidated; expensive ones kept in the answer cache, never one
principal's restricted answer for another; an ingest makes a new answer; the cache's bounds;
Redis shared by two app instances (the real Redis on 127.0.0.1:6379, no mock)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from builders import four_buurten_store
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from redis_support import REDIS_URL, own_prefix
from web.tiers import CODE, QUERY

from geoinsight.settings import Settings
from geoinsight.web import create_app
from geoinsight.web.cache import Answer, AnswerCache, FileBackend, RedisBackend

GZIP = {"Accept-Encoding": "gzip"}

#: one URL of every kind of answer: cached JSON, GeoJSON and OGC; plain JSON; HTML pages
ROUTES = [
    "/api/layers/population/values" + QUERY,
    "/api/layers/population/values" + QUERY + "&format=csv",
    "/api/areas" + QUERY,
    f"/api/areas/{CODE}",
    "/api/planning?municipality=GM0503",
    "/api/signals" + QUERY,
    "/api/layers/population/signals" + QUERY,
    "/ogc/collections?f=json",
    "/ogc/collections/buurt_2023/items?f=json",
    f"/ogc/collections/buurt_2023/items/{CODE}?f=json",
    "/api/layers",
    "/map/population" + QUERY,
    f"/areas/{CODE}",
    "/planning",
    "/signals" + QUERY,
    "/ogc/collections/buurt_2023/items?f=html",
]


@pytest.mark.parametrize("url", ROUTES)
def test_every_answer_is_gzipped_and_revalidated(client: FlaskClient, url: str) -> None:
    first = client.get(url, headers=GZIP)
    assert first.status_code == 200, first.data[:300]
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    body = gzip.decompress(first.data)
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    assert plain.data == body  # the same answer, the same page (steady nonce and map ids)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith('W/')  # strong
    assert plain.headers["ETag"] != etag  # each coding its own tag
    again = client.get(url, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_a_page_keeps_its_csp_nonce_consistent(client: FlaskClient) -> None:
    page = client.get("/map/population" + QUERY)
    policy = page.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in page.data


def test_small_answers_are_tagged_but_not_compressed(client: FlaskClient) -> None:
    found = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in found.headers and found.headers["ETag"]


def test_private_answers_stay_private(client: FlaskClient,
                                      token_for: Callable[[str, str], dict[str, str]]) -> None:
    found = client.get("/api/layers/population/values" + QUERY,
                       headers={**GZIP, **token_for("sam", "staff")})
    assert found.headers["Cache-Control"] == "private, no-store"
    assert {"Cookie", "Authorization", "Accept-Encoding"} <= set(found.headers["Vary"].split(
        ", "))


RESTRICTED = "zz_restricted_layer"


@pytest.mark.parametrize("url", [f"/api/areas/{CODE}", "/api/signals" + QUERY,
                                 "/ogc/collections?f=json",
                                 f"/api/layers/{RESTRICTED}/values" + QUERY])
def test_a_restricted_answer_is_never_served_to_another(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]], url: str) -> None:
    client = tiered_app.test_client()
    olga, sam = token_for("olga", "ondermijning"), token_for("sam", "staff")
    restricted = client.get(url, headers={**GZIP, **olga})
    assert restricted.status_code == 200
    assert RESTRICTED.encode() in gzip.decompress(restricted.data) or "values" in url
    for headers in ({}, sam):
        other = client.get(url, headers={**GZIP, **headers,
                                         "If-None-Match": restricted.headers["ETag"]})
        if other.status_code == 404:  # as for a layer that does not exist
            assert other.get_json()["error"]["code"] == "unknown_layer"
            continue
        assert other.status_code == 200
        assert RESTRICTED.encode() not in gzip.decompress(other.data)
        assert other.headers["ETag"] != restricted.headers["ETag"]
    # and the ondermijning user's answer, now from the cache, is still theirs
    assert client.get(url, headers={**GZIP, **olga}).data == restricted.data


def test_an_answer_from_the_cache_is_audited_too(
        tiered_app: Flask, token_for: Callable[[str, str], dict[str, str]]) -> None:
    client = tiered_app.test_client()
    olga = token_for("olga", "ondermijning")
    audit = tiered_app.extensions["geoinsight"].audit
    url = f"/api/layers/{RESTRICTED}/values" + QUERY
    counts = []
    for _ in range(3):
        assert client.get(url, headers=olga).status_code == 200
        counts.append(len(audit.entries()))
    assert counts[0] >= 1 and counts[1] - counts[0] == counts[0] and counts[2] - counts[1] == \
        counts[0]


def table(population: int) -> str:
    return "buurtcode;AANT_INW\n" + "".join(f"BU0503000{i};{population + 10 * i}\n"
                                             for i in range(1, 5))


def test_an_ingest_gives_a_new_answer(settings: Settings) -> None:
    from geoinsight.ingest import ingest_indicators
    from geoinsight.store.gpkg import GeoPackageStore

    four_buurten_store(settings.store_path, table(1000))
    client = create_app(settings).test_client()
    url = "/api/layers/population/values?level=buurt&municipality=GM0503&year=2024"
    before = client.get(url)
    assert before.status_code == 200 and b"1010" in before.data
    version = client.get("/healthz").get_json()["store"]
    newer = settings.data_dir / "newer.csv"
    newer.write_text(table(2000), encoding="utf-8")
    ingest_indicators(GeoPackageStore(settings.store_path), newer, year=2024)
    assert client.get("/healthz").get_json()["store"] != version
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and b"2010" in after.data and b"1010" not in after.data


def answer(size: int, seed: int = 0) -> Answer:
    return Answer.of(bytes([seed % 256]) * size, (("Content-Type", "application/json"),))


def test_the_file_cache_stays_under_its_bound(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "cache", max_bytes=50_000)
    for n in range(40):
        backend.put(f"k{n}", answer(4_000, n))
        assert backend.size() <= 50_000
    assert backend.get("k39") == answer(4_000, 39)  # the newest are kept
    assert backend.get("k0") is None  # the oldest went
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_the_file_cache_keeps_what_is_used(tmp_path: Path) -> None:
    import os

    backend = FileBackend(tmp_path / "cache", max_bytes=30_000)
    for n in range(3):
        backend.put(f"k{n}", answer(4_000, n))
    for n, path in enumerate(sorted((tmp_path / "cache").glob("*.answer"))):
        os.utime(path, ns=(n, n))  # an old time for all
    assert backend.get("k0") is not None  # used now
    for n in range(3, 8):  # one more than fits
        backend.put(f"k{n}", answer(4_000, n))
    assert backend.get("k1") is None  # the least recently used went
    assert backend.get("k0") is not None and backend.get("k2") is not None


def test_memory_is_bounded_in_bytes(tmp_path: Path) -> None:
    cache = AnswerCache(FileBackend(tmp_path / "cache", 10**7), memory_bytes=20_000)
    for n in range(20):
        cache.put(f"k{n}", answer(3_000, n))
        assert cache.memory_held <= 20_000
    assert cache.get("k0") == answer(3_000, 0)  # still on disk


def test_a_png_is_kept_once_and_read_back(tmp_path: Path) -> None:
    """Compressed already: no gzipped copy beside it, in memory or on disk."""
    png = Answer.of(b"\x89PNG" + bytes(range(256)) * 40, (("Content-Type", "image/png"),))
    assert png.zipped == b"" and png.size < len(png.body) + 300
    backend = FileBackend(tmp_path / "cache", 10**6)
    backend.put("tile", png)
    assert backend.get("tile") == png


def test_a_cache_folder_removed_under_a_running_server_costs_only_speed(
        tmp_path: Path) -> None:
    import shutil

    backend = FileBackend(tmp_path / "cache", 10**6)
    shutil.rmtree(tmp_path / "cache")
    backend.put("k", answer(100))  # made again
    assert backend.get("k") == answer(100)
    (tmp_path / "cache").chmod(0o500)  # and one that cannot be written: no error, no entry
    try:
        backend.put("other", answer(100))
        if os.geteuid() != 0:  # root writes anyway
            assert backend.get("other") is None
    finally:
        (tmp_path / "cache").chmod(0o700)


def test_a_broken_entry_is_a_miss(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "cache", 10**6)
    backend.put("k", answer(100))
    (tmp_path / "cache" / "k.answer").write_bytes(b"GIA1 not an answer")
    assert backend.get("k") is None


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    yield from own_prefix()


def test_redis_keeps_answers_with_a_prefix_and_ttl(redis_prefix: str) -> None:
    backend = RedisBackend(REDIS_URL, redis_prefix, ttl=600)
    assert backend.get("k") is None
    backend.put("k", answer(5_000, 7))
    assert backend.get("k") == answer(5_000, 7)
    assert 0 < backend.client.ttl(redis_prefix + "k") <= 600  # type: ignore[operator]


def test_redis_that_is_down_is_a_miss() -> None:
    backend = RedisBackend("redis://127.0.0.1:1/0", "x:", ttl=60)
    backend.put("k", answer(10))
    assert backend.get("k") is None


def test_two_apps_share_answers_through_redis(demo_settings: Settings, redis_prefix: str,
                                              tmp_path: Path) -> None:
    shared = replace(demo_settings, redis_url=REDIS_URL, redis_prefix=redis_prefix,
                     cache_dir=tmp_path / "unused")
    first, second = create_app(shared), create_app(shared)
    url = "/api/layers/population/values" + QUERY
    made = first.test_client().get(url)
    assert made.status_code == 200
    keys = list(first.extensions["geoinsight"].answers.backend.client.scan_iter(
        match=redis_prefix + "*"))
    assert len(keys) == 1
    # the second app finds the first one's entry: mark it, and the second serves the mark
    client = second.extensions["geoinsight"].answers.backend.client
    marked = Answer.of(b'{"marked": true}', (("Content-Type", "application/json"),))
    client.set(keys[0], marked.dumps(), ex=60)
    assert second.test_client().get(url).get_json() == {"marked": True}
    assert not (tmp_path / "unused").exists()


def test_warm_fills_the_cache_for_the_first_visitor(demo_settings: Settings) -> None:
    from geoinsight.cli import cli

    result = CliRunner().invoke(cli, ["--data-dir", str(demo_settings.data_dir), "warm"],
                                env={"GEOINSIGHT_DATABASE_URL": demo_settings.database_url})
    assert result.exit_code == 0, result.output
    assert "/api/areas?level=buurt&year=2023" in result.output
    files = sorted((demo_settings.data_dir / "cache").glob("*.answer"))
    assert len(files) > 10
    client = create_app(demo_settings).test_client()
    for url in ("/api/areas?level=buurt&year=2023",
                "/api/layers/population/values?level=buurt&format=json",
                "/ogc/collections/buurt_2023/items?f=json"):
        assert client.get(url).status_code == 200
    assert sorted((demo_settings.data_dir / "cache").glob("*.answer")) == files  # all hits
