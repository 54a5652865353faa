"""The answer cache on the national synthetic store: cold against warm, gzip against plain.

The store is ``bench_export.buurt_store`` (synthetic national buurten with nine KWB-style
figures), copied into a fresh data dir per run so its answer cache starts empty. Requests go
through Flask's test client (no network: "bytes" are the bytes of the answer body, what goes on
the wire without TLS and headers), anonymously, as a browser asks them:

- ``values``: ``/api/layers/population/values?level=buurt&format=json`` (the whole country);
- ``geometry``: ``/api/areas?level=buurt&year=2024`` (the whole country, simplified).

For each backend (files under the data dir; Redis when reachable) and route:
**cold** is the first request of a fresh app on an empty cache (what every request cost before
the cache: the values route recomputed each time), **new app** the first request of a second
app instance (its in-memory LRU empty, the entry read from the file or from Redis: the first
request after a restart or in another worker), and **warm** the median of ``--repeat`` further
requests. Then ``geoinsight warm`` on a fresh data dir: how long filling the cache takes.

Usage: python scripts/bench_answer_cache.py [--buurten 15000] [--repeat 50] [--no-redis]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import buurt_store

REDIS_URL = "redis://127.0.0.1:6379/0"
ROUTES = {"values": "/api/layers/population/values?level=buurt&format=json",
          "geometry": "/api/areas?level=buurt&year=2024"}


def fresh_settings(source: Path, base: Path, name: str, **overrides: Any) -> Any:
    from geoinsight.settings import load_settings

    data_dir = base / name
    data_dir.mkdir()
    shutil.copyfile(source / "geoinsight.gpkg", data_dir / "geoinsight.gpkg")
    return replace(load_settings(data_dir=data_dir), **overrides)


def timed(client: Any, url: str, gzip: bool = True) -> tuple[float, int, int]:
    start = time.perf_counter()
    response = client.get(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    seconds = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code, response.data[:200])
    return seconds, len(response.get_data()), response.status_code


def measure(settings: Any, repeat: int) -> dict[str, dict[str, float]]:
    from geoinsight.web import create_app

    found: dict[str, dict[str, float]] = {}
    first = create_app(settings).test_client()
    for name, url in ROUTES.items():
        cold, zipped, _ = timed(first, url)
        _, plain, _ = timed(first, url, gzip=False)
        found[name] = {"cold": cold, "gzip_bytes": zipped, "plain_bytes": plain}
    second = create_app(settings).test_client()
    for name, url in ROUTES.items():
        found[name]["new_app"] = timed(second, url)[0]
        found[name]["warm"] = statistics.median(timed(second, url)[0] for _ in range(repeat))
        conditional = second.get(url, headers={"Accept-Encoding": "gzip"})
        revalidated = second.get(url, headers={"Accept-Encoding": "gzip",
                                               "If-None-Match": conditional.headers["ETag"]})
        found[name]["revalidated_status"] = revalidated.status_code
    return found


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def report(backend: str, found: dict[str, dict[str, float]]) -> None:
    for name, row in found.items():
        print(f"| {backend} | {name} | {row['cold']:.2f} s | {row['new_app'] * 1000:.1f} ms | "
              f"{row['warm'] * 1000:.2f} ms | {row['plain_bytes'] / 1000:,.0f} kB | "
              f"{row['gzip_bytes'] / 1000:,.0f} kB | {row['revalidated_status']:.0f} |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    source = buurt_store(args.buurten)
    with tempfile.TemporaryDirectory(prefix="bench-answer-cache-") as tmp:
        base = Path(tmp)
        print("| backend | route | cold (first request, empty cache) | first request of a "
              "new app | warm (median) | plain | gzip | If-None-Match |")
        print("|---|---|---|---|---|---|---|---|")
        report("files", measure(fresh_settings(source, base, "files"), args.repeat))
        if not args.no_redis and redis_reachable():
            prefix = f"geoinsight-bench:{uuid.uuid4().hex}:"
            settings = fresh_settings(source, base, "redis", redis_url=REDIS_URL,
                                      redis_prefix=prefix)
            try:
                report("redis", measure(settings, args.repeat))
            finally:
                import redis

                client = redis.Redis.from_url(REDIS_URL)
                for key in client.scan_iter(match=prefix + "*"):
                    client.delete(key)
        from geoinsight.web import create_app
        from geoinsight.web.warm import warm

        settings = fresh_settings(source, base, "warm")
        start = time.perf_counter()
        done = warm(create_app(settings))
        total = time.perf_counter() - start
        slowest = max(done, key=lambda r: r.seconds)
        held = sum(p.stat().st_size for p in (settings.data_dir / "cache").iterdir()) / 1e6
        print(f"\ngeoinsight warm: {len(done)} answers in {total:.1f} s "
              f"(slowest {slowest.seconds:.1f} s: {slowest.url}); cache {held:.1f} MB")


if __name__ == "__main__":
    main()
