"""Where a raster has data: the cost of its footprint at national scale, against the bounding
rectangle it replaced, in one run.

The raster and polygons are those of ``bench_zonal.py`` (14,500 synthetic national buurten,
10,000 × 12,000 float32 cells with 1 % nodata blocks; made once under
``$TMPDIR/geoinsight-bench``). Printed:

- the check-and-range scan every ``ingest raster`` makes (``read_raster``), with the footprint
  traced in it and without (the footprint replaced by a no-op), and the ratio;
- the share of each polygon inside the footprint (exact weights, exactextract over the footprint
  grid) against the share inside the bounding rectangle (shapely intersections), and the ratio;
- the footprint's grid and its size as kept in the store.

Usage: python scripts/bench_raster_footprint.py [--polygons 14500] [--width 10000]
                                                [--height 12000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_zonal import make_inputs  # noqa: E402

from geoinsight.ingest.rasters import within_share  # noqa: E402
from geoinsight.sources import raster as rasters  # noqa: E402


class _NoFootprint:
    """The scan's footprint as a no-op: the scan as it was before footprints."""

    def __init__(self, *_: object) -> None:
        pass

    def add(self, *_: object) -> None:
        pass

    def finish(self) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polygons", type=int, default=14_500)
    parser.add_argument("--width", type=int, default=10_000)
    parser.add_argument("--height", type=int, default=12_000)
    args = parser.parse_args()
    vectors, raster = make_inputs(args.polygons, args.width, args.height)
    areas = gpd.read_file(vectors)

    start = time.perf_counter()
    info = rasters.read_raster(raster)
    traced = time.perf_counter() - start
    footprint = info.footprint
    assert footprint is not None
    start = time.perf_counter()
    inside = within_share(info, areas)
    exact = time.perf_counter() - start

    real = rasters.FootprintScan
    rasters.FootprintScan = _NoFootprint  # type: ignore[assignment,misc]
    try:
        start = time.perf_counter()
        plain = rasters.read_raster(raster)
        untraced = time.perf_counter() - start
    finally:
        rasters.FootprintScan = real  # type: ignore[misc]
    start = time.perf_counter()
    boxed = within_share(plain, areas)
    rectangle = time.perf_counter() - start

    kept = footprint.as_dict()
    print(f"{len(areas):,} polygons, {info.width:,} x {info.height:,} cells")
    print(f"scan with footprint {traced:.2f} s, without {untraced:.2f} s: "
          f"{traced / untraced:.2f}x")
    print(f"share inside: footprint {exact:.2f} s, bounding rectangle {rectangle:.2f} s: "
          f"{exact / rectangle:.2f}x")
    print(f"footprint grid {footprint.mask.shape[1]} x {footprint.mask.shape[0]} blocks of "
          f"{footprint.factor} x {footprint.factor} cells, kept in {len(kept['bits']):,} "
          "characters")
    print(f"polygons given statistics (>= 99 % inside): footprint "
          f"{int((inside >= 0.99).sum()):,}, rectangle {int((boxed >= 0.99).sum()):,}; "
          f"largest difference in share {float(np.abs(inside - boxed).max()):.4f}")


if __name__ == "__main__":
    main()
