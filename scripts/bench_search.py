"""The search box at national scale: GeoInsight's SearchIndex against a plain scan.

The store holds the country's buurten (``bench_export``'s synthetic geometry, one cell per
buurt) under their **real** codes and names, with their wijken' and gemeenten' codes and names,
from the CBS Kerncijfers wijken en buurten 2024 table in ``../shared/data/real`` — so the names
searched are the names a user types. The alternatives, in the same run, on the same store:

- **difflib scan**: the standard library's fuzzy matching, every name scored per query
  (``difflib.SequenceMatcher.ratio`` over the folded names, best 8): what a first version of
  a typo-tolerant search does;
- **SQL LIKE**: ``SELECT … FROM areas WHERE name LIKE '%text%'`` on the GeoPackage: fast and
  simple, but blind to typos and accents.

Per query: the median time of 5 runs and whether the area meant is among the first 3 answers.
The index is built once per store version (``remembered`` in the web app); its build time is
printed too.

Usage: python scripts/bench_search.py [--buurten 14500]
"""

from __future__ import annotations

import argparse
import difflib
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import CACHE, REAL, synthetic_buurten

KWB = REAL / "kwb2024_misdrijven_buurten_woonikveilig.csv"
YEAR = 2024
#: (what a user types, the code of the area meant)
QUERIES = [
    ("Binnenstad-Oost", "BU00140002"),      # exact name
    ("binnenstad oost", "BU00140002"),      # case, hyphen
    ("Binnestad-Oost", "BU00140002"),       # typo
    ("appelbergen", "BU00141908"),          # start of a name
    ("Glimmen Appelbergen", "BU00141908"),  # words in another order
    ("Aldlan-Oost", "BU00807001"),          # without the accent ("Aldlân-Oost")
    ("wielenpolle", "BU00801105"),          # "Wielenpôlle", lower case
    ("Hengelo", None),                      # a gemeente's name: its buurten
    ("Bedrijventerrein Noord", None),       # a name many gemeenten have
]


def search_store(n: int) -> Path:
    """A GeoPackage store of ``n`` buurten with real codes and names (built once, cached)."""
    import pandas as pd

    folder = CACHE / f"search-{n}"
    store = folder / "geoinsight.gpkg"
    marker = folder / "built.json"
    if marker.exists() and json.loads(marker.read_text()).get("buurten") == n:
        return folder
    from geoinsight.ingest import ingest_boundaries
    from geoinsight.store.gpkg import GeoPackageStore

    folder.mkdir(parents=True, exist_ok=True)
    store.unlink(missing_ok=True)
    real = pd.read_csv(KWB, usecols=["bu_code", "bu_naam", "wk_code", "gm_code", "gm_naam"],
                       dtype=str).head(n)
    frame = synthetic_buurten(len(real))
    frame = frame.assign(BU_CODE=real["bu_code"].to_numpy(), BU_NAAM=real["bu_naam"].to_numpy(),
                         WK_CODE=real["wk_code"].to_numpy(), GM_CODE=real["gm_code"].to_numpy(),
                         GM_NAAM=real["gm_naam"].to_numpy())
    source = folder / "buurten.gpkg"
    frame.to_file(source, driver="GPKG", layer="buurten")
    start = time.perf_counter()
    result = ingest_boundaries(GeoPackageStore(store), source, year=YEAR)
    source.unlink()
    marker.write_text(json.dumps({"buurten": n}))
    print(f"  store: {result.summary().splitlines()[0]} in {time.perf_counter() - start:.1f} s")
    return folder


def median_seconds(run: Any, repeat: int = 5) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=14_500)
    args = parser.parse_args()
    from geoinsight.sources.regions import ascii_text
    from geoinsight.store.gpkg import GeoPackageStore
    from geoinsight.usecases.search import SearchIndex, search

    folder = search_store(args.buurten)
    store = GeoPackageStore(folder / "geoinsight.gpkg")
    start = time.perf_counter()
    index = SearchIndex.build(store)
    build = time.perf_counter() - start
    areas = store.areas(geometry=False)
    names = [(str(r.code), ascii_text(str(r.name)).lower()) for r in areas.itertuples()]
    print(f"{len(areas)} buurten with their real codes and names; "
          f"index built in {build * 1000:.0f} ms\n")

    def difflib_scan(text: str) -> list[str]:
        folded = ascii_text(text).lower()
        scored = sorted(((difflib.SequenceMatcher(None, folded, name).ratio(), code)
                         for code, name in names), reverse=True)
        return [code for _, code in scored[:8]]

    con = sqlite3.connect(folder / "geoinsight.gpkg")

    def sql_like(text: str) -> list[str]:
        rows = con.execute("SELECT code FROM areas WHERE name LIKE ? LIMIT 8", (f"%{text}%",))
        return [r[0] for r in rows]

    header = f"{'query':24} {'GeoInsight':>12} {'difflib scan':>14} {'SQL LIKE':>10}  found (top 3)"
    print(header)
    print("-" * len(header))
    ours_all, scan_all = [], []
    for text, meant in QUERIES:
        ours, hits = median_seconds(lambda t=text: [f.code for f in search(store, index, t)])
        scan, scan_hits = median_seconds(lambda t=text: difflib_scan(t), repeat=3)
        like, like_hits = median_seconds(lambda t=text: sql_like(t))
        ours_all.append(ours)
        scan_all.append(scan)

        def found(codes: list[str], meant: str | None = meant) -> str:
            return "-" if meant is None else ("yes" if meant in codes[:3] else "no")

        print(f"{text:24} {ours * 1000:10.1f} ms {scan * 1000:12.1f} ms {like * 1000:8.1f} ms"
              f"  {found(hits)} / {found(scan_hits)} / {found(like_hits)}"
              + (f"  ({len(hits)} answers)" if meant is None else ""))
    ratio = statistics.median(scan_all) / statistics.median(ours_all)
    print(f"\nmedian query: GeoInsight {statistics.median(ours_all) * 1000:.1f} ms, difflib scan "
          f"{statistics.median(scan_all) * 1000:.1f} ms: ratio {ratio:.1f}x")


if __name__ == "__main__":
    main()
