"""BAG addresses and EP-Online labels: located, superseded, rejected, aggregated per buurt."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import geopandas as gpd
import pytest
from builders import RD, squares

from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries
from geoinsight.ingest.points import ingest_addresses, ingest_energy_labels
from geoinsight.store.gpkg import GeoPackageStore

PUBLISHED = dt.date(2026, 9, 1)
# two buurten of 100 m: BU05030000 (x 84000-84100) and BU05030001 (x 84100-84200)
ADDRESSES = """vbo_id;postcode;huisnummer;huisletter;huisnummertoevoeging;gebruiksdoel;\
bouwjaar;status;x;y
0503010000000001;2611AA;1;;;woonfunctie;1930;Verblijfsobject in gebruik;84010,5;447050
0503010000000002;2611AA;2;A;;woonfunctie;1960;Verblijfsobject in gebruik;84020;447050
0503010000000003;2611AA;3;;2;woonfunctie;2010;Verblijfsobject in gebruik;84030;447050
0503010000000004;2611AB;1;;;woonfunctie;1900;Verblijfsobject in gebruik;84150;447050
0503010000000005;2611AB;2;;;winkelfunctie;1900;Verblijfsobject in gebruik;84160;447050
0503010000000006;2611AB;3;;;woonfunctie;2024;Verblijfsobject gevormd;84170;447050
"""
HEADER = ("Pand_opnamedatum;Pand_registratiedatum;Pand_energieklasse;Pand_gebouwklasse;"
          "Meting_geldig_tot;Pand_postcode;Pand_huisnummer;Pand_huisnummer_toev;"
          "Pand_bagverblijfsobjectid;Pand_gebouwtype;Pand_energieprestatieindex;"
          "Pand_berekeningstype;Iets_onbekends")
LABELS = [
    "2016-01-01;2016-01-05;G;W;2026-01-05;2611AA;1;;0503010000000001;Rijwoning;2,9;NEN 7120;x",
    "2020-05-01;2020-05-02;B;W;2030-05-02;2611AA;1;;0503010000000001;Rijwoning;1,1;NEN 7120;x",
    "20240101;20240102;E;W;20340102;2611 AA;2;A;;Appartement;;NTA 8800;x",
    "01-02-2024;02-02-2024;C;W;02-02-2034;9999ZZ;9;;0503010000009999;Appartement;;NTA 8800;x",
    "2023-03-01;2023-03-02;A+;W;2033-03-02;2611AB;1;;0503010000000004;Vrijstaande woning;;"
    "NTA 8800;x",
    "2023-03-01;2023-03-02;D;U;2033-03-02;2611AB;2;;0503010000000005;;;NTA 8800;x",
]


def write_labels(path: Path, rows: list[str]) -> Path:
    path.write_text("PublicatieDatum;01-09-2026\nLaatstVerwerkteMutatievolgnummer;7\n"
                    + HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def placed(store: GeoPackageStore, tmp_path: Path) -> GeoPackageStore:
    gpd.GeoDataFrame({"buurtcode": ["BU05030000", "BU05030001"], "buurtnaam": ["A", "B"],
                      "jaar": [2022, 2022]}, geometry=squares(2), crs=RD).to_file(
        tmp_path / "b.gpkg")
    ingest_boundaries(store, tmp_path / "b.gpkg")
    (tmp_path / "bag.csv").write_text(ADDRESSES)
    ingest_addresses(store, tmp_path / "bag.csv", year=2022)
    return store


def figure(store: GeoPackageStore, code: str, indicator: str) -> float | None:
    frame = store.values(indicators=[indicator], codes=[code])
    assert len(frame) == 1, (code, indicator, frame)
    value = frame.iloc[0]["value"]
    return None if value != value else float(value)


def test_addresses_placed_and_dwellings_counted(placed: GeoPackageStore) -> None:
    assert len(placed.addresses()) == 6
    areas = placed.point_areas("addresses", level="buurt", boundary_year=2022)
    assert dict(zip(areas["point_id"].str[-1], areas["area_code"], strict=True))["4"] == \
        "BU05030001"
    # a shop and a dwelling still being built are not dwellings
    assert figure(placed, "BU05030000", "dwellings") == 3.0
    assert figure(placed, "BU05030001", "dwellings") == 1.0
    assert figure(placed, "BU05030000", "dwellings_built_before_1945") == 1.0
    assert figure(placed, "BU05030000", "share_built_before_1975") == pytest.approx(200 / 3)


def test_labels_located_superseded_rejected(placed: GeoPackageStore, tmp_path: Path) -> None:
    result = ingest_energy_labels(placed, write_labels(tmp_path / "ep.csv", LABELS),
                                  today=PUBLISHED)
    assert (result.counts.read, result.counts.stored, result.counts.superseded,
            result.counts.rejected) == (6, 4, 1, 1)
    assert "read 6, located 4, superseded 1, rejected 1" in result.summary()
    assert result.rejects[0].reason.startswith("not located")
    labels = placed.labels().set_index("vbo_id")
    assert labels.loc["0503010000000001", "energy_class"] == "B"  # the newer label won
    assert labels.loc["0503010000000002", "located_by"] == "address"  # 2611 AA 2 A
    # buurt A: dwellings 1 (B) and 2 (E) have valid labels, 3 has none
    assert figure(placed, "BU05030000", "energy_labels_valid") == 2.0
    assert figure(placed, "BU05030000", "energy_label_share_efg") == 50.0
    assert figure(placed, "BU05030000", "energy_label_coverage") == pytest.approx(200 / 3)
    assert figure(placed, "BU05030000", "labels_class_b") == 1.0
    # buurt B: the shop's U label does not count for dwellings
    assert figure(placed, "BU05030001", "energy_labels_valid") == 1.0
    assert figure(placed, "BU05030001", "energy_label_share_a_plus") == 100.0
    assert placed.values(indicators=["energy_labels_valid"])["year"].unique().tolist() == [2026]


def test_expired_label_counts_as_expired(placed: GeoPackageStore, tmp_path: Path) -> None:
    ingest_energy_labels(placed, write_labels(tmp_path / "ep.csv", LABELS[:1]), today=PUBLISHED)
    assert figure(placed, "BU05030000", "energy_labels_valid") == 0.0
    assert figure(placed, "BU05030000", "energy_label_share_expired") == 100.0
    assert figure(placed, "BU05030000", "energy_label_share_efg") is None  # no base: missing


def test_new_boundaries_place_the_addresses_again(placed: GeoPackageStore,
                                                  tmp_path: Path) -> None:
    gpd.GeoDataFrame({"buurtcode": ["BU05030009"], "buurtnaam": ["AB"], "jaar": [2023]},
                     geometry=[squares(2)[0].union(squares(2)[1])], crs=RD).to_file(
        tmp_path / "b2023.gpkg")
    ingest_boundaries(placed, tmp_path / "b2023.gpkg")
    areas = placed.point_areas("addresses", level="buurt", boundary_year=2023)
    assert set(areas["area_code"]) == {"BU05030009"} and len(areas) == 6


def test_labels_need_addresses_and_a_bad_file_changes_nothing(store: GeoPackageStore,
                                                              placed: GeoPackageStore,
                                                              tmp_path: Path) -> None:
    before = hashlib.sha256(placed.path.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_text("PublicatieDatum;01-09-2026\nPand_postcode;Pand_huisnummer\n2611AA;1\n")
    with pytest.raises(InputError, match="Pand_energieklasse"):
        ingest_energy_labels(placed, bad, today=PUBLISHED)
    assert hashlib.sha256(placed.path.read_bytes()).hexdigest() == before
    empty = GeoPackageStore(tmp_path / "other" / "g.gpkg")
    with pytest.raises(InputError, match="ingest addresses"):
        ingest_energy_labels(empty, write_labels(tmp_path / "ep.csv", LABELS), today=PUBLISHED)


def test_address_rejects(store: GeoPackageStore, tmp_path: Path) -> None:
    (tmp_path / "bag.csv").write_text(
        "vbo_id;gebruiksdoel;x;y\n0503010000000001;woonfunctie;84010;447050\n"
        "123;woonfunctie;84010;447050\n0503010000000001;woonfunctie;84011;447050\n"
        "0503010000000002;woonfunctie;;\n")
    result = ingest_addresses(store, tmp_path / "bag.csv", year=2022)
    assert result.counts.stored == 1
    assert sorted(r.reason for r in result.rejects) == [
        "duplicate vbo_id", "no location", "no valid BAG verblijfsobject id (16 digits)"]
