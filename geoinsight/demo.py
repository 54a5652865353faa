"""The embedded demo, loaded through the same ingest as a user's files.

- Delft: its 91 buurten, wijken and gemeente with CBS Kerncijfers 2024;
- a *synthetic* ondermijning event register for Delft 2021-2025 (restricted), generated per
  buurt and read by the real ``ingest events`` parser;
- a *synthetic* heat-stress raster (PET, °C) over Delft's buurten, ingested as the raster
  ``hittestress`` (its figures and overlay);
- the Den Haag / Leidschendam-Voorburg test area: 14 buurten 2022, their 31,293 real BAG
  address points, KWB 2024 figures, and a *synthetic* EP-Online label set drawn per address
  from a bouwjaar-dependent distribution, written as a bulk file and read by the real parser.

See data/demo/README.md for provenance.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path

from geoinsight.errors import InputError
from geoinsight.ingest import IngestResult, ingest_boundaries, ingest_indicators
from geoinsight.ingest.events import ingest_events
from geoinsight.ingest.points import ingest_addresses, ingest_energy_labels
from geoinsight.rasters import RasterSpec
from geoinsight.settings import Settings
from geoinsight.sources.eponline_synth import synthetic_labels, write_bulk_file
from geoinsight.sources.events_synth import synthetic_events, write_events_file
from geoinsight.store import Store
from geoinsight.store.gpkg import GeoPackageStore

BOUNDARIES = ("delft_2023.gpkg", "denhaag_lv_buurten_2022.gpkg")
INDICATORS = ("delft_kwb2024.csv", "denhaag_lv_kwb2024.csv")
INDICATOR_YEAR = 2024
ADDRESSES = "denhaag_lv_bag_2022.csv.gz"
ADDRESS_YEAR = 2022
#: the synthetic label set is drawn as if published on this date (fixed: a reproducible demo)
LABELS_PUBLISHED = dt.date(2026, 9, 1)
LABEL_SEED = 20260901
EVENT_GEMEENTE = "GM0503"
EVENT_YEARS = [2021, 2022, 2023, 2024, 2025]
EVENT_SEED = 20261126
HEAT_SEED = 20261205
#: the synthetic heat-stress raster: PET above 35 °C is strong heat stress, above 41 °C
#: extreme (the Klimaateffectatlas classes)
HEAT = RasterSpec("hittestress", title="Hittestress (gevoelstemperatuur)", unit="°C",
                  theme="environment", tier="open", above=(35.0, 41.0), year=2024,
                  source="GeoInsight-demo, gegenereerd hittestressraster (PET)",
                  licence="CC0")


def load_demo(store_path: Path, demo_dir: Path) -> list[IngestResult]:
    """Build the demo in a new GeoPackage beside the store, then swap it in atomically (its
    raster is kept in the store's folder, the data folder)."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    building = store_path.with_name(f".{store_path.name}.demo-{uuid.uuid4().hex}")
    try:
        results = load_demo_into(GeoPackageStore(building), demo_dir, store_path.parent)
        GeoPackageStore(store_path).replace_with(building)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".lock").unlink(missing_ok=True)
    return results


def load_demo_into(store: Store, demo_dir: Path, data_dir: Path) -> list[IngestResult]:
    """Every ingest of the demo, into ``store`` (each one atomic on its own); the raster's file
    is kept under ``data_dir``."""
    results = [ingest_boundaries(store, demo_dir / name) for name in BOUNDARIES]
    results += [ingest_indicators(store, demo_dir / name, year=INDICATOR_YEAR)
                for name in INDICATORS]
    results.append(ingest_addresses(store, demo_dir / ADDRESSES, year=ADDRESS_YEAR))
    with tempfile.TemporaryDirectory() as tmp:
        bulk = Path(tmp) / "ep-online-synthetic-demo.csv"
        labels = synthetic_labels(store.addresses(), seed=LABEL_SEED, today=LABELS_PUBLISHED)
        write_bulk_file(labels, bulk, published=LABELS_PUBLISHED.strftime("%d-%m-%Y"))
        results.append(ingest_energy_labels(store, bulk, today=LABELS_PUBLISHED))
        results.append(_demo_events(store, Path(tmp)))
        results.append(_demo_heat(store, Path(tmp), data_dir))
    return results


def load_demo_for(settings: Settings, *, only_if_empty: bool = False) -> list[IngestResult]:
    """The demo in the store the settings choose: the GeoPackage is rebuilt and swapped in;
    a PostGIS database, which has no such swap, takes the demo only while it is empty, under
    its fill lock (two servers starting on one empty database load it once). A database with
    data is refused, or, with ``only_if_empty``, left as it is (an empty list)."""
    if not settings.database_url:
        return load_demo(settings.store_path, settings.demo_dir)
    from geoinsight.store.postgis import PostGISStore

    store = PostGISStore(settings.database_url)
    with store.filling():
        if not store.is_empty():
            if only_if_empty:
                return []
            raise InputError(f"{settings.store_name}: the PostGIS store holds data; the demo "
                             "is loaded into an empty PostGIS store only")
        return load_demo_into(store, settings.demo_dir, settings.data_dir)


def _demo_events(store: Store, folder: Path) -> IngestResult:
    buurten = store.areas(level="buurt", municipality=EVENT_GEMEENTE)
    population = store.values(indicators=["population"], codes=list(buurten["code"]))
    people = population.drop_duplicates("code", keep="last").set_index("code")["value"]
    events = synthetic_events(buurten, people, EVENT_YEARS, seed=EVENT_SEED)
    path = write_events_file(events, folder / "meldingen-ondermijning-synthetic-demo.csv")
    return ingest_events(store, path, synthetic=True)


def _demo_heat(store: Store, folder: Path, data_dir: Path) -> IngestResult:
    from geoinsight.ingest.rasters import ingest_raster
    from geoinsight.sources.raster_synth import synthetic_heat, write_heat_raster

    buurten = store.areas(level="buurt", municipality=EVENT_GEMEENTE)
    population = store.values(indicators=["population"], codes=list(buurten["code"]))
    people = population.drop_duplicates("code", keep="last").set_index("code")["value"]
    values, transform = synthetic_heat(buurten, people, seed=HEAT_SEED)
    path = write_heat_raster(values, transform, folder / "hittestress-synthetic-demo.tif")
    return ingest_raster(store, path, HEAT, data_dir, synthetic=True)
