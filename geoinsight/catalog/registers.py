"""Layers the store defines: one per own event register (``ingest events --name``).

The layer of a register is ``<prefix>_total`` (``events_total`` for the default register,
``ondermijning``; ``fietsdiefstal_total`` for ``--name fietsdiefstal``): a count of
"meldingen" per area and year. Its title, theme, tier and source always come from the register,
so a layer is never titled ondermijning unless its register is. A layer file with the same id
(``layers/events_total.yaml``) styles it (classification, palette, levels, description);
without one it gets a plain style. Disclosure control treats it as any count of its tier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from geoinsight.catalog import Catalog, Layer
from geoinsight.catalog.indicators import EVENT_SOURCE
from geoinsight.records import LEVELS
from geoinsight.registers import LICENCE, UNIT, EventRegister

#: a sequential ColorBrewer palette per theme, for registers without a layer file
PALETTES = {"population": "PuBu", "housing": "YlGnBu", "energy": "YlOrRd", "social": "RdPu",
            "safety": "Purples", "economy": "Greens", "environment": "BuGn"}
_TIER_WORDS = {"open": ("voor iedereen", "open to anyone"),
               "internal": ("voor medewerkers (intern)", "for staff (internal)"),
               "restricted": ("alleen voor de rollen ondermijning en beheerder (vertrouwelijk)",
                              "for the ondermijning and beheerder roles only (restricted)")}


def with_registers(catalog: Catalog, registers: Iterable[EventRegister]) -> Catalog:
    """The catalogue with a layer for every register in the store."""
    layers = dict(catalog.layers)
    for register in registers:
        layers[register.total_id] = register_layer(register, layers.get(register.total_id))
    return Catalog(layers)


def register_layer(register: EventRegister, styled: Layer | None = None) -> Layer:
    """The register's layer, styled by ``styled`` (a layer file of the same id) when that one
    shows the register's total."""
    source = f"{EVENT_SOURCE} ({register.source_file})"
    title = {"nl": register.title_nl, "en": register.title_en}
    if styled is not None and styled.indicator == register.total_id \
            and styled.composite is None:
        same = styled.title == title and styled.tier == register.tier
        return replace(styled, title=title, tier=register.tier, theme=register.theme,
                       source=source,
                       description=styled.description if same else describe(register))
    return Layer(id=register.total_id, title=title, description=describe(register),
                 indicator=register.total_id, unit=UNIT, kind="count", levels=LEVELS,
                 classification={"scheme": "quantiles", "k": 5},
                 palette=PALETTES.get(register.theme, "Purples"), reverse=False,
                 tier=register.tier, source=source, licence=LICENCE, decimals=0,
                 higher_is="neutral", path=Path("event_registers") / register.name,
                 theme=register.theme)


def describe(register: EventRegister) -> dict[str, str]:
    """What the layer counts, from where, and who may see it, in Dutch and English."""
    nl_tier, en_tier = _TIER_WORDS.get(register.tier, (register.tier, register.tier))
    nl = (f"Aantal meldingen per gebied en jaar in het eigen register '{register.name}' van de "
          f"gemeente (bestand {register.source_file}), geteld met de punt-in-gebiedmotor. "
          "Alleen de tellingen worden bewaard, nooit de meldingen zelf; kleine aantallen zijn "
          f"geheim. Zichtbaar {nl_tier}.")
    en = (f"Number of reports per area and year in the municipality's own register "
          f"'{register.name}' (file {register.source_file}), counted with the point-in-area "
          "engine. Only the counts are stored, never the reports themselves; small counts are "
          f"secret. Visible {en_tier}.")
    if register.classes:
        nl += " Per categorie: " + ", ".join(c.title_nl for c in register.classes) + "."
        en += " By category: " + ", ".join(c.title_en for c in register.classes) + "."
    if register.synthetic:
        nl += " Synthetische demogegevens."
        en += " Synthetic demo data."
    return {"nl": nl, "en": en}
