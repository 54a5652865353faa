"""Per-app state (settings, the gates to the store, caches) and per request: the language, the
principal and its gate."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, g

from geoinsight.analysis.priority import PriorityScheme
from geoinsight.catalog import Catalog, Layer
from geoinsight.ogc.cache import BoundedCache
from geoinsight.privacy.access import ANONYMOUS, Principal
from geoinsight.privacy.audit import AuditLog, CustomArea
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.settings import Settings
from geoinsight.web.cache import AnswerCache

T = TypeVar("T")


#: most entries :func:`remembered` keeps per process (each is a page's summary of the store)
PAGE_MEMO_ENTRIES = 256


@dataclass
class AppState:
    """What the app holds between requests. The store is inside ``gates``: a request reaches
    it only through its own :class:`~geoinsight.privacy.gate.Gate` (:func:`gate`)."""

    settings: Settings
    gates: Gates
    schemes: dict[str, PriorityScheme]
    audit: AuditLog
    #: finished answers, compressed, shared by the server processes (geoinsight.web.http)
    answers: AnswerCache
    #: (store version, layer, selection, tiers) -> signals computed from published values
    signal_cache: OrderedDict[tuple[object, ...], Any] = field(default_factory=OrderedDict)
    #: (what, store version, tiers, ...) -> what a page works out from the store (remembered)
    page_memo: BoundedCache = field(default_factory=lambda: BoundedCache(PAGE_MEMO_ENTRIES))


def remembered(what: str, parts: tuple[object, ...], make: Callable[[], T]) -> T:
    """What ``make`` works out for this request, kept per store version and the set of tiers
    the caller may read (never one principal's restricted findings for another), plus
    ``parts``. For summaries a page needs on every request: which layers have figures in a
    selection costs a read of every figure of the country on a national map."""
    request_gate = gate()
    key = (what, request_gate.version(), tuple(sorted(request_gate.principal.tiers)), *parts)
    return state().page_memo.get(key, make)


def state() -> AppState:
    return current_app.extensions["geoinsight"]


def lang() -> str:
    return str(getattr(g, "lang", "nl"))


def principal() -> Principal:
    """Who is asking (set by the auth layer for each request; anonymous otherwise)."""
    return getattr(g, "principal", ANONYMOUS)


def gate() -> Gate:
    """This request's gate: the one way its use cases reach figures, layers and the audit."""
    if "gate" not in g:
        g.gate = state().gates.for_principal(principal())
    return g.gate


def catalog() -> Catalog:
    """The layers this request may know of; every view asks here, never the full catalogue."""
    return gate().catalog


def readable(indicator: str) -> bool:
    """May this request see the values of an indicator?"""
    return gate().may_read(indicator)


def audit_layer(layer: Layer, what: str, area: str | None,
                custom: CustomArea | None = None) -> None:
    gate().audit_layer(layer, what, area, custom)


def audit_profile(profile: dict[str, Any], what: str) -> None:
    gate().audit_profile(profile, what)


def audit_indicators(indicators: Iterable[str], what: str, area: str | None) -> None:
    gate().audit_indicators(indicators, what, area)
