"""What a planning ranking stands on (issue 10, item 4): per area and for the whole ranking, which
inputs have figures and what share of the weight they carry. An area whose inputs carry less than
half of the weight gets no score; otherwise the weights are re-normalised over the inputs it has,
and a missing or secret input never counts as 0.

The store is built here from code: four buurten of one gemeente and a KWB-style table with the
columns a test needs. The scheme has five inputs of weights 3, 2, 2, 2 and 1 (total 10).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from builders import four_buurten_store

from geoinsight.analysis.priority import MIN_WEIGHT_SHARE, load_scheme, parse_weights
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.planning import (
    NOT_LOADED,
    OTHER_BOUNDARIES,
    SUPPRESSED,
    Plan,
    export_csv,
    plan,
)
from geoinsight.usecases.service import Selection

CODES = ["BU05030001", "BU05030002", "BU05030003", "BU05030004"]
SCHEME = """\
id: test_scheme
title: {nl: "Testschema", en: "Test scheme"}
levels: [buurt]
normalisation: rank
inputs:
  - {id: gas, title: {nl: "Gas"}, indicator: gas_use_mean, direction: higher, weight: 3}
  - {id: owners, title: {nl: "Koop"}, indicator: pct_owner_occupied, direction: lower, weight: 2}
  - {id: woz, title: {nl: "WOZ"}, indicator: woz_mean, direction: lower, weight: 2}
  - {id: low_income, title: {nl: "Laag inkomen"}, indicator: pct_low_income_households,
     direction: higher, weight: 2}
  - {id: corporations, title: {nl: "Corporatie"}, indicator: pct_social_housing,
     direction: higher, weight: 1}
