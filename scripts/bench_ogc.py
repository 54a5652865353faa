"""OGC API – Features: GeoInsight's ``/ogc`` against pygeoapi serving the same areas, over HTTP.

Both servers run as real HTTP servers on localhost under waitress with 8 threads, one after the
other (the machine has 2 cores): GeoInsight as ``geoinsight serve``; pygeoapi (its Flask app,
``pygeoapi.flask_app:APP``) with its OGR provider on a GeoPackage written by
``geoinsight.export.build_export`` from the same store, so it serves the same areas with the same
figures (the export minus its ``year`` and ``boundary_year`` columns, which ``/items`` does not
carry). The GeoPackage keeps RD New (EPSG:28992) as its storage CRS, as GeoInsight's store does,
so both servers transform every page to CRS84.

Measured per collection, with one keep-alive HTTP connection (times are request sent to body
received; parsing the answers is not timed):

- startup: process start to the port accepting connections;
- cold: the first ``/items?limit=1000`` after startup (GeoInsight builds its collection table
  then, pygeoapi opens the GeoPackage);
- paging through the whole collection with ``limit=1000`` and with ``limit=100``;
- one ``bbox`` query (in RD New, ``bbox-crs=EPSG:28992``, so both filter by the same box) sized
  to match at most 1,000 areas, answered in one page;
- the server's peak resident memory (VmHWM) at the end.

Checked: both return the same number of features, the same ids, and the same properties (values
equal to 1e-9, same statuses) and the same number of coordinates.

Collections: the real gemeenten of 2023 (PDOK, 343), the real wijken of 2022 (tmap extract of
the CBS Wijk- en Buurtkaart, 3,340), and a synthetic national buurt set (``--buurten``, default
15,000; see ``bench_export.synthetic_buurten``).

pygeoapi is not a project dependency: install it in a throwaway virtualenv that sees the Debian
GDAL bindings (its OGR provider needs ``osgeo``) and pass its interpreter:

    /usr/bin/python3 -m venv --system-site-packages /tmp/pygeoapi-venv
    /tmp/pygeoapi-venv/bin/pip install pygeoapi waitress

Usage: python scripts/bench_ogc.py [--buurten 15000] [--repeat 3]
       [--pygeoapi-python /tmp/pygeoapi-venv/bin/python]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import (
    CACHE,
    REAL,
    _builder_version,
    buurt_store,
    gemeente_store,
    open_catalog,
)

WIJKEN_2022 = REAL / "nld_2022_prov_gem_wijk_tmap.gpkg"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
UTRECHT = (136_000.0, 456_000.0)
THREADS = 8


# -- data -----------------------------------------------------------------------------------------


def wijk_store() -> Path:
    """A data dir with the 345 gemeenten and 3,340 wijken of 2022 (tmap's CBS extract)."""
    folder = CACHE / "wijken-2022"
    marker = folder / "built.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == _builder_version():
        return folder
    from geoinsight.ingest import ingest_boundaries
    from geoinsight.store.gpkg import GeoPackageStore

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "geoinsight.gpkg").unlink(missing_ok=True)
    ingest_boundaries(GeoPackageStore(folder / "geoinsight.gpkg"), WIJKEN_2022, year=2022)
    marker.write_text(json.dumps({"version": _builder_version()}))
    return folder


