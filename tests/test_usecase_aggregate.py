"""geoinsight.usecases.custom_area.aggregate_area called directly, on the demo store read
through a gate.

Every expected number is computed here from the published buurt figures the gate gives, from
the buurten's geometry or from the BAG points themselves, never from the function's answer.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from geoinsight import PROJECT_ROOT
from geoinsight.area_input import DrawnArea, area_from_geojson
from geoinsight.catalog import load_catalog
from geoinsight.catalog.energy_indicators import EXISTING
from geoinsight.privacy.access import ANONYMOUS, Principal
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.uploads import UploadLimits
from geoinsight.usecases.custom_area import aggregate_area

DELFT = ["BU05031101", "BU05031102"]  # two neighbouring Delft buurten, both published
WIJK = "WK050311"  # Delft centre: ten buurten
#: the buurt given 3 registered crimes in 2024 in the secret store (suppressed: fewer than 5)
SMALL = "BU05031101"


def gates_of(path: Path) -> Gates:
    return Gates(PublishedStore(GeoPackageStore(path), DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers"))


@pytest.fixture(scope="module")
def gates(demo_file: Path) -> Gates:
    return gates_of(demo_file)


@pytest.fixture(scope="module")
def secret_gate(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Gate:
    """The demo with SMALL's 2024 crime count set to 3: disclosure control hides it (and, by
    complementary suppression, one sibling in its wijk)."""
    path = tmp_path_factory.mktemp("secret") / "geoinsight.gpkg"
    shutil.copyfile(demo_file, path)
    with sqlite3.connect(path) as db:
        changed = db.execute("UPDATE indicator_values SET value = 3, status = 'ok' WHERE "
                             "area_code = ? AND indicator = 'crimes_registered' AND year = 2024",
                             (SMALL,)).rowcount
    assert changed == 1
    return gates_of(path).for_principal(ANONYMOUS)


def buurten(gate: Gate, year: int = 2023) -> Any:
    return gate.areas(level="buurt", year=year).set_index("code")


def published(gate: Gate, indicator: str, codes: list[str], year: int) -> dict[str, Any]:
    rows = gate.values(indicators=[indicator], codes=codes, year=year)
    return {r.code: (r.value, r.status) for r in rows.itertuples()}


def run(gate: Gate, geometry: shapely.Geometry, year: int | None = None,
        catalog: Any = None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    answer = aggregate_area(gate, catalog if catalog is not None else gate.catalog,
                            DrawnArea(geometry, int(shapely.get_num_coordinates(geometry))),
                            year=year)
    return answer, {row["layer"]: row for row in answer["layers"]}


def test_whole_buurten_give_their_published_sum_exactly(gate: Gate) -> None:
    geo = buurten(gate)
    union = shapely.union_all([geo.geometry[c] for c in DELFT])
    answer, found = run(gate, union, year=2024)

    assert (answer["level"], answer["boundary_year"]) == ("buurt", 2023)
    assert answer["overlapping_areas"] == 2
    assert answer["area"]["area_m2"] == pytest.approx(union.area, abs=0.1)
    for layer, indicator in (("population", "population"), ("households", "households"),
                             ("crimes_registered", "crimes_registered")):
        figures = published(gate, indicator, DELFT, 2024)
        assert all(status == "ok" for _, status in figures.values())
        row = found[layer]
        assert row["value"] == sum(value for value, _ in figures.values()), layer
        assert (row["status"], row["method"], row["year"]) == ("ok", "whole_areas", 2024)
        assert row["coverage"] == pytest.approx(1.0)


def test_a_share_of_whole_buurten_is_the_ratio_of_their_summed_counts(gate: Gate) -> None:
    geo = buurten(gate)
    _, found = run(gate, shapely.union_all([geo.geometry[c] for c in DELFT]), year=2024)
    old = published(gate, "population_65_plus", DELFT, 2024)
    people = published(gate, "population", DELFT, 2024)
    expected = 100 * sum(v for v, _ in old.values()) / sum(v for v, _ in people.values())
    assert found["share_65_plus"]["value"] == pytest.approx(expected)
    assert found["share_65_plus"]["method"] == "whole_areas"


def test_year_is_as_of_each_layer_takes_its_latest_figure_up_to_it(gate: Gate) -> None:
    geo = buurten(gate)
    union = shapely.union_all([geo.geometry[c] for c in DELFT])
    for year in (2022, 2023, 2025):
        _, found = run(gate, union, year=year)
        crimes = published(gate, "crimes_registered", DELFT, year)
        assert found["crimes_registered"]["year"] == year
        assert found["crimes_registered"]["value"] == sum(v for v, _ in crimes.values())


def test_half_a_buurt_is_weighted_by_its_area(gate: Gate) -> None:
    whole = buurten(gate).geometry[DELFT[0]]
    minx, miny, maxx, maxy = whole.bounds
    half = shapely.intersection(whole, shapely.box(minx, miny, (minx + maxx) / 2, maxy))
    _, found = run(gate, half, year=2024)
    (crimes, _), = published(gate, "crimes_registered", [DELFT[0]], 2024).values()
    assert found["crimes_registered"]["value"] == pytest.approx(crimes * half.area / whole.area)
    assert found["crimes_registered"]["status"] == "estimated"
    assert found["crimes_registered"]["method"] == "area_weighted"


def test_a_secret_buurt_lowers_coverage_and_is_never_read(secret_gate: Gate) -> None:
    geo = buurten(secret_gate)
    codes = sorted(geo.index[geo["wijk_code"] == WIJK])
    figures = published(secret_gate, "crimes_registered", codes, 2024)
    hidden = sorted(c for c, (_, status) in figures.items() if status == "secret")
    assert SMALL in hidden  # the store did suppress it
    shown = [c for c in codes if c not in hidden]

    # the whole wijk: too little of it is published for a count
    answer, found = run(secret_gate, shapely.union_all(list(geo.geometry[codes])), year=2024)
    area = {c: float(geo.geometry[c].area) for c in codes}
    expected = sum(area[c] for c in shown) / sum(area.values())
    assert 0.5 < expected < 0.9
    row = found["crimes_registered"]
    assert answer["overlapping_areas"] == len(codes)
    assert row["coverage"] == pytest.approx(expected, abs=1e-5)
    assert (row["value"], row["status"], row.get("reason")) == (None, "missing",
                                                                "too_little_published")


def test_with_enough_published_only_the_published_buurten_are_summed(
        secret_gate: Gate) -> None:
    """The wijk's published buurten and a strip of the hidden one: the answer is the published
    buurten' sum (the hidden 3 is not in it, nor any share of it), an estimate whose coverage
    is the published part of the area."""
    geo = buurten(secret_gate)
    codes = sorted(geo.index[geo["wijk_code"] == WIJK])
    figures = published(secret_gate, "crimes_registered", codes, 2024)
    shown = [c for c in codes if figures[c][1] == "ok"]
    assert SMALL not in shown
    small = geo.geometry[SMALL]
    minx, miny, maxx, maxy = small.bounds
    strip = shapely.intersection(small, shapely.box(minx, miny, minx + 0.3 * (maxx - minx), maxy))
    drawn = shapely.union_all([*(geo.geometry[c] for c in shown), strip])
    covered = sum(float(geo.geometry[c].area) for c in shown)
    share = covered / (covered + strip.area)
    assert 0.9 <= share < 0.99 and strip.area / small.area > 0.05

    _, found = run(secret_gate, drawn, year=2024)
    row = found["crimes_registered"]
    assert row["coverage"] == pytest.approx(share, abs=1e-5)
    assert row["value"] == sum(figures[c][0] for c in shown)
    assert (row["status"], row["method"]) == ("estimated", "area_weighted")


def den_haag_box(gate: Gate) -> shapely.Geometry:
    """A box over the middle of the Den Haag test area: parts of several 2022 buurten."""
    minx, miny, maxx, maxy = gate.areas(level="buurt", year=2022).total_bounds
    return shapely.box(minx + 0.3 * (maxx - minx), miny + 0.3 * (maxy - miny),
                       minx + 0.6 * (maxx - minx), miny + 0.6 * (maxy - miny))


def test_dwellings_are_counted_from_the_address_points_inside(gate: Gate) -> None:
    box = den_haag_box(gate)
    answer, found = run(gate, box)
    addresses = gate.addresses()
    xy = shapely.get_coordinates(addresses.geometry.to_numpy())
    inside = addresses[shapely.covers(box, shapely.points(xy))]
    homes = inside[inside["gebruiksdoel"].fillna("").str.contains("woonfunctie")
                   & inside["status"].fillna("").str.lower().isin(EXISTING)]
    assert len(homes) > 100 and answer["boundary_year"] == 2022
    assert answer["overlapping_areas"] > 1
    row = found["dwellings"]
    assert (row["value"], row["status"], row["method"], row["year"]) == (
        float(len(homes)), "ok", "points", 2022)
    known = homes["bouwjaar"].dropna()
    assert found["share_built_before_1975"]["value"] == pytest.approx(
        100 * float((known < 1975).sum()) / len(known))


def test_an_area_in_lonlat_is_the_same_area(gate: Gate) -> None:
    """The DrawnArea built from a CRS84 GeoJSON covers the same buurten as the RD polygon."""
    geo = buurten(gate)
    union = shapely.union_all([geo.geometry[c] for c in DELFT])
    doc = {"type": "Polygon", "coordinates": [[[4.3505, 52.0105], [4.3575, 52.0105],
                                               [4.3575, 52.0185], [4.3505, 52.0185],
                                               [4.3505, 52.0105]]]}
    area = area_from_geojson(doc, None, UploadLimits())
    assert area.geometry.intersects(union)
    answer = aggregate_area(gate, gate.catalog, area, year=2024)
    meets = sorted(c for c, g in geo.geometry.items()
                   if shapely.area(shapely.intersection(g, area.geometry)) > 0)
    assert answer["overlapping_areas"] == len(meets)
    assert answer["area"]["area_m2"] == pytest.approx(area.geometry.area, abs=0.1)


def test_restricted_layers_are_absent_or_empty_for_anonymous(gates: Gates, gate: Gate) -> None:
    geo = buurten(gate)
    union = shapely.union_all([geo.geometry[c] for c in DELFT])
    _, anonymous = run(gate, union, year=2024)
    assert "events_total" not in anonymous
    # even handed the full catalogue, the anonymous gate has no restricted figure to sum
    _, forced = run(gate, union, year=2024, catalog=gates.catalog)
    assert forced["events_total"]["value"] is None
    assert forced["events_total"]["status"] == "missing"

    allowed = gates.for_principal(Principal("analyst", frozenset({"ondermijning"})))
    codes = ["BU05031102", "BU05031103", "BU05031104"]  # events published for all three
    _, found = run(allowed, shapely.union_all([geo.geometry[c] for c in codes]), year=2024)
    events = published(allowed, "events_total", codes, 2024)
    assert all(status == "ok" for _, status in events.values())
    assert found["events_total"]["value"] == sum(v for v, _ in events.values())


def test_an_area_outside_every_boundary_has_no_layers(gate: Gate) -> None:
    far = shapely.box(200000, 500000, 201000, 501000)  # in Overijssel: no stored boundary
    answer, found = run(gate, far)
    assert found == {} and answer["overlapping_areas"] == 0
    assert answer["boundary_year"] is None
    assert np.isclose(answer["area"]["area_m2"], 1e6)
