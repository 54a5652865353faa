"""Pages adapt to what the store holds (issue 10): on a store as a municipality builds it
(national-style gemeenten of 2023, Ermelo's buurten of 2021, KWB tables of 2024) every page
answers 200, defaults land where there are boundaries and figures, pickers offer only what
exists, layers without figures are left out with one line, and "(deel)" means provably partial.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from realistic import ERMELO_2021, GEMEENTEN_2023, realistic_app

from geoinsight.ingest import ingest_boundaries
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.holdings import choose, gemeenten

ERMELO = "GM0233"


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield realistic_app(tmp_path_factory.mktemp("pages-adapt"))


@pytest.fixture
def client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


def options(page: str) -> dict[str, tuple[str, str]]:
    """gemeente option value -> (data-levels, label) of a page's gemeente picker."""
    found = re.findall(r'<option value="(GM\d{4})" data-levels="([a-z ]*)"[^>]*>([^<]*)<', page)
    return {code: (levels, label.strip()) for code, levels, label in found}


@pytest.mark.parametrize("url", ["/", "/map", "/map/population", "/map/population?level=buurt",
                                 "/map/population?level=wijk", "/map/population?level=gemeente",
                                 "/map/population?level=buurt&municipality=GM0518",
                                 "/map/crimes_per_1000?level=wijk",
                                 "/planning", "/signals", "/signals?level=wijk", "/areas",
                                 "/layers", "/api/signals", "/api/planning"])
def test_every_page_answers(client: FlaskClient, url: str) -> None:
    answer = client.get(url, follow_redirects=True)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


