"""Who may see what: roles, access tiers and the rule between them, in one place.

Tiers (on every indicator and layer): ``open`` (anyone), ``internal`` (signed-in staff) and
``restricted`` (named roles). A layer a principal may not see does not exist for them: the web
layer asks this module, and answers "not found" the same way for a hidden layer as for one that
does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from geoinsight.catalog import Catalog, Layer

TIERS = ("open", "internal", "restricted")
ROLES = ("staff", "analist", "ondermijning", "beheerder")

#: The tiers each role may read. Restricted data is for the named role(s) only.
ROLE_TIERS: dict[str, frozenset[str]] = {
    "staff": frozenset({"open", "internal"}),
    "analist": frozenset({"open", "internal"}),
    "ondermijning": frozenset({"open", "internal", "restricted"}),
    "beheerder": frozenset({"open", "internal", "restricted"}),
}


@dataclass(frozen=True)
class Principal:
    """The one asking: a signed-in user, a script with a token, or nobody (anonymous)."""

    name: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def anonymous(self) -> bool:
        return self.name is None

    @property
    def tiers(self) -> frozenset[str]:
        allowed = {"open"}
        for role in self.roles:
            allowed |= ROLE_TIERS.get(role, frozenset())
        return frozenset(allowed)

    def may_read(self, tier: str) -> bool:
        return tier in self.tiers

    def has_role(self, role: str) -> bool:
        return role in self.roles


ANONYMOUS = Principal()


def strictest(tiers: Iterable[str]) -> str:
    """The most protected of some tiers (a figure built from restricted data is restricted)."""
    ranked = [t for t in tiers if t in TIERS]
    return max(ranked, key=TIERS.index) if ranked else "open"


def indicator_tiers(store: Any) -> dict[str, str]:
    """The access tier of every indicator: the strictest of the tier it was stored with and the
    tier the registry gives it (so a layer over a restricted indicator is restricted before any
    of its figures are loaded); an event register's indicators have the register's tier, which
    whoever ingested it chose (``ingest events --tier``)."""
    from geoinsight.catalog.indicators import known

    tiers: dict[str, str] = {i.id: i.tier for i in known().values()}
    meta = store.indicators()
    for indicator, tier in zip(meta["id"], meta["tier"], strict=True):
        tiers[str(indicator)] = strictest([str(tier), tiers.get(str(indicator), "open")])
    for register in store.event_registers():
        tiers.update(dict.fromkeys(register.indicator_ids(), register.tier))
    return tiers


def effective_tier(layer: Layer, indicator_tiers: Mapping[str, str]) -> str:
    """A layer is as protected as its own tier and every indicator it reads."""
    return strictest([layer.tier, *(indicator_tiers.get(i, "open") for i in layer.reads())])


def with_effective_tiers(catalog: Catalog, indicator_tiers: Mapping[str, str]) -> Catalog:
    """The catalogue with every layer's tier its effective one, so that every place that states
    a tier (``/api/layers``, export metadata, ``geoinsight layers list``) states the one that
    is enforced, never a layer file's lower declaration."""
    return Catalog({layer_id: replace(layer, tier=effective_tier(layer, indicator_tiers))
                    for layer_id, layer in catalog.layers.items()})


def visible_catalog(catalog: Catalog, principal: Principal,
                    indicator_tiers: Mapping[str, str]) -> Catalog:
    """The catalogue as this principal may know it: hidden layers are simply not there, and
    every layer states its effective tier."""
    effective = with_effective_tiers(catalog, indicator_tiers)
    return Catalog({layer_id: layer for layer_id, layer in effective.layers.items()
                    if principal.may_read(layer.tier)})
