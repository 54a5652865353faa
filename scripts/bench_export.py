"""Exports: ``geoinsight.export.build_export`` (streamed) against the naive GeoDataFrame writers.

Both sides write the same table: :func:`geoinsight.export.table.area_table`, every layer's
published figures on the areas of one level (disclosure control included). GeoInsight then
streams it with ``build_export`` (GeoJSON and CSV written row by row in chunks, GeoPackage by
pyogrio into a temporary file that is read back in chunks) into the output file, as
``geoinsight export`` does. The naive path builds the same GeoDataFrame and calls its writer:
``to_crs(4326).to_file(driver="GeoJSON")``, ``to_file(driver="GPKG")``, ``to_csv``, and, for
GeoJSON, also ``to_json()`` written out (what a naive web view returns: the whole document as
one string in memory).

Cases: the 343 real gemeenten of 2023 (PDOK, simplified) and a synthetic national buurt set
(default 15,000 buurten of ~157 vertices each: the coverage of ``bench_point_in_area.py`` with
a gemeente / wijk / buurt code hierarchy and nine KWB-style figures per buurt).

Every run is a fresh Python process, so its peak resident memory (``VmHWM``, see
``bench_point_in_area.py`` for why not ``ru_maxrss``) is its own; "above imports" subtracts the
high-water mark after importing the libraries. Timed: from opening the store to the file being
complete on disk (table build included, the same work on both sides).

Usage: python scripts/bench_export.py [--buurten 15000] [--repeat 1] [--skip-real]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
GEMEENTEN_2023 = REAL / "gemeenten_2023_pdok_kwb_wgs84.geojson"
CACHE = Path(tempfile.gettempdir()) / "geoinsight-bench"
#: the figures the synthetic buurten carry (KWB-style columns), as layers of the catalogue
BUURT_LAYERS = ["population", "households", "household_size", "woz_mean", "pct_owner_occupied",
                "population_density", "address_density", "distance_gp", "distance_supermarket"]
BUURT_YEAR = 2024
FORMATS = ["geojson", "gpkg", "csv"]


# -- the synthetic national buurt store (also used by bench_ogc.py and bench_custom_area.py) -----


def synthetic_buurten(n: int, seed: int = 28992) -> Any:
    """``n`` synthetic buurten as a classic CBS wijk- en buurtkaart frame (EPSG:28992).

    Geometry: the clean coverage of ``bench_point_in_area.make_coverage`` (wiggly Voronoi cells
    clustered around towns, ~157 vertices each). Codes: each buurt joins the nearest of
    ``n * 345 / 14,500`` gemeente seeds; within a gemeente, buurten sorted west to east form
    wijken of five. Figures: inhabitants and households are multiples of 5 (so publication
    rounding leaves them as they are) and at least 60 (no small-base suppression); 2 % of the
    WOZ values are secret (``-99999999``).
    """
    import geopandas as gpd
    import shapely

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_point_in_area import _towns, make_coverage

    rng = np.random.default_rng(seed)
    areas = make_coverage(n, rng, _towns(rng))
    centre = shapely.centroid(areas)
    seeds = rng.choice(n, max(1, round(n * 345 / 14_500)), replace=False)
    gemeente = shapely.STRtree(centre[seeds]).nearest(centre)
    order = np.lexsort((shapely.get_x(centre), gemeente))
    starts = np.r_[0, np.flatnonzero(np.diff(gemeente[order])) + 1]
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    gm, wk, bu = gemeente + 1, rank // 5, rank % 5
    km2 = shapely.area(areas) / 1e6
    people = np.maximum(60, np.round(np.clip(rng.lognormal(7.0, 0.8, n), 0, 12_000) / 5) * 5)
    size = np.round(rng.uniform(1.6, 2.9, n), 1)
    woz = np.round(rng.lognormal(5.7, 0.35, n))
    woz[rng.random(n) < 0.02] = -99999999
    return gpd.GeoDataFrame({
        "BU_CODE": [f"BU{g:04d}{w:02d}{b:02d}" for g, w, b in zip(gm, wk, bu, strict=True)],
        "BU_NAAM": [f"Buurt {i}" for i in range(n)],
        "WK_CODE": [f"WK{g:04d}{w:02d}" for g, w in zip(gm, wk, strict=True)],
        "GM_CODE": [f"GM{g:04d}" for g in gm],
        "GM_NAAM": [f"Gemeente {g}" for g in gm],
        "WATER": "NEE",
        "AANT_INW": people.astype(np.int64),
        "AANTAL_HH": np.maximum(25, np.round(people / size / 5) * 5).astype(np.int64),
        "GEM_HH_GR": size,
        "BEV_DICHTH": np.round(people / km2),
        "OAD": np.round(people / km2 * rng.uniform(0.4, 0.6, n)),
        "WOZ": woz,
        "P_KOOPWON": np.round(rng.uniform(10, 90, n)),
        "G_AFS_HP": np.round(rng.uniform(0.2, 5, n), 1),
        "G_AFS_GS": np.round(rng.uniform(0.2, 5, n), 1),
    }, geometry=areas, crs=28992)


def _builder_version() -> str:
    """A digest of the code that makes the synthetic data and of the store's table layout:
    either changed means a new store."""
    import inspect

    digest = hashlib.sha256(inspect.getsource(synthetic_buurten).encode())
    digest.update((Path(__file__).resolve().parent / "bench_point_in_area.py").read_bytes())
    digest.update((ROOT / "geoinsight" / "store" / "gpkg_format.py").read_bytes())
    return digest.hexdigest()[:16]


def buurt_store(n: int) -> Path:
    """A data dir whose store holds ``n`` synthetic buurten of ``BUURT_YEAR`` with their
    figures, ingested like a CBS file (``ingest_boundaries``). Built once, then reused from
    ``$TMPDIR/geoinsight-bench/buurten-<n>`` while the builder is unchanged."""
    folder = CACHE / f"buurten-{n}"
    marker = folder / "built.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == _builder_version():
        return folder
    from geoinsight.ingest import ingest_boundaries
    from geoinsight.store.gpkg import GeoPackageStore

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "geoinsight.gpkg").unlink(missing_ok=True)
    source = folder / "synthetic_buurten.gpkg"
    synthetic_buurten(n).to_file(source, driver="GPKG", layer="buurten")
    result = ingest_boundaries(GeoPackageStore(folder / "geoinsight.gpkg"), source,
                               year=BUURT_YEAR)
    source.unlink()
    marker.write_text(json.dumps({"version": _builder_version(), "buurten": n}))
    print(f"  synthetic store: {result.summary()} in {time.perf_counter() - start:.1f} s",
          flush=True)
    return folder


def gemeente_store() -> Path:
    """A data dir with the real gemeenten of 2023 (PDOK), ingested as ``geoinsight ingest
    boundaries`` does."""
    folder = CACHE / "gemeenten-2023"
    marker = folder / "built.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == _builder_version():
        return folder
    from geoinsight.ingest import ingest_boundaries
    from geoinsight.store.gpkg import GeoPackageStore

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "geoinsight.gpkg").unlink(missing_ok=True)
    ingest_boundaries(GeoPackageStore(folder / "geoinsight.gpkg"), GEMEENTEN_2023)
    marker.write_text(json.dumps({"version": _builder_version()}))
    return folder


def open_catalog(store: Any, catalog: Any) -> Any:
    """The catalogue as an anonymous caller sees it (``geoinsight.web.context.catalog``): the
    layers whose own tier and every indicator's tier are ``open``."""
    from geoinsight.catalog.indicators import known
    from geoinsight.privacy.access import ANONYMOUS, strictest, visible_catalog

    tiers = {i.id: i.tier for i in known().values()}
    meta = store.indicators()
    for indicator, tier in zip(meta["id"], meta["tier"], strict=True):
        tiers[indicator] = strictest([tier, tiers.get(indicator, "open")])
    return visible_catalog(catalog, ANONYMOUS, tiers)