"""


@pytest.fixture
def scheme(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "test_scheme.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    return load_scheme(path)


def store_with(tmp_path: Path, table: str, year: int = 2024) -> GeoPackageStore:
    """Four 2024 buurten of GM0503 (CODES) and one indicator table for ``year``."""
    return GeoPackageStore(four_buurten_store(tmp_path / "store" / "geoinsight.gpkg", table,
                                              year))


def run(store: GeoPackageStore, scheme, weights: str | None = None) -> Plan:  # type: ignore[no-untyped-def]
    return plan(store, scheme, Selection("buurt", "GM0503", None),
                parse_weights(weights, scheme))


def row(result: Plan, code: str) -> dict:  # type: ignore[type-arg]
    return result.rows.set_index("code").loc[code].to_dict()


def test_one_of_five_inputs_gives_no_score_and_says_why(tmp_path: Path, scheme) -> None:  # type: ignore[no-untyped-def]
    store = store_with(tmp_path, "buurtcode;G_GAS_TOT\n" + "".join(
        f"{c};{v}\n" for c, v in zip(CODES, [900, 1200, 1500, 1800], strict=True)))
    result = run(store, scheme)

    assert result.rows["score"].isna().all() and result.rows["rank"].isna().all()
    assert set(result.rows["no_score"]) == {"low_coverage"}
    assert result.rows["weight_share"].tolist() == pytest.approx([0.3] * 4)
    assert result.rows["inputs_used"].tolist() == [1] * 4
    coverage = result.coverage
    assert (coverage.inputs, coverage.inputs_available) == (5, 1)
    assert coverage.weight_share == pytest.approx(0.3)
    assert (coverage.areas, coverage.areas_scored) == (4, 0)
    assert coverage.missing == ["owners", "woz", "low_income", "corporations"]
    infos = {i.id: i for i in result.inputs}
    assert infos["gas"].available and infos["gas"].areas_with_value == 4
    for input_id in coverage.missing:
        assert infos[input_id].missing is not None
        assert infos[input_id].missing.reason == NOT_LOADED
    assert infos["woz"].missing.indicator == "woz_mean"  # type: ignore[union-attr]
    text = export_csv(result, "nl")
    assert "# coverage,\"based on 1 of 5 weighted inputs, 30% of the weight; 0 of 4 areas " \
           "scored; missing: owners, woz, low_income, corporations\"" in text
    assert "no figures of woz_mean in the store: not loaded" in text
    table = [line.split(",") for line in text.splitlines() if not line.startswith("#")]
    header = table[0]
    assert header[:7] == ["rank", "code", "name", "score", "inputs_used", "weight_share",
                          "no_score"]
    assert all(r[0] == r[3] == "" and r[6] == "low_coverage" and r[5] == "0.3"
               for r in table[1:])


def test_three_of_five_inputs_score_on_re_normalised_weights(tmp_path: Path, scheme) -> None:  # type: ignore[no-untyped-def]
    # gas (3, higher first), owners (2, lower first), woz (2, lower first): 7 of 10 = 70 %
    table = ("buurtcode;G_GAS_TOT;P_KOOPWON;WOZ\n"
             "BU05030001;900;60;300\n"
             "BU05030002;1200;20;250\n"
             "BU05030003;1500;40;400\n"
             "BU05030004;1800;80;350\n")
    result = run(store_with(tmp_path, table), scheme)

    assert result.rows["no_score"].isna().all()
    assert result.rows["weight_share"].tolist() == pytest.approx([0.7] * 4)
    assert result.coverage.weight_share == pytest.approx(0.7)
    assert result.coverage.areas_scored == 4
    # by hand, rank normalisation over 4 areas: (rank - 1) / 3, turned for "lower first"
    # BU05030004: gas rank 4 -> 1; owners 80 is the highest -> 1 - 1 = 0; woz 350 rank 3 -> 1 - 2/3
    # score = (3 * 1 + 2 * 0 + 2 * 1/3) / (3 + 2 + 2) * 100 = 11/21 * 100 = 52.38
    assert row(result, "BU05030004")["score"] == pytest.approx(100 * 11 / 21)
    # BU05030002: gas 1/3; owners lowest -> 1; woz lowest -> 1: (1 + 2 + 2) / 7 * 100 = 71.43
    assert row(result, "BU05030002")["score"] == pytest.approx(100 * 5 / 7)
    assert row(result, "BU05030002")["rank"] == 1
    # the missing inputs count nowhere: not as 0, not in the normalisation
    assert math.isnan(row(result, "BU05030002")["low_income"])
    assert math.isnan(row(result, "BU05030002")["low_income_norm"])
    assert row(result, "BU05030002")["low_income_status"] == "missing"


def test_an_area_missing_inputs_is_not_scored_the_others_are(tmp_path: Path, scheme) -> None:  # type: ignore[no-untyped-def]
    # BU05030003's gas figure is secret ('.'): its inputs carry 2 + 2 = 4 of 10, under half
    table = ("buurtcode;G_GAS_TOT;P_KOOPWON;WOZ\n"
             "BU05030001;900;60;300\n"
             "BU05030002;1200;20;250\n"
             "BU05030003;.;40;400\n"
             "BU05030004;1800;80;350\n")
    store = store_with(tmp_path, table)
    result = run(store, scheme)

    short = row(result, "BU05030003")
    assert short["gas_status"] == "secret" and math.isnan(short["gas_norm"])
    assert math.isnan(short["score"]) and short["no_score"] == "low_coverage"
    assert short["weight_share"] == pytest.approx(0.4) and short["inputs_used"] == 2
    assert result.coverage.areas_scored == 3 and result.coverage.partial == ["gas"]
    # the secret figure is not a 0: gas is ranked over the three areas that have it
    assert row(result, "BU05030001")["gas_norm"] == 0.0
    assert row(result, "BU05030002")["gas_norm"] == 0.5
    assert row(result, "BU05030004")["gas_norm"] == 1.0
    # with the gas weight at 1 the area's inputs carry 4 of 8: exactly half is enough
    lighter = run(store, scheme, "gas:1")
    assert row(lighter, "BU05030003")["weight_share"] == pytest.approx(MIN_WEIGHT_SHARE)
    # owners 40 is rank 2 of 4 (lower first: 1 - 1/3), woz 400 rank 4 (lower first: 0)
    assert row(lighter, "BU05030003")["score"] == pytest.approx(100 * (2 * 2 / 3 + 0) / 4)


def test_every_weight_zero_scores_nothing(tmp_path: Path, scheme) -> None:  # type: ignore[no-untyped-def]
    store = store_with(tmp_path, "buurtcode;G_GAS_TOT\n" + "".join(f"{c};1000\n" for c in CODES))
    result = run(store, scheme, "gas:0,owners:0,woz:0,low_income:0,corporations:0")
    assert result.rows["score"].isna().all()
    assert set(result.rows["no_score"]) == {"no_weight"}
    assert (result.coverage.inputs, result.coverage.weight_share) == (0, 0.0)


def test_figures_only_on_another_years_boundaries_are_said_to_be(tmp_path: Path,
                                                                 scheme) -> None:  # type: ignore[no-untyped-def]
    """2025 figures without names cannot be proven to belong to the 2024 buurten (placement),
    so the input is missing here, and the reason names the boundaries they are on."""
    table = "buurtcode;G_GAS_TOT;P_KOOPWON\n" + "".join(f"{c};1000;50\n" for c in CODES)
    store = store_with(tmp_path, table, year=2025)
    result = run(store, scheme)
    infos = {i.id: i for i in result.inputs}
    assert infos["gas"].missing is not None
    assert infos["gas"].missing.reason == OTHER_BOUNDARIES
    assert infos["gas"].missing.years == [2025]
    assert infos["woz"].missing is not None and infos["woz"].missing.reason == NOT_LOADED


def test_an_input_whose_latest_figures_are_all_secret_says_so(tmp_path: Path, scheme) -> None:  # type: ignore[no-untyped-def]
    table = "buurtcode;G_GAS_TOT;WOZ\n" + "".join(f"{c};-99999999;300\n" for c in CODES)
    result = run(store_with(tmp_path, table), scheme)
    gas = {i.id: i for i in result.inputs}["gas"]
    assert gas.missing is not None and gas.missing.reason == SUPPRESSED
    assert gas.missing.years == [2024]
