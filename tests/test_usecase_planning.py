"""geoinsight.usecases.planning.plan called directly on the demo store read through a gate.

Scores are recomputed here from the published figures the gate gives: each input normalised
over the areas that have it (rank, minmax or zscore, written out below, not taken from
geoinsight.analysis.priority), the weighted mean of what an area has times 100, and no score
where an area's inputs carry less than half of the weight.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoinsight import PROJECT_ROOT
from geoinsight.analysis.priority import PriorityScheme, load_scheme, parse_weights
from geoinsight.errors import BadRequest
from geoinsight.privacy.access import ANONYMOUS, Principal
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.usecases.planning import NOT_LOADED, Plan, load_schemes, plan, scheme_indicators
from geoinsight.usecases.service import Selection

LEIDSCHENDAM = "GM1916"  # ten 2022 buurten with BAG-derived and (synthetic) label figures
DELFT = "GM0503"


@pytest.fixture(scope="module")
def energy() -> PriorityScheme:
    return load_schemes(PROJECT_ROOT / "planning")["energy_transition"]


def scheme_file(tmp_path: Path, normalisation: str, inputs: str) -> PriorityScheme:
    path = tmp_path / "test.yaml"
    path.write_text(f"id: test\ntitle: {{nl: Test}}\nlevels: [buurt]\n"
                    f"normalisation: {normalisation}\ninputs:\n{inputs}", encoding="utf-8")
    return load_scheme(path)


# --- the computation written out independently -----------------------------------------------


def normalised(values: pd.Series, method: str, direction: str) -> pd.Series:
    """0..1, 1 = first; NaN where an area has no figure."""
    known = values.dropna()
    v = known.to_numpy(dtype=float)
    if method == "rank":
        less = (v[:, None] > v[None, :]).sum(axis=1)
        ties = (v[:, None] == v[None, :]).sum(axis=1)
        rank = 1 + less + (ties - 1) / 2
        out = (rank - 1) / (len(v) - 1)
    elif method == "minmax":
        out = (v - v.min()) / (v.max() - v.min())
    else:
        z = (v - v.mean()) / np.sqrt(((v - v.mean()) ** 2).mean())
        out = (np.clip(z, -3, 3) + 3) / 6
    if direction == "lower":
        out = 1 - out
    return pd.Series(out, index=known.index).reindex(values.index)


def expected_scores(figures: dict[str, pd.Series], spec: dict[str, tuple[str, float]],
                    method: str) -> tuple[pd.Series, pd.Series]:
    """Per area: the score (NaN below half of the weight) and the weight share."""
    total = sum(w for _, w in spec.values())
    codes = next(iter(figures.values())).index
    num = pd.Series(0.0, index=codes)
    den = pd.Series(0.0, index=codes)
    for key, (direction, weight) in spec.items():
        norm = normalised(figures[key], method, direction)
        has = norm.notna() & (weight > 0)
        num += norm.where(has, 0.0) * weight
        den += has * weight
    share = den / total
    return (num / den * 100).where(share >= 0.5), share


def published(gate: Gate, indicator: str, codes: list[str]) -> pd.Series:
    """The latest published figure of each area (NaN where missing or secret)."""
    rows = gate.values(indicators=[indicator], codes=codes)
    rows = rows[rows["year"] == rows["year"].max()]
    shown = rows[rows["status"].isin(["ok", "estimated"])]
    return pd.Series(shown["value"].to_numpy(dtype=float),
                     index=shown["code"]).reindex(codes)


def buurt_codes(gate: Gate, municipality: str) -> list[str]:
    areas = gate.areas(level="buurt", municipality=municipality, geometry=False)
    latest = areas[areas["year"] == areas["year"].max()]
    return sorted(latest["code"])


def by_code(result: Plan) -> pd.DataFrame:
    return result.rows.set_index("code")


# --- the tests ---------------------------------------------------------------------------------


def test_the_shipped_scheme_loads_with_its_inputs_and_weights(energy: PriorityScheme) -> None:
    assert energy.levels == ("buurt", "wijk") and energy.normalisation == "rank"
    weights = {i.id: i.weight for i in energy.inputs}
    assert sum(weights.values()) == 13
    assert weights["owner_occupied"] == weights["district_heating"] == 0
    # an expression input reads both of its indicators; weight 0 inputs are not asked for
    assert {"pct_low_income_households", "energy_label_share_efg"} <= set(
        scheme_indicators(energy, weighted=True))
    assert "pct_owner_occupied" not in scheme_indicators(energy, weighted=True)
    assert "pct_owner_occupied" in scheme_indicators(energy)


def test_scores_are_the_weighted_mean_of_rank_normalised_inputs(gate: Gate,
                                                                energy: PriorityScheme) -> None:
    # the demo has labels and BAG building years here, none of the CBS energy inputs:
    # weigh only what is there
    weights = parse_weights("gas_use:0,low_income:0,energy_poverty:0,corporation_owned:0",
                            energy)
    result = plan(gate, energy, Selection("buurt", LEIDSCHENDAM, None), weights, "nl",
                  gate.may_read)
    codes = buurt_codes(gate, LEIDSCHENDAM)
    figures = {"poor_labels": published(gate, "energy_label_share_efg", codes),
               "old_stock": published(gate, "share_built_before_1975", codes)}
    assert figures["poor_labels"].notna().all() and figures["old_stock"].notna().all()
    score, share = expected_scores(figures, {"poor_labels": ("higher", 3.0),
                                             "old_stock": ("higher", 2.0)}, "rank")
    rows = by_code(result)
    assert sorted(rows.index) == codes and result.boundary_year == 2022
    assert rows["score"].reindex(codes).to_numpy() == pytest.approx(score.to_numpy())
    assert rows["weight_share"].reindex(codes).to_numpy() == pytest.approx(share.to_numpy())
    assert ((rows["score"] >= 0) & (rows["score"] <= 100)).all()
    # rank 1 is the highest score, and ranks follow the scores
    assert rows["rank"].idxmin() == score.idxmax()
    assert list(result.rows["score"]) == sorted(score, reverse=True)
    # each input's own latest year, reported with it
    years = {i.id: i.years for i in result.inputs}
    assert years["poor_labels"] == [2026] and years["old_stock"] == [2022]


def test_no_score_below_half_of_the_weight(gate: Gate, energy: PriorityScheme) -> None:
    """With the scheme's own weights only poor labels (3) and old stock (2) of 13 have figures:
    5/13 is under half, so nothing is scored, and the coverage says which inputs are missing."""
    weights = parse_weights(None, energy)
    result = plan(gate, energy, Selection("buurt", LEIDSCHENDAM, None), weights, "nl",
                  gate.may_read)
    assert result.rows["score"].isna().all() and result.rows["rank"].isna().all()
    assert set(result.rows["no_score"]) == {"low_coverage"}
    assert result.rows["weight_share"].to_numpy() == pytest.approx(5 / 13)
    coverage = result.coverage
    assert coverage.weight_share == pytest.approx(5 / 13)
    assert (coverage.inputs, coverage.inputs_available) == (6, 2)
    assert (coverage.areas, coverage.areas_scored) == (10, 0)
    assert set(coverage.missing) == {"gas_use", "low_income", "energy_poverty",
                                     "corporation_owned", "district_heating"}
    why = {i.id: i.missing for i in result.inputs}
    assert why["gas_use"] is not None and why["gas_use"].reason == NOT_LOADED
    assert why["gas_use"].indicator == "gas_use_mean"


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank"])
def test_partial_inputs_renormalise_the_weights_per_area(gate: Gate, tmp_path: Path,
                                                         method: str) -> None:
    """Delft: income is published for few buurten. An area without it carries 2 of 5 of the
    weight and gets no score; an area with it is scored on what it has."""
    scheme = scheme_file(tmp_path, method, """\
  - {id: woz, title: {nl: WOZ}, indicator: woz_mean, direction: lower, weight: 1}
  - {id: owners, title: {nl: Koop}, indicator: pct_owner_occupied, direction: higher, weight: 1}
  - {id: income, title: {nl: Inkomen}, indicator: income_per_inhabitant, direction: lower,
     weight: 3}