# -- one export, in its own process ----------------------------------------------------------------


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_export(side: str, fmt_name: str, data_dir: Path, level: str, layers: list[str],
               out: Path) -> dict[str, Any]:
    import geopandas  # noqa: F401  (imported before the baseline, as on both sides)
    import pyogrio  # noqa: F401

    from geoinsight.catalog import load_catalog
    from geoinsight.export import build_export
    from geoinsight.export.formats import get_format
    from geoinsight.export.table import area_table
    from geoinsight.privacy.disclosure import disclosure_rules, open_published_store
    from geoinsight.settings import load_settings
    from geoinsight.usecases.service import Selection

    settings = load_settings(data_dir=data_dir)
    base = _hwm_mb()
    start = time.perf_counter()
    store = open_published_store(settings)
    catalog = load_catalog(settings.layers_dir)
    selection = Selection(level, None, None)
    if side == "table":  # the work both sides share: the table, no file
        frame = area_table(store, catalog, layers, selection).frame
        return {"seconds": time.perf_counter() - start, "peak_mb": _hwm_mb(), "base_mb": base,
                "rows": len(frame), "bytes": 0}
    if side == "geoinsight":
        export = build_export(store, catalog, layers, selection, get_format(fmt_name),
                              disclosure_rules(settings))
        rows = len(export.table.frame)
        with out.open("wb") as handle:  # what ``geoinsight export`` does (minus the rename)
            for chunk in export.chunks:
                handle.write(chunk)
    else:
        frame = area_table(store, catalog, layers, selection).frame
        rows = len(frame)
        if fmt_name == "geojson":
            frame.to_crs(4326).to_file(out, driver="GeoJSON")
        elif fmt_name == "geojson-string":
            out.write_text(frame.to_crs(4326).to_json(), encoding="utf-8")
        elif fmt_name == "gpkg":
            frame.to_file(out, driver="GPKG")
        else:
            frame.drop(columns="geometry").to_csv(out, index=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _hwm_mb(), "base_mb": base, "rows": rows,
            "bytes": out.stat().st_size}


