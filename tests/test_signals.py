"""Change signals, hot spots and clusters on synthetic grids of 100 m squares in RD."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geoinsight.analysis.signals import (
    SPATIAL_COLUMNS,
    SpatialResult,
    change_signals,
    compare,
    peer_mean,
    spatial_signals,
)

SIZE = 10
ORIGIN = (85000.0, 446000.0)


def code(r: int, c: int) -> str:
    return f"BU{r:02d}{c:02d}"


def grid(size: int = SIZE) -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN
    rows = [(code(r, c), box(x0 + c * 100, y0 + r * 100, x0 + (c + 1) * 100, y0 + (r + 1) * 100))
            for r in range(size) for c in range(size)]
    return gpd.GeoDataFrame({"code": [r[0] for r in rows]}, geometry=[r[1] for r in rows],
                            crs="EPSG:28992")


def noise(seed: int = 7, mean: float = 10.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(mean, 1.0, SIZE * SIZE),
                     index=[code(r, c) for r in range(SIZE) for c in range(SIZE)])


def planted() -> pd.Series:
    """Noise with a high 3×3 block in the lower-left and a low one in the upper-right corner."""
    values = noise()
    for r in range(3):
        for c in range(3):
            values[code(r, c)] = 30.0
            values[code(SIZE - 1 - r, SIZE - 1 - c)] = -10.0
    return values


def row(result: SpatialResult, area: str) -> pd.Series:
    return result.areas.set_index("code").loc[area]


# --- change signals --------------------------------------------------------------------------

def test_one_outlying_change_is_rising() -> None:
    previous = pd.Series([100.0] * 8, index=[f"GM{i}" for i in range(8)])
    current = previous + np.array([1.0, -1.0, 2.0, 0.0, 1.5, -0.5, 0.5, 25.0])
    frame = change_signals(current, previous)
    assert frame.index.name == "code"
    assert list(frame.columns) == ["current", "previous", "change", "z", "signal"]
    assert frame.loc["GM7", "signal"] == "rising"
    assert frame["signal"].drop("GM7").isna().all()
    changes = current - previous
    mad = (changes - changes.median()).abs().median()
    assert frame.loc["GM7", "z"] == pytest.approx((25.0 - changes.median()) / (1.4826 * mad))


def test_outlying_drop_is_falling_and_threshold_matters() -> None:
    previous = pd.Series([50.0] * 6, index=list("abcdef"))
    current = previous + np.array([1.0, -1.0, 2.0, 0.0, -2.0, -9.0])
    assert change_signals(current, previous).loc["f", "signal"] == "falling"
    assert change_signals(current, previous, threshold=10.0)["signal"].isna().all()


def test_zero_mad_falls_back_to_standard_deviation() -> None:
    previous = pd.Series([10.0] * 6, index=list("abcdef"))
    current = previous + np.array([0.0, 0.0, 0.0, 0.0, 0.0, 10.0])
    frame = change_signals(current, previous)
    expected = 10.0 / np.std([0, 0, 0, 0, 0, 10.0], ddof=1)
    assert frame.loc["f", "z"] == pytest.approx(expected)
    assert frame.loc["f", "signal"] == "rising"
    assert (frame["z"].drop("f") == 0).all()


def test_no_spread_gives_zero_z_and_no_signal() -> None:
    previous = pd.Series([1.0] * 5, index=list("abcde"))
    frame = change_signals(previous + 3, previous)
    assert (frame["z"] == 0).all()
    assert frame["signal"].isna().all()


def test_fewer_than_five_pairs_are_not_judged() -> None:
    previous = pd.Series([1.0, 1.0, 1.0, 1.0, np.nan], index=list("abcde"))
    current = pd.Series([1.0, 1.1, 0.9, 50.0, 2.0, 3.0], index=list("abcdef"))
    frame = change_signals(current, previous)
    assert set(frame.index) == set("abcdef")
    assert frame.loc["d", "change"] == pytest.approx(49.0)
    assert np.isnan(frame.loc["e", "change"]) and np.isnan(frame.loc["f", "previous"])
    assert frame["z"].isna().all()
    assert frame["signal"].isna().all()


# --- spatial signals -------------------------------------------------------------------------

def test_planted_high_block_is_hot_and_hh_low_block_cold_and_ll() -> None:
    result = spatial_signals(grid(), planted())
    assert result.note is None and result.n == SIZE * SIZE
    assert list(result.areas.columns) == list(SPATIAL_COLUMNS)
    high, low = row(result, code(1, 1)), row(result, code(SIZE - 2, SIZE - 2))
    assert high["hotspot"] == "hot" and high["gi_z"] > 0 and high["gi_p"] <= 0.05
    assert high["moran_cluster"] == "HH"
    assert low["hotspot"] == "cold" and low["gi_z"] < 0
    assert low["moran_cluster"] == "LL"
    middle = row(result, code(5, 5))
    assert middle["hotspot"] == "not_significant"
    assert result.global_moran_i is not None and result.global_moran_i > 0.3
    assert result.global_moran_p is not None and result.global_moran_p <= 0.01


def test_p_values_are_exact_fractions_so_alpha_is_inclusive() -> None:
    result = spatial_signals(grid(), planted(), permutations=99, alpha=0.05)
    for column in ("gi_p", "moran_p"):
        p = result.areas[column].to_numpy()
        assert np.array_equal(p, np.round(p * 100) / 100)
        assert (p >= 0.01).all() and (p <= 0.5).all()
    alpha = result.areas["gi_p"].nsmallest(20).max()  # a p-value that occurs
    again = spatial_signals(grid(), planted(), permutations=99, alpha=alpha).areas
    at_alpha = again["gi_p"] == alpha
    assert at_alpha.any()
    assert again.loc[at_alpha, "hotspot"].isin(["hot", "cold"]).all()


def test_random_field_has_few_significant_areas() -> None:
    result = spatial_signals(grid(), noise(seed=3))
    significant = result.areas["hotspot"].isin(["hot", "cold"]).sum()
    clustered = (result.areas["moran_cluster"] != "not_significant").sum()
    # one-sided pseudo p-values: about 10 % false positives expected under randomness
    assert significant <= 20 and clustered <= 20
    assert result.global_moran_p is not None and result.global_moran_p > 0.05


def test_checkerboard_has_negative_global_moran() -> None:
    values = pd.Series({code(r, c): float((r + c) % 2) for r in range(SIZE) for c in range(SIZE)})
    result = spatial_signals(grid(), values)
    assert result.global_moran_i is not None
    assert result.global_moran_i < -1 / (SIZE * SIZE - 1)  # below its expectation under H0


def gi_star_by_hand(values: pd.Series, r: int, c: int) -> float:
    """Ord & Getis (1995) eq. 3.4 with binary queen weights that include the area itself."""
    x = values.to_numpy()
    n = x.size
    mean = x.mean()
    s = math.sqrt((x**2).sum() / n - mean**2)
    near = [code(i, j) for i in range(r - 1, r + 2) for j in range(c - 1, c + 2)
            if 0 <= i < SIZE and 0 <= j < SIZE]
    w = len(near)  # sum of the weights; with binary weights also the sum of their squares
    return (values[near].sum() - mean * w) / (s * math.sqrt((n * w - w**2) / (n - 1)))


@pytest.mark.parametrize(("r", "c"), [(1, 1), (0, 0), (4, 9), (5, 6)])
def test_gi_star_z_matches_the_formula(r: int, c: int) -> None:
    values = planted()
    result = spatial_signals(grid(), values)
    assert row(result, code(r, c))["gi_z"] == pytest.approx(gi_star_by_hand(values, r, c))


def test_gi_star_is_unchanged_by_a_shift_to_negative_values() -> None:
    values = planted()
    shifted = spatial_signals(grid(), values - 1000.0).areas
    plain = spatial_signals(grid(), values).areas
    np.testing.assert_allclose(shifted["gi_z"], plain["gi_z"])
    np.testing.assert_allclose(shifted["gi_p"], plain["gi_p"])
    assert (shifted["hotspot"] == plain["hotspot"]).all()


def test_row_order_does_not_matter() -> None:
    areas = grid()
    shuffled = areas.sample(frac=1.0, random_state=4)
    plain = spatial_signals(areas, planted()).areas.set_index("code")
    other = spatial_signals(shuffled, planted()).areas
    assert list(other["code"]) == list(shuffled["code"])
    pd.testing.assert_frame_equal(other.set_index("code").loc[plain.index], plain)


def test_same_seed_same_result_and_global_random_state_kept() -> None:
    state = np.random.get_state()[1].copy()
    first = spatial_signals(grid(), planted(), seed=11)
    assert np.array_equal(np.random.get_state()[1], state)
    second = spatial_signals(grid(), planted(), seed=11)
    pd.testing.assert_frame_equal(first.areas, second.areas)
    assert first.global_moran_p == second.global_moran_p
    other = spatial_signals(grid(), planted(), seed=12)
    assert not np.array_equal(first.areas["gi_p"], other.areas["gi_p"])


def test_missing_values_are_no_data_and_cut_off_areas_isolated() -> None:
    values = planted()
    values[code(0, 5)] = np.nan
    # the corner (9, 0) loses all its neighbours' values
    for neighbour in (code(8, 0), code(8, 1), code(9, 1)):
        values[neighbour] = np.nan
    values = values.drop(code(3, 3))  # not in the series at all
    result = spatial_signals(grid(), values)
    for area in (code(0, 5), code(8, 0), code(3, 3)):
        assert row(result, area)["hotspot"] == "no_data"
        assert row(result, area)["moran_cluster"] == "no_data"
        assert np.isnan(row(result, area)["gi_z"])
    corner = row(result, code(9, 0))
    assert corner["hotspot"] == "isolated" and np.isnan(corner["gi_p"])
    assert result.n == SIZE * SIZE - 6
    assert len(result.areas) == SIZE * SIZE
    assert row(result, code(1, 1))["hotspot"] == "hot"


def test_far_island_is_isolated_without_crashing() -> None:
    areas = grid()
    island = gpd.GeoDataFrame({"code": ["BU9999"]}, geometry=[box(95000, 446000, 95100, 446100)],
                              crs="EPSG:28992")
    areas = pd.concat([areas, island], ignore_index=True)
    values = planted()
    values["BU9999"] = 1000.0
    result = spatial_signals(areas, values)
    far = row(result, "BU9999")
    assert far["hotspot"] == "isolated" and far["moran_cluster"] == "isolated"
    assert far["value"] == 1000.0 and np.isnan(far["moran_i"])
    assert result.n == SIZE * SIZE
    # the island's value does not enter the others' statistics
    np.testing.assert_allclose(result.areas["gi_z"].iloc[:-1],
                               spatial_signals(grid(), planted()).areas["gi_z"])


def test_fewer_than_eight_areas_give_a_note_and_no_classes() -> None:
    areas = grid(3)
    values = pd.Series(np.arange(9.0), index=areas["code"])
    values.iloc[[0, 4]] = np.nan
    result = spatial_signals(areas, values)
    assert result.note is not None and "too few" in result.note
    assert result.global_moran_i is None and result.global_moran_p is None
    assert result.n == 7
    assert sorted(result.areas["hotspot"].unique()) == ["no_data", "not_significant"]
    assert result.areas["gi_z"].isna().all()


def test_constant_values_give_a_note() -> None:
    result = spatial_signals(grid(), pd.Series(5.0, index=grid()["code"]))
    assert result.note == "no variation in the values"
    assert (result.areas["hotspot"] == "not_significant").all()


# --- comparisons -----------------------------------------------------------------------------

def test_compare() -> None:
    assert compare(110.0, 100.0) == pytest.approx(0.1)
    assert compare(-30.0, -20.0) == pytest.approx(-0.5)
    assert compare(1.0, None) is None
    assert compare(1.0, 0.0) is None
    assert compare(1.0, float("nan")) is None
    assert compare(float("nan"), 2.0) is None


def test_peer_mean() -> None:
    values = pd.Series({"a": 1.0, "b": 3.0, "c": 5.0, "d": 100.0, "e": np.nan})
    peers = pd.Series({"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 3})
    assert peer_mean(values, peers, "a") == pytest.approx(4.0)
    assert peer_mean(values, peers, "e") == pytest.approx(100.0)
    assert peer_mean(values, peers, "d") is None  # its only peer has no value
    assert peer_mean(values, peers, "f") is None
    assert peer_mean(values, peers, "zz") is None