""")
    result = plan(gate, scheme, Selection("buurt", DELFT, None), parse_weights(None, scheme),
                  "nl", gate.may_read)
    codes = buurt_codes(gate, DELFT)
    figures = {"woz": published(gate, "woz_mean", codes),
               "owners": published(gate, "pct_owner_occupied", codes),
               "income": published(gate, "income_per_inhabitant", codes)}
    score, share = expected_scores(figures, {"woz": ("lower", 1.0), "owners": ("higher", 1.0),
                                             "income": ("lower", 3.0)}, method)
    rows = by_code(result).reindex(codes)
    scored = score.notna()
    assert 5 <= scored.sum() < len(codes) - 20  # a real mix of scored and unscored areas
    assert rows["score"].notna().to_numpy().tolist() == scored.tolist()
    assert rows["score"][scored].to_numpy() == pytest.approx(score[scored].to_numpy())
    assert rows["weight_share"].to_numpy() == pytest.approx(share.to_numpy())
    assert (rows["no_score"][~scored] == "low_coverage").all()
    assert result.coverage.areas_scored == int(scored.sum())
    assert result.coverage.partial == [k for k in ("woz", "owners", "income")
                                       if 0 < figures[k].notna().sum() < len(codes)]
    for key, values in figures.items():  # the raw values shown are the published ones
        assert rows[key].to_numpy() == pytest.approx(values.to_numpy(), nan_ok=True)


def test_an_unreadable_input_is_left_out_as_not_loaded(gate: Gate, tmp_path: Path) -> None:
    scheme = scheme_file(tmp_path, "rank", """\
  - {id: woz, title: {nl: WOZ}, indicator: woz_mean, direction: lower, weight: 1}
  - {id: owners, title: {nl: Koop}, indicator: pct_owner_occupied, direction: higher, weight: 1}
