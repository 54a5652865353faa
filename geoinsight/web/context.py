"""Per-app state (settings, store, catalogue, caches) and per-request language."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from geoinsight.access import (
    ANONYMOUS,
    Principal,
    effective_tier,
    strictest,
    visible_catalog,
)
from geoinsight.access import indicator_tiers as stored_tiers
from geoinsight.analysis.priority import PriorityScheme
from geoinsight.audit import AuditLog, CustomArea, Read
from geoinsight.catalog import Catalog, Layer
from geoinsight.catalog_registers import with_registers
from geoinsight.settings import Settings
from geoinsight.store import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    catalog: Catalog
    schemes: dict[str, PriorityScheme]
    audit: AuditLog
    #: (store version, level, gemeente, year) -> (GeoJSON, gzipped GeoJSON, ETag)
    #: store version -> {indicator id: tier}
    tier_cache: dict[str, dict[str, str]] = field(default_factory=dict)
    #: store version -> the catalogue with the store's event registers
    catalog_cache: dict[str, Catalog] = field(default_factory=dict)
    geojson_cache: OrderedDict[tuple[object, ...], tuple[bytes, bytes, str]] = field(
        default_factory=OrderedDict)
    #: (store version, layer, selection) -> signals computed from published values
    signal_cache: OrderedDict[tuple[object, ...], Any] = field(default_factory=OrderedDict)


def state() -> AppState:
    return current_app.extensions["geoinsight"]


def lang() -> str:
    return str(getattr(g, "lang", "nl"))


def principal() -> Principal:
    """Who is asking (set by the auth layer for each request; anonymous otherwise)."""
    return getattr(g, "principal", ANONYMOUS)


def indicator_tiers() -> dict[str, str]:
    """The access tier of every indicator (:func:`geoinsight.access.indicator_tiers`), read
    once per store version."""
    st = state()
    version = st.store.version()
    if version not in st.tier_cache:
        tiers = stored_tiers(st.store)
        st.tier_cache.clear()
        st.tier_cache[version] = tiers
    return st.tier_cache[version]


def full_catalog() -> Catalog:
    """Every layer: the layer files' and one per event register in the store (read once per
    store version). Views never see it whole: :func:`catalog` filters it for the request."""
    st = state()
    version = st.store.version()
    if version not in st.catalog_cache:
        built = with_registers(st.catalog, st.store.event_registers())
        st.catalog_cache.clear()
        st.catalog_cache[version] = built
    return st.catalog_cache[version]


def catalog() -> Catalog:
    """The layers this request may know of; every view asks here, never the full catalogue."""
    if "visible_catalog" not in g:
        g.visible_catalog = visible_catalog(full_catalog(), principal(), indicator_tiers())
    return g.visible_catalog


def readable(indicator: str) -> bool:
    """May this request see the values of an indicator?"""
    return principal().may_read(indicator_tiers().get(indicator, "open"))


def audit_layer(layer: Layer, what: str, area: str | None,
                custom: CustomArea | None = None) -> None:
    """Note a read of a layer's values; only internal and restricted reads are logged.
    ``custom``: which drawn or uploaded area was read, for reads that have no area code."""
    audit_read(what, effective_tier(layer, indicator_tiers()), area, custom)


def audit_profile(profile: dict[str, Any], what: str) -> None:
    """A profile is as protected as the strictest layer or indicator it shows."""
    tiers = indicator_tiers()
    shown = [effective_tier(catalog().get(row["layer"]), tiers) for row in profile["indicators"]]
    shown += [tiers.get(row["indicator"], "open") for row in profile["other_indicators"]]
    audit_read(what, strictest(shown), profile["code"])


def audit_indicators(indicators: Iterable[str], what: str, area: str | None) -> None:
    tiers = indicator_tiers()
    audit_read(what, strictest(tiers.get(i, "open") for i in indicators), area)


def audit_read(what: str, tier: str, area: str | None,
               custom: CustomArea | None = None) -> None:
    if tier != "open":
        g.setdefault("audit_reads", []).append(Read(what, tier, area or "", custom))
