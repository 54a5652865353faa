"""Areal interpolation on squares whose answers can be worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoinsight.spatial.interpolate import (
    AREA,
    POPULATION,
    SUM,
    interpolate,
    overlay,
    per_weighting,
    roughest,
    weighting_of,
)

RD = "EPSG:28992"
# A: x 0-100, B: x 100-200 (each 100 × 100 m)
A, B = shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)


def areas(**geometries: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": list(geometries)}, geometry=list(geometries.values()),
                            crs=RD)


def long(indicator: str, values: dict[str, float | None],
         statuses: dict[str, str] | None = None) -> pd.DataFrame:
    statuses = statuses or {}
    return pd.DataFrame({
        "code": list(values), "indicator": indicator,
        "value": [math.nan if v is None else v for v in values.values()],
        "status": [statuses.get(c, "missing" if v is None else "ok") for c, v in values.items()]})


def answer(frame: pd.DataFrame, code: str, indicator: str | None = None) -> tuple:
    row = frame[(frame["code"] == code)
                & ((frame["indicator"] == indicator) if indicator else True)].iloc[0]
    value = None if pd.isna(row["value"]) else round(float(row["value"]), 6)
    return value, row["status"], row["method"]


SOURCES = areas(A=A, B=B)
# T1 = all of A and 30 % of B; T2 = the other 70 % of B
TARGETS = areas(T1=shapely.box(0, 0, 130, 100), T2=shapely.box(130, 0, 200, 100))


def test_a_count_is_split_by_area_share() -> None:
    over = overlay(SOURCES, TARGETS)
    result = interpolate(long("people", {"A": 100, "B": 1000}), over, {"people": SUM})
    assert answer(result, "T1") == (100 + 300, "estimated", "area_weighted")
    assert answer(result, "T2") == (700, "estimated", "area_weighted")


def test_a_rate_is_weighted_by_population_in_each_piece() -> None:
    over = overlay(SOURCES, TARGETS)
    rate = long("rate", {"A": 10.0, "B": 20.0})
    result = interpolate(rate, over, {"rate": POPULATION}, {"A": 100, "B": 1000})
    # T1: A's 100 people at 10 and 300 of B's people at 20
    assert answer(result, "T1") == ((10 * 100 + 20 * 300) / 400, "estimated",
                                    "population_weighted")
    assert answer(result, "T2") == (20.0, "estimated", "population_weighted")


def test_without_a_population_a_rate_is_weighted_by_area_and_says_so() -> None:
    over = overlay(SOURCES, TARGETS)
    rate = long("rate", {"A": 10.0, "B": 20.0})
    result = interpolate(rate, over, {"rate": POPULATION}, {"A": 100})  # B's unknown
    # T1 = 10,000 m² of A at 10 and 3,000 m² of B at 20
    assert answer(result, "T1") == (round((10 * 10_000 + 20 * 3_000) / 13_000, 6),
                                    "estimated", "area_weighted")


def test_a_density_is_always_weighted_by_area() -> None:
    assert weighting_of("mean", "inwoners per km²") == AREA
    assert weighting_of("rate", "per 1.000 inwoners") == POPULATION
    assert weighting_of("count", "inwoners") == SUM
    over = overlay(SOURCES, TARGETS)
    result = interpolate(long("density", {"A": 1000.0, "B": 5000.0}), over,
                         {"density": AREA}, {"A": 1, "B": 1_000_000})
    assert answer(result, "T1") == (round((1000 * 10_000 + 5000 * 3_000) / 13_000, 6),
                                    "estimated", "area_weighted")


def test_a_secret_source_makes_every_target_it_reaches_secret() -> None:
    over = overlay(SOURCES, TARGETS)
    counts = long("people", {"A": 100, "B": None}, {"B": "secret"})
    result = interpolate(counts, over, {"people": SUM})
    assert answer(result, "T1") == (None, "secret", "area_weighted")  # not A + 30 % of a guess
    assert answer(result, "T2") == (None, "secret", "area_weighted")
    only_a = interpolate(counts, overlay(SOURCES, areas(T=shapely.box(0, 0, 50, 100))),
                         {"people": SUM})
    assert answer(only_a, "T") == (50, "estimated", "area_weighted")


def test_a_missing_source_makes_the_target_missing() -> None:
    result = interpolate(long("people", {"A": 100}), overlay(SOURCES, TARGETS), {"people": SUM})
    assert answer(result, "T1")[:2] == (None, "missing")


def test_a_target_that_is_one_whole_source_keeps_value_and_status() -> None:
    over = overlay(SOURCES, areas(A2=shapely.box(0, 0, 100, 100), T2=B))
    assert dict(over.identical) == {"A2": "A", "T2": "B"}
    counts = long("people", {"A": 100, "B": None}, {"A": "ok", "B": "secret"})
    result = interpolate(counts, over, {"people": SUM})
    assert answer(result, "A2") == (100, "ok", "identical")
    assert answer(result, "T2") == (None, "secret", "identical")


def test_boundary_noise_is_dropped_within_a_tolerance() -> None:
    # the same two areas digitised 1 m apart: 1 % of B falls in A's new outline
    moved = areas(A2=shapely.box(0, 0, 101, 100), B2=shapely.box(101, 0, 200, 100))
    counts = long("people", {"A": 100, "B": 1000})
    exact = interpolate(counts, overlay(SOURCES, moved), {"people": SUM})
    assert answer(exact, "A2") == (110, "estimated", "area_weighted")
    tolerant = interpolate(counts, overlay(SOURCES, moved, tolerance=0.03), {"people": SUM})
    assert answer(tolerant, "A2") == (100, "ok", "identical")
    assert answer(tolerant, "B2") == (1000, "ok", "identical")


def test_a_sliver_of_a_large_source_that_grows_a_small_target_is_no_noise() -> None:
    """Small for its source (2.5 % of Y) but a quarter of X: X has changed."""
    sources = areas(X=shapely.box(0, 0, 100, 100), Y=shapely.box(100, 0, 1100, 100))
    targets = areas(X2=shapely.box(0, 0, 125, 100), Y2=shapely.box(125, 0, 1100, 100))
    counts = long("people", {"X": 100, "Y": 1000})
    result = interpolate(counts, overlay(sources, targets, tolerance=0.03), {"people": SUM})
    assert answer(result, "X2") == (125, "estimated", "area_weighted")
    assert answer(result, "Y2") == (975, "estimated", "area_weighted")


def test_a_merger_sums_its_parts_despite_noise() -> None:
    merged = areas(AB=shapely.box(0, 0, 199, 100), C=shapely.box(199, 0, 300, 100))
    over = overlay(SOURCES, merged, tolerance=0.03)
    result = interpolate(long("people", {"A": 100, "B": 1000}), over, {"people": SUM})
    assert answer(result, "AB") == (1100, "estimated", "area_weighted")
    assert answer(result, "C") == (None, "missing", "none")  # no source reaches it


def test_address_weights_where_a_source_holds_addresses() -> None:
    # B has 10 addresses: 2 in the part that goes to T1, 8 in T2's part
    points = pd.DataFrame({"source": ["B"] * 10, "target": ["T1"] * 2 + ["T2"] * 8})
    over = overlay(SOURCES, TARGETS, points=points)
    result = interpolate(long("people", {"A": 100, "B": 1000}), over, {"people": SUM})
    assert answer(result, "T1") == (100 + 200, "estimated", "area_weighted")  # A by area
    assert answer(result, "T2") == (800, "estimated", "address_weighted")


def test_a_part_without_addresses_holds_nobody() -> None:
    points = pd.DataFrame({"source": ["B"] * 4, "target": ["T2"] * 4})
    over = overlay(areas(B=B), areas(T1=shapely.box(100, 0, 130, 100),
                                     T2=shapely.box(130, 0, 200, 100)), points=points)
    counts = long("people", {"B": 1000})
    result = interpolate(counts, over, {"people": SUM})
    assert answer(result, "T1") == (0, "estimated", "address_weighted")
    assert answer(result, "T2") == (1000, "estimated", "address_weighted")
    secret = interpolate(long("people", {"B": None}, {"B": "secret"}), over, {"people": SUM})
    assert answer(secret, "T1") == (0, "estimated", "address_weighted")  # B is not used there


def test_coverage_and_a_target_outside_every_source() -> None:
    over = overlay(SOURCES, areas(T=shapely.box(150, 0, 250, 100), Far=shapely.box(900, 0,
                                                                                   950, 50)))
    assert over.coverage["T"] == pytest.approx(0.5)
    assert over.coverage["Far"] == 0
    result = interpolate(long("people", {"A": 100, "B": 1000}), over, {"people": SUM})
    assert answer(result, "Far") == (None, "missing", "none")


def test_roughest_method_wins() -> None:
    assert roughest(["points", "identical"]) == "points"
    assert roughest(["points", "population_weighted", "address_weighted"]) == \
        "population_weighted"
    assert roughest([]) == "none"


def test_a_mean_per_household_is_weighted_by_households() -> None:
    """Household sizes 1 (1,000 households) and 4 (250): together 2,000 people in 1,250
    households, 1.6, not the 2.5 a population weighting gives."""
    merged = areas(AB=shapely.box(0, 0, 200, 100))
    over = overlay(SOURCES, merged)
    sizes = long("household_size", {"A": 1.0, "B": 4.0})
    households = pd.Series({"A": 1000.0, "B": 250.0})
    weighting = {"household_size": per_weighting("mean", "personen", "households")}
    result = interpolate(sizes, over, weighting, {"A": 1000, "B": 1000},
                         {"households": households})
    assert answer(result, "AB") == (1.6, "estimated", "denominator_weighted")
    # without households the pieces fall back to area, and say so
    unknown = interpolate(sizes, over, weighting, {"A": 1000, "B": 1000}, {})
    assert answer(unknown, "AB") == (2.5, "estimated", "area_weighted")


def test_the_registry_names_each_mean_s_denominator() -> None:
    from geoinsight.catalog.indicators import known

    per = {i: known()[i].per for i in ("household_size", "woz_mean", "pct_owner_occupied",
                                       "energy_label_share_efg", "share_built_before_1975",
                                       "pct_age_65_plus", "income_per_inhabitant")}
    assert per == {"household_size": "households", "woz_mean": "housing_stock",
                   "pct_owner_occupied": "housing_stock",
                   "energy_label_share_efg": "energy_labels_valid",
                   "share_built_before_1975": "dwellings", "pct_age_65_plus": "population",
                   "income_per_inhabitant": "population"}
