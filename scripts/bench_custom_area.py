"""Custom areas: ``geoinsight.usecases.custom_area.aggregate_area`` against geopandas overlay +
sjoin.

``POST /api/aggregate`` is a thin view over
:func:`geoinsight.usecases.custom_area.aggregate_area`; this calls that function directly, as
an anonymous caller (the open layers), on a drawn polygon. The obvious alternative, with
geopandas on the same published figures and the same address points, all loaded in memory
before the clock starts:

- ``geopandas.overlay(buurten, polygon, how="intersection")``: the piece of each buurt inside,
  its area share;
- ``geopandas.sjoin(points, polygon, predicate="intersects")``: the address points inside;
  their count per buurt over the buurt's total is the buurt's address share (buurten without
  points keep their area share), and the dwellings among them are the dwelling count and the
  share built before 1975;
- ``groupby`` sums: counts as figure × share; shares, rates and means weighted by population ×
  share, densities by area × share (the weighting rules of docs/methods.md); a secret figure
  of a buurt that contributes makes the result secret.

Both answer the same figures, so they are checked against each other: equal to 1e-6 (person
counts within 2.5: GeoInsight rounds them to 5 before publishing). GeoInsight computes more
than is compared: every open layer (energy labels included), methods, coverage and disclosure
control.

Cases:
- demo: the Den Haag / Leidschendam-Voorburg test area of ``geoinsight demo`` (14 real buurten
  of 2022 with KWB 2024 figures, 31,293 real BAG address points); a 64-vertex polygon of about
  3 km² over it;
- national (synthetic): the 15,000 buurten of ``bench_export.synthetic_buurten`` with
  ``--addresses`` synthetic BAG address points (default 1,000,000; spread over the buurten in
  proportion to their inhabitants, uniform inside each), ingested with ``ingest_addresses``;
  a 64-vertex polygon over the largest synthetic town.

Each side runs in its own process (peak memory: VmHWM). GeoInsight is timed cold (the first
call on a freshly opened store, as after a server start) and warm (the best of ``--repeat``
more calls on the same store object, as a running server has it); geopandas is timed per call
(best of ``--repeat``), its one-off load (reading the figures and points, assigning every
point to its buurt with an sjoin) reported apart.

Usage: python scripts/bench_custom_area.py [--addresses 1000000] [--buurten 15000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import (
    BUURT_YEAR,
    CACHE,
    _builder_version,
    buurt_store,
    open_catalog,
    synthetic_buurten,
)

DEMO_CENTRE = (84_392.0, 455_330.0)  # the middle of the demo's Den Haag / Voorburg buurten
DEMO_RADIUS = 950.0
NATIONAL_RADIUS = 4_500.0
#: person counts are published rounded to this (DisclosureRules.round_persons_to)
ROUNDING = 5


# -- data -----------------------------------------------------------------------------------------


def demo_store() -> Path:
    """A data dir with ``geoinsight demo``'s store (built once, then reused while the store's
    table layout is unchanged)."""
    from geoinsight import PROJECT_ROOT
    from geoinsight.demo import load_demo

    folder = CACHE / "demo"
    marker = folder / "built.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == _builder_version():
        return folder
    load_demo(folder / "geoinsight.gpkg", PROJECT_ROOT / "data" / "demo")
    marker.write_text(json.dumps({"version": _builder_version()}))
    return folder


def address_store(n_buurten: int, n_addresses: int) -> Path:
    """The synthetic buurt store plus ``n_addresses`` synthetic BAG address points.

    Points are shared out over the buurten in proportion to their inhabitants (at least one
    each, so every buurt holds addresses) and drawn uniformly inside each; attributes come from
    ``eponline_synth.synthetic_addresses`` (90 % woonfunctie, realistic bouwjaar). Written as a
    CSV with x, y like the demo's BAG extract and ingested with ``ingest_addresses``.
    """
    import shapely

    from geoinsight.ingest.points import ingest_addresses
    from geoinsight.sources.eponline_synth import synthetic_addresses
    from geoinsight.store.gpkg import GeoPackageStore

    folder = CACHE / f"buurten-{n_buurten}-addresses-{n_addresses}"
    marker = folder / "built.json"
    version = _builder_version() + "-a1"
    if marker.exists() and json.loads(marker.read_text()).get("version") == version:
        return folder
    start = time.perf_counter()
    source = buurt_store(n_buurten)
    buurten = synthetic_buurten(n_buurten)
    rng = np.random.default_rng(7)
    people = buurten["AANT_INW"].to_numpy(dtype=float)
    per_buurt = np.maximum(1, np.round(n_addresses * people / people.sum())).astype(np.int64)
    geometry = buurten.geometry.to_numpy()
    shapely.prepare(geometry)
    bounds = shapely.bounds(geometry)
    owner = np.repeat(np.arange(len(buurten)), per_buurt)
    x, y = np.empty(len(owner)), np.empty(len(owner))
    todo = np.arange(len(owner))
    while todo.size:  # rejection sampling in each buurt's bounding box
        g = owner[todo]
        tx = rng.uniform(bounds[g, 0], bounds[g, 2])
        ty = rng.uniform(bounds[g, 1], bounds[g, 3])
        hit = shapely.contains_xy(geometry[g], tx, ty)
        x[todo[hit]], y[todo[hit]] = tx[hit], ty[hit]
        todo = todo[~hit]
    addresses = synthetic_addresses(len(owner), seed=11)
    addresses["status"] = "Verblijfsobject in gebruik"
    addresses["x"], addresses["y"] = np.round(x, 2), np.round(y, 2)
    addresses = addresses.iloc[rng.permutation(len(addresses))]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "geoinsight.gpkg", folder / "geoinsight.gpkg")
    csv = folder / "addresses.csv.gz"
    addresses.to_csv(csv, index=False)
    result = ingest_addresses(GeoPackageStore(folder / "geoinsight.gpkg"), csv, year=BUURT_YEAR)
    csv.unlink()
    marker.write_text(json.dumps({"version": version}))
    print(f"  synthetic addresses: {result.summary()} in {time.perf_counter() - start:.0f} s",
          flush=True)
    return folder


def biggest_town() -> tuple[float, float]:
    """The centre of the largest synthetic town (``bench_point_in_area._towns``, first draw of
    the generator ``synthetic_buurten`` seeds)."""
    from bench_point_in_area import SEED, _towns

    centres, _, _ = _towns(np.random.default_rng(SEED))
    return float(centres[0][0]), float(centres[0][1])


def drawn_polygon(centre: tuple[float, float], radius: float) -> Any:
    """A wavy 64-vertex polygon (a hand-drawn area does not follow buurt edges)."""
    import shapely

    angle = np.linspace(0, 2 * np.pi, 65)[:-1]
    r = radius * (1 + 0.15 * np.sin(5 * angle) + 0.05 * np.cos(11 * angle))
    return shapely.Polygon(np.column_stack([centre[0] + r * np.cos(angle),
                                            centre[1] + r * np.sin(angle)]))


# -- the two sides, each in its own process --------------------------------------------------------


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _open(data_dir: Path) -> tuple[Any, Any, Any]:
    from geoinsight.catalog import load_catalog
    from geoinsight.privacy.disclosure import disclosure_rules, open_published_store
    from geoinsight.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    store = open_published_store(settings)
    return store, open_catalog(store, load_catalog(settings.layers_dir)), \
        disclosure_rules(settings)


def run_geoinsight(data_dir: Path, polygon_wkt: str, repeat: int) -> dict[str, Any]:
    import shapely

    from geoinsight.area_input import area_from_geojson
    from geoinsight.uploads import UploadLimits
    from geoinsight.usecases.custom_area import aggregate_area

    polygon = shapely.from_wkt(polygon_wkt)
    area = area_from_geojson(json.loads(shapely.to_geojson(polygon)), "EPSG:28992",
                             UploadLimits(max_vertices=10_000))
    store, catalog, rules = _open(data_dir)
    base = _hwm_mb()
    start = time.perf_counter()
    result = aggregate_area(store, catalog, area, rules=rules)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = aggregate_area(store, catalog, area, rules=rules)
        warm.append(time.perf_counter() - start)
    peak = _hwm_mb()
    # for reference: what reading the whole address table (and its buurt assignment) costs
    start = time.perf_counter()
    store.addresses()
    read_addresses = time.perf_counter() - start
    start = time.perf_counter()
    store.point_areas("addresses", level=result["level"], boundary_year=result["boundary_year"])
    read_assigned = time.perf_counter() - start
    return {"cold": cold, "warm": warm, "base_mb": base, "peak_mb": peak,
            "read_addresses": read_addresses, "read_point_areas": read_assigned,
            "overlapping": result["overlapping_areas"], "level": result["level"],
            "layers": {r["layer"]: {"value": r["value"], "status": r["status"],
                                    "method": r["method"]} for r in result["layers"]}}


def load_for_geopandas(data_dir: Path) -> dict[str, Any]:
    """What the geopandas script holds in memory: buurten, their published figures (wide), the
    address points with the buurt each lies in (one sjoin), and how each figure combines."""
    import geopandas as gpd

    from geoinsight.analysis.energy import dwellings
    from geoinsight.catalog.indicators import known
    from geoinsight.spatial.interpolate import weighting_of
    from geoinsight.usecases.custom_area import ADDRESS_BASED, LABEL_BASED
    from geoinsight.usecases.harmonise import kinds

    store, catalog, _ = _open(data_dir)
    buurten = store.areas(level="buurt")[["code", "geometry"]].reset_index(drop=True)
    # layers that are one stored figure (not an expression, not a composite index); of the
    # figures counted from points only the dwelling count and the share built before 1975
    # (energy labels are left to GeoInsight alone)
    point_based = {"dwellings", "share_built_before_1975"}
    compared = {layer.id: layer.indicator for layer in catalog
                if layer.composite is None and layer.indicator in kinds(store)
                and "buurt" in layer.levels
                and (layer.indicator in point_based
                     or layer.indicator not in ADDRESS_BASED | LABEL_BASED)}
    meta = kinds(store)
    registry = known()
    # what each mean or share is per (its denominator: inhabitants, households, dwellings)
    per = {ind: getattr(registry.get(ind), "per", "population") for ind in compared.values()}
    wanted = set(compared.values()) | set(per.values()) | {"population"}
    raw = store.values(codes=list(buurten["code"]))
    raw = raw[raw["indicator"].isin(wanted)]
    latest = raw.sort_values("year").drop_duplicates(["code", "indicator"], keep="last")
    value = latest.pivot(index="code", columns="indicator", values="value")
    value = value.where(latest.pivot(index="code", columns="indicator", values="status")
                        .isin(["ok", "estimated"]))
    status = latest.pivot(index="code", columns="indicator", values="status")
    points = store.addresses()
    points = points[["vbo_id", "geometry"]].assign(
        dwelling=points["vbo_id"].isin(set(dwellings(points)["vbo_id"])),
        bouwjaar=points["bouwjaar"].astype("Float64"))
    placed = gpd.sjoin(points, buurten, predicate="intersects", how="left")
    placed = placed[~placed.index.duplicated(keep="first")]
    points["buurt"] = placed["code"].to_numpy()
    weighting = {ind: weighting_of(*meta[ind]) for ind in compared.values() if ind in meta}
    return {"buurten": buurten, "value": value, "status": status, "points": points,
            "compared": compared, "weighting": weighting, "per": per}


def geopandas_aggregate(data: dict[str, Any], polygon: Any) -> dict[str, dict[str, Any]]:
    """The obvious alternative: overlay + sjoin + groupby, for the compared layers."""
    import geopandas as gpd

    buurten, points = data["buurten"], data["points"]
    target = gpd.GeoDataFrame({"target": ["custom"]}, geometry=[polygon], crs=buurten.crs)
    pieces = gpd.overlay(buurten, target, how="intersection", keep_geom_type=True)
    whole = buurten.set_index("code").area
    share = pd_series(pieces.area.to_numpy() / whole.reindex(pieces["code"]).to_numpy(),
                      pieces["code"])
    inside = gpd.sjoin(points, target, predicate="intersects")
    per_buurt = points.groupby("buurt").size()
    in_buurt = inside.groupby("buurt").size()
    addressed = share.index.isin(per_buurt.index)
    by_address = (in_buurt.reindex(share.index).fillna(0) / per_buurt.reindex(share.index))
    share = share.where(~addressed, by_address)
    source_area = whole.reindex(share.index)
    contributes = share > 0
    out: dict[str, dict[str, Any]] = {}
    homes = inside[inside["dwelling"]]
    known = homes["bouwjaar"].notna()
    old = float((homes.loc[known, "bouwjaar"] < 1975).sum())
    for layer_id, indicator in data["compared"].items():
        if indicator == "dwellings":
            out[layer_id] = {"value": float(len(homes)), "status": "ok"}
            continue
        if indicator == "share_built_before_1975":
            out[layer_id] = {"value": 100 * old / known.sum() if known.any() else None,
                             "status": "ok" if known.any() else "missing"}
            continue
        if indicator not in data["value"].columns:
            continue
        v = data["value"][indicator].reindex(share.index).astype(float)
        st = data["status"][indicator].reindex(share.index).fillna("missing")
        used = st[contributes]
        if (used == "secret").any() or (used == "missing").any() or v[contributes].isna().any():
            hidden = "secret" if (used == "secret").any() else "missing"
            out[layer_id] = {"value": None, "status": hidden}
            continue
        kind = data["weighting"][indicator]
        if kind == "sum":
            value = float((v * share)[contributes].sum())
        else:
            # means and shares: weighted by their denominator (inhabitants, households,
            # dwellings) in each piece where every contributing buurt's is known, else by area;
            # densities always by area
            weight = (share * source_area)[contributes]
            if kind == "population" and data["per"][indicator] in data["value"].columns:
                base = data["value"][data["per"][indicator]].reindex(share.index).astype(float)
                by_base = (share * base)[contributes]
                if by_base.notna().all() and by_base.sum() > 0:
                    weight = by_base
            value = float((weight * v[contributes]).sum() / weight.sum())
        out[layer_id] = {"value": value, "status": "estimated"}
    return out


def pd_series(values: Any, index: Any) -> Any:
    import pandas as pd

    return pd.Series(values, index=pd.Index(index, name="code")).groupby(level=0).sum()


def run_geopandas(data_dir: Path, polygon_wkt: str, repeat: int) -> dict[str, Any]:
    import geopandas  # noqa: F401  (imported before the baseline)
    import shapely

    polygon = shapely.from_wkt(polygon_wkt)
    base = _hwm_mb()
    start = time.perf_counter()
    data = load_for_geopandas(data_dir)
    load = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = geopandas_aggregate(data, polygon)
        runs.append(time.perf_counter() - start)
    return {"load": load, "runs": runs, "base_mb": base, "peak_mb": _hwm_mb(),
            "points": len(data["points"]), "layers": result}


# -- driver ---------------------------------------------------------------------------------------


def child(side: str, data_dir: Path, polygon_wkt: str, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", side, "--data-dir", str(data_dir),
           "--polygon", polygon_wkt, "--repeat", str(repeat)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def agree(ours: dict[str, Any], theirs: dict[str, Any], person_count: bool) -> bool:
    if ours["status"] in ("secret", "missing") or theirs["status"] in ("secret", "missing"):
        return bool(ours["status"] == theirs["status"])
    a, b = float(ours["value"]), float(theirs["value"])
    if person_count:
        return abs(a - b) <= ROUNDING / 2
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def run_case(name: str, data_dir: Path, polygon: Any, repeat: int) -> list[str]:
    print(f"{name}: polygon of {polygon.area / 1e6:.1f} km², 64 vertices", flush=True)
    ours = child("geoinsight", data_dir, polygon.wkt, repeat)
    print(f"    GeoInsight aggregate_area: cold {ours['cold']:.2f} s, warm "
          f"{', '.join(f'{t:.2f}' for t in ours['warm'])} s; {ours['overlapping']} "
          f"{ours['level']} areas overlap; peak {ours['peak_mb']:.0f} MB (for reference, "
          f"reading the whole address table takes {ours['read_addresses']:.2f} s, its "
          f"assignment to areas {ours['read_point_areas']:.2f} s)", flush=True)
    theirs = child("geopandas", data_dir, polygon.wkt, repeat)
    print(f"    geopandas overlay + sjoin: {', '.join(f'{t:.3f}' for t in theirs['runs'])} s "
          f"(load once: {theirs['load']:.1f} s for {theirs['points']:,} points); peak "
          f"{theirs['peak_mb']:.0f} MB", flush=True)
    compared, same, lines = 0, 0, []
    for layer_id, alt in sorted(theirs["layers"].items()):
        mine = ours["layers"].get(layer_id)
        if mine is None:
            continue
        compared += 1
        person = layer_id in ("population", "households")
        ok = agree(mine, alt, person)
        same += ok
        lines.append(f"      {layer_id:28} GeoInsight {mine['value']!s:>22} {mine['status']:9} "
                     f"({mine['method']}) | geopandas {alt['value']!s:>22} {alt['status']:9}"
                     f" {'' if ok else '  <-- DIFFERS'}")
    print("\n".join(lines))
    warm, alt_best = min(ours["warm"]), min(theirs["runs"])
    print(f"    agree: {same} of {compared} compared layers; ratio GeoInsight warm / geopandas "
          f"{warm / alt_best:.1f}× (GeoInsight is {'slower' if warm > alt_best else 'faster'})",
          flush=True)
    return [f"| {name} | {ours['overlapping']} buurten, {theirs['points']:,} points | "
            f"cold {ours['cold']:.2f} s, warm {warm:.2f} s, {ours['peak_mb']:,.0f} MB | "
            f"{alt_best:.3f} s (+ load once "
            f"{theirs['load']:.1f} s), {theirs['peak_mb']:,.0f} MB | {warm / alt_best:.1f}× | "
            f"{same} of {compared} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--buurten", type=int, default=15_000, help="0: the demo case only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["geoinsight", "geopandas"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--polygon", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = run_geoinsight if args.child == "geoinsight" else run_geopandas
        print(json.dumps(run(args.data_dir, args.polygon, args.repeat)))
        return
    rows = run_case("demo: Den Haag / Voorburg (real)", demo_store(),
                    drawn_polygon(DEMO_CENTRE, DEMO_RADIUS), args.repeat)
    if args.buurten:
        data_dir = address_store(args.buurten, args.addresses)
        rows += run_case(f"national (synthetic, {args.buurten:,} buurten)", data_dir,
                         drawn_polygon(biggest_town(), NATIONAL_RADIUS), args.repeat)
    print(f"\n{os.cpu_count()} cores\n")
    print("| case | overlapping, address points | GeoInsight `aggregate_area` | geopandas "
          "overlay + sjoin + groupby | GeoInsight / geopandas (warm) | layers agreeing |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
