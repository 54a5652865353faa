"""The embedded demo: Delft's buurten, wijken and gemeente with CBS Kerncijfers 2024.

Loaded through the same ingest as a user's files (see data/demo/README.md for provenance).
"""

from __future__ import annotations

import os
from pathlib import Path

from geoinsight.ingest import IngestResult, ingest_boundaries, ingest_indicators
from geoinsight.store.gpkg import GeoPackageStore

BOUNDARIES = "delft_2023.gpkg"
INDICATORS = "delft_kwb2024.csv"
INDICATOR_YEAR = 2024


def load_demo(store_path: Path, demo_dir: Path) -> list[IngestResult]:
    """Build the demo in a new file beside the store, then swap it in atomically."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    building = store_path.with_name(f".{store_path.name}.demo")
    building.unlink(missing_ok=True)
    try:
        store = GeoPackageStore(building)
        results = [ingest_boundaries(store, demo_dir / BOUNDARIES),
                   ingest_indicators(store, demo_dir / INDICATORS, year=INDICATOR_YEAR)]
        os.replace(building, store_path)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".lock").unlink(missing_ok=True)
    return results
