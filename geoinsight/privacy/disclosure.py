"""Disclosure control: what may be published of a figure, decided on the server before it leaves.

One module, one entry point (:func:`protect`), used for every value a route returns. Defaults
follow CBS practice and can be changed in configuration (``disclosure:`` in config.yaml):

1. **Small counts**: a count of people, households, dwellings or events between 1 and the
   threshold (10 for restricted indicators, 5 otherwise) is suppressed. Zero is published: it
   says nothing about anyone.
2. **Rounding**: person and household counts of wijken and buurten are rounded to 5.
3. **Small bases**: shares, rates and means of an area with fewer than 50 inhabitants are
   suppressed (a layer can name another base, see the catalogue's ``base``).
4. **Complementary suppression**: where a parent total (wijk, gemeente, country; the nearest
   one that has a figure) is published
   and exactly one of its children is suppressed, the smallest other published child is
   suppressed too, so the hidden one cannot be found as "total minus the rest". This repeats
   over buurt → wijk → gemeente → country until nothing changes. A *missing* figure is no
   protection (it is often zero, or known elsewhere): it counts as known, so it neither shields
   a hidden sibling nor makes anything else hidden; where a parent's figure is missing, its
   children are also summed into the next area up.

5. **Categories**: where a total is the sum of its categories (events per class of every
   event register, dwellings per energy label class; :func:`additive_groups`) and a category
   of an area is suppressed while its total is published, every other non-zero category of
   that area is suppressed too (the total itself when none is left; a missing total counts as
   known, as in rule 4). Rules 4 and 5 are
   repeated together until nothing changes, so a cell hidden for one cannot be recovered
   through the other.

Suppressed figures get status ``secret`` and no value, and show as their own legend class.

Figures about the land rather than anyone on it (the statistics of a raster of heat, elevation
or green, :mod:`geoinsight.rasters`) are not about persons, so rules 1-3 do not apply to them;
they are not parts of a total either. Their tier still decides who sees them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from geoinsight.catalog.energy_indicators import LABEL_CLASSES, class_id
from geoinsight.settings import Settings
from geoinsight.sources.codes import COUNTRY_CODE
from geoinsight.store import Reader, ReadThrough, Store, open_store

#: totals that are the sum of their parts, per area and year (see rule 5)
ADDITIVE: dict[str, tuple[str, ...]] = {
    "events_total": ("events_drugs", "events_weapons", "events_explosions", "events_fraud",
                     "events_other"),
    "energy_labels_valid": tuple(f"labels_class_{class_id(c)}" for c in LABEL_CLASSES),
}
GROUP_OF: dict[str, str] = {m: total for total, parts in ADDITIVE.items()
                            for m in (total, *parts)}

#: units whose counts are about people (rounded) and units that are not about anyone
PERSON_UNITS = frozenset({"inwoners", "huishoudens", "personen"})
NON_DISCLOSIVE_UNITS = frozenset({"ha", "km", "km²"})
#: the code of a drawn area's figures (see :func:`protect_custom_area`)
CUSTOM_AREA = "custom"


@dataclass(frozen=True)
class DisclosureRules:
    min_count: int = 5
    min_count_restricted: int = 10
    round_persons_to: int = 5
    min_population: int = 50

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> DisclosureRules:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in (config or {}).items() if k in known})


@dataclass(frozen=True)
class IndicatorMeta:
    kind: str
    unit: str
    tier: str
    #: the total this indicator is a category of (an event register's class), if any
    part_of: str | None = None
    #: a figure about the land, not about anyone (a raster's statistics): rules 1-3 do not
    #: apply (geoinsight.rasters)
    about_land: bool = False

    @property
    def disclosive_count(self) -> bool:
        return self.kind == "count" and self.unit not in NON_DISCLOSIVE_UNITS

    @property
    def person_count(self) -> bool:
        return self.kind == "count" and self.unit in PERSON_UNITS


def indicator_meta(store: Any) -> dict[str, IndicatorMeta]:
    """Kind, unit and tier of every indicator: the store's record, else the registry's; the
    tier as for access (:func:`geoinsight.privacy.access.indicator_tiers`). The categories of
    an event register name their total (rule 5)."""
    from geoinsight.catalog.indicators import known
    from geoinsight.privacy.access import indicator_tiers

    tiers = indicator_tiers(store)
    found = {i.id: IndicatorMeta(str(i.kind), i.unit, tiers[i.id]) for i in known().values()}
    for row in store.indicators().itertuples():
        found[str(row.id)] = IndicatorMeta(str(row.kind), str(row.unit), tiers[str(row.id)])
    for register in store.event_registers():
        for part in register.class_ids():
            if part in found:
                found[part] = replace(found[part], part_of=register.total_id)
    for raster in store.rasters():
        for indicator in raster.indicator_ids():
            if indicator in found and raster.about_land:
                found[indicator] = replace(found[indicator], about_land=True)
    return found


def additive_groups(meta: Mapping[str, IndicatorMeta]) -> dict[str, tuple[str, ...]]:
    """Totals and their categories (rule 5): :data:`ADDITIVE` and every event register's."""
    groups = dict(ADDITIVE)
    for indicator, info in meta.items():
        if info.part_of is not None and indicator not in groups.get(info.part_of, ()):
            groups[info.part_of] = (*groups.get(info.part_of, ()), indicator)
    return groups


