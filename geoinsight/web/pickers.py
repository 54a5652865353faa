"""The level and gemeente pickers: they offer only what the store holds.

Every gemeente option says at which levels it has boundaries (``data-levels``);
static/js/picker.js hides the ones the chosen level does not have. "(deel)" marks a gemeente
whose areas at the page's level are provably incomplete (:mod:`geoinsight.usecases.holdings`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geoinsight.privacy.gate import Gate
from geoinsight.usecases.holdings import LEVELS, choose, gemeenten
from geoinsight.usecases.service import Selection, parse_scope


def municipality_options(gate: Gate, levels: Iterable[str], level: str) -> list[dict[str, Any]]:
    """One option per gemeente with boundaries at one of ``levels``; ``partial`` at ``level``."""
    found: dict[str, dict[str, Any]] = {}
    for each in [lv for lv in LEVELS if lv in set(levels)]:
        for gm in gemeenten(gate, each):
            option = found.setdefault(gm.code, {"code": gm.code, "name": gm.name,
                                                "levels": [], "complete": True, "why": ""})
            option["levels"].append(each)
            if each == level and gm.complete is False:
                option.update(complete=False, why=gm.why)
    return sorted(found.values(), key=lambda o: (str(o["name"]).lower(), o["code"]))


def levels_held(gate: Gate, levels: Iterable[str]) -> list[str]:
    """Of ``levels``, the ones with boundaries in the store (finest first)."""
    wanted = set(levels)
    return [lv for lv in LEVELS if lv in wanted and gemeenten(gate, lv)]


#: levels a map may show for the whole country at once (the gemeente level always could)
NATIONAL_LEVELS = ("wijk", "buurt")


def chosen_selection(gate: Gate, args: Any, levels: Iterable[str],
                     indicators: Iterable[str],
                     national: bool = False) -> tuple[Selection, str, str]:
    """The request's selection with defaults that exist (see :func:`holdings.choose`), the note
    when it differs from what was asked, and the level asked.

    With ``national``, a level asked without a gemeente is every area at that level the store
    holds (a national map), or in the ``province`` asked; otherwise a gemeente is chosen for
    it."""
    offered = list(levels)
    asked = parse_scope(args.get("level"), args.get("municipality"), args.get("year"),
                        args.get("province") if national else None,
                        default_level=offered[0] if offered else "buurt")
    if (national and args.get("level") and asked.municipality is None
            and (asked.level in NATIONAL_LEVELS or asked.province)
            and asked.level in offered and gemeenten(gate, asked.level)):
        return asked, "", asked.level
    choice = choose(gate, offered, list(indicators),
                    level=asked.level if args.get("level") else None,
                    municipality=asked.municipality)
    return (Selection(choice.level, choice.municipality, asked.year), choice.note,
            choice.asked_level)
