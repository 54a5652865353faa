"""The national and provincial map's routes on both stores: GeoPackage against PostGIS, cold
against warm.

The store is ``bench_export``'s synthetic national set of buurten, ingested as ``geoinsight
ingest boundaries`` does: into a copy of ``bench_export.buurt_store`` (GeoPackage), and into a
fresh PostgreSQL database with PostGIS (created here, dropped at the end; ``--database`` names
the server, default the local cluster the tests use). Each side gets a fresh data dir, so its
answer cache and in-process memos start empty.

Requests go through Flask's test client, anonymously, gzip accepted: **cold** is a route's first
request on that app (reads, simplification, classification), **warm** the quicker of two
further requests (the answer cache, the page memo). The routes are what a browser asks for a
national buurt map (page, overview geometry, values), a provincial one (Zuid-Holland), and one
gemeente's full-detail geometry (what the map swaps in from zoom 12).

Usage: python scripts/bench_national_routes.py [--buurten 14500]
       [--database postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import BUURT_YEAR, buurt_store, synthetic_buurten

ROUTES = [
    "/map/population?level=buurt",
    f"/api/areas?level=buurt&year={BUURT_YEAR}&detail=overview",
    "/api/layers/population/values?level=buurt&format=json",
    "/map/population?level=buurt&province=PV28",
    "/api/layers/population/values?level=buurt&province=PV28&format=json",
    f"/api/areas?level=buurt&year={BUURT_YEAR}&municipality=GM0034",
]


def timings(data_dir: Path, database_url: str | None) -> list[tuple[str, float, float, int]]:
    """(route, cold s, warm s, body bytes) on a fresh app over ``data_dir`` / the database."""
    from geoinsight.settings import load_settings
    from geoinsight.web import create_app

    app = create_app(load_settings(data_dir=data_dir, database_url=database_url,
                                   basemap="none"))
    client = app.test_client()
    out = []
    for route in ROUTES:
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            answer = client.get(route, headers={"Accept-Encoding": "gzip"})
            seconds.append(time.perf_counter() - start)
            assert answer.status_code == 200, (route, answer.status_code)
        out.append((route, seconds[0], min(seconds[1:]), len(answer.get_data())))
    return out


def postgis_store(server: str, n: int, folder: Path) -> tuple[str, str]:
    """A fresh database with PostGIS holding ``n`` synthetic buurten: (its URL, its name)."""
    import psycopg
    from psycopg import sql

    from geoinsight.ingest import ingest_boundaries
    from geoinsight.settings import load_settings
    from geoinsight.store import open_store

    name = f"geoinsight_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    source = folder / "synthetic_buurten.gpkg"
    synthetic_buurten(n).to_file(source, driver="GPKG", layer="buurten")
    start = time.perf_counter()
    result = ingest_boundaries(open_store(load_settings(data_dir=folder, database_url=url)),
                               source, year=BUURT_YEAR)
    print(f"  PostGIS store: {result.summary()} in {time.perf_counter() - start:.1f} s")
    return url, name


def drop(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=14_500)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geoinsight-national-") as tmp:
        root = Path(tmp)
        gpkg_dir = root / "gpkg"
        gpkg_dir.mkdir()
        shutil.copyfile(buurt_store(args.buurten) / "geoinsight.gpkg",
                        gpkg_dir / "geoinsight.gpkg")
        pg_dir = root / "postgis"
        pg_dir.mkdir()
        url, name = postgis_store(args.database, args.buurten, pg_dir)
        try:
            sides = {"GeoPackage": timings(gpkg_dir, None), "PostGIS": timings(pg_dir, url)}
        finally:
            drop(args.database, name)
    print(f"\n{args.buurten:,} synthetic buurten; Flask test client, anonymous, gzip\n")
    print("| route | GeoPackage cold | warm | PostGIS cold | warm | gzipped body |")
    print("|---|---|---|---|---|---|")
    for (route, g_cold, g_warm, size), (_, p_cold, p_warm, _) in zip(
            sides["GeoPackage"], sides["PostGIS"], strict=True):
        print(f"| `{route}` | {g_cold:.2f} s | {g_warm * 1000:.0f} ms | {p_cold:.2f} s | "
              f"{p_warm * 1000:.0f} ms | {size / 1000:,.0f} kB |")


if __name__ == "__main__":
    main()