def _read_back(path: Path, fmt_name: str) -> Any:
    """The attributes of a written file, sorted by code (to compare the two sides)."""
    import pandas as pd
    import pyogrio

    if fmt_name == "csv":
        frame = pd.read_csv(path, dtype={"code": str, "gemeente_code": str})
    else:
        frame = pyogrio.read_dataframe(path, read_geometry=False)
    frame = frame.sort_values("code").reset_index(drop=True)
    return frame


def same_content(ours: Path, naive: Path, fmt_name: str, layers: list[str]) -> str:
    """"yes", or what differs: row count, codes, any value (1e-9 relative) or status."""
    a, b = _read_back(ours, fmt_name), _read_back(naive, fmt_name)
    if len(a) != len(b):
        return f"NO: {len(a)} against {len(b)} rows"
    if not (a["code"].astype(str).to_numpy() == b["code"].astype(str).to_numpy()).all():
        return "NO: different codes"
    for layer in layers:
        x = a[layer].to_numpy(dtype=float)
        y = b[layer].to_numpy(dtype=float)
        if not np.allclose(x, y, rtol=1e-9, atol=0, equal_nan=True):
            return f"NO: values of {layer} differ"
        sx = a[f"{layer}_status"].fillna("").astype(str).to_numpy()
        sy = b[f"{layer}_status"].fillna("").astype(str).to_numpy()
        if not (sx == sy).all():
            return f"NO: statuses of {layer} differ"
    return "yes"


# -- driver ---------------------------------------------------------------------------------------


