"""Layers the store defines: one per figure of every ingested raster (``ingest raster``).

A raster ``hittestress`` with ``--above 35`` gets the layers ``hittestress_mean``, ``_min``,
``_max``, ``_p10``, ``_p50``, ``_p90``, ``_share_above_35`` and ``_coverage`` at once, with the
raster's titles, unit, theme, tier, source and licence, so ``/map/hittestress_mean`` works
without a layer file. A layer file of the same id (``layers/hittestress_mean.yaml``) names and
styles it (title, description, classification, palette, levels); the source, licence and
tier stay the raster's (a layer is never less protected than its figures: the figures carry
the raster's tier).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from geoinsight.catalog import Catalog, Layer
from geoinsight.catalog.registers import PALETTES
from geoinsight.rasters import RasterSource, raster_indicators
from geoinsight.records import LEVELS, Indicator

#: how much of a statistic's unit a map shows
_DECIMALS = {"share": 1, "mean": 2, "index": 2}


def with_rasters(catalog: Catalog, rasters: Iterable[RasterSource]) -> Catalog:
    """The catalogue with a layer for every figure of every raster in the store."""
    layers = dict(catalog.layers)
    for raster in rasters:
        for indicator in raster_indicators(raster):
            layers[indicator.id] = raster_layer(raster, indicator, layers.get(indicator.id))
    return Catalog(layers)


def raster_layer(raster: RasterSource, indicator: Indicator,
                 styled: Layer | None = None) -> Layer:
    """The layer of one of a raster's figures, styled by ``styled`` (a layer file of the same
    id) when that one shows this figure."""
    # in the page's language: the layer says "synthetic" by its flag and description, where
    # the indicator's source and licence say so in English
    source, licence = f"{raster.source} ({raster.source_file})", raster.licence
    if styled is not None and styled.indicator == indicator.id and styled.composite is None:
        # the tier a caller sees is the strictest of the file's and the figures' (the raster's:
        # geoinsight.privacy.access.effective_tier)
        return replace(styled, source=source, licence=licence,
                       theme=styled.theme or raster.theme, raster=raster.name)
    coverage = indicator.id == raster.coverage_id
    return Layer(id=indicator.id, title={"nl": indicator.title_nl, "en": indicator.title_en},
                 description=describe(raster, indicator), indicator=indicator.id,
                 unit=indicator.unit, kind=indicator.kind, levels=LEVELS,
                 classification={"scheme": "equal_interval", "k": 5} if coverage
                 else {"scheme": "quantiles", "k": 5},
                 palette="Greys" if coverage else PALETTES.get(raster.theme, "YlOrRd"),
                 reverse=False, tier=raster.tier, source=source,
                 licence=licence, decimals=_DECIMALS.get(indicator.kind, 1),
                 higher_is="neutral", path=Path("rasters") / raster.name, theme=raster.theme,
                 raster=raster.name)


def describe(raster: RasterSource, indicator: Indicator) -> dict[str, str]:
    """What the figure is, from which file, and where it is not given, in Dutch and English."""
    if indicator.id == raster.coverage_id:
        nl = (f"Het deel van de oppervlakte van het gebied waarvoor het raster "
              f"'{raster.source_file}' ({raster.year}) een waarde heeft. Waar het gebied niet "
              "geheel binnen het raster ligt, geeft de kaartlaag alleen de dekking.")
        en = (f"The share of the area's surface for which the raster '{raster.source_file}' "
              f"({raster.year}) has a value. Where the area does not lie wholly within the "
              "raster, only the coverage is given.")
    else:
        nl = (f"Berekend uit het raster '{raster.source_file}' ({raster.year}, band "
              f"{raster.band}): elke cel telt mee naar het deel dat binnen het gebied ligt. "
              "Alleen voor gebieden die geheel binnen het raster liggen; cellen zonder waarde "
              "tellen niet mee (zie de dekking).")
        en = (f"Computed from the raster '{raster.source_file}' ({raster.year}, band "
              f"{raster.band}): each cell counts for the part of it inside the area. Only for "
              "areas that lie wholly within the raster; cells without a value do not count "
              "(see the coverage).")
    if raster.about_land:
        nl += " Het raster beschrijft het gebied, niet de mensen die er wonen."
        en += " The raster describes the land, not the people living there."
    if raster.synthetic:
        nl += " Synthetische demogegevens."
        en += " Synthetic demo data."
    return {"nl": nl, "en": en}
