"""Which figures belong to which areas: the one rule every path that joins figures to areas uses.

CBS publishes the figures of year Y on the regional classification (gemeente-, wijk- and
buurtindeling) of year Y, and after a re-division re-uses codes for other areas: Ermelo's
BU02330001 is "Ermelo-Oost" in 2021 and "Ermelo - Noord" in 2024. So every figure is stored
with its *boundary year* B (the classification it was published on), and a figure lands on an
area (code, T) only when

- T == B: it was published on these very boundaries; or
- the code provably names the same area in B and T (a *link* ``same``), decided from the
  evidence the store holds, in this order:

  1. **names**: where both years name the code and the names differ (compared without case,
     spaces, hyphens, accents, punctuation and CBS's province mark "(O.)"), never;
  2. **geometry**: where both years' boundaries are stored, the same outline within
     :data:`SAME_GEOMETRY`;
  3. **CBS's flag** ``indelingswijziging wijken en buurten``: 1 (unchanged since the year
     before) in every year after the earlier one up to the later one; any other value says
     the indeling changed;
  4. else the same code with the same name.

  Without a name or any other evidence the link is ``unproven``, and the figure is not shown.

A figure that does not land is not guessed: the page says why (:func:`unplaced`), and where
its own boundaries are stored, harmonisation can re-express it (status ``estimated``). Links
are computed at ingest, for every code the ingest touches, and stored (``area_links``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoinsight.records import LINK_COLUMNS, REGISTER_COLUMNS, VALUE_COLUMNS, Reject
from geoinsight.sources.codes import COUNTRY_CODE
from geoinsight.sources.regions import area_name_key

#: Largest share of an outline (symmetric difference over the larger area) by which two
#: editions of one area may differ and still be the same area: the boundary noise harmonisation
#: also ignores (two simplifications of the same 2022/2023 gemeente lines disagree by up to
#: 2 % of a gemeente's area; a re-division moves whole streets).
SAME_GEOMETRY = 0.03
SAME, DIFFERENT, UNPROVEN = "same", "different", "unproven"


def names_differ(a: object, b: object) -> bool:
    """Two names of one code that say different areas (both known, unequal normalised)."""
    if not _known(a) or not _known(b):
        return False
    return area_name_key(a) != area_name_key(b)


def _known(name: object) -> bool:
    return name is not None and not (isinstance(name, float) and np.isnan(name)) \
        and str(name).strip() != ""


# -- computing links (at ingest) -----------------------------------------------------------


def compute_links(register: pd.DataFrame, geometries: gpd.GeoDataFrame) -> pd.DataFrame:
    """The links between every two years in which a code is known.

    ``register``: code, year, name, changed (REGISTER_COLUMNS); ``geometries``: code, year,
    name, geometry of the stored (and newly loaded) areas. Returns LINK_COLUMNS.
    """
    known = pd.concat([register[["code", "year", "name"]],
                       pd.DataFrame(geometries[["code", "year", "name"]])], ignore_index=True)
    # a boundary file's name wins over a table's for the same code and year
    known = known.assign(_has=known["name"].map(_known)).sort_values("_has", kind="stable")
    names = known.drop_duplicates(["code", "year"], keep="last")[["code", "year", "name"]]
    pairs = names.merge(names, on="code", suffixes=("_a", "_b"))
    pairs = pairs[pairs["year_a"] < pairs["year_b"]].reset_index(drop=True)
    if pairs.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    flags = {(str(r.code), int(r.year)): r.changed for r in register.itertuples()
             if pd.notna(r.changed)}
    shapes = {(str(c), int(y)): g for c, y, g in zip(
        geometries["code"], geometries["year"], geometries.geometry, strict=True)}
    difference = _outline_differences(pairs, shapes)
    relations, reasons = [], []
    for row, diff in zip(pairs.itertuples(index=False), difference, strict=True):
        relation, reason = _relation(row, diff, flags)
        relations.append(relation)
        reasons.append(reason)
    out = pairs[["code", "year_a", "year_b"]].assign(relation=relations, reason=reasons)
    return out[LINK_COLUMNS]


def _outline_differences(pairs: pd.DataFrame,
                         shapes: dict[tuple[str, int], shapely.Geometry]) -> np.ndarray:
    """Symmetric difference over the larger area, where both outlines are stored (else NaN)."""
    a = np.array([shapes.get((c, int(y))) for c, y in zip(pairs["code"], pairs["year_a"],
                                                           strict=True)], dtype=object)
    b = np.array([shapes.get((c, int(y))) for c, y in zip(pairs["code"], pairs["year_b"],
                                                           strict=True)], dtype=object)
    both = np.array([x is not None and y is not None for x, y in zip(a, b, strict=True)],
                    dtype=bool)
    out = np.full(len(pairs), np.nan)
    if both.any():
        larger = np.maximum(shapely.area(a[both]), shapely.area(b[both]))
        moved = shapely.area(shapely.symmetric_difference(a[both], b[both], grid_size=0.01))
        out[both] = np.where(larger > 0, moved / np.where(larger > 0, larger, 1), 1.0)
    return out


def _relation(row: object, outline_difference: float,
              flags: dict[tuple[str, int], object]) -> tuple[str, str]:
    code, a, b = str(row.code), int(row.year_a), int(row.year_b)  # type: ignore[attr-defined]
    name_a, name_b = row.name_a, row.name_b  # type: ignore[attr-defined]
    if names_differ(name_a, name_b):
        return DIFFERENT, f"named {name_a!r} in {a} and {name_b!r} in {b}"
    if not np.isnan(outline_difference):
        if outline_difference <= SAME_GEOMETRY:
            return SAME, f"same name and outline in {a} and {b}"
        return DIFFERENT, (f"outline changed between {a} and {b} "
                           f"({outline_difference:.0%} of the area)")
    between = [flags.get((code, y)) for y in range(a + 1, b + 1)]
    changed = [y for y, f in zip(range(a + 1, b + 1), between, strict=True)
               if f is not None and int(f) != 1]  # type: ignore[call-overload]
    if changed:
        return DIFFERENT, f"CBS: indeling changed in {changed[0]}"
    if all(f is not None for f in between):
        return SAME, f"CBS: indeling unchanged from {a} to {b}"
    if _known(name_a) and _known(name_b):
        return SAME, f"same code and name in {a} and {b}"
    return UNPROVEN, f"no name in {a if not _known(name_a) else b} to compare"


@dataclass
class LinkUpdate:
    """What an ingest adds to its batch: the links of the codes it touches."""

    links: pd.DataFrame
    codes: list[str]


def links_after(store: object, register: pd.DataFrame | None,
                areas: gpd.GeoDataFrame | None) -> LinkUpdate:
    """Recompute the links of every code in ``register`` and ``areas`` (a new batch) from the
    store's evidence plus the batch's."""
    new_register = register if register is not None else pd.DataFrame(columns=REGISTER_COLUMNS)
    new_areas = areas if areas is not None else gpd.GeoDataFrame(
        {"code": [], "year": [], "name": []}, geometry=[], crs=28992)
    codes = sorted(set(new_register["code"]) | set(new_areas["code"]))
    if not codes:
        return LinkUpdate(pd.DataFrame(columns=LINK_COLUMNS), [])
    stored_register = store.register(codes)  # type: ignore[attr-defined]
    merged_register = _merge_register(stored_register, new_register)
    stored_areas = store.areas(codes=codes)  # type: ignore[attr-defined]
    replaced = set(zip(new_areas["code"], new_areas["year"].astype(int), strict=True))
    kept = stored_areas.loc[[(c, int(y)) not in replaced for c, y in zip(
        stored_areas["code"], stored_areas["year"], strict=True)]]
    shapes = gpd.GeoDataFrame(pd.concat([kept[["code", "year", "name", "geometry"]],
                                         new_areas[["code", "year", "name", "geometry"]]],
                                        ignore_index=True), geometry="geometry", crs=28992)
    return LinkUpdate(compute_links(merged_register, shapes), codes)


def _merge_register(stored: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The register after a batch: as the store writes it (new names and flags fill in)."""
    both = pd.concat([stored[REGISTER_COLUMNS], new[REGISTER_COLUMNS]], ignore_index=True)
    if both.empty:
        return both
    return both.groupby(["code", "year"], as_index=False, sort=False).agg(
        level=("level", "last"), name=("name", _last_known), changed=("changed", _last_known))


