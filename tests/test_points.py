"""PointIndex against geopandas.sjoin(predicate="within") and against its own boundary rule.

Two properties are checked for every probe point:

- the rule: ``assign`` gives the lowest position among the areas whose closed polygon covers
  the point (``shapely.intersects_xy``), ``-1`` for none; this holds for boundary points too;
- sjoin: for every point not on an area boundary, ``assign`` gives the area sjoin gives
  (its lowest match where overlapping areas give several).

Probe points include random points, every vertex, points interpolated along the edges and the
corners of the index's own grid, so cells cut by boundaries and points on cell lines are hit.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoinsight import PROJECT_ROOT
from geoinsight.spatial.points import PointIndex

TEST_DATA = Path(__file__).parent / "data"
DENHAAG = PROJECT_ROOT.parent / "shared" / "data" / "real" / "denhaag_lv_testgebied_bag_2022.gpkg"
RD = (155_000.0, 463_000.0)  # Amersfoort, the origin of EPSG:28992's false easting/northing

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- helpers ---------------------------------------------------------------------------------


def lowest_cover(areas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The documented rule, by brute force."""
    cover = shapely.intersects_xy(areas[np.newaxis, :], x[:, np.newaxis], y[:, np.newaxis])
    return np.where(cover.any(axis=1), cover.argmax(axis=1), -1)


