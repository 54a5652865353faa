"""Raw files -> validated frames -> the store, atomically.

Each ingest reads a file, keys its rows by CBS code and year, cleans what can be cleaned (CRS,
invalid geometry, CBS sentinels), rejects what cannot (with a reason), and hands the store one
batch that is written all or nothing. Boundaries and tables: :mod:`.tables`; BAG addresses and
EP-Online labels: :mod:`.points`; own event registers: :mod:`.events`; what they share:
:mod:`.common`.
"""

from geoinsight.ingest.common import IngestResult
from geoinsight.ingest.events import ingest_events
from geoinsight.ingest.points import ingest_addresses, ingest_energy_labels
from geoinsight.ingest.tables import ingest_boundaries, ingest_indicators

__all__ = ["IngestResult", "ingest_addresses", "ingest_boundaries", "ingest_energy_labels",
           "ingest_events", "ingest_indicators"]
