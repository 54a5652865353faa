"""Search: names (case, accents, common names, typos, with the gemeente), codes and postcodes,
on a store as a municipality builds it (tests/realistic.py) and on placed BAG addresses."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from builders import RD, squares
from realistic import build
from test_ingest_points import ADDRESSES

from geoinsight.ingest import ingest_boundaries
from geoinsight.ingest.points import ingest_addresses
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.search import Found, SearchIndex, search


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeoPackageStore, SearchIndex]:
    store = build(tmp_path_factory.mktemp("search")).store
    return store, SearchIndex.build(store)


def _codes(found: list[Found]) -> list[str]:
    return [f.code for f in found]


@pytest.mark.parametrize(("query", "first"), [
    ("Ermelo", "GM0233"),
    ("ERMELO", "GM0233"),
    ("ermlo", "GM0233"),  # a typo
    ("Den Haag", "GM0518"),  # 's-Gravenhage by its common name
    ("apeldorn", "GM0200"),
    ("Hengelo", "GM0164"),
    ("Ermelo-Oost", "BU02330001"),  # the 2021 name of the buurt the store holds
    ("ermelo oost", "BU02330001"),
    ("bu02330001", "BU02330001"),
    ("Horst ermelo", "BU02330005"),  # a buurt narrowed by its gemeente
])
def test_names_and_codes(realistic: tuple[GeoPackageStore, SearchIndex], query: str,
                         first: str) -> None:
    store, index = realistic
    found = search(store, index, query)
    assert found and found[0].code == first, (query, [(f.code, f.name, f.score) for f in found])


def test_a_result_says_where_and_on_which_boundaries(
        realistic: tuple[GeoPackageStore, SearchIndex]) -> None:
    store, index = realistic
    (buurt,) = [f for f in search(store, index, "Ermelo-Oost") if f.code == "BU02330001"]
    assert (buurt.level, buurt.year, buurt.gemeente_code, buurt.gemeente_name, buurt.match) == (
        "buurt", 2021, "GM0233", "Ermelo", "name")
    gemeente = search(store, index, "GM0233")[0]
    assert (gemeente.level, gemeente.year, gemeente.match) == ("gemeente", 2023, "code")
    # the gemeente comes before buurten that merely share its name
    found = search(store, index, "ermelo")
    assert found[0].level == "gemeente" and len(found) <= 10


@pytest.mark.parametrize("query", ["", "x", "qqqqqqqq", "GM9999", "1234 ZZ", "  "])
def test_nothing_to_find(realistic: tuple[GeoPackageStore, SearchIndex], query: str) -> None:
    store, index = realistic
    assert search(store, index, query) == []


@pytest.fixture(scope="module")
def addressed(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeoPackageStore, SearchIndex]:
    folder = tmp_path_factory.mktemp("search-bag")
    store = GeoPackageStore(folder / "geoinsight.gpkg")
    gpd.GeoDataFrame({"buurtcode": ["BU05030000", "BU05030001"],
                      "buurtnaam": ["Hôfkwartier", "Súdwest-Fryslân"],
                      "jaar": [2022, 2022]}, geometry=squares(2), crs=RD).to_file(
        folder / "b.gpkg")
    ingest_boundaries(store, folder / "b.gpkg")
    (folder / "bag.csv").write_text(ADDRESSES)
    ingest_addresses(store, folder / "bag.csv", year=2022)
    return store, SearchIndex.build(store)


@pytest.mark.parametrize(("query", "codes", "match"), [
    ("2611 AA", ["BU05030000"], "postcode"),
    ("2611aa", ["BU05030000"], "postcode"),
    ("2611AB 2", ["BU05030001"], "address"),
    ("2611 ab 3-2", ["BU05030001"], "address"),  # a toevoeging: the same buurt
    ("2611AA 1a", ["BU05030000"], "address"),
    ("2611", ["BU05030000", "BU05030001"], "postcode"),  # a PC4 spans both, 3 addresses each
    ("2611AB 99", [], ""),
    ("9999ZZ", [], ""),
])
def test_postcodes_and_addresses(addressed: tuple[GeoPackageStore, SearchIndex], query: str,
                                 codes: list[str], match: str) -> None:
    store, index = addressed
    found = search(store, index, query)
    assert _codes(found) == codes
    assert {f.match for f in found} <= {match}


@pytest.mark.parametrize(("query", "code"), [("hofkwartier", "BU05030000"),
                                             ("SUDWEST fryslan", "BU05030001"),
                                             ("Súdwest", "BU05030001")])
def test_accents_do_not_matter(addressed: tuple[GeoPackageStore, SearchIndex], query: str,
                               code: str) -> None:
    store, index = addressed
    assert _codes(search(store, index, query))[:1] == [code]


def test_a_postcode_over_two_buurten_lists_the_larger_share_first(
        addressed: tuple[GeoPackageStore, SearchIndex], tmp_path: Path) -> None:
    store, index = addressed
    found = search(store, index, "2611")
    assert [f.score for f in found] == [50.0, 50.0]
    assert search(store, index, "2611AB")[0].score == 100.0
