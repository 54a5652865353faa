"""Point-to-area benchmark: PointIndex against geopandas.sjoin + groupby, same data, same run.

Usage: python scripts/bench_point_in_area.py [--small] [--areas N] [--points N] [--repeat N]

Data (synthetic, deterministic, EPSG:28992): a coverage of 14,500 areas over a rough outline of
the Netherlands (Voronoi cells of seeds clustered around 60 "towns" plus spread out seeds, so
town areas are small and rural ones large, like buurten). Every Voronoi edge is split into 26
pieces and all vertices are moved by one smooth displacement field, so neighbours share their
(wiggly) edges exactly and each area has about 160 vertices. 8,000,000 points: three quarters
around the towns, a quarter spread over the whole frame (some fall in the "sea": no area).

Each side runs in its own fresh Python process, so its peak memory is its own (the process's
high-water resident size, VmHWM: what ``ru_maxrss`` reports for a process that was not forked
from a big parent). The child also reports it after importing its libraries and loading the
inputs, so "above inputs" is what the method itself added. Timed: for PointIndex,
``counts(x, y)`` (assignment and per-area count); for sjoin, building the point geometries
(sjoin cannot start without them), ``sjoin(predicate="within")`` and ``groupby().size()``. The
index build (PointIndex) and the areas' STRtree (sjoin) are timed separately.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

SEED = 28992
OUTLINE = np.array([
    (12, 375), (30, 390), (55, 410), (67, 444), (78, 456), (100, 497), (110, 540), (112, 553),
    (120, 575), (157, 578), (210, 605), (255, 608), (275, 578), (265, 540), (255, 525),
    (265, 470), (245, 440), (205, 428), (210, 375), (202, 355), (205, 310), (178, 308),
    (175, 335), (160, 365), (120, 380), (80, 380), (70, 365), (30, 360),
]) * 1000.0  # km → RD New metres, roughly the Dutch border and coast
FRAME = (0.0, 300_000.0, 290_000.0, 625_000.0)
TOWNS = 60
PIECES_PER_EDGE = 26


# -- data --------------------------------------------------------------------------------------


def _uniform_in(poly: shapely.Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    out: list[np.ndarray] = []
    xmin, ymin, xmax, ymax = poly.bounds
    while sum(len(o) for o in out) < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), (n, 2))
        out.append(xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])])
    return np.concatenate(out)[:n]


def _towns(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Town centres, their spread (m) and their weights (a Zipf-like size distribution)."""
    centres = _uniform_in(shapely.Polygon(OUTLINE), TOWNS, rng)
    sigma = rng.uniform(1_500, 5_000, TOWNS)
    weight = 1 / np.arange(1, TOWNS + 1) ** 0.9
    return centres, sigma, weight / weight.sum()


def _around_towns(n: int, rng: np.random.Generator, towns: tuple[np.ndarray, ...],
                  inside: shapely.Polygon | None) -> np.ndarray:
    centres, sigma, weight = towns
    out: list[np.ndarray] = []
    while sum(len(o) for o in out) < n:
        k = rng.choice(TOWNS, n, p=weight)
        xy = centres[k] + rng.normal(size=(n, 2)) * sigma[k, None]
        out.append(xy if inside is None else xy[shapely.contains_xy(inside, *xy.T)])
    return np.concatenate(out)[:n]


def _wiggle(xy: np.ndarray) -> np.ndarray:
    """A smooth displacement (≤ 66 m, gentle enough to keep every polygon valid)."""
    x, y = xy[:, 0], xy[:, 1]
    dx = 60 * np.sin(2 * np.pi * y / 2300 + 1.0) + 6 * np.sin(2 * np.pi * (x + y) / 260 + 0.3)
    dy = 60 * np.sin(2 * np.pi * x / 2700 + 2.0) + 6 * np.sin(2 * np.pi * (x - y) / 310 + 1.7)
    return np.column_stack([x + dx, y + dy])