def export_collection(data_dir: Path, collection_id: str, target: Path) -> dict[str, Any]:
    """The collection's areas and figures as a GeoPackage (layer ``areas``), via build_export,
    with the layers an anonymous caller sees (the servers are asked without signing in).

    Returns the layer ids, the number of areas and a bbox (RD New) matching at most 1,000 of
    them around Utrecht.
    """
    import pyogrio
    import shapely

    from geoinsight.catalog import load_catalog
    from geoinsight.export import build_export
    from geoinsight.export.formats import get_format
    from geoinsight.ogc.cache import BoundedCache
    from geoinsight.ogc.tables import Source
    from geoinsight.privacy.disclosure import disclosure_rules, open_published_store
    from geoinsight.settings import load_settings
    from geoinsight.usecases.service import Selection

    settings = load_settings(data_dir=data_dir)
    store = open_published_store(settings)
    catalog = open_catalog(store, load_catalog(settings.layers_dir))  # as served anonymously
    collection = Source(store, catalog, BoundedCache()).collection(collection_id)
    by_year: dict[int, list[str]] = {}
    for column in collection.columns:  # a collection shows each layer's latest figures
        by_year.setdefault(column.year, []).append(column.layer.id)
    layers = [c.layer.id for c in collection.columns]
    frame = None
    for year, year_layers in sorted(by_year.items()):
        export = build_export(store, catalog, year_layers,
                              Selection(collection.level, None, year), get_format("gpkg"),
                              disclosure_rules(settings))
        exported = target.with_suffix(f".export-{year}.gpkg")
        with exported.open("wb") as handle:
            for chunk in export.chunks:
                handle.write(chunk)
        part = pyogrio.read_dataframe(exported).drop(columns=["year", "boundary_year"])
        exported.unlink()
        frame = part if frame is None else frame.merge(
            part.drop(columns=[c for c in part.columns
                               if c in frame.columns and c != "code"]), on="code")
    assert frame is not None
    frame = frame[[c for c in frame.columns if c != "geometry"] + ["geometry"]]
    pyogrio.write_dataframe(frame, target, layer="areas", driver="GPKG", promote_to_multi=True,
                            dataset_options={"VERSION": "1.2"})  # as the export writes it
    half = 32_000.0
    while True:
        box = shapely.box(UTRECHT[0] - half, UTRECHT[1] - half, UTRECHT[0] + half,
                          UTRECHT[1] + half)
        hits = len(frame.sindex.query(box, predicate="intersects"))
        if hits <= 1000:
            break
        half /= math.sqrt(2)
    return {"layers": layers, "count": len(frame), "bbox": [round(v) for v in box.bounds],
            "bbox_hits": hits}


def pygeoapi_config(folder: Path, collection_id: str, gpkg: Path, port: int) -> Path:
    """A minimal pygeoapi configuration serving ``gpkg`` as one collection, and its OpenAPI."""
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json; "
                   "charset=UTF-8", "encoding": "utf-8", "gzip": False, "languages": ["en-US"],
                   "pretty_print": False, "limits": {"default_items": 10, "max_items": 1000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "none"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                               "keywords_type": "theme", "terms_of_service": "none",
                               "url": "http://127.0.0.1"},
            "license": {"name": "CC BY 4.0",
                        "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "position": "bench", "address": "-", "city": "-",
                        "stateorprovince": "-", "postalcode": "-", "country": "-",
                        "phone": "-", "fax": "-", "email": "-", "url": "http://127.0.0.1",
                        "hours": "-", "instructions": "-", "role": "pointOfContact"}},
        "resources": {collection_id: {
            "type": "collection", "title": collection_id, "description": collection_id,
            "keywords": ["cbs"], "links": [],
            "extents": {"spatial": {"bbox": [3.2, 50.7, 7.3, 53.6], "crs": CRS84_URI}},
            "providers": [{
                "type": "feature", "name": "OGR",
                "data": {"source_type": "GPKG", "source": str(gpkg),
                         "source_capabilities": {"paging": True}},
                "id_field": "code", "layer": "areas",
                "crs": [CRS84_URI, RD_URI], "storage_crs": RD_URI}]}},
    }
    path = folder / "pygeoapi.yml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return path


# -- servers and client ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], limit: float = 180) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"no server on port {port} after {limit} s")