def _last_known(values: pd.Series) -> object:
    known = values[values.map(_known) if values.dtype == object else values.notna()]
    return known.iloc[-1] if len(known) else None


# -- reading: figures on areas ---------------------------------------------------------------


def same_links(store: object, codes: Sequence[str]) -> set[tuple[str, int, int]]:
    """(code, year, year) for every pair of years in which ``codes`` provably name the same
    area, both ways round."""
    if not len(codes):
        return set()
    links = store.links(sorted(set(codes)))  # type: ignore[attr-defined]
    same = links[links["relation"] == SAME]
    pairs = set(zip(same["code"], same["year_a"].astype(int), same["year_b"].astype(int),
                    strict=True))
    return pairs | {(c, b, a) for c, a, b in pairs}


def lands(store: object, values: pd.DataFrame, boundary_year: int) -> pd.Series:
    """Which figures (rows with code and boundary_year) belong to the areas of their code on
    ``boundary_year``'s boundaries."""
    # the country is the country on every indeling
    own = (values["boundary_year"].astype(int) == int(boundary_year)) \
        | (values["code"] == COUNTRY_CODE)
    if own.all():
        return own
    other = values[~own]
    same = same_links(store, other["code"].unique().tolist())
    linked = pd.Series([(c, int(b), int(boundary_year)) in same for c, b in zip(
        other["code"], other["boundary_year"], strict=True)], index=other.index, dtype=bool)
    return own | linked.reindex(values.index, fill_value=False)


