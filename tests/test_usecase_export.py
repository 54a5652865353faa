"""geoinsight.export.table (area_table, common_year, column_info) called directly on the demo
store read through a gate. Rows, values and statuses are checked against the store's areas and
the published figures; the column metadata against the catalogue and the store's tiers."""

from __future__ import annotations

import pytest

from geoinsight.errors import BadRequest, GeoInsightError, NotFound
from geoinsight.export.table import AREA_FIELDS, area_table, column_info, common_year
from geoinsight.privacy.access import Principal
from geoinsight.privacy.disclosure import DisclosureRules
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.usecases.service import Selection

DELFT = Selection("buurt", "GM0503", None)


@pytest.fixture(scope="module")
def analyst(gates: Gates) -> Gate:
    return gates.for_principal(Principal("analyst", frozenset({"ondermijning"})))


def buurt_codes(gate: Gate, municipality: str, year: int) -> list[str]:
    areas = gate.areas(level="buurt", municipality=municipality, year=year, geometry=False)
    return sorted(areas["code"])


def test_one_row_per_area_with_a_value_and_a_status_column_per_layer(gate: Gate) -> None:
    table = area_table(gate, gate.catalog, ["population", "crimes_registered"], DELFT)
    frame = table.frame
    codes = buurt_codes(gate, "GM0503", 2023)
    assert sorted(frame["code"]) == codes and frame["code"].is_unique
    assert list(frame.columns) == [*AREA_FIELDS, "population", "population_status",
                                   "crimes_registered", "crimes_registered_status",
                                   "geometry"]
    # the latest year both layers have (population: 2024 only; crimes 2021-2025)
    assert (table.year, table.boundary_year) == (2024, 2023)
    assert set(frame["year"]) == {2024} and set(frame["boundary_year"]) == {2023}
    assert set(frame["level"]) == {"buurt"} and set(frame["gemeente_code"]) == {"GM0503"}
    assert "geometry" not in table.attributes().columns


@pytest.mark.parametrize("layer", ["population", "crimes_registered", "woz_mean"])
def test_values_and_statuses_are_the_published_figures(gate: Gate, layer: str) -> None:
    table = area_table(gate, gate.catalog, [layer], Selection("buurt", "GM0503", 2024))
    frame = table.frame.set_index("code")
    rows = gate.values(indicators=[layer], codes=list(frame.index), year=2024).set_index("code")
    assert frame[layer].to_numpy() == pytest.approx(
        rows["value"].reindex(frame.index).to_numpy(dtype=float), nan_ok=True)
    assert list(frame[f"{layer}_status"]) == list(
        rows["status"].reindex(frame.index).fillna("missing"))
    assert (frame[f"{layer}_status"] != "ok").any() or layer == "population"


def test_a_ratio_layer_is_computed_from_the_published_counts(gate: Gate) -> None:
    table = area_table(gate, gate.catalog, ["share_65_plus"], DELFT)
    frame = table.frame.set_index("code")
    rows = gate.values(indicators=["population_65_plus", "population"], codes=list(frame.index),
                       year=2024)
    shown = rows[rows["status"] == "ok"].pivot(index="code", columns="indicator",
                                               values="value").dropna()
    # a share of fewer than 50 inhabitants is not published (disclosure rule 3)
    small = shown["population"] < DisclosureRules().min_population
    expected = 100 * shown["population_65_plus"][~small] / shown["population"][~small]
    assert len(expected) > 70 and small.any()
    assert frame.loc[expected.index, "share_65_plus"].to_numpy() == pytest.approx(
        expected.to_numpy())
    assert set(frame.loc[small[small].index, "share_65_plus_status"]) == {"secret"}