def make_coverage(n_areas: int, rng: np.random.Generator,
                  towns: tuple[np.ndarray, ...]) -> np.ndarray:
    """A clean coverage of ``n_areas`` wiggly polygons of about 160 vertices each."""
    land = shapely.Polygon(OUTLINE)
    frame = shapely.box(*FRAME)
    clustered = int(n_areas * 0.55)
    seeds = np.concatenate([
        _around_towns(clustered, rng, towns, land),
        _uniform_in(land, n_areas - clustered, rng),
        _uniform_in(shapely.difference(frame, land), max(n_areas // 10, 20), rng),  # sea
    ])
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=frame, ordered=True))
    # one shared network of edges, split evenly and polygonised again: neighbours share the
    # very same vertices, so moving every vertex by one field keeps the coverage clean
    edges = shapely.get_parts(shapely.line_merge(shapely.unary_union(shapely.boundary(cells))))
    edges = shapely.segmentize(edges, shapely.length(edges) / PIECES_PER_EDGE)
    polygons = shapely.get_parts(shapely.polygonize(edges))
    seed_of, polygon = shapely.STRtree(polygons).query(
        shapely.points(seeds[:n_areas]), predicate="within")
    if len(np.unique(polygon)) != n_areas:
        raise RuntimeError("coverage generation lost an area; change the seed")
    areas = np.empty(n_areas, dtype=object)
    areas[seed_of] = polygons[polygon]
    return shapely.transform(areas, _wiggle)


def make_points(n_points: int, rng: np.random.Generator,
                towns: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    near = _around_towns(n_points * 3 // 4, rng, towns, None)
    spread = rng.uniform(FRAME[:2], FRAME[2:], (n_points - len(near), 2))
    xy = rng.permutation(np.concatenate([near, spread]))
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])


def save_areas(path: Path, areas: np.ndarray) -> None:
    """WKB in one byte array plus offsets: plain .npy files, no pickle."""
    wkb = shapely.to_wkb(areas)
    sizes = np.array([len(b) for b in wkb])
    np.save(path / "wkb.npy", np.frombuffer(b"".join(wkb), dtype=np.uint8))
    np.save(path / "wkb_offsets.npy", np.concatenate([[0], np.cumsum(sizes)]))


def load_areas(path: Path) -> np.ndarray:
    data = np.load(path / "wkb.npy").tobytes()
    off = np.load(path / "wkb_offsets.npy")
    return shapely.from_wkb([data[a:b] for a, b in itertools.pairwise(off)])


# -- the two sides, each in its own process ------------------------------------------------------