def sjoin_within(areas: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area position per point from sjoin (-1 if none) and how many areas sjoin matched."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=28992)
    polygons = gpd.GeoDataFrame(geometry=gpd.GeoSeries(areas, crs=28992))
    joined = gpd.sjoin(points, polygons, predicate="within")
    left = joined.index.to_numpy()
    none = np.iinfo(np.int64).max
    found = np.full(len(x), none)
    np.minimum.at(found, left, joined["index_right"].to_numpy())
    found[found == none] = -1
    return found, np.bincount(left, minlength=len(x))


def probe_points(
    rng: np.random.Generator, areas: np.ndarray, n: int, index: PointIndex | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Random points around the areas, plus points on vertices, edges and grid lines."""
    present = areas[~shapely.is_empty(areas) & ~shapely.is_missing(areas)]
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    pad = 0.05 * max(xmax - xmin, ymax - ymin)
    xs = [rng.uniform(xmin - pad, xmax + pad, n)]
    ys = [rng.uniform(ymin - pad, ymax + pad, n)]
    vertices = shapely.get_coordinates(present)
    pick = rng.choice(len(vertices), min(n // 4, len(vertices)), replace=False)
    xs.append(vertices[pick, 0])
    ys.append(vertices[pick, 1])
    rings = shapely.get_rings(shapely.get_parts(present))
    on_edge = shapely.get_coordinates(shapely.line_interpolate_point(
        rings[rng.integers(0, len(rings), n // 4)], rng.uniform(0, 1, n // 4), normalized=True))
    xs.append(on_edge[:, 0])
    ys.append(on_edge[:, 1])
    if index is not None and index.cell_size > 0:  # grid corners: xmin and ymax are its origin
        f = index.cell_size
        i = rng.integers(0, int((xmax - xmin) / f) + 2, n // 4)
        j = rng.integers(0, int((ymax - ymin) / f) + 2, n // 4)
        xs.append(xmin + i * f)
        ys.append(ymax - j * f)
    return np.concatenate(xs), np.concatenate(ys)


def check(index: PointIndex, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Assert the rule for every point and sjoin agreement where sjoin has one answer."""
    got = index.assign(x, y)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, lowest_cover(index.areas, x, y))
    found, matches = sjoin_within(index.areas, x, y)
    boundaries = shapely.boundary(index.areas)
    on_boundary = shapely.intersects_xy(boundaries[np.newaxis, :], x[:, np.newaxis],
                                        y[:, np.newaxis]).any(axis=1)
    assert (matches[~on_boundary] <= 1).all() or not shapely.coverage_is_valid(index.areas)
    np.testing.assert_array_equal(got[~on_boundary], found[~on_boundary])
    # the points placed here but not by sjoin are boundary points: not inside their area
    extra = np.flatnonzero((matches == 0) & (got >= 0))
    assert not shapely.contains_xy(index.areas[got[extra]], x[extra], y[extra]).any()
    counts = index.counts(x, y)
    np.testing.assert_array_equal(counts, np.bincount(got[got >= 0], minlength=index.n_areas))
    return got


def voronoi_coverage(rng: np.random.Generator, n: int, size: float, origin: tuple[float, float],
                     drop: float) -> np.ndarray:
    """Voronoi cells clipped to a square, shuffled, some dropped (gaps and outer edges)."""
    frame = shapely.box(origin[0], origin[1], origin[0] + size, origin[1] + size)
    seeds = shapely.multipoints(rng.uniform(0, size, (n, 2)) + origin)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    cells = cells[~shapely.is_empty(cells)]
    keep = rng.uniform(0, 1, len(cells)) >= drop
    keep[rng.integers(0, len(cells))] = True
    return rng.permutation(cells[keep])


def jittered_grid(rng: np.random.Generator, nx: int, ny: int, size: float,
                  origin: tuple[float, float]) -> np.ndarray:
    """A grid of quadrilaterals sharing jittered vertices exactly (a clean coverage).

    Two random cells are merged into a MultiPolygon area and one cell gets a hole holding an
    island area, so multipolygons, holes and islands are always present.
    """
    jitter = rng.uniform(-size / 5, size / 5, (nx + 1, ny + 1, 2))
    jitter[0, :, 0] = jitter[-1, :, 0] = jitter[:, 0, 1] = jitter[:, -1, 1] = 0
    gx, gy = np.meshgrid(np.arange(nx + 1) * size, np.arange(ny + 1) * size, indexing="ij")
    v = np.stack([gx, gy], axis=-1) + jitter + origin
    quads = [shapely.Polygon([v[i, j], v[i + 1, j], v[i + 1, j + 1], v[i, j + 1]])
             for i in range(nx) for j in range(ny)]
    areas = list(quads)
    if len(areas) >= 3:
        a, b = rng.choice(len(areas), 2, replace=False)
        areas[a] = shapely.MultiPolygon([quads[a], quads[b]])
        del areas[b]
    host = int(rng.integers(0, len(areas)))
    centre = shapely.get_coordinates(shapely.centroid(areas[host]))[0]
    island = shapely.buffer(shapely.Point(centre), size / 20, quad_segs=4)
    if shapely.contains(areas[host], island):
        areas[host] = shapely.difference(areas[host], island)
        areas.append(island)
    return rng.permutation(np.array(areas, dtype=object))


# -- properties ------------------------------------------------------------------------------


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    drop=st.sampled_from([0.0, 0.2]),
    far=st.booleans(),
    cell=st.sampled_from([None, 0.01, 0.1, 0.5, 3.0]),
)
def test_voronoi_coverage_matches_sjoin(seed: int, n: int, drop: float, far: bool,
                                        cell: float | None) -> None:
    rng = np.random.default_rng(seed)
    areas = voronoi_coverage(rng, n, 2_000.0, RD if far else (0.0, 0.0), drop)
    side = math.sqrt(float(np.median(shapely.area(areas))))
    index = PointIndex(areas, cell_size=None if cell is None else cell * side)
    check(index, *probe_points(rng, areas, 400, index))


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    nx=st.integers(1, 7),
    ny=st.integers(1, 7),
    cell=st.sampled_from([None, 0.03, 0.25, 1.0]),
    densify=st.booleans(),
)
def test_jittered_grid_matches_sjoin(seed: int, nx: int, ny: int, cell: float | None,
                                     densify: bool) -> None:
    rng = np.random.default_rng(seed)
    areas = jittered_grid(rng, nx, ny, 300.0, RD)
    if densify:  # many vertices per edge, shared exactly because the grid edges are straight
        areas = shapely.segmentize(areas, 17.0)
    index = PointIndex(areas, cell_size=None if cell is None else cell * 300.0)
    x, y = probe_points(rng, areas, 400, index)
    got = check(index, x, y)
    # a jittered grid has no gaps: every point on a boundary gets exactly one area
    on_boundary = shapely.intersects_xy(shapely.boundary(areas)[np.newaxis, :],
                                        x[:, np.newaxis], y[:, np.newaxis]).any(axis=1)
    assert on_boundary.sum() > 0
    assert (got[on_boundary] >= 0).all()


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 12))
def test_overlapping_areas_go_to_the_lowest_position(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 1_000, (n, 2)) + RD
    areas = shapely.buffer(shapely.points(centres), rng.uniform(50, 400, n), quad_segs=6)
    index = PointIndex(areas)
    check(index, *probe_points(rng, areas, 400, index))