def test_a_year_asked_for_is_the_year_of_every_column(gate: Gate) -> None:
    table = area_table(gate, gate.catalog, ["crimes_registered"],
                       Selection("buurt", "GM0503", 2022), geometry=False)
    assert table.year == 2022 and [c.year for c in table.columns] == [2022]
    rows = gate.values(indicators=["crimes_registered"], year=2022,
                       codes=list(table.frame["code"])).set_index("code")
    assert table.frame.set_index("code")["crimes_registered"].to_numpy() == pytest.approx(
        rows["value"].reindex(table.frame["code"]).to_numpy(dtype=float), nan_ok=True)
    with pytest.raises(NotFound):  # population has 2024 figures only
        area_table(gate, gate.catalog, ["population", "crimes_registered"],
                   Selection("buurt", "GM0503", 2022))
    with pytest.raises(NotFound):  # no year in common
        common_year(gate, [gate.catalog.get("population"),
                           gate.catalog.get("energy_label_share_efg")], None)


def test_figures_on_older_boundaries_are_on_those_boundaries(gate: Gate) -> None:
    table = area_table(gate, gate.catalog, ["energy_labels_valid"],
                       Selection("buurt", "GM1916", None), geometry=False)
    info = {c.layer.id: column_info(c, "en") for c in table.columns}
    assert info["energy_labels_valid"]["figures_on_boundaries_of"] == 2022
    assert table.boundary_year == 2022
    assert sorted(table.frame["code"]) == buurt_codes(gate, "GM1916", 2022)
    rows = gate.values(indicators=["energy_labels_valid"], year=2026,
                       codes=list(table.frame["code"])).set_index("code")
    assert table.frame.set_index("code")["energy_labels_valid"].to_numpy() == pytest.approx(
        rows["value"].reindex(table.frame["code"]).to_numpy(dtype=float))
    assert info["energy_labels_valid"]["synthetic"] is True and table.year == 2026


def test_column_metadata_names_tier_year_boundaries_and_synthetic(gate: Gate,
                                                                  analyst: Gate) -> None:
    table = area_table(analyst, analyst.catalog, ["events_total", "population"], DELFT)
    info = {c.layer.id: column_info(c, "en") for c in table.columns}
    events, people = info["events_total"], info["population"]
    assert (events["tier"], events["year"], events["figures_on_boundaries_of"]) == (
        "restricted", 2024, 2023)
    assert events["synthetic"] is True and people["synthetic"] is False
    assert (people["tier"], people["year"]) == ("open", 2024)
    assert (people["column"], people["status_column"]) == ("population", "population_status")
    assert people["unit"] == analyst.catalog.get("population").unit_in("en")
    rows = analyst.values(indicators=["events_total"], year=2024,
                          codes=list(table.frame["code"])).set_index("code")
    assert list(table.frame["events_total_status"]) == list(
        rows["status"].reindex(table.frame["code"]).fillna("missing"))
    assert (table.frame["events_total_status"] == "secret").any()
    assert table.frame.loc[table.frame["events_total_status"] == "secret",
                           "events_total"].isna().all()


def test_restricted_layers_and_wrong_levels_are_refused(gate: Gate) -> None:
    with pytest.raises(GeoInsightError):  # not in the anonymous catalogue
        area_table(gate, gate.catalog, ["events_total"], DELFT)
    with pytest.raises(BadRequest):
        area_table(gate, gate.catalog, ["crimes_registered"],  # no wijk level
                   Selection("wijk", "GM0503", None))


def test_the_common_year_is_the_latest_year_all_layers_have(gate: Gate) -> None:
    layers = ["crimes_registered", "health_good_pct"]
    years = [set(gate.values(indicators=[i])["year"]) for i in layers]
    shared = years[0] & years[1]
    assert len(shared) > 1  # 2022 and 2024: a choice to make
    assert common_year(gate, [gate.catalog.get(i) for i in layers], None) == max(shared)
    table = area_table(gate, gate.catalog, layers, DELFT, geometry=False)
    assert table.year == max(shared) and [c.year for c in table.columns] == [max(shared)] * 2
