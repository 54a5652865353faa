"""Benchmark: drawing map tiles of a national-size raster, from the file ``ingest raster`` keeps
(a Cloud-Optimised GeoTIFF with overviews) against the obvious alternative, the uploaded GeoTIFF
as it is (tiled, DEFLATE, no overviews).

The raster is the one of ``bench_zonal.py``: 10,000 × 12,000 float32 cells over the extent of
14,500 synthetic buurten (about the Netherlands' size). Both sides draw the same tiles with the
same code (:func:`geoinsight.render.raster_tiles.render_tile`: rio-tiler, the legend's colour
ramp, nodata transparent), at zoom 6 (the country in two tiles), 8 (a province per tile), 11 (a
gemeente) and 14 (a few buurten), at random places inside the raster, each tile once (as a
cold answer cache sees them).
Printed per zoom: the median and 95th percentile time per tile, and the ratio.

Usage: python scripts/bench_raster_tiles.py [--tiles 30] [--width 10000] [--height 12000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_zonal import CACHE, make_inputs  # noqa: E402

ZOOMS = (6, 8, 11, 14)


def tiles_inside(bounds: tuple[float, float, float, float], zoom: int, n: int,
                 seed: int) -> list[tuple[int, int, int]]:
    """Up to ``n`` distinct tiles of ``zoom`` that hold a random point of ``bounds`` (WGS84);
    fewer where the raster spans fewer tiles (at zoom 8 the country is about a dozen)."""
    west, south, east, north = bounds
    rng = np.random.default_rng(seed)
    found: set[tuple[int, int, int]] = set()
    for _ in range(n * 50):
        lon = rng.uniform(west, east)
        lat = rng.uniform(south, north)
        x = int((lon + 180) / 360 * 2 ** zoom)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** zoom)
        found.add((zoom, x, y))
        if len(found) == n:
            break
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=30)
    parser.add_argument("--width", type=int, default=10_000)
    parser.add_argument("--height", type=int, default=12_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="The dataset has no Overviews")

    from geoinsight.ingest.rasters import keep
    from geoinsight.render.raster_tiles import Ramp, render_tile
    from geoinsight.sources.raster import read_raster

    _, original = make_inputs(14_500, args.width, args.height)
    cog = CACHE / f"{original.stem}.cog.tif"
    start = time.perf_counter()
    made = keep(original, cog)
    took = f", written in {time.perf_counter() - start:.1f} s" if made else " (made before)"
    print(f"raster {original.name}: {original.stat().st_size / 1e6:.0f} MB; COG "
          f"{cog.stat().st_size / 1e6:.0f} MB{took}")
    info = read_raster(original)
    ramp = Ramp("YlOrRd", info.minimum, info.maximum)
    print(f"{'zoom':>4}  {'side':<22} {'tiles':>5} {'median ms':>10} {'p95 ms':>8}  ratio")
    for zoom in ZOOMS:
        tiles = tiles_inside(info.bounds_wgs84, zoom, args.tiles, seed=zoom)
        results = {}
        for side, path in (("GeoInsight (kept COG)", cog), ("uploaded GeoTIFF", original)):
            times = []
            for z, x, y in tiles:
                start = time.perf_counter()
                render_tile(path, 1, ramp, z, x, y)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            results[side] = (statistics.median(times), times[int(0.95 * (len(times) - 1))],
                             len(times))
        ours = results["GeoInsight (kept COG)"][0]
        for side, (median, p95, count) in results.items():
            ratio = median / ours if ours else float("nan")
            print(f"{zoom:>4}  {side:<22} {count:>5} {median:>10.1f} {p95:>8.1f}  {ratio:.2f}×",
                  flush=True)


if __name__ == "__main__":
    main()
