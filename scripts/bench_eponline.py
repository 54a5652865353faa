"""EP-Online ingest: the streamed reader against plain ``pandas.read_csv`` on a 5,000,000-row file.

Writes (once; reused while its size matches) a synthetic bulk file in the documented format
(preamble, ``;``, decimal comma, shuffled columns with extras, three date formats mixed, some
objects labelled several times, some malformed rows), then reads it in two fresh processes, so
that each peak resident memory (``ru_maxrss``) is its own:

- streamed: ``geoinsight.sources.eponline.read_eponline`` (validated, deduplicated, compact);
- pandas: the obvious alternative, ``pandas.read_csv`` of the whole file (all text, so the BAG
  ids keep their leading zero), the registration date parsed in the three formats, the object
  key coalesced, then ``sort_values`` + ``drop_duplicates``. It validates nothing.

Usage: python scripts/bench_eponline.py [--rows 5000000] [--path /tmp/eponline_bench.csv]
Targets (issue 3): streamed under 60 s and under 1.5 GB peak on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

TODAY = dt.date(2026, 9, 1)
BAD_ROWS = 150
TARGET_SECONDS = 60.0
TARGET_MB = 1536.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--path", type=Path, default=Path("/tmp/eponline_bench.csv"))
    parser.add_argument("--child", choices=["write", "streamed", "pandas", "baseline"])
    args = parser.parse_args()
    if args.child == "write":
        _write(args.path, args.rows)
        return
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.path)))
        return
    # This process stays small (no pandas until the report): on Linux a child's ru_maxrss
    # starts at its parent's resident size when it forks, and execve keeps it.
    print(f"bulk file: {args.path}", flush=True)
    if _stored_rows(args.path) != args.rows:
        subprocess.run([sys.executable, __file__, "--child", "write", "--rows", str(args.rows),
                        "--path", str(args.path)], check=True)
    size_mb = args.path.stat().st_size / 1e6
    print(f"  {args.rows:,} data rows, {size_mb:,.0f} MB", flush=True)
    base = _child("baseline", args.path)
    streamed = _child("streamed", args.path)
    naive = _child("pandas", args.path)
    _report(args, size_mb, base, streamed, naive)


# --- the file -----------------------------------------------------------------------------------


def _writer_version() -> str:
    """A digest of the synthetic writer's source: a changed writer means a new file."""
    source = Path(__file__).resolve().parents[1] / "geoinsight" / "sources" / "eponline_synth.py"
    return hashlib.sha256(source.read_bytes()).hexdigest()[:16]


def _stored_rows(path: Path) -> int | None:
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        return None
    info = json.loads(meta.read_text())
    same = info.get("size") == path.stat().st_size and info.get("writer") == _writer_version()
    return int(info["rows"]) if same else None


def _write(path: Path, rows: int) -> None:
    from geoinsight.sources.eponline_synth import (
        synthetic_addresses,
        synthetic_labels,
        write_bulk_file,
    )

    start = time.perf_counter()
    n_addresses = int(rows * 1.25)
    while True:
        addresses = synthetic_addresses(n_addresses, seed=1)
        labels = synthetic_labels(addresses, seed=2, today=TODAY)
        if len(labels) >= rows - BAD_ROWS:
            break
        n_addresses = int(n_addresses * 1.1)
    labels = labels.iloc[: rows - BAD_ROWS]
    del addresses
    print(f"  generated {len(labels):,} labels in {time.perf_counter() - start:.0f} s", flush=True)
    write_bulk_file(labels, path, bad_rows=BAD_ROWS, seed=3)
    path.with_suffix(".json").write_text(json.dumps({
        "rows": rows, "size": path.stat().st_size, "writer": _writer_version()}))
    print(f"  written in {time.perf_counter() - start:.0f} s", flush=True)


# --- the readers, each in its own process -------------------------------------------------------