def child(side: str, fmt_name: str, data_dir: Path, level: str, layers: list[str],
          out: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", side, "--fmt", fmt_name, "--data-dir",
           str(data_dir), "--level", level, "--layers", ",".join(layers), "--out", str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _best(side: str, fmt_name: str, data_dir: Path, level: str, layers: list[str],
          path: Path, repeat: int) -> dict[str, Any]:
    """The fastest of ``repeat`` runs (each a fresh process); the last file is kept."""
    runs = []
    for _ in range(repeat):
        path.unlink(missing_ok=True)
        runs.append(child(side, fmt_name, data_dir, level, layers, path))
    best = min(runs, key=lambda r: r["seconds"])
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    return best


def run_case(name: str, data_dir: Path, level: str, layers: list[str], repeat: int,
             folder: Path) -> list[str]:
    print(f"{name}:", flush=True)
    table = _best("table", "none", data_dir, level, layers, folder / "none", repeat)
    print(f"    shared table build (area_table): {table['seconds']:.2f} s, peak "
          f"{table['peak_mb']:,.0f} MB (+{table['peak_mb'] - table['base_mb']:,.0f} above "
          "imports)", flush=True)
    rows = [f"| {name} | (table only: `area_table`, shared by both) | {table['seconds']:.2f} s, "
            f"{table['peak_mb']:,.0f} MB (+{table['peak_mb'] - table['base_mb']:,.0f}) | | | | |"]
    ours_runs = {}
    plans = [(f, f) for f in FORMATS] + [("geojson-string", "geojson")]
    for label, fmt_name in plans:
        ours_path = folder / f"geoinsight.{fmt_name}"
        if fmt_name not in ours_runs:
            ours_runs[fmt_name] = _best("geoinsight", fmt_name, data_dir, level, layers,
                                        ours_path, repeat)
        ours = ours_runs[fmt_name]
        naive_path = folder / f"naive.{fmt_name}"
        naive = _best("naive", label, data_dir, level, layers, naive_path, repeat)
        same = same_content(ours_path, naive_path, fmt_name, layers)
        naive_path.unlink()
        ratio_t = naive["seconds"] / ours["seconds"]
        above = (naive["peak_mb"] - naive["base_mb"]) / max(ours["peak_mb"] - ours["base_mb"], 1)
        what = {"geojson": "GeoJSON (`to_file`)", "geojson-string": "GeoJSON (`to_json()`)",
                "gpkg": "GeoPackage", "csv": "CSV"}[label]
        print(f"    {what:22} GeoInsight {ours['seconds']:6.2f} s {ours['peak_mb']:6.0f} MB "
              f"({ours['bytes'] / 1e6:.1f} MB file) | naive {naive['seconds']:6.2f} s "
              f"{naive['peak_mb']:6.0f} MB ({naive['bytes'] / 1e6:.1f} MB file) | naive/ours: "
              f"time {ratio_t:.2f}×, memory above imports {above:.2f}× | same content: {same}",
              flush=True)
        rows.append(
            f"| {name} | {what} | {ours['seconds']:.2f} s, {ours['peak_mb']:,.0f} MB "
            f"(+{ours['peak_mb'] - ours['base_mb']:,.0f}), {ours['bytes'] / 1e6:.1f} MB | "
            f"{naive['seconds']:.2f} s, {naive['peak_mb']:,.0f} MB "
            f"(+{naive['peak_mb'] - naive['base_mb']:,.0f}), {naive['bytes'] / 1e6:.1f} MB | "
            f"{ratio_t:.2f}× | {above:.2f}× | {same} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=15_000,
                        help="synthetic buurten (0: only the real gemeenten)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (fastest kept)")
    parser.add_argument("--skip-real", action="store_true", help="leave out the gemeenten")
    parser.add_argument("--child", choices=["geoinsight", "naive", "table"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--fmt", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--level", help=argparse.SUPPRESS)
    parser.add_argument("--layers", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_export(args.child, args.fmt, args.data_dir, args.level,
                                    args.layers.split(","), args.out)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        if not args.skip_real and GEMEENTEN_2023.exists():
            layers = ["population", "households", "household_size", "population_density",
                      "address_density", "share_0_14", "share_65_plus"]
            rows += run_case("gemeenten 2023 (real, 343)", gemeente_store(), "gemeente",
                             layers, args.repeat, Path(tmp))
        if args.buurten:
            data_dir = buurt_store(args.buurten)
            rows += run_case(f"buurten (synthetic, {args.buurten:,})", data_dir, "buurt",
                             BUURT_LAYERS, args.repeat, Path(tmp))
    print(f"\n{os.cpu_count()} cores; time = store opened to file complete; memory = VmHWM of "
          "the run's process (+ above imports)\n")
    print("| case | format | GeoInsight `build_export` (time, peak, file) | naive GeoDataFrame "
          "writer (time, peak, file) | time naive/ours | memory above imports naive/ours | "
          "same content |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
