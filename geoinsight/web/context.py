"""Per-app state (settings, store, catalogue, caches) and per-request language."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app, g

from geoinsight.access import ANONYMOUS, Principal, visible_catalog
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
    #: store version -> {indicator id: tier}
    tier_cache: dict[str, dict[str, str]] = field(default_factory=dict)
    geojson_cache: OrderedDict[tuple[object, ...], tuple[bytes, bytes, str]] = field(
        default_factory=OrderedDict)


def state() -> AppState:
    return current_app.extensions["geoinsight"]


def lang() -> str:
    return str(getattr(g, "lang", "nl"))


def principal() -> Principal:
    """Who is asking (set by the auth layer for each request; anonymous otherwise)."""
    return getattr(g, "principal", ANONYMOUS)


def indicator_tiers() -> dict[str, str]:
    """The access tier of every stored indicator, read once per store version."""
    st = state()
    version = st.store.version()
    if version not in st.tier_cache:
        meta = st.store.indicators()
        st.tier_cache.clear()
        st.tier_cache[version] = dict(zip(meta["id"], meta["tier"], strict=True))
    return st.tier_cache[version]


def catalog() -> Catalog:
    """The layers this request may know of; every view asks here, never the full catalogue."""
    if "visible_catalog" not in g:
        g.visible_catalog = visible_catalog(state().catalog, principal(), indicator_tiers())
    return g.visible_catalog


def readable(indicator: str) -> bool:
    """May this request see the values of an indicator?"""
    return principal().may_read(indicator_tiers().get(indicator, "open"))
