"""A store as a municipality builds it from real files (issue 10): national-style gemeenten of
2023, its own buurten of an older year (Ermelo 2021), and the KWB 2024 tables of a newer year.

Between 2021 and 2024 CBS re-divided Ermelo and re-used five buurt codes for other buurten
(BU02330001 was "Ermelo-Oost" in 2021 and is "Ermelo - Noord" in 2024): a figure joined by code
alone lands on the wrong buurt. The fixtures are cut from the workplace's real files (see
tests/data/README.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from geoinsight.ingest import IngestResult, ingest_boundaries, ingest_indicators
from geoinsight.settings import load_settings
from geoinsight.store.gpkg import GeoPackageStore
from geoinsight.web import create_app

DATA = Path(__file__).parent / "data"
GEMEENTEN_2023 = DATA / "gemeenten_2023_extract.geojson"
ERMELO_2021 = DATA / "ermelo_buurten_2021_buurtkaart.gpkg"
KWB2024_BUURTEN = DATA / "kwb2024_buurten_ermelo.csv"
KWB2024_GEMEENTEN = DATA / "kwb2024_gemeenten_extract.csv"

#: code -> (name on the 2021 boundaries, name in the 2024 table): the re-used codes
REUSED = {
    "BU02330001": ("Ermelo-Oost", "Ermelo - Noord"),
    "BU02330002": ("Ermelo-West", "Ermelo - Oost"),
    "BU02330003": ("Veldwijk-'s Heerenloo", "Ermelo - Zuid"),
    "BU02330004": ("Tonsel", "Ermelo - West"),
    "BU02330005": ("Horst", "Veldwijk"),
}


@dataclass
class RealisticStore:
    store: GeoPackageStore
    results: list[IngestResult]

    @property
    def table(self) -> IngestResult:
        """The ingest of the 2024 buurt table."""
        return self.results[2]


def build(folder: Path) -> RealisticStore:
    store = GeoPackageStore(folder / "geoinsight.gpkg")
    results = [ingest_boundaries(store, GEMEENTEN_2023), ingest_boundaries(store, ERMELO_2021),
               ingest_indicators(store, KWB2024_BUURTEN, year=2024),
               ingest_indicators(store, KWB2024_GEMEENTEN, year=2024)]
    return RealisticStore(store, results)


def figures_2024(column: str = "inwoners") -> dict[str, float]:
    """The 2024 table's figures by code (what a code-only join would show)."""
    with open(KWB2024_BUURTEN, encoding="utf-8") as handle:
        return {row["bu_code"]: float(row[column]) for row in csv.DictReader(handle)
                if row[column]}


def realistic_app(folder: Path) -> Flask:
    """The web app over :func:`build`'s store in ``folder`` (offline basemap, testing)."""
    build(folder)
    app = create_app(load_settings(data_dir=folder, basemap="none"))
    app.config["TESTING"] = True
    return app
