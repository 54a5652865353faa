"""Per-app state (settings, store, catalogue, caches) and per-request language."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from geoinsight.access import ANONYMOUS, Principal, effective_tier, strictest, visible_catalog
from geoinsight.analysis.priority import PriorityScheme
from geoinsight.audit import AuditLog, Read
from geoinsight.catalog import Catalog, Layer
from geoinsight.indicators import known
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
    """The access tier of every indicator, read once per store version: the strictest of the
    tier it was stored with and the tier the registry gives it (so a layer over a restricted
    indicator is restricted before any of its figures are loaded)."""
    st = state()
    version = st.store.version()
    if version not in st.tier_cache:
        meta = st.store.indicators()
        tiers: dict[str, str] = {i.id: i.tier for i in known().values()}
        for indicator, tier in zip(meta["id"], meta["tier"], strict=True):
            tiers[indicator] = strictest([tier, tiers.get(indicator, "open")])
        st.tier_cache.clear()
        st.tier_cache[version] = tiers
    return st.tier_cache[version]


def catalog() -> Catalog:
    """The layers this request may know of; every view asks here, never the full catalogue."""
    if "visible_catalog" not in g:
        g.visible_catalog = visible_catalog(state().catalog, principal(), indicator_tiers())
    return g.visible_catalog


def readable(indicator: str) -> bool:
    """May this request see the values of an indicator?"""
    return principal().may_read(indicator_tiers().get(indicator, "open"))


def audit_layer(layer: Layer, what: str, area: str | None) -> None:
    """Note a read of a layer's values; only internal and restricted reads are logged."""
    audit_read(what, effective_tier(layer, indicator_tiers()), area)


def audit_profile(profile: dict[str, Any], what: str) -> None:
    """A profile is as protected as the strictest layer or indicator it shows."""
    tiers = indicator_tiers()
    shown = [effective_tier(catalog().get(row["layer"]), tiers) for row in profile["indicators"]]
    shown += [tiers.get(row["indicator"], "open") for row in profile["other_indicators"]]
    audit_read(what, strictest(shown), profile["code"])


def audit_indicators(indicators: Iterable[str], what: str, area: str | None) -> None:
    tiers = indicator_tiers()
    audit_read(what, strictest(tiers.get(i, "open") for i in indicators), area)


def audit_read(what: str, tier: str, area: str | None) -> None:
    if tier != "open":
        g.setdefault("audit_reads", []).append(Read(what, tier, area or ""))
