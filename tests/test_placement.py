"""A figure belongs to the boundaries of its own year (geoinsight.analysis.placement): the rule,
and the
realistic store of issue 10 where CBS re-used five Ermelo buurt codes between 2021 and 2024."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from builders import RD, squares
from realistic import KWB2024_BUURTEN, REUSED, build, figures_2024

from geoinsight import PROJECT_ROOT
from geoinsight.analysis.placement import (
    DIFFERENT,
    SAME,
    UNPROVEN,
    compute_links,
    names_differ,
    placed_values,
)
from geoinsight.catalog import load_catalog
from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.profile import area_profile
from geoinsight.usecases.service import Selection, figure_years, layer_values

CATALOG = load_catalog(PROJECT_ROOT / "layers")


def register(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "year", "level", "name", "changed"])


def no_shapes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [], "year": [], "name": []}, geometry=[], crs=RD)


def relation(links: pd.DataFrame, code: str) -> str:
    return str(links.loc[links["code"] == code, "relation"].iloc[0])


# -- the rule ----------------------------------------------------------------------------------


def test_names_are_compared_without_case_spaces_hyphens_and_province_marks() -> None:
    assert not names_differ("Ermelo-Oost", "ermelo - oost")
    assert not names_differ("Hengelo (O.)", "Hengelo")
    assert not names_differ("'s-Gravenhage", "s Gravenhage")
    assert names_differ("Ermelo-Oost", "Ermelo - Noord")
    assert not names_differ(None, "Ermelo")  # nothing to compare is no disagreement


def test_a_renamed_code_is_another_area_whatever_else_agrees() -> None:
    links = compute_links(register([("BU1", 2021, "buurt", "Oost", 1),
                                    ("BU1", 2022, "buurt", "Noord", 1)]), no_shapes())
    assert relation(links, "BU1") == DIFFERENT
    assert "'Oost' in 2021 and 'Noord' in 2022" in links["reason"].iloc[0]


def test_same_code_and_name_without_other_evidence_is_the_same_area() -> None:
    links = compute_links(register([("BU1", 2021, "buurt", "Oost", None),
                                    ("BU1", 2024, "buurt", "OOST", None)]), no_shapes())
    assert relation(links, "BU1") == SAME


def test_without_a_name_nothing_is_proven() -> None:
    links = compute_links(register([("BU1", 2021, "buurt", None, None),
                                    ("BU1", 2024, "buurt", "Oost", None)]), no_shapes())
    assert relation(links, "BU1") == UNPROVEN


def test_the_cbs_flag_decides_every_year_between() -> None:
    rows = [("BU1", 2021, "buurt", None, None), ("BU1", 2022, "buurt", None, 1),
            ("BU1", 2023, "buurt", None, 1)]
    assert relation(compute_links(register(rows), no_shapes()).query("year_b == 2023 and "
                                                                     "year_a == 2021"),
                    "BU1") == SAME
    rows[2] = ("BU1", 2023, "buurt", None, 3)
    links = compute_links(register(rows), no_shapes())
    assert relation(links.query("year_a == 2021 and year_b == 2023"), "BU1") == DIFFERENT
    assert "changed in 2023" in links.query("year_a == 2021 and year_b == 2023")[
        "reason"].iloc[0]


def test_where_both_outlines_are_stored_they_decide() -> None:
    a, b = squares(2)
    moved = shapely.box(*a.bounds[:2], a.bounds[2] + 10, a.bounds[3])  # 10 m wider
    shapes = gpd.GeoDataFrame({"code": ["BU1", "BU1", "BU2", "BU2"],
                               "year": [2021, 2024, 2021, 2024], "name": ["X", "X", "Y", "Y"]},
                              geometry=[a, moved, b, b], crs=RD)
    links = compute_links(register([]), shapes)
    assert relation(links, "BU1") == DIFFERENT and "9%" in links["reason"].iloc[0]  # of 110
    assert relation(links, "BU2") == SAME


# -- the realistic store ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build(tmp_path_factory.mktemp("realistic"))


def published(real) -> PublishedStore:  # type: ignore[no-untyped-def]
    return PublishedStore(real.store, DisclosureRules())


def test_ingest_counts_and_reports_the_refused_codes(real) -> None:  # type: ignore[no-untyped-def]
    report = real.table.placement
    assert (report.matched, report.unchanged, report.refused) == (0, 0, 5)
    assert report.without_boundaries == 15
    refused = {r.code: r.reason for r in real.table.rejects}
    assert set(refused) == set(REUSED)
    assert "'Ermelo-Oost' in 2021 and 'Ermelo - Noord' in 2024" in refused["BU02330001"]
    gemeenten = real.results[3].placement
    assert gemeenten.refused == 0 and gemeenten.unchanged >= 9  # Hengelo vs "Hengelo (O.)"


def test_no_reused_code_shows_another_buurts_figure(real) -> None:  # type: ignore[no-untyped-def]
    store = published(real)
    wrong = figures_2024()
    on_2021 = placed_values(store, codes=list(REUSED), boundary_year=2021)
    assert not (on_2021["year"] == 2024).any()
    # the map of Ermelo's buurten never shows a 2024 figure
    years = figure_years(store, CATALOG.get("population"), Selection("buurt", "GM0233", None))
    assert 2024 not in years
    for code in REUSED:
        profile = area_profile(store, CATALOG, code)
        shown = [row["values"]["area"] for row in profile["indicators"] if row["year"] == 2024]
        assert shown == [], code
        population = [row for row in profile["indicators"] if row["layer"] == "population"]
        assert all(p["values"]["area"] is None or p["values"]["area"]["value"] != wrong[code]
                   for p in population)


def test_the_gemeente_figure_lands_on_the_same_gemeente_of_another_year(real) -> None:  # type: ignore[no-untyped-def]
    result = layer_values(published(real), CATALOG, "population",
                          Selection("gemeente", None, 2024))
    assert result.boundary_year == 2023
    ermelo = result.rows.set_index("code").loc["GM0233"]
    assert ermelo["status"] == "ok" and 27_000 < ermelo["value"] < 28_000


def test_a_table_that_renames_a_code_of_its_own_year_is_refused(tmp_path: Path) -> None:
    store = GeoPackageStore(tmp_path / "g.gpkg")
    ingest_boundaries(store, build.__globals__["ERMELO_2021"])
    table = tmp_path / "t.csv"
    table.write_text("bu_code;bu_naam;inwoners\nBU02330001;Ermelo - Noord;3040\n"
                     "BU02330006;Buurt Ermelo ten dele bij de kern;500\n", encoding="utf-8")
    result = ingest_indicators(store, table, year=2021)
    assert [r.code for r in result.rejects] == ["BU02330001"]
    assert "stored 2021 indeling" in result.rejects[0].reason
    kept = store.values(indicators=["population"], year=2021)
    assert kept.loc[kept["code"] == "BU02330001", "value"].isna().all()  # the file's own figure
    assert kept.loc[kept["code"] == "BU02330006", "value"].tolist() == [500.0]


def test_boundaries_loaded_after_the_table_are_checked_too(tmp_path: Path) -> None:
    store = GeoPackageStore(tmp_path / "g.gpkg")
    ingest_indicators(store, KWB2024_BUURTEN, year=2024)
    result = ingest_boundaries(store, build.__globals__["ERMELO_2021"])
    assert result.placement is not None and result.placement.refused == 5
    on_2021 = placed_values(store, codes=list(REUSED), boundary_year=2021, year=2024)
    assert on_2021.empty


def test_boundaries_option_says_which_indeling_a_table_is_on(tmp_path: Path) -> None:
    store = GeoPackageStore(tmp_path / "g.gpkg")
    ingest_boundaries(store, build.__globals__["ERMELO_2021"])
    table = tmp_path / "t.csv"
    table.write_text("bu_code;inwoners\nBU02330001;1234\n", encoding="utf-8")
    ingest_indicators(store, table, year=2024, boundaries=2021)
    found = placed_values(store, codes=["BU02330001"], boundary_year=2021, year=2024,
                          indicators=["population"])
    assert found["value"].tolist() == [1234.0]
    assert found["boundary_year"].tolist() == [2021]