""")
    readable: Callable[[str], bool] = lambda indicator: indicator != "woz_mean"  # noqa: E731
    result = plan(gate, scheme, Selection("buurt", DELFT, None), parse_weights(None, scheme),
                  "nl", readable)
    woz = {i.id: i for i in result.inputs}["woz"]
    assert not woz.available and woz.missing is not None
    assert (woz.missing.reason, woz.missing.indicator) == (NOT_LOADED, "woz_mean")
    assert result.rows["woz"].isna().all()  # not read at all, not even shown
    codes = buurt_codes(gate, DELFT)
    owners = published(gate, "pct_owner_occupied", codes)
    score, _ = expected_scores({"owners": owners, "woz": pd.Series(np.nan, index=codes)},
                               {"owners": ("higher", 1.0), "woz": ("lower", 1.0)}, "rank")
    rows = by_code(result).reindex(codes)
    assert score.notna().sum() > 50
    assert rows["score"].to_numpy() == pytest.approx(score.to_numpy(), nan_ok=True)
    assert result.coverage.weight_share == pytest.approx(0.5)


def test_a_restricted_input_counts_only_for_a_role_that_may_read_it(gates: Gates,
                                                                    tmp_path: Path) -> None:
    scheme = scheme_file(tmp_path, "minmax", """\
  - {id: events, title: {nl: Meldingen}, indicator: events_total, direction: higher, weight: 1}
  - {id: people, title: {nl: Inwoners}, indicator: population, direction: higher, weight: 1}
""")
    selection = Selection("buurt", DELFT, None)
    weights = parse_weights(None, scheme)
    anonymous = gates.for_principal(ANONYMOUS)
    hidden = plan(anonymous, scheme, selection, weights, "nl", anonymous.may_read)
    events = {i.id: i for i in hidden.inputs}["events"]
    assert not events.available and events.missing is not None
    assert events.missing.reason == NOT_LOADED
    assert hidden.rows["events"].isna().all()

    analyst = gates.for_principal(Principal("analyst", frozenset({"ondermijning"})))
    shown = plan(analyst, scheme, selection, weights, "nl", analyst.may_read)
    codes = buurt_codes(analyst, DELFT)
    counts = published(analyst, "events_total", codes)
    assert counts.notna().sum() > 30 and counts.isna().sum() > 0  # some counts are secret
    rows = by_code(shown).reindex(codes)
    assert rows["events"].to_numpy() == pytest.approx(counts.to_numpy(), nan_ok=True)
    assert rows["events_norm"].to_numpy() == pytest.approx(
        normalised(counts, "minmax", "higher").to_numpy(), nan_ok=True)


def test_a_level_the_scheme_does_not_plan_is_refused(gate: Gate,
                                                     energy: PriorityScheme) -> None:
    with pytest.raises(BadRequest):
        plan(gate, energy, Selection("gemeente", None, None), parse_weights(None, energy))
