"""Absolute links never follow the request's Host header (red team: ``Host: evil.example``).

They start with the configured ``base_url``; without it, a loopback Host (development) gets its
own root and any other Host gets links relative to the host root."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoinsight.errors import ConfigError
from geoinsight.settings import Settings, load_settings
from geoinsight.web import create_app

EVIL = {"Host": "evil.example"}
BASE = "https://geo.example.nl/inzicht"
#: every OGC document with links, in both formats, plus both OpenAPI documents
URLS = ["/ogc", "/ogc?f=html", "/ogc/conformance", "/ogc/collections",
        "/ogc/collections?f=html", "/ogc/collections/buurt_2023",
        "/ogc/collections/buurt_2023/schema", "/ogc/collections/buurt_2023/queryables",
        "/ogc/collections/buurt_2023/items?limit=2&offset=2",
        "/ogc/collections/buurt_2023/items?limit=2&f=html",
        "/ogc/collections/buurt_2023/items/BU05031102", "/ogc/api", "/api/openapi.json"]


def hrefs(value: Any) -> Iterator[str]:
    """Every link target of a JSON document (``href``, a schema's ``$id``, OpenAPI
    ``servers``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("href", "$id", "url") and isinstance(item, str):
                yield item
            else:
                yield from hrefs(item)
    elif isinstance(value, list):
        for item in value:
            yield from hrefs(item)


def links_of(client: FlaskClient, url: str, headers: dict[str, str]) -> tuple[str, list[str]]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    found = list(hrefs(response.get_json())) if response.is_json else []
    assert found or "f=html" in url, url
    return text, found


@pytest.fixture
def based(demo_settings: Settings) -> Flask:
    app = create_app(replace(demo_settings, base_url=BASE))
    app.config["TESTING"] = True
    return app


def test_a_spoofed_host_is_in_no_answer(client: FlaskClient) -> None:
    """No base_url: a Host that is not loopback gets relative links, never its own name."""
    for url in URLS:
        text, found = links_of(client, url, EVIL)
        assert "evil.example" not in text, url
        for href in found:
            if href.startswith(("http://www.opengis.net", "https://json-schema.org")):
                continue  # relation and schema URIs, not links to this server
            assert href.startswith("/"), (url, href)
    landing = client.get("/ogc", headers=EVIL).get_json()
    assert {link["href"] for link in landing["links"] if link["rel"] == "data"} == {
        "/ogc/collections?f=json"}
    page = client.get("/ogc/collections/buurt_2023/items?limit=2", headers=EVIL).get_json()
    nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
    assert nexts and nexts[0].startswith("/ogc/collections/buurt_2023/items?")


def test_the_configured_base_url_wins_over_any_host(based: Flask) -> None:
    client = based.test_client()
    for headers in (EVIL, {"Host": "localhost"}):
        for url in URLS:
            text, found = links_of(client, url, headers)
            assert "evil.example" not in text and "//localhost" not in text, url
            own = [h for h in found if not h.startswith(("http://www.opengis.net",
                                                         "https://json-schema.org"))]
            assert all(h.startswith(BASE) for h in own), (url, own)
            assert own or "f=html" in url, url
    api = client.get("/ogc/api", headers=EVIL).get_json()
    assert api["servers"][0]["url"] == BASE + "/ogc"
    assert client.get("/api/openapi.json", headers=EVIL).get_json()["servers"] == [
        {"url": BASE}]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "[::1]:8080", "dev.localhost"])
def test_loopback_hosts_keep_absolute_links_in_development(client: FlaskClient,
                                                           host: str) -> None:
    landing = client.get("/ogc", headers={"Host": host}).get_json()
    assert all(link["href"].startswith(f"http://{host}/ogc") for link in landing["links"])


@pytest.mark.parametrize("host", ["localhost.evil.example", "127.0.0.1.evil.example",
                                  "evil.example:80", "[::1"])
def test_names_that_only_look_like_loopback_get_relative_links(client: FlaskClient,
                                                               host: str) -> None:
    response = client.get("/ogc", headers={"Host": host})
    if response.status_code == 400:  # werkzeug refuses a malformed Host itself
        return
    assert all(link["href"].startswith("/ogc") for link in response.get_json()["links"])


def test_base_url_setting(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOINSIGHT_BASE_URL", "https://geo.example.nl/inzicht/")
    assert load_settings(data_dir=tmp_path).base_url == BASE
    for bad in ("geo.example.nl", "ftp://geo.example.nl", "https://geo.example.nl/?x=1",
                "https://user:pw@geo.example.nl", "https://"):
        with pytest.raises(ConfigError, match="base_url"):
            load_settings(data_dir=tmp_path, base_url=bad)
    monkeypatch.delenv("GEOINSIGHT_BASE_URL")
    assert load_settings(data_dir=tmp_path).base_url == ""
