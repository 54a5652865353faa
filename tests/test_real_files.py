"""Every boundary and table file of the workplace's shared/data/real, as the README documents.

These files sit beside the repository (``../shared/data/real``), not in it; the test is skipped
where they are absent. GeoInsight itself never reads that folder.
"""

from __future__ import annotations

import pytest

from geoinsight import PROJECT_ROOT
from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.ingest.events import ingest_events
from geoinsight.registers import RegisterSpec
from geoinsight.store.gpkg import GeoPackageStore

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real not beside the repo")

# file, year, expected {level: count} or the start of the refusal
BOUNDARIES = [
    ("delft_buurten_2023_kwb2024_misdrijven.gpkg", 2023, {"buurt": 91}),
    ("gemeenten_2022_v1_pdok_kwb_wgs84.geojson", None, {"gemeente": 345}),
    ("gemeenten_2023_pdok_kwb_wgs84.geojson", None, {"gemeente": 343}),
    ("nld_2022_prov_gem_wijk_tmap.gpkg", 2022, {"gemeente": 345, "wijk": 3340}),
    ("ermelo_buurten_2021_buurtkaart.gpkg", None, {"buurt": 16}),
    ("groningen_2017_buurten_fietsdiefstallen.gpkg", 2017, {"wijk": 15, "buurt": 108}),
    ("denhaag_lv_testgebied_bag_2022.gpkg", None, {"buurt": 14}),
    ("pc4_2020_certegis.gpkg", 2020, "no CBS area code column"),
    ("delft_buurten_2023_wgs84.geojson", 2023, "no CBS area code column"),
    ("ahn_5m_sample_zeeland_rd.tif", None, "is a raster"),
    ("nld_2022_prov_gem_wijk_tmap.gpkg", None, "pass --year"),
    ("groningen_2017_buurten_fietsdiefstallen.gpkg", None, "pass --year"),
]
TABLES = [
    ("kwb2024_misdrijven_buurten_woonikveilig.csv", 2024, {"buurt": 14574}),
    ("kwb2024_misdrijven_wijken_woonikveilig.csv", 2024, {"wijk": 3393}),
    ("kwb2024_misdrijven_gemeenten_woonikveilig.csv", 2024, {"gemeente": 342}),
    ("gemeenten_2021_sociaal_domein_nlstat.csv", 2021, {"gemeente": 352}),
    ("ses_woa_2019_amsterdam_statline_raw.csv", None, {"gemeente": 1, "wijk": 99, "buurt": 479}),
    ("buurten_2020_kwb_leefbaarometer_regio_amersfoort.csv", 2020, {"buurt": 969}),
    ("kwb2024_misdrijven_gemeenten_woonikveilig.csv", None, "no year in the file"),
    ("misdrijven_gemeente_totaal_2010_2020_cbs83648.csv", None, "regions are named"),
    ("misdrijven_gemeente_soort_2015_cbs83648.csv", None, "regions are named"),
]


def check(ingest, store: GeoPackageStore, name: str, year: int | None,  # type: ignore[no-untyped-def]
          expected: dict[str, int] | str) -> None:
    path = REAL / name
    if isinstance(expected, str):
        with pytest.raises(InputError, match=expected) as info:
            ingest(store, path, year=year)
        assert "\n" not in info.value.one_line() and info.value.path == str(path)
    else:
        assert ingest(store, path, year=year).levels == expected


@pytest.mark.parametrize(("name", "year", "expected"), BOUNDARIES)
def test_real_boundary_files(store: GeoPackageStore, name: str, year: int | None,
                             expected: dict[str, int] | str) -> None:
    check(ingest_boundaries, store, name, year, expected)


@pytest.mark.parametrize(("name", "year", "expected"), TABLES)
def test_real_table_files(store: GeoPackageStore, name: str, year: int | None,
                          expected: dict[str, int] | str) -> None:
    check(ingest_indicators, store, name, year, expected)


def test_every_real_file_is_covered() -> None:
    covered = {name for name, _, _ in BOUNDARIES + TABLES}
    on_disk = {p.name for p in REAL.iterdir() if p.suffix in (".gpkg", ".geojson", ".csv", ".tif")}
    assert on_disk <= covered


def test_real_crime_tables_match_names_to_the_stored_gemeenten(store: GeoPackageStore) -> None:
    """CBS 83648 names its regions; they are matched to the 2022 and 2023 gemeenten stored,
    and what matches nothing (gemeenten merged since) is reported, not guessed."""
    ingest_boundaries(store, REAL / "gemeenten_2023_pdok_kwb_wgs84.geojson")
    ingest_boundaries(store, REAL / "nld_2022_prov_gem_wijk_tmap.gpkg", year=2022)
    soort = ingest_indicators(store, REAL / "misdrijven_gemeente_soort_2015_cbs83648.csv")
    assert soort.years == [2015] and soort.levels["gemeente"] > 280
    unmatched = {r.row.removeprefix("region ") for r in soort.rejects}
    assert {"Aalburg", "Bedum"} <= unmatched  # merged in 2019: no code in 2022/2023
    assert not {"Beek (L.)", "Hengelo (O.)", "'s-Gravenhage (gemeente)"} & unmatched
    values = store.values(codes=["GM0518"], year=2015)
    shares = dict(zip(values["indicator"], values["value"], strict=True))
    assert shares["crimes_drugs_share"] == pytest.approx(0.8409)
    assert shares["crimes_fraud_share"] == pytest.approx(1.4545)
    tiers = store.indicators().set_index("id")["tier"]
    assert tiers["crimes_drugs_share"] == "restricted"
    totaal = ingest_indicators(store, REAL / "misdrijven_gemeente_totaal_2010_2020_cbs83648.csv")
    assert totaal.years == list(range(2010, 2021))
    country = store.values(codes=["NL01"], indicators=["crimes_registered"], year=2015)
    assert country["value"].tolist() == [978945.0]  # "Nederland" is the country, NL01


def test_real_social_domain_table_carries_tiers(store: GeoPackageStore) -> None:
    ingest_indicators(store, REAL / "gemeenten_2021_sociaal_domein_nlstat.csv", year=2021)
    tiers = store.indicators().set_index("id")["tier"]
    for internal in ("social_assistance_per_1000", "youth_care_pct", "wmo_clients_per_1000",
                     "disability_benefit_per_1000"):
        assert tiers[internal] == "internal"
    assert tiers["pct_social_housing"] == "open"
    delft = store.values(codes=["GM0503"], indicators=["social_assistance_per_1000"])
    assert len(delft) == 1 and delft["value"].iloc[0] > 0


def test_real_bike_thefts_are_counted_per_buurt_and_year(store: GeoPackageStore) -> None:
    path = REAL / "groningen_2017_buurten_fietsdiefstallen.gpkg"
    ingest_boundaries(store, path, year=2017)
    # bike thefts are a register of their own, not ondermijning
    result = ingest_events(store, path, register=RegisterSpec("fietsdiefstal", tier="open"))
    assert result.years == [2013, 2014, 2015, 2016, 2017]
    assert result.counts.read == 15947
    # 15,931 lie in a buurt (the data README); those without a start date are rejected
    assert result.counts.stored + len(result.rejects) == 15931
    assert "    Diefstal Fiets → fietsdiefstal_total only (15783)" in result.summary()
    assert store.values(indicators=["events_total"]).empty
    totals = store.values(indicators=["fietsdiefstal_total"])
    buurten = totals[totals["code"].str.startswith("BU")]
    assert buurten["value"].sum() == result.counts.stored
    assert set(buurten["code"].str[:6]) == {"BU0014"} and buurten["code"].nunique() == 108