# -- real data -------------------------------------------------------------------------------


def test_ermelo_buurten_identical_to_sjoin() -> None:
    areas = gpd.read_file(TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg").geometry
    assert len(areas) == 17 and areas.crs.to_epsg() == 28992
    index = PointIndex(areas)
    rng = np.random.default_rng(2021)
    xmin, ymin, xmax, ymax = areas.total_bounds
    x, y = rng.uniform(xmin, xmax, 20_000), rng.uniform(ymin, ymax, 20_000)
    got = index.assign(x, y)
    found, matches = sjoin_within(index.areas, x, y)
    assert (matches <= 1).all()
    np.testing.assert_array_equal(got, found)
    assert (got >= 0).sum() > 10_000
    check(index, *probe_points(rng, index.areas, 2_000, index))


@pytest.mark.skipif(not DENHAAG.is_file(), reason="shared/data/real not beside the repo")
def test_denhaag_bag_addresses_all_assigned_identical_to_sjoin() -> None:
    buurten = gpd.read_file(DENHAAG, layer="buurten_2022").geometry
    points = gpd.read_file(DENHAAG, layer="verblijfsobjecten").geometry
    assert len(buurten) == 14 and len(points) == 31_293
    index = PointIndex(buurten)
    got = index.assign(points.x.to_numpy(), points.y.to_numpy())
    assert (got >= 0).all()
    found, matches = sjoin_within(index.areas, points.x.to_numpy(), points.y.to_numpy())
    assert (matches == 1).all()
    np.testing.assert_array_equal(got, found)
    counts = index.counts(points.x, points.y)
    assert counts.sum() == 31_293
    np.testing.assert_array_equal(counts, np.bincount(found, minlength=14))


# -- edge cases ------------------------------------------------------------------------------


def square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def test_point_in_a_hole_is_outside_unless_an_island_fills_it() -> None:
    donut = shapely.difference(square(0, 0, 100), square(40, 40, 20))
    index = PointIndex(np.array([donut]))
    np.testing.assert_array_equal(index.assign([50, 10, 40], [50, 10, 50]), [-1, 0, 0])
    with_island = PointIndex(np.array([donut, square(40, 40, 20)]))
    # inside the island; on the hole's edge (both cover it: lowest position, the donut)
    np.testing.assert_array_equal(with_island.assign([50, 10, 40], [50, 10, 50]), [1, 0, 0])
    island_first = PointIndex(np.array([square(40, 40, 20), donut]))
    np.testing.assert_array_equal(island_first.assign([50, 40], [50, 50]), [0, 0])


def test_multipolygon_parts_all_count() -> None:
    multi = shapely.MultiPolygon([square(0, 0, 10), square(1_000, 1_000, 10)])
    index = PointIndex(np.array([square(500, 500, 10), multi]))
    np.testing.assert_array_equal(index.assign([5, 1_005, 505, 300], [5, 1_005, 505, 300]),
                                  [1, 1, 0, -1])


def test_shared_edge_and_outer_edge() -> None:
    left, right = square(0, 0, 10), square(10, 0, 10)
    index = PointIndex(np.array([right, left]))
    # shared edge x=10 -> lowest position (right, 0); outer edges belong to their area
    np.testing.assert_array_equal(index.assign([10, 10, 0, 20, 5, 20.000001], [5, 0, 5, 10, 10, 5]),
                                  [0, 0, 1, 0, 1, -1])


def test_nan_and_infinite_coordinates_are_outside() -> None:
    index = PointIndex(np.array([square(0, 0, 10)]))
    x = np.array([np.nan, 5, np.inf, -np.inf, 5])
    y = np.array([5, np.nan, 5, 5, 5])
    np.testing.assert_array_equal(index.assign(x, y), [-1, -1, -1, -1, 0])
    np.testing.assert_array_equal(index.counts(x, y), [1])


def test_empty_inputs() -> None:
    none = PointIndex(np.array([], dtype=object))
    assert none.n_areas == 0
    np.testing.assert_array_equal(none.assign([1.0, 2.0], [1.0, 2.0]), [-1, -1])
    assert none.counts([1.0], [1.0]).shape == (0,)
    index = PointIndex(gpd.GeoSeries([square(0, 0, 10)]))
    assert index.assign([], []).shape == (0,)
    np.testing.assert_array_equal(index.counts([], []), [0])


def test_single_area_and_shapes_are_kept() -> None:
    index = PointIndex(gpd.GeoSeries([square(RD[0], RD[1], 250)], crs=28992))
    x = np.full((2, 3), RD[0] + 1.0)
    x[1, 2] = RD[0] - 1.0
    got = index.assign(x, np.full((2, 3), RD[1] + 1.0))
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got, [[0, 0, 0], [0, 0, -1]])
    assert index.assign(RD[0] + 5.0, RD[1] + 5.0) == 0