def _rss_mb() -> float:
    """Peak resident memory of this process image so far, in MB.

    ``/proc/self/status`` VmHWM, because on Linux ``ru_maxrss`` of a child started by
    fork + exec starts from the parent's resident size at the fork (it would charge the data
    generation of the parent to both sides); ``ru_maxrss`` only where /proc is missing.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_engine(path: Path, repeat: int) -> dict[str, Any]:
    from geoinsight.spatial.points import PointIndex

    areas = load_areas(path)
    x, y = np.load(path / "x.npy"), np.load(path / "y.npy")
    base = _rss_mb()
    start = time.perf_counter()
    index = PointIndex(areas)
    build = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        counts = index.counts(x, y)
        runs.append(time.perf_counter() - start)
    peak = _rss_mb()
    np.save(path / "counts_engine.npy", counts)
    np.save(path / "assign_engine.npy", index.assign(x, y))  # after the peak was read
    return {"build": build, "runs": runs, "base_mb": base, "peak_mb": peak,
            "index_mb": index.nbytes / 2**20, "cell_size": index.cell_size}


def run_sjoin(path: Path, repeat: int) -> dict[str, Any]:
    import geopandas as gpd

    areas = load_areas(path)
    x, y = np.load(path / "x.npy"), np.load(path / "y.npy")
    base = _rss_mb()
    start = time.perf_counter()
    polygons = gpd.GeoDataFrame(geometry=gpd.GeoSeries(areas, crs=28992))
    polygons.sindex.query(shapely.Point(0, 0))  # builds the STRtree sjoin will use
    build = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        joined = None
        start = time.perf_counter()
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=28992)
        joined = gpd.sjoin(points, polygons, predicate="within")
        size = joined.groupby("index_right").size()
        counts = size.reindex(range(len(areas)), fill_value=0).to_numpy()
        runs.append(time.perf_counter() - start)
        del points
    peak = _rss_mb()
    np.save(path / "counts_sjoin.npy", counts)
    assert joined is not None
    found = np.full(len(x), -1, np.int64)
    found[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    np.save(path / "assign_sjoin.npy", found)
    return {"build": build, "runs": runs, "base_mb": base, "peak_mb": peak}


# -- driver ------------------------------------------------------------------------------------


def child(side: str, path: Path, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", side, "--dir", str(path), "--repeat", str(repeat)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1,450 areas, 800,000 points")
    parser.add_argument("--areas", type=int, default=None)
    parser.add_argument("--points", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per side (best kept)")
    parser.add_argument("--child", choices=["engine", "sjoin"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = run_engine if args.child == "engine" else run_sjoin
        print(json.dumps(run(args.dir, args.repeat)))
        return

    n_areas = args.areas or (1_450 if args.small else 14_500)
    n_points = args.points or (800_000 if args.small else 8_000_000)
    with tempfile.TemporaryDirectory(prefix="bench_pia_") as tmp:
        path = Path(tmp)
        start = time.perf_counter()
        rng = np.random.default_rng(SEED)
        towns = _towns(rng)
        areas = make_coverage(n_areas, rng, towns)
        x, y = make_points(n_points, rng, towns)
        save_areas(path, areas)
        np.save(path / "x.npy", x)
        np.save(path / "y.npy", y)
        vertices = shapely.get_num_coordinates(areas)
        side = np.sqrt(shapely.area(areas))
        print(f"data: {n_areas:,} areas (vertices mean {vertices.mean():.0f}, median "
              f"{np.median(vertices):.0f}; side median {np.median(side):.0f} m, 5-95 % "
              f"{np.percentile(side, 5):.0f}-{np.percentile(side, 95):.0f} m; clean coverage: "
              f"{shapely.coverage_is_valid(areas)}), {n_points:,} points; "
              f"made in {time.perf_counter() - start:.1f} s")
        del areas, x, y

        engine = child("engine", path, args.repeat)
        sjoin = child("sjoin", path, args.repeat)
        same_counts = np.array_equal(np.load(path / "counts_engine.npy"),
                                     np.load(path / "counts_sjoin.npy"))
        a, b = np.load(path / "assign_engine.npy"), np.load(path / "assign_sjoin.npy")
        same_points = int((a == b).sum())
        outside = int((a < 0).sum())

    t_engine, t_sjoin = min(engine["runs"]), min(sjoin["runs"])
    rows = [
        ("index build", f"{engine['build']:.2f} s (cell {engine['cell_size']:.1f} m, "
         f"{engine['index_mb']:.0f} MB)", f"{sjoin['build']:.2f} s (STRtree of the areas)"),
        (f"assign + count {n_points:,} points", f"{t_engine:.2f} s", f"{t_sjoin:.2f} s"),
        ("speed-up", f"**{t_sjoin / t_engine:.1f}×**", ""),
        ("peak memory (VmHWM of its process)", f"{engine['peak_mb']:,.0f} MB",
         f"{sjoin['peak_mb']:,.0f} MB"),
        ("above the loaded inputs", f"{engine['peak_mb'] - engine['base_mb']:,.0f} MB",
         f"{sjoin['peak_mb'] - sjoin['base_mb']:,.0f} MB"),
        ("per-area counts identical", "yes" if same_counts else "**NO**", ""),
        ("per-point areas identical", f"{same_points:,} of {n_points:,} "
         f"({outside:,} outside every area)", ""),
    ]
    if args.repeat > 1:
        rows.insert(2, ("all timed runs", ", ".join(f"{t:.2f}" for t in engine["runs"]),
                        ", ".join(f"{t:.2f}" for t in sjoin["runs"])))
    print()
    print("| | PointIndex | geopandas.sjoin + groupby |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if not same_counts:
        sys.exit(1)


if __name__ == "__main__":
    main()