def stop_server(process: subprocess.Popen[bytes], grace: float = 60) -> None:
    """SIGTERM, and SIGKILL if it has not stopped after ``grace`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def pygeoapi_under_gunicorn(folder: Path, collection_id: str, gpkg: Path, port: int,
                            python: Path, workers: int, threads: int,
                            extra: tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
    """The command and environment that serve ``gpkg`` with pygeoapi under gunicorn's gthread
    workers (as ``serve --production`` runs GeoInsight), on ``port``."""
    config = pygeoapi_config(folder, collection_id, gpkg, port)
    openapi = folder / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(python.parent / "pygeoapi"), "openapi", "generate", str(config),
                    "--output-file", str(openapi)], env=env, check=True, capture_output=True)
    command = [str(python.parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
               "--keep-alive", "5", "--log-level", "error", *extra, "pygeoapi.flask_app:APP"]
    return command, env


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """One keep-alive connection; ``get`` returns (seconds, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[float, bytes]:
        start = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": "application/geo+json"})
        response = self.conn.getresponse()
        body = response.read()
        seconds = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        return seconds, body


def page_all(client: Client, items: str, limit: int,
             keep: bool = False) -> tuple[float, int, int, list[dict[str, Any]]]:
    """Seconds, requests and bytes to page through ``items``; the features when ``keep``."""
    seconds, requests, size, offset = 0.0, 0, 0, 0
    features: list[dict[str, Any]] = []
    while True:
        took, body = client.get(f"{items}?f=json&limit={limit}&offset={offset}")
        seconds += took
        requests += 1
        size += len(body)
        page = json.loads(body)["features"]
        if keep:
            features += page
        if len(page) < limit:
            return seconds, requests, size, features
        offset += limit


def measure(name: str, command: list[str], env: dict[str, str], port: int, items: str,
            bbox: list[int], repeat: int) -> dict[str, Any]:
    print(f"    {name}: starting", flush=True)
    start = time.perf_counter()
    # the server's log (its access log included) is not read: a pipe nobody reads fills up
    # (64 kB of lines) and then stops the server in its next write
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        result: dict[str, Any] = {"startup": time.perf_counter() - start}
        client = Client(port)
        result["cold"], _ = client.get(f"{items}?f=json&limit=1000")
        first = page_all(client, items, 1000, keep=True)
        result["features"] = first[3]
        result["bytes_1000"] = first[2]
        result["requests_1000"] = first[1]
        result["page_1000"] = [first[0]] + [page_all(client, items, 1000)[0]
                                            for _ in range(repeat - 1)]
        hundred = [page_all(client, items, 100) for _ in range(repeat)]
        result["page_100"] = [h[0] for h in hundred]
        result["requests_100"] = hundred[0][1]
        box = ",".join(str(v) for v in bbox)
        query = f"{items}?f=json&limit=1000&bbox={box}&bbox-crs={RD_URI}"
        timings, body = [], b""
        for _ in range(repeat):
            took, body = client.get(query)
            timings.append(took)
        result["bbox"] = timings
        result["bbox_ids"] = sorted(str(f["id"]) for f in json.loads(body)["features"])
        result["memory_mb"] = vm_hwm_mb(process.pid)
        client.conn.close()
    finally:
        stop_server(process)
    print(f"    {name}: startup {result['startup']:.2f} s, cold {result['cold']:.2f} s, "
          f"limit=1000 {min(result['page_1000']):.2f} s, limit=100 "
          f"{min(result['page_100']):.2f} s, bbox {min(result['bbox']):.3f} s "
          f"({len(result['bbox_ids'])} features), {result['bytes_1000'] / 1e6:.1f} MB, "
          f"peak {result['memory_mb']:.0f} MB", flush=True)
    return result


# -- checks ---------------------------------------------------------------------------------------


def _coordinates(geometry: dict[str, Any] | None) -> int:
    if not geometry:
        return 0
    return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon) \
        if geometry["type"] == "MultiPolygon" else sum(len(r) for r in geometry["coordinates"])


