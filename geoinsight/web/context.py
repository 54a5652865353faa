"""Per-app state (settings, store, catalogue, caches) and per-request language."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app, g

from geoinsight.analysis.priority import PriorityScheme
from geoinsight.catalog import Catalog
from geoinsight.settings import Settings
from geoinsight.store import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    catalog: Catalog
    schemes: dict[str, PriorityScheme]
    #: (store version, level, gemeente, year) -> (GeoJSON, gzipped GeoJSON, ETag)
    geojson_cache: OrderedDict[tuple[object, ...], tuple[bytes, bytes, str]] = field(
        default_factory=OrderedDict)


def state() -> AppState:
    return current_app.extensions["geoinsight"]


def lang() -> str:
    return str(getattr(g, "lang", "nl"))