def placed_values(store: object, *, codes: Sequence[str], boundary_year: int,
                  indicators: Sequence[str] | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """The figures of ``codes`` that belong to their areas on ``boundary_year``'s boundaries
    (read through ``store``: pass the published store). VALUE_COLUMNS."""
    raw = store.values(indicators=indicators, codes=list(codes), year=year)  # type: ignore
    if raw.empty:
        return raw
    return raw[lands(store, raw, boundary_year)].reset_index(drop=True)


@dataclass
class Unplaced:
    """Figures of some areas that are not shown on the boundaries asked for, and why."""

    boundary_year: int
    #: figure boundary year -> codes whose figures of that year did not land
    codes: dict[int, list[str]] = field(default_factory=dict)

    def all_codes(self) -> set[str]:
        return {c for codes in self.codes.values() for c in codes}

    @property
    def count(self) -> int:
        return len(self.all_codes())

    def as_dict(self) -> dict[str, object]:
        return {"count": self.count, "boundary_year": self.boundary_year,
                "figure_boundary_years": sorted(self.codes), "codes": sorted(self.all_codes())}


def unplaced(store: object, *, codes: Sequence[str], boundary_year: int,
             indicators: Sequence[str], year: int) -> Unplaced:
    """Areas with a figure of ``year`` that is on other boundaries and not provably theirs."""
    raw = store.values(indicators=list(indicators), codes=list(codes), year=year)  # type: ignore
    found = Unplaced(boundary_year)
    if raw.empty:
        return found
    refused = raw[~lands(store, raw, boundary_year)]
    placed = set(raw.loc[~raw.index.isin(refused.index), "code"])
    for b_year, rows in refused.groupby("boundary_year"):
        missing = sorted(set(rows["code"]) - placed)
        if missing:
            found.codes[int(b_year)] = missing
    return found


# -- the ingest report --------------------------------------------------------------------------


@dataclass
class PlacementReport:
    """How a table's codes meet the stored boundaries (the ingest summary)."""

    matched: int = 0
    unchanged: int = 0
    refused: int = 0
    without_boundaries: int = 0
    rejects: list[Reject] = field(default_factory=list)
    #: a boundary file: the report is about figures already stored for other indelingen
    boundaries: bool = False

    def summary(self) -> str:
        if self.boundaries:
            if not (self.unchanged or self.refused):
                return ""
            return (f"figures stored for other indelingen of these codes: {self.unchanged} "
                    f"confirmed unchanged, {self.refused} refused (not shown here)")
        return (f"placed on stored boundaries: {self.matched} matched, {self.unchanged} "
                f"confirmed unchanged, {self.refused} refused, {self.without_boundaries} "
                "without boundaries")


def placement_report(register: pd.DataFrame, areas: pd.DataFrame,
                     links: pd.DataFrame) -> PlacementReport:
    """For each (code, year) of a table's ``register``: on its own year's boundaries
    (matched), on another year's proven the same (confirmed unchanged), only on other years'
    and not provably the same (refused: named in the rejects report), or nowhere yet.

    ``areas``: code, year of every stored area of those codes after the batch; ``links``: the
    links after the batch.
    """
    report = PlacementReport()
    stored: dict[str, set[int]] = {}
    for code, y in zip(areas["code"], areas["year"], strict=True):
        stored.setdefault(str(code), set()).add(int(y))
    relation = {(r.code, int(r.year_a), int(r.year_b)): (r.relation, r.reason)
                for r in links.itertuples()}
    for code, year in zip(register["code"], register["year"].astype(int), strict=True):
        years = stored.get(str(code), set())
        if year in years:
            report.matched += 1
            continue
        if not years:
            report.without_boundaries += 1
            continue
        verdicts = {t: relation.get((code, min(t, year), max(t, year)), (UNPROVEN, "no link"))
                    for t in sorted(years)}
        if any(v[0] == SAME for v in verdicts.values()):
            report.unchanged += 1
            continue
        report.refused += 1
        t, (_, reason) = max(verdicts.items())
        report.rejects.append(Reject(f"{code} ({year})", str(code),
                                     f"figures of the {year} indeling not shown on the {t} "
                                     f"boundaries: {reason}"))
    return report


__all__ = ["DIFFERENT", "SAME", "SAME_GEOMETRY", "UNPROVEN", "VALUE_COLUMNS", "LinkUpdate",
           "PlacementReport", "Unplaced", "compute_links", "lands", "links_after",
           "names_differ", "placed_values", "placement_report", "same_links", "unplaced"]
