"""``geoinsight status``: what the store holds, which layers have figures where, what to do next.

A municipality builds its store from files of different years. This reads the store once per
question (boundaries, figures per source and indeling, point sets, layers) and says, in the
order a set-up goes (boundaries per level and year → tables → addresses → labels → registers),
what is missing for the figures it holds to be shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from geoinsight.analysis.placement import placement_report
from geoinsight.catalog import Catalog, Layer
from geoinsight.sources.codes import gemeente_of, level_of
from geoinsight.store import Store
from geoinsight.usecases.holdings import LEVELS, gemeenten, landing_masks, landing_years


@dataclass(frozen=True)
class Boundaries:
    level: str
    year: int
    areas: int
    gemeenten: int


@dataclass(frozen=True)
class Source:
    """The figures one ingest stored for one level and indeling, and where they land."""

    file: str
    kind: str
    level: str
    boundary_year: int
    codes: int
    matched: int
    unchanged: int
    refused: int
    without_boundaries: int
    #: of the refused and those without boundaries: codes of gemeenten whose areas at this
    #: level the store holds (of another indeling) — the ones a next step can fix
    own_unplaced: int = 0


@dataclass(frozen=True)
class LayerWhere:
    layer: Layer
    #: level -> (figure years that land somewhere at that level, areas they land on (latest))
    levels: dict[str, tuple[list[int], int]]


@dataclass
class Status:
    path: str
    boundaries: list[Boundaries]
    sources: list[Source]
    points: dict[str, int]
    layers: list[LayerWhere]
    next_steps: list[str] = field(default_factory=list)


def store_status(store: Store, catalog: Catalog, path: str = "") -> Status:
    boundaries = _boundaries(store)
    sources = _sources(store)
    inventory = store.inventory()
    points = {str(r.point_set): int(r.points) for r in inventory["points"].itertuples()}
    layers = _layers(store, list(catalog.layers.values()))
    status = Status(path, boundaries, sources, points, layers)
    status.next_steps = next_steps(status)
    return status


def _boundaries(store: Store) -> list[Boundaries]:
    areas = store.areas(geometry=False)
    out = []
    for (level, year), rows in areas.groupby(["level", "year"]):
        out.append(Boundaries(str(level), int(year), len(rows),
                              int(rows["gemeente_code"].nunique())))
    return sorted(out, key=lambda b: (LEVELS.index(b.level) if b.level in LEVELS else 9,
                                      b.year))


def _sources(store: Store) -> list[Source]:
    figures = store.inventory()["figures"]
    if figures.empty:
        return []
    log = store.ingest_log().set_index("id")
    figures = figures.assign(level=figures["code"].map(_level))
    figures = figures[figures["level"].isin(LEVELS)]
    codes = sorted(set(figures["code"]))
    areas = store.areas(codes=codes, geometry=False)[["code", "year"]]
    links = store.links(codes)
    all_areas = store.areas(geometry=False)
    # a gemeente with buurten wants its wijken too: the finer levels count for the coarser
    held_gemeenten = {level: set(all_areas.loc[all_areas["level"].isin(
        LEVELS[:LEVELS.index(level) + 1]), "gemeente_code"].dropna()) for level in LEVELS}
    out = []
    for (ingest, level, b_year), rows in figures.groupby(["ingest_id", "level",
                                                         "boundary_year"]):
        register = pd.DataFrame({"code": rows["code"].unique(), "year": int(b_year)})
        mine = areas[areas["code"].isin(set(register["code"]))]
        report = placement_report(register, mine, links)
        entry = log.loc[int(ingest)] if int(ingest) in log.index else None
        placed = set(mine.loc[mine["year"].astype(int) == int(b_year), "code"]) | {
            r.code for r in links.itertuples() if r.relation == "same"
            and int(b_year) in (int(r.year_a), int(r.year_b))}
        own = [c for c in register["code"] if c not in placed
               and gemeente_of(str(c)) in held_gemeenten.get(str(level), set())]
        out.append(Source(str(entry["file"]) if entry is not None else f"ingest {ingest}",
                          str(entry["kind"]) if entry is not None else "",
                          str(level), int(b_year), len(register), report.matched,
                          report.unchanged, report.refused, report.without_boundaries,
                          len(own)))
    return out


def _level(code: str) -> str:
    try:
        return level_of(code)
    except KeyError:
        return "country"


def _layers(store: Store, layers: Sequence[Layer]) -> list[LayerWhere]:
    where: dict[str, dict[str, tuple[list[int], int]]] = {layer.id: {} for layer in layers}
    inputs = sorted({i for layer in layers for i in layer.inputs()})
    for level in LEVELS:
        if not gemeenten(store, level):
            continue
        areas = store.areas(level=level, geometry=False)
        values = store.presence(indicators=inputs, codes=areas["code"].unique().tolist())
        masks = landing_masks(store, areas, values)
        for layer in layers:
            if level not in layer.levels:
                continue
            years = landing_years(store, areas, values, layer.inputs(), masks)
            if not years:
                continue
            latest, on = max(years.items())
            mine = values[values["indicator"].isin(set(layer.inputs()))
                          & (values["year"] == latest)]
            landed = mine[masks[on].reindex(mine.index, fill_value=False)]
            here = set(areas.loc[areas["year"].astype(int) == on, "code"])
            where[layer.id][level] = (sorted(years), len(set(landed["code"]) & here))
    return [LayerWhere(layer, where[layer.id]) for layer in layers]


def next_steps(status: Status) -> list[str]:
    """What to load next, in the order a set-up goes."""
    steps = []
    held = {(b.level, b.year) for b in status.boundaries}
    if not held:
        steps.append("load boundaries first: geoinsight ingest boundaries "
                     "<Wijk- en buurtkaart YYYY.gpkg> (CBS/PDOK: gemeenten, wijken and buurten)")
    missing: dict[tuple[str, int], int] = {}
    for source in status.sources:
        if source.own_unplaced:
            key = (source.level, source.boundary_year)
            missing[key] = missing.get(key, 0) + source.own_unplaced
    by_year: dict[int, list[str]] = {}
    for (level, year), count in sorted(missing.items(), key=lambda kv: (
            kv[0][1], LEVELS.index(kv[0][0]) if kv[0][0] in LEVELS else 9)):
        if (level, year) not in held:
            by_year.setdefault(year, []).append(f"{count} {level}")
    for year, counts in by_year.items():
        steps.append(f"figures of the {year} indeling have no {year} boundaries in your "
                     f"gemeenten ({', '.join(counts)} codes): load the Wijk- en buurtkaart {year} "
                     f"(geoinsight ingest boundaries <wijkenbuurten_{year}.gpkg>)")
    landed_levels = {level for where in status.layers for level in where.levels}
    for level in LEVELS:
        years = sorted(y for lv, y in held if lv == level)
        if years and level not in landed_levels:
            steps.append(f"no figures belong to the {level} boundaries of "
                         f"{', '.join(map(str, years))}: load the Kerncijfers wijken en buurten "
                         f"of {years[-1]} (geoinsight ingest indicators kwb-{years[-1]}.csv "
                         f"--year {years[-1]})")
    if held and not status.points.get("addresses"):
        steps.append("no BAG addresses: dwelling and energy-label layers need them "
                     "(geoinsight ingest addresses <bag-extract.gpkg>)")
    elif status.points.get("addresses") and not status.points.get("energy_labels"):
        steps.append("no energy labels: geoinsight ingest energy-labels <ep-online.csv>")
    empty = [w.layer.id for w in status.layers if not w.levels]
    if empty:
        steps.append(f"{len(empty)} layers have no figures on any stored boundaries: "
                     + ", ".join(empty))
    return steps


def format_status(status: Status) -> str:
    lines = [f"store {status.path}".rstrip(), "", "boundaries (level, year: areas in gemeenten)"]
    if not status.boundaries:
        lines.append("  none")
    for b in status.boundaries:
        spread = "1 gemeente" if b.gemeenten == 1 else f"{b.gemeenten} gemeenten"
        lines.append(f"  {b.level:9} {b.year}: {b.areas} areas in {spread}")
    lines += ["", "figures per source (level, indeling: codes; on stored boundaries)"]
    if not status.sources:
        lines.append("  none")
    for s in status.sources:
        lines.append(f"  {s.file} [{s.kind}] {s.level} {s.boundary_year}: {s.codes} codes; "
                     f"{s.matched} matched, {s.unchanged} confirmed unchanged, {s.refused} "
                     f"refused, {s.without_boundaries} without boundaries")
    lines += ["", "point sets"]
    lines += [f"  {name}: {count}" for name, count in status.points.items()] or ["  none"]
    lines += ["", "layers with figures (level: figure years, areas with the latest)"]
    for where in status.layers:
        shown = "; ".join(f"{level}: {_years(years)}, {areas} areas"
                          for level, (years, areas) in where.levels.items()) or "none"
        lines.append(f"  {where.layer.id:30} {shown}")
    lines += ["", "next steps"]
    lines += [f"  - {step}" for step in status.next_steps] or ["  none: every layer has figures"]
    return "\n".join(lines)


def _years(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 2 else "/".join(map(str, years))
