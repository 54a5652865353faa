"""The one way a request reaches data: a :class:`Gate` built from the principal.

Tiers, disclosure control and the audit used to be enforced by each view remembering to call the
right helpers. A gate makes them structural: it is built once per request from the principal
and holds the only reference to the (published) store a request gets. Through it a use case
sees

- the **visible catalogue**: the layers this principal may know of, each with its effective
  tier (:func:`geoinsight.privacy.access.visible_catalog`);
- the **published figures** of the indicators this principal may read: values pass disclosure
  control (:class:`geoinsight.privacy.disclosure.PublishedStore`) and an indicator of a tier
  the principal may not read has no figures at all, whatever a use case asks for;
- the **audit**: every internal or restricted read is noted, and written after a successful
  answer (geoinsight.web.audit).

A gate answers the read-only half of the store protocol (:class:`geoinsight.store.Reader`), so
use cases take it where they took a store. It has no ``write`` and no pass-through of unknown
attributes: what it does not define, a request cannot reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geoinsight.catalog import Catalog, Layer
from geoinsight.catalog.stored import with_stored_layers
from geoinsight.privacy.access import (
    ANONYMOUS,
    Principal,
    effective_tier,
    indicator_tiers,
    strictest,
    visible_catalog,
)
from geoinsight.privacy.audit import CustomArea, Read
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.rasters import RasterSource
from geoinsight.registers import EventRegister
from geoinsight.store import ReadThrough


@dataclass
class Gates:
    """Makes a :class:`Gate` per request; holds what is read once per store version (the
    indicator tiers, the catalogue with the store's event registers and rasters, and the
    visible catalogue per set of readable tiers: working it out took half of a cached answer's
    time)."""

    published: PublishedStore
    catalog: Catalog
    _tiers: dict[str, dict[str, str]] = field(default_factory=dict)
    _catalogs: dict[str, Catalog] = field(default_factory=dict)
    _visible: dict[tuple[str, frozenset[str]], Catalog] = field(default_factory=dict)

    def for_principal(self, principal: Principal = ANONYMOUS) -> Gate:
        version = self.published.version()
        if version not in self._tiers:
            self._tiers = {version: indicator_tiers(self.published)}
            self._catalogs = {version: with_stored_layers(self.catalog, self.published)}
            self._visible = {}
        tiers, catalog = self._tiers[version], self._catalogs[version]
        key = (version, principal.tiers)  # what a principal may know depends on its tiers only
        visible = self._visible.get(key)
        if visible is None:
            visible = self._visible[key] = visible_catalog(catalog, principal, tiers)
        return Gate(principal, self.published, catalog, tiers, visible)


class Gate(ReadThrough):
    """What one principal may see of the store, the catalogue and the audit (module doc)."""

    def __init__(self, principal: Principal, published: PublishedStore, full_catalog: Catalog,
                 tiers: dict[str, str], visible: Catalog | None = None) -> None:
        """``visible``: ``full_catalog`` as ``principal`` may know it, when already made."""
        super().__init__(published)
        self.principal = principal
        self._store: PublishedStore = published
        self._tiers = tiers
        self.catalog: Catalog = (visible if visible is not None
                                 else visible_catalog(full_catalog, principal, tiers))
        #: the internal and restricted reads of this request, for the audit log
        self.reads: list[Read] = []

    # --- who may read what -------------------------------------------------------------------

    @property
    def rules(self) -> DisclosureRules:
        """The disclosure rules every published figure passed (custom areas apply them too)."""
        return self._store.rules

    def tier_of(self, indicator: str) -> str:
        return self._tiers.get(indicator, "open")

    def may_read(self, indicator: str) -> bool:
        return self.principal.may_read(self.tier_of(indicator))

    def _readable(self, indicators: Sequence[str] | None) -> list[str] | None:
        """The asked indicators this principal may read (all readable ones when none asked)."""
        if indicators is None:
            return [i for i in self._tiers if self.may_read(i)] if self._hides_any() else None
        return [i for i in indicators if self.may_read(i)]

    def _hides_any(self) -> bool:
        return any(not self.may_read(i) for i in self._tiers)

    # --- the audit ---------------------------------------------------------------------------

    def audit_layer(self, layer: Layer, what: str, area: str | None,
                    custom: CustomArea | None = None) -> None:
        """Note a read of a layer's values (only internal and restricted reads are logged);
        ``custom``: the drawn or uploaded area read, for reads without an area code."""
        self.audit_read(what, effective_tier(layer, self._tiers), area, custom)

    def audit_indicators(self, indicators: Iterable[str], what: str, area: str | None) -> None:
        self.audit_read(what, strictest(self.tier_of(i) for i in indicators), area)

    def audit_profile(self, profile: dict[str, Any], what: str) -> None:
        """A profile is as protected as the strictest layer or indicator it shows."""
        shown = [self.catalog.get(row["layer"]).tier for row in profile["indicators"]]
        shown += [self.tier_of(row["indicator"]) for row in profile["other_indicators"]]
        self.audit_read(what, strictest(shown), profile["code"])

    def audit_read(self, what: str, tier: str, area: str | None,
                   custom: CustomArea | None = None) -> None:
        if tier != "open":
            self.reads.append(Read(what, tier, area or "", custom))

    # --- the read-only store protocol, as this principal may see it ----------------------
    # What is not overridden here is read as published: boundaries, the code register and
    # links between years are public CBS data; BAG addresses and EP-Online labels are public
    # registers, which a use case only counts per area, and what it returns passes disclosure
    # control (privacy.disclosure.protect_custom_area).


    def values(self, *, indicators: Sequence[str] | None = None,
               codes: Sequence[str] | None = None, year: int | None = None) -> pd.DataFrame:
        """Published figures of the readable indicators only."""
        asked = self._readable(indicators)
        if asked is not None and not asked:
            return self._store.values(indicators=[], codes=codes, year=year)
        return self._store.values(indicators=asked, codes=codes, year=year)

    def value_years(self, *, indicators: Sequence[str] | None = None,
                    codes: Sequence[str] | None = None) -> list[int]:
        asked = self._readable(indicators)
        if asked is not None and not asked:
            return []
        return self._store.value_years(indicators=asked, codes=codes)

    def presence(self, *, indicators: Sequence[str] | None = None,
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
        asked = self._readable(indicators)
        found = self._store.presence(indicators=asked if asked else None, codes=codes)
        return found if asked is None else found[found["indicator"].isin(asked)]

    def indicators(self) -> pd.DataFrame:
        """The stored indicators' metadata, of the readable ones: a hidden indicator does not
        exist for this principal."""
        meta = self._store.indicators()
        return meta[[self.may_read(str(i)) for i in meta["id"]]].reset_index(drop=True)

    def event_registers(self) -> list[EventRegister]:
        return [r for r in self._store.event_registers() if self.principal.may_read(r.tier)]

    def rasters(self) -> list[RasterSource]:
        """The rasters this principal may read (their figures, overlay and file)."""
        return [r for r in self._store.rasters() if self.principal.may_read(r.tier)]
