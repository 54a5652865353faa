"""Exports of layers for a level, gemeente and year in the formats analysts' tools read.

:func:`build_export` is what the CLI (``geoinsight export``) and the web
(``/api/export/<layer>``) both call, so they give the same content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from geoinsight.catalog import Catalog
from geoinsight.export.formats import Format, csvw_metadata, stream
from geoinsight.export.metadata import export_metadata, file_stem
from geoinsight.export.table import AreaTable, area_table
from geoinsight.privacy.disclosure import DisclosureRules, Published
from geoinsight.usecases.service import Selection


@dataclass
class Export:
    table: AreaTable
    fmt: Format
    metadata: dict[str, Any]
    filename: str
    chunks: Iterator[bytes]

    def sidecar(self) -> dict[str, Any] | None:
        """The CSVW metadata a CSV is published with (other formats carry their own)."""
        if self.fmt.name != "csv":
            return None
        return csvw_metadata(self.table, self.metadata, self.filename)


def build_export(store: Published, catalog: Catalog, layer_ids: Sequence[str],
                 selection: Selection, fmt: Format, rules: DisclosureRules, lang: str = "nl",
                 boundaries: int | None = None, cell_m: float = 100.0) -> Export:
    """The export of ``layer_ids`` (figures as ``store`` publishes them: pass a
    :class:`~geoinsight.privacy.disclosure.PublishedStore`)."""
    table = area_table(store, catalog, layer_ids, selection, lang, boundaries,
                       geometry=fmt.crs is not None)
    meta = export_metadata(table, rules, lang, fmt.crs or "none (attributes only)")
    if fmt.name == "tif":
        meta["cell_size_m"] = cell_m
    return Export(table, fmt, meta, file_stem(table) + fmt.suffix,
                  stream(table, meta, fmt, cell_m))