def parent_of(code: str) -> str | None:
    """The area whose total includes ``code``: buurt → wijk → gemeente → the country."""
    if code.startswith("BU"):
        return "WK" + code[2:8]
    if code.startswith("WK"):
        return "GM" + code[2:6]
    if code.startswith("GM"):
        return COUNTRY_CODE
    return None


def protect(values: pd.DataFrame, meta: Mapping[str, IndicatorMeta],
            population: Mapping[str, float], rules: DisclosureRules) -> pd.DataFrame:
    """Apply every rule to long-form values (code, year, indicator, value, status).

    ``values`` must hold every area of the hierarchy the answer draws from (all buurten, wijken
    and gemeenten of the gemeenten involved, and the country where known), for the suppression
    to see the totals a reader could difference against. ``population`` maps a code to its
    number of inhabitants. Returns the same rows with values and statuses as published.
    """
    if values.empty:
        return values
    out = values.copy()
    parts = []
    for (indicator, _year), group in out.groupby(["indicator", "year"], sort=False):
        info = meta.get(str(indicator), IndicatorMeta("count", "", "open"))
        parts.append(_protect_one(group, info, population, rules))
    protected = pd.concat(parts).loc[values.index]
    for total, members in additive_groups(meta).items():
        mask = protected["indicator"].isin([total, *members])
        if mask.any() and (protected.loc[mask, "indicator"] == total).any():
            protected.loc[mask] = _protect_categories(protected.loc[mask], total, members)
    return protected


def protect_custom_area(values: pd.DataFrame, meta: Mapping[str, IndicatorMeta],
                        population: Mapping[str, float], rules: DisclosureRules) -> pd.DataFrame:
    """The same rules for a drawn area's figures (code :data:`CUSTOM_AREA`) as for a buurt's.

    Small counts are suppressed, person counts rounded (as local as a buurt), shares, rates and
    means suppressed below the minimum population (``population[CUSTOM_AREA]``), categories
    protected with their total. A drawn area has no stored parent total, so rule 4 finds nothing
    to do: its differencing risk is met by computing it from published figures and open points.
    """
    if set(values["code"]) - {CUSTOM_AREA}:
        raise ValueError(f"protect_custom_area takes the figures of {CUSTOM_AREA!r} only")
    return protect(values, meta, population, rules)