def _child(kind: str, path: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, "--path", str(path)]
    print(f"  running {kind} …", flush=True)
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"    {result}", flush=True)
    return result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _hwm_mb() -> float:
    """VmHWM, the kernel's own high-water mark of this process image (a cross-check)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return float("nan")
    line = next(t for t in status.read_text().splitlines() if t.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _baseline(path: Path) -> dict[str, float]:
    """Peak memory of the interpreter with pandas, pyarrow and the reader imported."""
    import geoinsight.sources.eponline  # noqa: F401

    return {"peak_mb": _peak_mb(), "hwm_mb": _hwm_mb()}


def _streamed(path: Path) -> dict[str, float]:
    from geoinsight.sources.eponline import read_eponline

    start = time.perf_counter()
    result = read_eponline(path, today=TODAY)
    seconds = time.perf_counter() - start
    frame_mb = result.labels.memory_usage(deep=True).sum() / 1e6
    return {"seconds": seconds, "peak_mb": _peak_mb(), "hwm_mb": _hwm_mb(), "read": result.read,
            "labels": len(result.labels), "superseded": result.superseded,
            "rejected": len(result.rejects), "frame_mb": frame_mb}


def _pandas(path: Path) -> dict[str, float]:
    import pandas as pd

    with open(path, encoding="utf-8-sig") as handle:
        skip = next(i for i, line in enumerate(handle) if line.startswith("Pand_"))
    start = time.perf_counter()
    frame = pd.read_csv(path, sep=";", skiprows=skip, dtype=str, decimal=",")
    text = frame["Pand_registratiedatum"]
    registered = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%Y%m%d", "%d-%m-%Y"):
        registered = registered.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    address = (frame["Pand_postcode"].str.replace(" ", "").str.upper() + " "
               + frame["Pand_huisnummer"] + " " + frame["Pand_huisnummer_toev"].fillna(""))
    key = (frame["Pand_bagverblijfsobjectid"].fillna(frame["Pand_bagligplaatsid"])
           .fillna(frame["Pand_bagstandplaatsid"]).fillna(address))
    frame = frame.assign(_registered=registered, _key=key)
    newest = frame.sort_values("_registered", kind="stable").drop_duplicates("_key", keep="last")
    seconds = time.perf_counter() - start
    frame_mb = newest.memory_usage(deep=True).sum() / 1e6
    return {"seconds": seconds, "peak_mb": _peak_mb(), "hwm_mb": _hwm_mb(), "read": len(frame),
            "labels": len(newest), "superseded": len(frame) - len(newest), "rejected": 0,
            "frame_mb": frame_mb}


CHILDREN = {"baseline": _baseline, "streamed": _streamed, "pandas": _pandas}


# --- report -------------------------------------------------------------------------------------


def _report(args: argparse.Namespace, size_mb: float, base: dict[str, float],
            streamed: dict[str, float], naive: dict[str, float]) -> None:
    import pandas as pd
    import pyarrow as pa

    time_ok = streamed["seconds"] < TARGET_SECONDS
    memory_ok = streamed["peak_mb"] < TARGET_MB
    lines = [
        f"Command: `python scripts/bench_eponline.py --rows {args.rows}` "
        f"({dt.date.today().isoformat()}; pandas {pd.__version__}, pyarrow {pa.__version__}, "
        f"{os.cpu_count()} cores)",
        "",
        f"File: {args.rows:,} data rows, {size_mb:,.0f} MB CSV, {BAD_ROWS} of them malformed.",
        "",
        "| reader | time | peak memory (ru_maxrss) | labels kept | superseded | rejected | "
        "result in memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in (("streamed `read_eponline`", streamed),
                    ("`pandas.read_csv` + sort + drop_duplicates", naive)):
        lines.append(f"| {name} | {r['seconds']:.1f} s | {r['peak_mb']:,.0f} MB | "
                     f"{int(r['labels']):,} | {int(r['superseded']):,} | {int(r['rejected']):,} "
                     f"| {r['frame_mb']:,.0f} MB |")
    lines += [
        "",
        f"- Ratio: streamed is {naive['seconds'] / streamed['seconds']:.1f}× faster and uses "
        f"{naive['peak_mb'] / streamed['peak_mb']:.1f}× less peak memory.",
        f"- Interpreter with pandas + pyarrow imported: {base['peak_mb']:,.0f} MB of each peak.",
        f"- Targets: under {TARGET_SECONDS:.0f} s: {'met' if time_ok else 'MISSED'}; "
        f"under {TARGET_MB / 1024:.1f} GB: {'met' if memory_ok else 'MISSED'}.",
    ]
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
