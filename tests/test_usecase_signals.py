"""geoinsight.usecases.signal_report.layer_signals and overview called directly on the demo
store read
through a gate (and on a copy with one planted rise). Changes and their robust z-scores are
recomputed here from the published figures of both years."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.privacy.access import ANONYMOUS
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.usecases.service import Selection
from geoinsight.usecases.signal_report import layer_signals, overview, standouts

DELFT = Selection("buurt", "GM0503", None)
PLANTED = "BU05031201"  # Indische Buurt-Noord: a handful of crimes a year, given 400 in 2025


def gate_of(path: Path) -> Gate:
    return Gates(PublishedStore(GeoPackageStore(path), DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers")).for_principal(ANONYMOUS)


@pytest.fixture(scope="module")
def gate(demo_file: Path) -> Gate:
    return gate_of(demo_file)


@pytest.fixture(scope="module")
def planted(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Gate:
    path = tmp_path_factory.mktemp("planted") / "geoinsight.gpkg"
    shutil.copyfile(demo_file, path)
    with sqlite3.connect(path) as db:
        changed = db.execute("UPDATE indicator_values SET value = 400 WHERE area_code = ? AND "
                             "indicator = 'crimes_registered' AND year = 2025",
                             (PLANTED,)).rowcount
    assert changed == 1
    return gate_of(path)


def published(gate: Gate, indicator: str, year: int) -> pd.Series:
    codes = sorted(gate.areas(level="buurt", municipality="GM0503", geometry=False)["code"])
    rows = gate.values(indicators=[indicator], codes=codes, year=year)
    shown = rows[rows["status"].isin(["ok", "estimated"])]
    return pd.Series(shown["value"].to_numpy(dtype=float), index=shown["code"]).reindex(codes)


def robust_z(change: pd.Series) -> pd.Series:
    known = change.dropna()
    centre = float(np.median(known))
    scale = 1.4826 * float(np.median(np.abs(known - centre)))
    return (change - centre) / scale


def test_changes_are_this_years_published_figure_minus_last_years(gate: Gate) -> None:
    result = layer_signals(gate, gate.catalog, "crimes_registered", DELFT)
    assert (result.year, result.previous_year, result.boundary_year) == (2025, 2024, 2023)
    now, before = published(gate, "crimes_registered", 2025), published(
        gate, "crimes_registered", 2024)
    rows = result.rows.set_index("code").reindex(now.index)
    assert len(rows) == 91
    assert rows["value"].to_numpy() == pytest.approx(now.to_numpy(), nan_ok=True)
    assert rows["previous"].to_numpy() == pytest.approx(
        before.to_numpy(), nan_ok=True)
    change = now - before
    assert rows["change"].to_numpy() == pytest.approx(change.to_numpy(), nan_ok=True)
    z = robust_z(change)
    assert rows["change_z"].to_numpy() == pytest.approx(z.to_numpy(), nan_ok=True)
    rising = set(z.index[z >= 2])
    falling = set(z.index[z <= -2])
    assert set(rows.index[rows["change_signal"] == "rising"]) == rising
    assert set(rows.index[rows["change_signal"] == "falling"]) == falling
    # a suppressed figure feeds no signal
    hidden = rows[rows["status"] == "secret"]
    assert len(hidden) and hidden["change"].isna().all() and hidden["change_signal"].isna().all()


def test_a_planted_rise_is_found_and_stands_out_first(gate: Gate, planted: Gate) -> None:
    plain = layer_signals(gate, gate.catalog, "crimes_registered", DELFT).rows.set_index("code")
    assert plain.loc[PLANTED, "change_signal"] != "rising"

    result = layer_signals(planted, planted.catalog, "crimes_registered", DELFT)
    rows = result.rows.set_index("code")
    before = published(planted, "crimes_registered", 2024)[PLANTED]
    assert rows.loc[PLANTED, "change"] == 400 - before
    assert rows.loc[PLANTED, "change_signal"] == "rising"
    change = published(planted, "crimes_registered", 2025) - published(
        planted, "crimes_registered", 2024)
    assert rows.loc[PLANTED, "change_z"] == pytest.approx(robust_z(change)[PLANTED])
    top = standouts(result)[0]
    assert top["code"] == PLANTED and "rising" in top["signals"]
    assert top["value"] == 400.0 and top["previous"] == before


def test_each_buurt_is_compared_with_its_published_wijk(gate: Gate) -> None:
    result = layer_signals(gate, gate.catalog, "population", DELFT)
    assert result.previous_year is None and result.rows["change_signal"].isna().all()
    rows = result.rows.set_index("code")
    wijken = gate.values(indicators=["population"], year=2024,
                         codes=sorted(set(rows["parent_code"])))
    shown = wijken[wijken["status"] == "ok"].set_index("code")["value"]
    assert len(shown) > 5
    assert (rows["parent_code"] == "WK" + rows.index.str[2:8]).all()
    expected = rows["parent_code"].map(shown).astype(float)
    assert rows["parent_value"].to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
    # no national figures in the demo: nothing to compare with
    assert rows["country_value"].isna().all()


def test_overview_leaves_out_the_layers_without_figures_here(gate: Gate) -> None:
    found, left_out = overview(gate, gate.catalog, DELFT)
    codes = sorted(gate.areas(level="buurt", municipality="GM0503", geometry=False)["code"])
    offered = gate.catalog.for_level("buurt")
    has = {layer.id for layer in offered
           if not gate.values(indicators=list(layer.inputs()), codes=codes).empty}
    assert {s.layer.id for s in found} == has
    assert {layer.id for layer in left_out} == {layer.id for layer in offered} - has
    assert "energy_label_share_efg" in {layer.id for layer in left_out}  # labels: Den Haag only
    assert "events_total" not in {layer.id for layer in offered}  # restricted: not offered
    for signals in found:
        assert signals.boundary_year == 2023 and len(signals.rows) == len(codes)