def _protect_categories(rows: pd.DataFrame, total: str, members: tuple[str, ...]) -> pd.DataFrame:
    """Rule 5 with rule 4 again, until stable: no hidden category can be solved for.

    Where a published total has a hidden category, every non-zero category of that area is
    hidden (a single extra cell is not enough once the hierarchy links the areas: the two
    dimensions together would give it away); the total itself stays published.
    """
    rows = rows.copy()
    while True:
        hide = _category_cells(rows, total, members)
        if hide.empty:
            return rows
        rows.loc[hide, ["value", "status"]] = [np.nan, "secret"]
        for (_indicator, _year), group in rows.groupby(["indicator", "year"], sort=False):
            published = group["status"].isin(["ok", "estimated"]) & group["value"].notna()
            hidden_by_rule_4 = _complementary(group["code"], group["value"].astype(float),
                                              published, group["status"] == "secret")
            if hidden_by_rule_4.any():
                rows.loc[hidden_by_rule_4[hidden_by_rule_4].index,
                         ["value", "status"]] = [np.nan, "secret"]


def _category_cells(rows: pd.DataFrame, total: str, members: tuple[str, ...]) -> pd.Index:
    """Row labels rule 5 hides now, for every area and year at once (a wide table)."""
    frame = rows.assign(_row=rows.index, _shown=rows["status"].isin(["ok", "estimated"])
                        & rows["value"].notna(), _secret=rows["status"] == "secret")
    wide = frame.pivot(index=["code", "year"], columns="indicator")
    parts = [m for m in members if m in wide["_row"].columns]
    if total not in wide["_row"].columns or not parts:
        return pd.Index([])
    secret = wide["_secret"][parts].fillna(False).astype(bool)
    shown = wide["_shown"][parts].fillna(False).astype(bool)
    # a missing total is as good as known (often zero, or known elsewhere): it protects nothing
    total_shown = wide["_shown"][total].fillna(False).astype(bool)
    total_known = wide["_row"][total].notna() & ~wide["_secret"][total].fillna(False).astype(
        bool)
    trigger = total_known & secret.any(axis=1)
    kids = shown & (wide["value"][parts] != 0) & trigger.to_numpy()[:, None]
    lone = trigger & ~kids.any(axis=1) & (secret.sum(axis=1) == 1)
    labels = list(wide["_row"][parts].to_numpy()[kids.to_numpy()])
    labels += list(wide["_row"][total][lone & total_shown])
    # a lone hidden category under a missing total: its zero siblings go (the total, less
    # what is known, no longer says which of them holds what)
    zeros = shown & (wide["value"][parts] == 0) & (lone & ~total_shown).to_numpy()[:, None]
    labels += list(wide["_row"][parts].to_numpy()[zeros.to_numpy()])
    return pd.Index(labels)


def _protect_one(group: pd.DataFrame, info: IndicatorMeta, population: Mapping[str, float],
                 rules: DisclosureRules) -> pd.DataFrame:
    if info.about_land:
        return group
    group = group.copy()
    shown = group["status"].isin(["ok", "estimated"]) & group["value"].notna()
    value = group["value"].astype(float)
    secret = pd.Series(False, index=group.index)
    if info.disclosive_count:
        threshold = rules.min_count_restricted if info.tier == "restricted" else rules.min_count
        secret |= shown & (value > 0) & (value < threshold)
        secret |= _complementary(group["code"], value, shown & ~secret,
                                 (group["status"] == "secret") | secret)
    elif info.kind in ("share", "rate", "mean"):
        pop = group["code"].map(lambda c: population.get(c, np.nan)).astype(float)
        secret |= shown & (pop < rules.min_population)
    group.loc[secret, "value"] = np.nan
    group.loc[secret, "status"] = "secret"
    if info.person_count and rules.round_persons_to > 1:
        local = (group["code"].str.startswith(("WK", "BU")) | (group["code"] == CUSTOM_AREA)) \
            & ~secret & shown
        step = rules.round_persons_to
        group.loc[local, "value"] = (np.floor(value[local] / step + 0.5) * step)
    return group


