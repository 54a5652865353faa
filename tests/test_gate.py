"""The gate: what one principal may reach of the demo store, whatever a use case asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.privacy.access import ANONYMOUS, Principal
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.store.gpkg import GeoPackageStore

RESTRICTED = "events_total"  # the demo's own ondermijning reports
INTERNAL = "social_vulnerability_index"
ONDERMIJNING = Principal("o", frozenset({"ondermijning"}))


@pytest.fixture(scope="module")
def gates(demo_file: Path) -> Gates:
    published = PublishedStore(GeoPackageStore(demo_file), DisclosureRules())
    return Gates(published, load_catalog(PROJECT_ROOT / "layers"))


def test_a_restricted_indicator_has_no_figures_for_the_anonymous(gates: Gates) -> None:
    """Asked by name or by asking for everything: no figure of a tier the principal may not
    read leaves the gate, even for a use case that forgot the catalogue."""
    anonymous, insider = gates.for_principal(ANONYMOUS), gates.for_principal(ONDERMIJNING)
    assert anonymous.values(indicators=[RESTRICTED]).empty
    assert not insider.values(indicators=[RESTRICTED]).empty
    everything = anonymous.values(codes=["GM0503"])
    assert RESTRICTED not in set(everything["indicator"])
    assert "population" in set(everything["indicator"])
    assert anonymous.value_years(indicators=[RESTRICTED]) == []
    assert RESTRICTED not in set(anonymous.presence(codes=["GM0503"])["indicator"])
    assert RESTRICTED not in set(anonymous.indicators()["id"])
    assert RESTRICTED in set(insider.indicators()["id"])


def test_the_catalogue_and_registers_are_the_principals(gates: Gates) -> None:
    anonymous, insider = gates.for_principal(ANONYMOUS), gates.for_principal(ONDERMIJNING)
    assert RESTRICTED not in anonymous.catalog and INTERNAL not in anonymous.catalog
    assert RESTRICTED in insider.catalog and INTERNAL in insider.catalog
    assert anonymous.event_registers() == []
    assert [r.total_id for r in insider.event_registers()] == [RESTRICTED]


def test_figures_are_published_ones(gates: Gates, demo_file: Path) -> None:
    raw = GeoPackageStore(demo_file).values(indicators=["crimes_registered"])
    gated = gates.for_principal(ANONYMOUS).values(indicators=["crimes_registered"])
    assert (gated["status"] == "secret").sum() > (raw["status"] == "secret").sum()


def test_the_gate_cannot_write_or_pass_anything_on(gates: Gates) -> None:
    gate = gates.for_principal(ONDERMIJNING)
    for name in ("write", "rejects", "_store_path", "path"):
        assert not hasattr(gate, name)
        assert not hasattr(gates.published, name)


def test_reads_above_open_are_noted_for_the_audit(gates: Gates) -> None:
    gate: Gate = gates.for_principal(ONDERMIJNING)
    gate.audit_layer(gate.catalog.get("population"), "values population", "GM0503")
    assert gate.reads == []
    gate.audit_layer(gate.catalog.get(RESTRICTED), f"values {RESTRICTED}", "GM0503")
    assert [(r.what, r.tier, r.area) for r in gate.reads] == [
        (f"values {RESTRICTED}", "restricted", "GM0503")]
