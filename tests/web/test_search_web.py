"""Search on the web: the ``/api/search`` contract, the ``/search`` page that opens the one
area found, the search box on every page, and search on a realistic store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from realistic import realistic_app


def test_the_api_contract(client) -> None:
    answer = client.get("/api/search?q=delft")
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert results[0] == {**results[0], "code": "GM0503", "name": "Delft", "level": "gemeente",
                          "url": "/areas/GM0503", "match": "name"}
    assert {"code", "name", "level", "year", "url"} <= set(results[0])
    assert isinstance(results[0]["year"], int) and len(results) <= 10
    # a buurt says its gemeente; its map link opens that gemeente at its level
    centrum = client.get("/api/search?q=centrum").get_json()["results"][0]
    assert (centrum["code"], centrum["gemeente"]) == ("BU05031104", "Delft")
    assert centrum["map_url"] == "/?level=buurt&municipality=GM0503&area=BU05031104"


def test_search_without_a_text_is_a_clear_error(client) -> None:
    answer = client.get("/api/search")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_query"
    assert client.get("/api/search?q=").get_json() == {"results": []}


def test_the_page_opens_the_one_area_found_and_lists_several(client) -> None:
    one = client.get("/search?q=gm0503")
    assert one.status_code == 302 and one.headers["Location"].endswith("/areas/GM0503")
    several = client.get("/search?q=centrum").get_data(as_text=True)
    assert 'href="/areas/BU05031104"' in several and "Centrum-Oost" in several
    none = client.get("/search?q=qqqqqq").get_data(as_text=True)
    assert "Niets gevonden" in none
    english = client.get("/search?q=qqqqqq&lang=en").get_data(as_text=True)
    assert "Nothing found" in english and "Niets" not in english


@pytest.mark.parametrize("path", ["/", "/layers", "/planning", "/signals", "/areas/GM0503",
                                  "/map/population", "/search?q=centrum"])
def test_every_page_has_the_search_box(client, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert 'role="search"' in page and 'name="q"' in page and "js/search.js" in page


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield realistic_app(tmp_path_factory.mktemp("search-web"))


def test_a_recoded_buurt_is_found_under_its_name_on_the_stored_boundaries(
        realistic: Flask) -> None:
    """BU02330001 was Ermelo-Oost on the 2021 boundaries the store holds (the 2024 table calls
    the code Ermelo - Noord): search finds it under the name of the boundaries shown."""
    client = realistic.test_client()
    found = client.get("/api/search?q=ermelo-oost").get_json()["results"][0]
    assert (found["code"], found["year"], found["level"]) == ("BU02330001", 2021, "buurt")
    assert client.get(found["url"]).status_code == 200
    gemeente = client.get("/api/search?q=ermlo").get_json()["results"][0]
    assert gemeente["code"] == "GM0233"