def test_the_front_page_opens_on_the_gemeente_with_buurten(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    # Ermelo is the only gemeente with buurten; its 2021 buurtkaart carries figures of its own
    assert re.search(rf'<option value="{ERMELO}"[^>]*selected', page)
    assert re.search(r'<option value="buurt" selected', page)


def test_the_buurt_picker_offers_only_gemeenten_with_buurten(client: FlaskClient) -> None:
    page = client.get("/map/population?level=buurt").get_data(as_text=True)
    offered = options(page)
    assert len(offered) == 10  # every gemeente of the extract is there, at gemeente level
    with_buurten = [code for code, (levels, _) in offered.items() if "buurt" in levels.split()]
    assert with_buurten == [ERMELO]
    # Ermelo's 2021 buurten cover its 2023 outline: it is complete, so no "(deel)"
    assert offered[ERMELO][1] == "Ermelo"
    assert "(deel)" not in page


def test_a_gemeente_without_buurten_shows_its_level_with_a_notice(client: FlaskClient) -> None:
    page = client.get("/map/population?level=buurt&municipality=GM0518").get_data(as_text=True)
    assert "heeft geen buurtgrenzen in de opslag" in page
    assert re.search(r'<option value="gemeente" selected', page)


def test_a_level_the_store_lacks_falls_back_with_a_notice(client: FlaskClient) -> None:
    page = client.get("/map/population?level=wijk").get_data(as_text=True)
    assert "De opslag heeft geen wijkgrenzen" in page
    english = client.get("/map/population?level=wijk&lang=en").get_data(as_text=True)
    assert "The store holds no district boundaries" in english


def test_a_level_the_layer_is_not_made_for_falls_back_with_a_notice(
        client: FlaskClient) -> None:
    """crimes_per_1000 is made per gemeente and buurt: asked per wijk, the national map shows
    the gemeenten (the nearest coarser level) and says why (it once answered 500)."""
    page = client.get("/map/crimes_per_1000?level=wijk").get_data(as_text=True)
    assert "Deze kaartlaag heeft geen cijfers per wijk; de kaart toont het gemeenteniveau." \
        in page
    assert re.search(r'<option value="gemeente" selected', page)
    english = client.get("/map/crimes_per_1000?level=wijk&lang=en").get_data(as_text=True)
    assert "This layer has no figures per district" in english


def test_choose_never_picks_a_level_the_layer_is_not_made_for(tmp_path: Path) -> None:
    store = partial_store(tmp_path)
    country = choose(store, ("gemeente", "buurt"), ["population"], "wijk")
    assert (country.level, country.note, country.asked_level) == (
        "gemeente", "layer_not_at_level", "wijk")
    inside = choose(store, ("gemeente", "buurt"), ["population"], "wijk", ERMELO)
    assert (inside.level, inside.municipality, inside.note) == (
        "buurt", ERMELO, "layer_not_at_level")


def test_the_map_says_which_figures_belong_to_other_boundaries(client: FlaskClient) -> None:
    page = client.get(f"/map/population?level=buurt&municipality={ERMELO}").get_data(
        as_text=True)
    assert "De cijfers van 2024 van 5 gebieden horen bij de indeling van 2024" in page
    assert "Wijk- en buurtkaart 2024" in page


def test_layers_without_figures_are_left_out_of_the_switcher(client: FlaskClient) -> None:
    page = client.get(f"/map/address_density?level=buurt&municipality={ERMELO}").get_data(
        as_text=True)
    switcher = re.search(r'"layers": ?(\[\{.*?\}\])', page)
    assert switcher is not None
    assert "energy_label_median" not in switcher.group(1)
    assert "address_density" in switcher.group(1)
    assert "Zonder cijfers voor deze gebieden" in page
    assert "Mediaan energielabel" in page  # named in the left-out line


def test_signals_leave_out_layers_without_figures_in_one_line(client: FlaskClient) -> None:
    doc = client.get(f"/api/signals?level=buurt&municipality={ERMELO}").get_json()
    shown = {item["layer"] for item in doc["layers"]}
    assert "energy_label_median" in doc["without_figures"]
    assert not shown & set(doc["without_figures"])
    page = client.get(f"/signals?level=buurt&municipality={ERMELO}").get_data(as_text=True)
    assert page.count("gi-signal-layer\"") == len(shown)
    assert page.count("gi-left-out") == 1


def partial_store(folder: Path) -> GeoPackageStore:
    """The Ermelo outline of 2023 with only 11 of its 16 buurten of 2021."""
    store = GeoPackageStore(folder / "geoinsight.gpkg")
    outlines = gpd.read_file(GEMEENTEN_2023)
    code_column = next(c for c in outlines.columns if outlines[c].astype(str).eq(ERMELO).any())
    outlines[outlines[code_column] == ERMELO].to_file(folder / "ermelo_2023.geojson")
    ingest_boundaries(store, folder / "ermelo_2023.geojson")
    buurten = gpd.read_file(ERMELO_2021)
    buurten.iloc[5:].to_file(folder / "some_buurten.gpkg")
    ingest_boundaries(store, folder / "some_buurten.gpkg")
    return store


def test_partial_means_provably_missing(tmp_path: Path) -> None:
    store = partial_store(tmp_path)
    (ermelo,) = gemeenten(store, "buurt")
    assert ermelo.complete is False and "cover" in ermelo.why
    # the whole gemeente at its own level is complete
    assert [g.complete for g in gemeenten(store, "gemeente")] == [True]


def test_without_an_outline_or_a_table_nothing_is_claimed(tmp_path: Path) -> None:
    store = GeoPackageStore(tmp_path / "geoinsight.gpkg")
    buurten = gpd.read_file(ERMELO_2021)
    buurten.iloc[5:].to_file(tmp_path / "some_buurten.gpkg")
    ingest_boundaries(store, tmp_path / "some_buurten.gpkg")
    (ermelo,) = gemeenten(store, "buurt")
    assert ermelo.complete is None
    assert ermelo.as_dict()["complete"] is True  # no "(deel)" on a guess


def test_choose_keeps_the_asked_gemeente_and_level_where_they_exist(tmp_path: Path) -> None:
    store = partial_store(tmp_path)
    assert choose(store, ("buurt", "wijk", "gemeente"), ["population"], "buurt",
                  ERMELO).note == ""
    wijk = choose(store, ("buurt", "wijk", "gemeente"), ["population"], "wijk", ERMELO)
    assert (wijk.level, wijk.note) == ("buurt", "no_boundaries_at_level")