def compare(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts, ids, properties and coordinate counts of the two full pagings."""
    a = {str(f["id"]): f for f in ours}
    b = {str(f["id"]): f for f in theirs}
    differ = 0
    for code in set(a) & set(b):
        pa = {k: v for k, v in a[code]["properties"].items() if k != "code"}
        pb = b[code]["properties"]
        if set(pa) != set(pb) or any(not _same(pa[k], pb[k]) for k in pa):
            differ += 1
    return {"ours": len(ours), "theirs": len(theirs), "unique_ours": len(a),
            "same_ids": set(a) == set(b), "properties_differ": differ,
            "coords_ours": sum(_coordinates(f["geometry"]) for f in ours),
            "coords_theirs": sum(_coordinates(f["geometry"]) for f in theirs)}


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, int | float) and isinstance(y, int | float):
        return math.isclose(x, y, rel_tol=1e-9)
    return bool(x == y)


# -- driver ---------------------------------------------------------------------------------------


def run_case(label: str, data_dir: Path, collection_id: str, pygeoapi_python: Path,
             repeat: int, folder: Path) -> list[str]:
    print(f"{label} ({collection_id}):", flush=True)
    gpkg = folder / f"{collection_id}.gpkg"
    info = export_collection(data_dir, collection_id, gpkg)
    print(f"    {info['count']:,} areas, layers {', '.join(info['layers'])}; bbox {info['bbox']} "
          f"matches {info['bbox_hits']}", flush=True)
    geoinsight_bin = Path(sys.executable).parent / "geoinsight"
    port = free_port()
    ours = measure("GeoInsight", [str(geoinsight_bin), "--data-dir", str(data_dir), "serve",
                                  "--port", str(port), "--basemap", "none",
                                  "--threads", str(THREADS)],
                   dict(os.environ), port, f"/ogc/collections/{collection_id}/items",
                   info["bbox"], repeat)
    port = free_port()
    config = pygeoapi_config(folder, collection_id, gpkg, port)
    openapi = folder / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(pygeoapi_python.parent / "pygeoapi"), "openapi", "generate",
                    str(config), "--output-file", str(openapi)], env=env, check=True,
                   capture_output=True)
    theirs = measure("pygeoapi", [str(pygeoapi_python.parent / "waitress-serve"), "--host",
                                  "127.0.0.1", "--port", str(port), "--threads", str(THREADS),
                                  "pygeoapi.flask_app:APP"],
                     env, port, f"/collections/{collection_id}/items", info["bbox"], repeat)
    check = compare(ours["features"], theirs["features"])
    same_bbox = ours["bbox_ids"] == theirs["bbox_ids"]
    print(f"    check: features {check['ours']:,} / {check['theirs']:,} (expected "
          f"{info['count']:,}), same ids {check['same_ids']}, properties differing "
          f"{check['properties_differ']}, coordinates {check['coords_ours']:,} / "
          f"{check['coords_theirs']:,}; bbox same ids {same_bbox}", flush=True)

    def row(what: str, a: float, b: float, unit: str = "s", digits: int = 2) -> str:
        return (f"| {label} | {what} | {a:,.{digits}f} {unit} | {b:,.{digits}f} {unit} | "
                f"{b / a:.2f}× |")

    n = info["count"]
    rows = [
        row("startup (process start → port open)", ours["startup"], theirs["startup"]),
        row("cold: first `items?limit=1000`", ours["cold"], theirs["cold"]),
        row(f"page through {n:,} features, limit=1000 ({ours['requests_1000']} requests)",
            min(ours["page_1000"]), min(theirs["page_1000"])),
        row(f"page through, limit=100 ({ours['requests_100']} requests)",
            min(ours["page_100"]), min(theirs["page_100"])),
        row(f"bbox query, {len(ours['bbox_ids'])} features in one page", min(ours["bbox"]),
            min(theirs["bbox"]), digits=3),
        row("bytes of the limit=1000 pass", ours["bytes_1000"] / 1e6,
            theirs["bytes_1000"] / 1e6, "MB", 1),
        row("server peak memory (VmHWM) at the end", ours["memory_mb"], theirs["memory_mb"],
            "MB", 0),
    ]
    same = (check["ours"] == check["theirs"] == n and check["same_ids"]
            and check["properties_differ"] == 0 and same_bbox)
    rows.append(f"| {label} | same features, ids, properties, bbox result | "
                f"{'yes' if same else '**NO**'} ({check['ours']:,} / {check['theirs']:,}; "
                f"{check['properties_differ']} differ) | | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buurten", type=int, default=15_000,
                        help="synthetic buurten for the third collection (0: leave it out)")
    parser.add_argument("--repeat", type=int, default=3, help="warm passes per measure (best kept)")
    parser.add_argument("--pygeoapi-python", type=Path,
                        default=Path("/tmp/pygeoapi-venv/bin/python"))
    args = parser.parse_args()
    if not args.pygeoapi_python.exists():
        raise SystemExit(f"no pygeoapi interpreter at {args.pygeoapi_python}: see the "
                         "install lines at the top of this script")
    version = subprocess.run([str(args.pygeoapi_python), "-c", "import pygeoapi; "
                              "print(pygeoapi.__version__)"], capture_output=True, text=True,
                             check=True).stdout.strip()
    print(f"pygeoapi {version}, {os.cpu_count()} cores, waitress {THREADS} threads each")
    cases = [("gemeenten 2023 (real)", gemeente_store, "gemeente_2023"),
             ("wijken 2022 (real)", wijk_store, "wijk_2022")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_ogc_") as tmp:
        for label, store, collection_id in cases:
            rows += run_case(label, store(), collection_id, args.pygeoapi_python,
                             args.repeat, Path(tmp))
        if args.buurten:
            rows += run_case(f"buurten (synthetic, {args.buurten:,})",
                             buurt_store(args.buurten), "buurt_2024", args.pygeoapi_python,
                             args.repeat, Path(tmp))
    print("\n| collection | measure | GeoInsight | pygeoapi (OGR, GeoPackage) | "
          "pygeoapi / GeoInsight |\n|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