def _complementary(codes: pd.Series, value: pd.Series, published: pd.Series,
                   hidden: pd.Series) -> pd.Series:
    """Extra cells to suppress so no hidden child is its parent minus its siblings.

    Only ``hidden`` cells (suppressed here or marked secret by the source) protect each other.
    A missing cell is no protection: it is often zero or known from elsewhere, so it counts as
    known — it neither shields a hidden sibling nor asks for a sibling to be hidden.
    """
    published = published.copy()
    hidden = hidden.copy()
    by_code = dict(zip(codes, codes.index, strict=True))
    missing = ~published & ~hidden
    groups = _sum_groups(codes, by_code, missing)
    extra = pd.Series(False, index=codes.index)
    # hidden cells that nothing can shield (a hidden wijk whose buurten are all missing is
    # their sum): they count as known, and so protect no sibling
    exposed = pd.Series(False, index=codes.index)

    def hide(index: Any) -> None:
        published[index] = False
        hidden[index] = True
        extra[index] = True

    changed = True
    while changed:
        changed = False
        for parent, kids in groups:
            unknown = [k for k in kids if hidden[k] and not exposed[k]]
            # the smallest non-zero published child, else a zero one (a zero hidden beside
            # another hidden cell still hides which of the two holds what)
            shown_kids = [k for k in kids if published[k]]
            smallest = min(shown_kids, key=lambda k: (value[k] == 0, value[k], str(codes[k])),
                           default=None)
            total = parent
            if hidden[total] and not exposed[total]:
                # a hidden parent is the sum of its children: one of them must be hidden too
                if not unknown:
                    if smallest is not None:
                        hide(smallest)
                    else:
                        exposed[total] = True
                    changed = True
                continue
            if len(unknown) != 1:
                continue  # none hidden, or two or more hide each other
            # the smallest non-zero published sibling goes; with none, or an only child, the
            # parent's total; with a missing parent, a zero sibling
            if smallest is not None and value[smallest] != 0:
                hide(smallest)
            elif published[total]:
                hide(total)
            elif smallest is not None:
                hide(smallest)
            else:
                exposed[unknown[0]] = True
            changed = True
    return extra


def _sum_groups(codes: pd.Series, by_code: Mapping[str, Any],
                missing: pd.Series) -> list[tuple[Any, list[Any]]]:
    """Every "parent = sum of its children" a reader can use, as (parent row, child rows).

    A child's parent is the nearest area above it with a figure (no wijk figure: the
    gemeente's). Where that parent's figure is missing it counts as known, and the children
    are also summed into the nearest area above it whose figure is not missing: if the missing
    total is in fact unknown, that larger sum is the one a reader differences against.
    """
    direct: dict[Any, list[Any]] = {}
    skipping: dict[Any, list[Any]] = {}
    for index, code in codes.items():
        parent = parent_of(str(code))
        while parent is not None and parent not in by_code:
            parent = parent_of(parent)
        if parent is None:
            continue
        direct.setdefault(by_code[parent], []).append(index)
        if missing[by_code[parent]]:
            above = parent_of(parent)
            while above is not None and (above not in by_code or missing[by_code[above]]):
                above = parent_of(above)
            if above is not None:
                skipping.setdefault(by_code[above], []).append(index)
    groups = list(direct.items())
    for parent, kids in skipping.items():
        # the flattened sum: the parent's own children that are not missing, and the children
        # of its missing ones (recursively gathered above)
        own = [k for k in direct.get(parent, []) if not missing[k]]
        groups.append((parent, own + kids))
    return groups


class Published(Reader, Protocol):
    """A read-only store whose figures passed disclosure control, with the rules they passed
    (what a re-expressed or drawn area's figures must pass too). :class:`PublishedStore` and
    :class:`geoinsight.privacy.gate.Gate` are such stores; a raw store is not, so a use case that
    needs the rules cannot be handed one by mistake."""

    @property
    def rules(self) -> DisclosureRules: ...


