"""Own event registers (``ingest events --name --title --theme --tier``): each its own layer.

A file of bike thefts is not "Meldingen ondermijning": every register has its own name, title,
theme and tier, its own indicators, and its own layer; the default register (ondermijning)
keeps the ids ``events_*`` the signal index reads.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from test_social_sources import buurten, write_events

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.catalog.registers import with_registers
from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries
from geoinsight.ingest.events import ingest_events
from geoinsight.privacy.access import effective_tier, indicator_tiers
from geoinsight.privacy.disclosure import (
    DisclosureRules,
    PublishedStore,
    additive_groups,
    indicator_meta,
)
from geoinsight.records import THEMES
from geoinsight.registers import (
    MAX_CLASSES,
    RegisterSpec,
    check_spec,
    own_classes,
    slug,
)
from geoinsight.store.gpkg import GeoPackageStore

LAYERS = PROJECT_ROOT / "layers"
FIRST = 84050.0  # x of the centre of the first 100 m square of ``buurten``
BIKES = RegisterSpec("fietsdiefstal", "Fietsdiefstallen", "safety", "open")


@pytest.fixture
def squares_store(store: GeoPackageStore, tmp_path: Path) -> GeoPackageStore:
    ingest_boundaries(store, buurten(tmp_path))
    return store


def ondermijning_file(tmp_path: Path) -> Path:
    return write_events(tmp_path / "ondermijning.csv", [
        (FIRST, 447050, "2023-03-01", "Drugshandel"), (FIRST, 447050, "2023-04-01", "Witwassen"),
        (FIRST + 100, 447050, "2024-01-02", "Explosie")])


def bikes_file(tmp_path: Path, name: str = "fietsen.csv", n: int = 3,
               kinds: tuple[str, ...] = ("Diefstal Fiets", "Poging fietsdiefstal")) -> Path:
    rows = [(FIRST + 100 * (i % 2), 447050.0, "2024-05-01", kinds[i % len(kinds)])
            for i in range(n)]
    return write_events(tmp_path / name, rows)


@pytest.mark.parametrize(("spec", "message"), [
    (RegisterSpec("Fiets"), "register name 'Fiets' is not allowed"),
    (RegisterSpec("fiets-diefstal"), "lowercase letters, digits and underscores"),
    (RegisterSpec("2fiets"), "starting with a letter"),
    (RegisterSpec("x" * 41), "at most 40"),
    (RegisterSpec("events"), "reserved"),
    (RegisterSpec("fiets", theme="crime"), "theme 'crime' is not one of"),
    (RegisterSpec("fiets", tier="secret"), "tier 'secret' is not one of open, internal, "
                                           "restricted"),
    (RegisterSpec("fiets", title="   "), "--title must be 1 to"),
])
def test_bad_register_specs_are_refused(spec: RegisterSpec, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_spec(spec)


def test_default_spec_keeps_the_ondermijning_register() -> None:
    spec = RegisterSpec()
    check_spec(spec)
    assert (spec.name, spec.theme, spec.tier) == ("ondermijning", "safety", "restricted")
    assert spec.titles() == ("Meldingen ondermijning (eigen registratie)",
                             "Undermining reports (own registrations)")
    assert RegisterSpec("fiets_diefstal").titles()[0] == "Fiets diefstal (eigen registratie)"
    assert RegisterSpec("x", title=" Fiets\tdiefstal ").titles() == ("Fiets diefstal",) * 2
    assert "safety" in THEMES


def test_own_classes_keep_the_files_categories() -> None:
    assert slug("Diefstal Fiets") == slug("diefstal-fiets!") == "diefstal_fiets"
    assert slug("Één") == "een" and slug("2e hands") == "c2e_hands" and slug("Total") != "total"
    mapping, classes = own_classes(pd.Series(["Diefstal Fiets", "diefstal fiets", None, "Poging"]))
    assert [c.id for c in classes] == ["diefstal_fiets", "poging", "other"]
    assert classes[0].title_nl == "Diefstal Fiets" and classes[-1].title_nl == "overige"
    assert mapping == {"Diefstal Fiets": "diefstal_fiets", "diefstal fiets": "diefstal_fiets",
                       "Poging": "poging"}
    # one class says nothing the total does not: none
    assert own_classes(pd.Series(["Diefstal Fiets"] * 3))[1] == ()
    # many categories: the most frequent keep a class, the rest are other
    many = pd.Series([f"soort {i}" for i in range(20) for _ in range(20 - i)])
    mapping, classes = own_classes(many)
    assert len(classes) == MAX_CLASSES and classes[-1].id == "other"
    assert mapping["soort 0"] == "soort_0" and mapping["soort 19"] == "other"


def test_two_registers_coexist_and_replace_only_their_own(squares_store: GeoPackageStore,
                                                          tmp_path: Path) -> None:
    store = squares_store
    ingest_events(store, ondermijning_file(tmp_path))
    ingest_events(store, bikes_file(tmp_path), register=BIKES)
    registers = {r.name: r for r in store.event_registers()}
    assert set(registers) == {"ondermijning", "fietsdiefstal"}
    bikes = registers["fietsdiefstal"]
    assert (bikes.title_nl, bikes.theme, bikes.tier) == ("Fietsdiefstallen", "safety", "open")
    assert bikes.indicator_ids() == ("fietsdiefstal_total", "fietsdiefstal_diefstal_fiets",
                                     "fietsdiefstal_poging_fietsdiefstal")
    assert bikes.source_file == "fietsen.csv" and bikes.ingested_at and bikes.ingest_id
    assert [(c.category, c.event_class, c.events) for c in bikes.categories] == [
        ("Diefstal Fiets", "diefstal_fiets", 2), ("Poging fietsdiefstal", "poging_fietsdiefstal",
                                                  1)]
    assert registers["ondermijning"].indicator_ids()[0] == "events_total"
    values = store.values().set_index(["code", "year", "indicator"])["value"]
    assert values[("BU05030101", 2024, "fietsdiefstal_total")] == 2
    assert values[("BU05030102", 2024, "fietsdiefstal_poging_fietsdiefstal")] == 1
    assert values[("BU05030101", 2023, "events_drugs")] == 1
    tiers = store.indicators().set_index("id")["tier"]
    assert tiers["fietsdiefstal_total"] == "open" and tiers["events_total"] == "restricted"

    ondermijning = store.values(indicators=list(registers["ondermijning"].indicator_ids()))
    # a new bike file with other categories: the old classes go, values and records alike
    ingest_events(store, bikes_file(tmp_path, "fietsen2.csv", 4, ("Fiets", "Bromfiets")),
                  register=BIKES)
    after = store.values(indicators=list(registers["ondermijning"].indicator_ids()))
    pd.testing.assert_frame_equal(ondermijning, after)  # the other register is untouched
    ids = set(store.indicators()["id"])
    assert {"fietsdiefstal_fiets", "fietsdiefstal_bromfiets"} <= ids
    assert not {"fietsdiefstal_diefstal_fiets", "fietsdiefstal_poging_fietsdiefstal"} & ids
    bikes_now = store.values(indicators=["fietsdiefstal_total", "fietsdiefstal_diefstal_fiets"])
    assert set(bikes_now["indicator"]) == {"fietsdiefstal_total"}
    assert bikes_now["value"].sum() == 4  # the buurten of GM0503 (the file has no others)
    assert [r.source_file for r in store.event_registers()] == ["fietsen2.csv", "ondermijning.csv"]


def test_one_category_or_none_counts_the_total_only(squares_store: GeoPackageStore,
                                                    tmp_path: Path) -> None:
    result = ingest_events(squares_store, bikes_file(tmp_path, kinds=("Diefstal Fiets",)),
                           register=BIKES)
    assert "    Diefstal Fiets → fietsdiefstal_total only (3)" in result.summary().splitlines()
    (bikes,) = squares_store.event_registers()
    assert bikes.classes == () and bikes.indicator_ids() == ("fietsdiefstal_total",)
    assert set(squares_store.values()["indicator"]) - {"population"} == {"fietsdiefstal_total"}


def test_the_summary_lists_every_category(squares_store: GeoPackageStore,
                                          tmp_path: Path) -> None:
    kinds = (*(f"Soort {i:02d}" for i in range(15)), "Drugshandel")
    path = bikes_file(tmp_path, n=len(kinds), kinds=kinds)
    lines = ingest_events(squares_store, path).summary().splitlines()
    assert lines[1] == ('  register ondermijning "Meldingen ondermijning (eigen registratie)": '
                        "layer events_total, theme safety, tier restricted")
    assert "  categories from categorie; category → class (events):" in lines
    mapped = [line for line in lines if line.startswith("    ")]
    assert len(mapped) == 16 and "    Drugshandel → events_drugs (1)" in mapped
    assert "    Soort 14 → events_other (1)" in mapped
    # the same mapping for a register of its own: 15 of 16 beyond the cap are still listed
    lines = ingest_events(squares_store, path, register=BIKES).summary().splitlines()
    assert len([line for line in lines if line.startswith("    ")]) == 16
    assert "    Soort 14 → fietsdiefstal_other (1)" in lines
    log = squares_store.ingest_log().iloc[-1]
    assert "Soort 14 → fietsdiefstal_other (1)" in log["notes"]


def test_a_register_may_not_take_built_in_ids(squares_store: GeoPackageStore,
                                              tmp_path: Path) -> None:
    before = squares_store.path.read_bytes()
    path = bikes_file(tmp_path, kinds=("Drugs", "Fraud"))
    with pytest.raises(InputError, match="would reuse the ids crimes_drugs, crimes_fraud"):
        ingest_events(squares_store, path, register=RegisterSpec("crimes"))
    with pytest.raises(InputError, match="not allowed"):
        ingest_events(squares_store, path, register=RegisterSpec("Crimes"))
    assert squares_store.path.read_bytes() == before


def test_the_catalogue_builds_a_layer_per_register(squares_store: GeoPackageStore,
                                                   tmp_path: Path) -> None:
    store = squares_store
    files = load_catalog(LAYERS)
    ingest_events(store, bikes_file(tmp_path), register=BIKES)
    catalog = with_registers(files, store.event_registers())
    bikes = catalog.get("fietsdiefstal_total")
    assert bikes.title == {"nl": "Fietsdiefstallen", "en": "Fietsdiefstallen"}
    assert (bikes.indicator, bikes.unit, bikes.kind, bikes.tier, bikes.theme) == (
        "fietsdiefstal_total", "meldingen", "count", "open", "safety")
    assert bikes.source == "Eigen registratie gemeente (fietsen.csv)"
    assert "fietsdiefstal" in bikes.description["nl"] and "ondermijning" not in bikes.title["nl"]
    assert bikes.as_dict()["theme"] == "safety"
    # no layer but the default register's own (and the index over it) is about ondermijning
    about = {lay.id for lay in catalog if "ondermijning" in lay.title_in("nl").lower()}
    assert about == {"events_total", "ondermijning_signal_index"}
    # the default register keeps the styled layer file, with the register's identity
    ingest_events(store, ondermijning_file(tmp_path))
    styled = with_registers(files, store.event_registers()).get("events_total")
    assert styled.palette == files.get("events_total").palette
    assert styled.description == files.get("events_total").description
    assert styled.tier == "restricted" and styled.source.endswith("(ondermijning.csv)")
    ingest_events(store, ondermijning_file(tmp_path),
                  register=RegisterSpec(title="Meldingen team Veiligheid", theme="social",
                                        tier="internal"))
    retitled = with_registers(files, store.event_registers()).get("events_total")
    assert retitled.title == {"nl": "Meldingen team Veiligheid",
                              "en": "Meldingen team Veiligheid"}
    assert (retitled.tier, retitled.theme) == ("internal", "social")
    assert "alleen voor de rol ondermijning" not in retitled.description["nl"].lower()


def test_a_register_has_the_tier_it_was_given(squares_store: GeoPackageStore,
                                              tmp_path: Path) -> None:
    """The registry's default (events_* restricted) yields to the register's own tier."""
    store = squares_store
    catalog = load_catalog(LAYERS)
    ingest_events(store, ondermijning_file(tmp_path), register=RegisterSpec(tier="open"))
    tiers = indicator_tiers(store)
    assert tiers["events_total"] == tiers["events_drugs"] == "open"
    layers = with_registers(catalog, store.event_registers())
    assert effective_tier(layers.get("events_total"), tiers) == "open"
    ingest_events(store, ondermijning_file(tmp_path))
    tiers = indicator_tiers(store)
    assert tiers["events_total"] == "restricted"
    assert effective_tier(layers.get("ondermijning_signal_index"), tiers) == "restricted"


def test_disclosure_treats_a_register_as_counts_of_its_tier(squares_store: GeoPackageStore,
                                                            tmp_path: Path) -> None:
    store = squares_store
    # 14 thefts in the first buurt (10 thefts, 4 attempts), 4 in the second
    rows = [(FIRST, 447050.0, "2024-05-01", "Diefstal Fiets")] * 10 + \
        [(FIRST, 447050.0, "2024-05-01", "Poging")] * 4 + \
        [(FIRST + 100, 447050.0, "2024-05-01", "Diefstal Fiets")] * 4
    path = write_events(tmp_path / "f.csv", rows)
    ingest_events(store, path, register=BIKES)
    meta = indicator_meta(store)
    assert meta["fietsdiefstal_poging"].part_of == "fietsdiefstal_total"
    assert additive_groups(meta)["fietsdiefstal_total"] == ("fietsdiefstal_diefstal_fiets",
                                                            "fietsdiefstal_poging")
    published = PublishedStore(store, DisclosureRules()).values(year=2024)
    cell = published.set_index(["code", "indicator"])["status"]
    assert cell[("BU05030102", "fietsdiefstal_total")] == "secret"  # 4 < 5 (open)
    assert cell[("BU05030101", "fietsdiefstal_total")] == "ok"
    assert cell[("BU05030101", "fietsdiefstal_poging")] == "secret"  # 4 < 5
    # rule 5: the other category would be the total minus the hidden one
    assert cell[("BU05030101", "fietsdiefstal_diefstal_fiets")] == "secret"
    # restricted, the threshold is 10
    ingest_events(store, path, register=RegisterSpec("fietsdiefstal", tier="restricted"))
    published = PublishedStore(store, DisclosureRules()).values(year=2024)
    restricted = published.set_index(["code", "indicator"])["status"]
    assert restricted[("BU05030101", "fietsdiefstal_total")] == "ok"  # 14
    assert restricted[("BU05030101", "fietsdiefstal_diefstal_fiets")] == "secret"


def test_a_store_from_before_registers_grows_the_table(squares_store: GeoPackageStore,
                                                       tmp_path: Path) -> None:
    store = squares_store
    with sqlite3.connect(store.path) as con:
        con.execute("DROP TABLE event_registers")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'event_registers'")
    assert store.event_registers() == []
    ingest_events(store, bikes_file(tmp_path), register=BIKES)
    assert [r.name for r in store.event_registers()] == ["fietsdiefstal"]


def test_layer_files_know_the_same_themes() -> None:
    import json

    schema = json.loads((LAYERS / "schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["theme"]["enum"] == list(THEMES)
    assert load_catalog(LAYERS).get("events_total").theme == "safety"
