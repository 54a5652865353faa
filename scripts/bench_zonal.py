"""Zonal statistics: ``geoinsight.spatial.zonal`` against ``rasterstats.zonal_stats`` and
``exactextract`` called directly, on the same polygons and raster, in one run.

Polygons: the synthetic national buurten of ``bench_export.py`` (default 14,500, ~157 vertices
each, EPSG:28992). Raster: ``--width`` × ``--height`` float32 cells (default 10,000 × 12,000)
over their extent: a smooth field with noise and 1 % nodata blocks (nodata -9999), tiled
512 × 512 and DEFLATE-compressed as a COG is. Both are made once and kept under
``$TMPDIR/geoinsight-bench``.

Each side runs in its own Python process, so its peak resident memory (``VmHWM``) is its own;
"above imports" subtracts the high-water mark after importing the libraries. Sides:

- ``geoinsight``: :func:`zonal_statistics` with mean, min and max (and the coverage, from
  exactextract's ``count``); ``geoinsight, all statistics`` adds p10, p50, p90 and one share
  above a threshold, as an ingest computes them;
- ``exactextract``: ``exact_extract(raster, polygons, ["mean", "min", "max"])``, the same
  fractional cell weights;
- ``rasterstats``: ``zonal_stats(polygons, raster, stats="mean min max")``, cells whose centre
  lies inside (its default ``all_touched=False``), the whole window of each polygon in memory.

Printed: time, peak memory, the ratio to GeoInsight, and the largest difference in means
against GeoInsight's.

rasterstats is not a dependency of GeoInsight: ``pip install rasterstats`` first.

Usage: python scripts/bench_zonal.py [--polygons 14500] [--width 10000] [--height 12000]
                                     [--sides geoinsight exactextract …]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_export import CACHE, _hwm_mb, synthetic_buurten  # noqa: E402

NODATA = -9999.0
SIDES = ("geoinsight", "geoinsight, all statistics", "exactextract", "rasterstats")


def make_inputs(polygons: int, width: int, height: int) -> tuple[Path, Path]:
    """The polygons (GeoPackage) and the raster (GeoTIFF), made once per size."""
    import rasterio
    from rasterio.transform import from_bounds
    from rasterio.windows import Window

    CACHE.mkdir(parents=True, exist_ok=True)
    vectors = CACHE / f"zonal-buurten-{polygons}.gpkg"
    if not vectors.exists():
        frame = synthetic_buurten(polygons)[["BU_CODE", "geometry"]]
        frame.rename(columns={"BU_CODE": "code"}).to_file(vectors, driver="GPKG")
    raster = CACHE / f"zonal-{polygons}-{width}x{height}.tif"
    if raster.exists():
        return vectors, raster
    import pyogrio

    bounds = pyogrio.read_info(vectors)["total_bounds"]
    transform = from_bounds(*bounds, width, height)
    rng = np.random.default_rng(13)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "float32", "crs": "EPSG:28992", "transform": transform,
               "nodata": NODATA, "tiled": True, "blockxsize": 512, "blockysize": 512,
               "compress": "deflate", "predictor": 3, "BIGTIFF": "IF_SAFER"}
    partial = raster.with_suffix(".part.tif")
    with rasterio.open(partial, "w", **profile) as out:
        for top in range(0, height, 512):
            rows = min(512, height - top)
            r, c = np.mgrid[top:top + rows, 0:width].astype("float32")
            block = (25 + 10 * np.sin(r / 700) * np.cos(c / 900) + 0.001 * c
                     + rng.normal(0, 1.5, (rows, width))).astype("float32")
            holes = rng.random((rows // 64 + 1, width // 64 + 1)) < 0.01
            block[np.kron(holes, np.ones((64, 64), bool))[:rows, :width]] = NODATA
            out.write(block, 1, window=Window(0, top, width, rows))
    partial.rename(raster)
    return vectors, raster


def run_side(side: str, vectors: Path, raster: Path) -> dict[str, Any]:
    import geopandas as gpd

    if side.startswith("geoinsight"):
        from geoinsight.sources.raster import read_raster
        from geoinsight.spatial.zonal import zonal_statistics
    elif side == "exactextract":
        from exactextract import exact_extract
    else:
        from rasterstats import zonal_stats
    areas = gpd.read_file(vectors)
    base = _hwm_mb()
    scan = 0.0
    if side.startswith("geoinsight"):  # the checks and range scan an ingest makes first
        start = time.perf_counter()
        info = read_raster(raster)
        scan = time.perf_counter() - start
    start = time.perf_counter()
    if side == "geoinsight":
        found = zonal_statistics(info, areas, statistics=("mean", "min", "max"))
        means = found["mean"].to_numpy()
    elif side.startswith("geoinsight"):
        found = zonal_statistics(info, areas, above=[30.0])
        means = found["mean"].to_numpy()
    elif side == "exactextract":
        found = exact_extract(str(raster), areas, ["mean", "min", "max"], output="pandas")
        means = found["mean"].to_numpy()
    else:
        stats = zonal_stats(areas, str(raster), stats="mean min max", nodata=NODATA)
        means = np.array([np.nan if s["mean"] is None else s["mean"] for s in stats])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "scan_seconds": scan, "peak_mb": _hwm_mb(),
            "above_imports_mb": _hwm_mb() - base,
            "means": [None if np.isnan(m) else float(m) for m in means]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polygons", type=int, default=14_500)
    parser.add_argument("--width", type=int, default=10_000)
    parser.add_argument("--height", type=int, default=12_000)
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES),
                        help="the sides to run (default: all; geoinsight always runs)")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(run_side(args.side, *args.inputs)))
        return
    started = time.perf_counter()
    vectors, raster = make_inputs(args.polygons, args.width, args.height)
    print(f"inputs: {args.polygons:,} polygons, {args.width:,} × {args.height:,} float32 "
          f"({raster.stat().st_size / 2**20:,.0f} MB on disk) "
          f"ready in {time.perf_counter() - started:.0f} s")
    results = {}
    for side in dict.fromkeys(["geoinsight", *args.sides]):  # the reference always runs
        done = subprocess.run([sys.executable, __file__, "--side", side, "--inputs",
                               str(vectors), str(raster)], capture_output=True, text=True,
                              check=True)
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    ours = np.array([np.nan if m is None else m for m in results["geoinsight"]["means"]])
    print(f"checks and range scan before GeoInsight's statistics (read_raster): "
          f"{results['geoinsight']['scan_seconds']:.1f} s, not in the times below")
    print("| side | time s | peak MB | above imports MB | time vs geoinsight "
          "| largest difference in means vs geoinsight |")
    print("|---|---:|---:|---:|---:|---:|")
    for side, found in results.items():
        theirs = np.array([np.nan if m is None else m for m in found["means"]])
        both = ~np.isnan(ours) & ~np.isnan(theirs)
        diff = float(np.abs(ours[both] - theirs[both]).max()) if both.any() else float("nan")
        print(f"| {side} | {found['seconds']:.1f} | {found['peak_mb']:,.0f} | "
              f"{found['above_imports_mb']:,.0f} | "
              f"{found['seconds'] / results['geoinsight']['seconds']:.2f}× | {diff:.4g} |")


if __name__ == "__main__":
    main()