class PublishedStore(ReadThrough):
    """A read-only store whose ``values()`` are what may be published. It answers the read
    protocol (:class:`geoinsight.store.Reader`) and nothing else: no ``write``, and no
    pass-through of what the protocol does not name (:class:`geoinsight.store.ReadThrough`);
    what is no figure (boundaries, registers, links, metadata, points) is read as stored.
    Requests reach it only through a :class:`geoinsight.privacy.gate.Gate`.

    Protection is computed over the whole hierarchy of an indicator and year (every area the
    store holds), so a figure is published or suppressed the same way in every answer: two
    requests with different scopes cannot be differenced against each other.
    """

    def __init__(self, store: Store, rules: DisclosureRules) -> None:
        super().__init__(store)
        self._store: Store = store
        self.rules = rules
        self._cache: dict[tuple[str, str, int], pd.DataFrame] = {}
        self._context: dict[tuple[str, int], tuple[dict[str, IndicatorMeta],
                                                   dict[str, float]]] = {}

    def values(self, *, indicators: Any = None, codes: Any = None,
               year: int | None = None) -> pd.DataFrame:
        raw = self._store.values(indicators=indicators, codes=codes, year=year)
        if raw.empty:
            return raw
        parts = []
        for (indicator, y), rows in raw.groupby(["indicator", "year"], sort=False):
            published = self._published(str(indicator), int(y))
            parts.append(published[published["code"].isin(set(rows["code"]))])
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values(["code", "indicator", "year"]).reset_index(drop=True)

    def presence(self, *, indicators: Any = None, codes: Any = None) -> pd.DataFrame:
        """Which figures exist, without values: disclosure control changes the value and status
        of a figure, never whether it exists, so this needs no protection."""
        return super().presence(indicators=indicators, codes=codes)

    def _published(self, indicator: str, year: int) -> pd.DataFrame:
        key = (self._store.version(), indicator, year)
        if key not in self._cache:
            if len(self._cache) > 512 or any(k[0] != key[0] for k in self._cache):
                self._cache.clear()  # a new store version: everything may have changed
            meta, population = self._context_for(key[0], year)
            groups = additive_groups(meta)
            total = next((t for t, parts in groups.items() if indicator in (t, *parts)), None)
            members = [total, *groups[total]] if total else [indicator]
            everything = self._store.values(indicators=members, year=year)
            protected = protect(everything, meta, population, self.rules)
            for member in members:  # a category group is protected (and cached) together
                self._cache[(key[0], member, year)] = protected[
                    protected["indicator"] == member].reset_index(drop=True)
        return self._cache[key]

    def _context_for(self, version: str, year: int) -> tuple[dict[str, IndicatorMeta],
                                                             dict[str, float]]:
        """Indicator metadata and inhabitants per area, read once per store version and year."""
        if (version, year) not in self._context:
            self._context = {k: v for k, v in self._context.items() if k[0] == version}
            self._context[(version, year)] = (indicator_meta(self._store),
                                               self._population(year))
        return self._context[(version, year)]


    def _population(self, year: int) -> dict[str, float]:
        """Inhabitants per area from the latest population figure up to ``year``."""
        rows = self._store.values(indicators=["population"])
        rows = rows[(rows["year"] <= year) & rows["status"].isin(["ok", "estimated"])]
        latest = rows.sort_values("year").drop_duplicates("code", keep="last")
        return dict(zip(latest["code"], latest["value"].astype(float), strict=True))


def disclosure_rules(settings: Settings) -> DisclosureRules:
    """The disclosure rules of the settings (``disclosure:`` in config.yaml), else defaults."""
    return DisclosureRules.from_config(settings.extra.get("disclosure"))


def open_published_store(settings: Settings) -> PublishedStore:
    """The store as it may be published: every value read through disclosure control, with
    the rules of the settings (``disclosure:``). Web routes and exports read through this."""
    return PublishedStore(open_store(settings), disclosure_rules(settings))