def test_areas_far_apart_keep_the_index_small() -> None:
    areas = np.array([square(10_000, 300_000, 100), square(280_000, 620_000, 100),
                      square(150_000, 450_000, 30)])
    index = PointIndex(areas)
    assert index.nbytes < 64 * 2**20
    rng = np.random.default_rng(7)
    check(index, *probe_points(rng, areas, 2_000, index))
    np.testing.assert_array_equal(index.assign([10_050, 280_050, 150_015, 100_000],
                                               [300_050, 620_050, 450_015, 400_000]),
                                  [0, 1, 2, -1])


def test_none_empty_and_invalid_geometries() -> None:
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # self-intersecting
    assert not bowtie.is_valid
    areas = np.array([None, shapely.Polygon(), bowtie, shapely.LineString([(0, 0), (5, 5)]),
                      square(20, 0, 10)], dtype=object)
    index = PointIndex(areas)
    assert index.n_areas == 5
    assert shapely.is_valid(index.areas).all()
    assert shapely.is_empty(index.areas[[0, 1, 3]]).all()
    # repaired into two triangles: right one, the gap between them, the square, the left one,
    # and a point on the repaired edge
    got = index.assign([8, 5, 25, 2, 2.5], [5, 8, 5, 5, 2.5])
    np.testing.assert_array_equal(got, [2, -1, 4, 2, 2])
    rng = np.random.default_rng(3)
    check(index, *probe_points(rng, index.areas, 500, index))


def test_duplicate_and_nested_areas() -> None:
    big, small = square(0, 0, 1_000), square(100, 100, 50)
    index = PointIndex(np.array([small, big, big]))
    np.testing.assert_array_equal(index.assign([120, 500, 100], [120, 500, 100]), [0, 1, 0])
    check(index, *probe_points(np.random.default_rng(5), index.areas, 1_000, index))


def test_counts_with_weights() -> None:
    index = PointIndex(np.array([square(0, 0, 10), square(10, 0, 10)]))
    x, y = np.array([1, 2, 15, 30]), np.array([1, 2, 5, 5])
    np.testing.assert_array_equal(index.counts(x, y), [2, 1])
    np.testing.assert_allclose(index.counts(x, y, weights=[0.5, 1.5, 2.0, 9.0]), [2.0, 2.0])


def test_bad_cell_size_is_refused() -> None:
    with pytest.raises(ValueError, match="cell_size"):
        PointIndex(np.array([square(0, 0, 10)]), cell_size=0.0)
    with pytest.raises(ValueError, match="cell_size"):
        PointIndex(np.array([square(0, 0, 10)]), cell_size=float("nan"))
