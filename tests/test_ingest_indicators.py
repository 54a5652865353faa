"""Indicator tables: CBS Kerncijfers CSV/XLSX and raw StatLine exports, with their quirks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoinsight.errors import InputError
from geoinsight.ingest import ingest_boundaries, ingest_indicators
from geoinsight.store.gpkg import GeoPackageStore

TEST_DATA = Path(__file__).parent / "data"


def one(store: GeoPackageStore, code: str, indicator: str, year: int | None = None) -> tuple:
    frame = store.values(indicators=[indicator], codes=[code], year=year)
    assert len(frame) == 1, frame
    row = frame.iloc[0]
    return (None if pd.isna(row.value) else float(row.value)), row.status


def test_statline_semicolon_bom_decimal_comma_padding_and_secret(store: GeoPackageStore,
                                                                 tmp_path: Path) -> None:
    text = ('"Perioden";"Wijken en buurten";"Codering (code)";"Bevolking/Aantal inwoners";'
            '"Gemiddelde huishoudensgrootte"\n'
            '"2024JJ00";"Delft";"GM0503    ";"  109577";"   1,7"\n'
            '"2024JJ00";"Binnenstad";"WK050311  ";"   13935";"   ."\n'
            '"2024JJ00";"Kleine buurt";"BU05031102";"       .";""\n')
    target = tmp_path / "statline.csv"
    target.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = ingest_indicators(store, target)
    assert result.years == [2024]
    assert result.levels == {"gemeente": 1, "wijk": 1, "buurt": 1}
    assert one(store, "GM0503", "population") == (109577.0, "ok")
    assert one(store, "GM0503", "household_size") == (1.7, "ok")
    assert one(store, "WK050311", "household_size") == (None, "secret")
    assert one(store, "BU05031102", "population") == (None, "secret")
    assert one(store, "BU05031102", "household_size") == (None, "missing")


def test_latin1_comma_separated(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "latin1.csv"
    target.write_bytes("gm_code,gm_naam,inwoners,koopwoningen\nGM0518,'s-Gravenhage,"
                       "552995,43.5\nGM1916,Leidschendam-Voorburg,77000,59\n"
                       "GM0363,Amsterdam Zuidoost (café),1,2\n".encode("latin-1"))
    result = ingest_indicators(store, target, year=2024)
    assert result.counts.stored == 3
    assert one(store, "GM0518", "pct_owner_occupied") == (43.5, "ok")


def test_real_statline_export(store: GeoPackageStore) -> None:
    result = ingest_indicators(store, TEST_DATA / "ses_woa_2019_amsterdam_statline_raw.csv")
    assert result.counts.read == 579 and result.counts.rejected == 0
    assert result.years == [2019]
    assert one(store, "GM0363", "households") == (457400.0, "ok")
    assert one(store, "GM0363", "ses_woa_score") == (-0.1, "ok")


def test_real_kwb_extract_with_year_columns_and_amsterdam_codes(store: GeoPackageStore) -> None:
    result = ingest_indicators(store, TEST_DATA / "kwb2024_buurten_extract.csv", year=2024)
    assert result.counts.rejected == 0
    assert one(store, "BU0363KA05", "population", 2024)[1] == "ok"
    crimes = store.values(indicators=["crimes_registered"], codes=["BU00141903"])
    assert crimes["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    assert crimes["value"].tolist() == [7.0, 5.0, 6.0, 3.0, 4.0]
    assert one(store, "BU00141908", "population", 2024) == (None, "missing")


def test_xlsx(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "kerncijfers.xlsx"
    pd.DataFrame({"bu_code": ["BU05030000", "BU05030001"], "AANT_INW": [100, "."],
                  "jaar": [2023, 2023]}).to_excel(target, index=False)
    ingest_indicators(store, target)
    assert one(store, "BU05030000", "population", 2023) == (100.0, "ok")
    assert one(store, "BU05030001", "population", 2023) == (None, "secret")


def test_bad_rows_rejected_with_reason(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("code;inwoners\nBU05030000;10\nXX123;5\n;7\nBU05030000;11\n")
    result = ingest_indicators(store, target, year=2024)
    assert (result.counts.read, result.counts.stored, result.counts.rejected) == (4, 1, 3)
    reasons = sorted(r.reason for r in result.rejects)
    assert reasons == ["duplicate code in the same year", "no valid CBS area code",
                       "no valid CBS area code"]
    assert [r.row for r in result.rejects][:2] == ["line 3", "line 4"]


@pytest.mark.parametrize(("content", "message"), [
    ("", "file is empty"),
    ("code;foo;bar\nBU05030000;1;2\n", "no known indicator columns"),
    ("naam;inwoners\nDelft;100\n", "regions are named \\(naam\\), not coded"),
    ("gemeente;inwoners\n12;100\n", "no CBS area code column"),
    ("just one line without separators\n", "not a table"),
])
def test_bad_tables_refused(store: GeoPackageStore, tmp_path: Path, content: str,
                            message: str) -> None:
    target = tmp_path / "bad.csv"
    target.write_text(content)
    with pytest.raises(InputError, match=message):
        ingest_indicators(store, target, year=2024)
    assert not store.path.exists()


def test_values_for_areas_join_boundaries(store: GeoPackageStore, tmp_path: Path) -> None:
    """A table's figures land on the same codes as the boundaries, in long form."""
    ingest_boundaries(store, TEST_DATA / "ermelo_buurten_2021_buurtkaart.gpkg")
    target = tmp_path / "t.csv"
    code = store.areas().iloc[0]["code"]
    target.write_text(f"code;wozWaarde\n{code};321,5\n")
    ingest_indicators(store, target, year=2021)
    assert one(store, code, "woz_mean", 2021) == (321.5, "ok")


def test_cbs_kwb_workbook_dialect(store: GeoPackageStore, tmp_path: Path) -> None:
    """CBS's own kwb-YYYY.xlsx: gwb_code_10 / gwb_code_8 keys, regio names, short columns."""
    target = tmp_path / "kwb-2023.xlsx"
    pd.DataFrame({
        "gwb_code_10": ["GM0503", "WK050311", "BU05031102"],
        "gwb_code_8": ["0503", "050311", "05031102"], "regio": ["Delft", "Binnenstad", "C-W"],
        "gm_naam": ["Delft"] * 3, "recs": ["Gemeente", "Wijk", "Buurt"],
        "a_inw": [109577, 13935, 2550], "g_woz": ["335", "418", "."],
        "p_koopw": ["37", "39", "41"], "bev_dich": [4835, 10246, 10150],
    }).to_excel(target, index=False)
    result = ingest_indicators(store, target, year=2023)
    assert result.levels == {"gemeente": 1, "wijk": 1, "buurt": 1}
    assert one(store, "BU05031102", "population") == (2550.0, "ok")
    assert one(store, "BU05031102", "woz_mean") == (None, "secret")
    assert one(store, "WK050311", "pct_owner_occupied") == (39.0, "ok")
    assert not any("ignored" in note for note in result.notes)


@pytest.mark.parametrize(("sep", "quote"), [("\t", ""), (",", '"')])
def test_decimal_comma_in_comma_and_tab_files(store: GeoPackageStore, tmp_path: Path,
                                              sep: str, quote: str) -> None:
    """'2,125' and '0,750' are decimal commas, not thousands, whatever the separator."""
    target = tmp_path / "t.csv"
    rows = [["code", "huishoudensgrootte", "afstandHuisarts"],
            ["BU05030000", f"{quote}2,125{quote}", f"{quote}0,750{quote}"]]
    target.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    ingest_indicators(store, target, year=2024)
    assert one(store, "BU05030000", "household_size") == (2.125, "ok")
    assert one(store, "BU05030000", "distance_gp") == (0.75, "ok")


def test_utf16_table(store: GeoPackageStore, tmp_path: Path) -> None:
    target = tmp_path / "excel-unicode.txt"
    target.write_bytes("code\tinwoners\nGM0503\t109577\n".encode("utf-16"))
    ingest_indicators(store, target, year=2024)
    assert one(store, "GM0503", "population") == (109577.0, "ok")


def test_folder_is_refused(store: GeoPackageStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        ingest_indicators(store, tmp_path, year=2024)


def test_kwb_energy_columns_of_a_real_buurt_table(store: GeoPackageStore) -> None:
    """Gas and electricity use per dwelling (CBS KWB 2020, Amersfoort region flattening):
    snake_case names, an empty cell stays missing, never 0."""
    result = ingest_indicators(store, TEST_DATA / "kwb2020_buurten_energy_amersfoort.csv",
                               year=2020)
    assert result.counts.stored == 6 and result.counts.rejected == 0
    ignored = " ".join(n for n in result.notes if n.startswith("ignored"))
    assert "aardgasverbruik" not in ignored and "elektriciteitsverbruik" not in ignored
    assert one(store, "BU03070100", "gas_use_mean", 2020) == (1310.0, "ok")
    assert one(store, "BU03070100", "electricity_use_mean", 2020) == (2430.0, "ok")
    assert one(store, "BU03070104", "gas_use_mean", 2020) == (1150.0, "ok")
    assert one(store, "BU03070104", "housing_stock", 2020) == (772.0, "ok")
    assert one(store, "BU03440131", "gas_use_mean", 2020) == (None, "missing")
    assert one(store, "BU03440131", "electricity_use_mean", 2020) == (None, "missing")


def test_kwb_energy_and_corporation_columns_of_a_real_gemeente_table(
        store: GeoPackageStore) -> None:
    """CBS KWB 2021 per gemeente (the nlstat flattening): gas, electricity, district heating
    (empty where CBS gives none) and dwellings owned by housing corporations."""
    result = ingest_indicators(store, TEST_DATA / "kwb2021_gemeenten_energy_nlstat.csv",
                               year=2021)
    assert result.counts.stored == 4 and result.counts.rejected == 0
    assert one(store, "GM0344", "gas_use_mean") == (790.0, "ok")
    assert one(store, "GM0344", "electricity_use_mean") == (2440.0, "ok")
    assert one(store, "GM0344", "pct_district_heating") == (30.6, "ok")
    assert one(store, "GM0344", "pct_social_housing") == (32.0, "ok")
    assert one(store, "GM0503", "pct_district_heating") == (7.4, "ok")
    assert one(store, "GM0503", "pct_social_housing") == (44.0, "ok")
    assert one(store, "GM0233", "gas_use_mean") == (1480.0, "ok")
    assert one(store, "GM0233", "pct_district_heating") == (None, "missing")


def test_kwb_energy_columns_in_every_cbs_spelling(store: GeoPackageStore, tmp_path: Path) -> None:
    """The names CBS itself uses: kwb-YYYY workbook, PDOK snake_case, classic shapefile."""
    target = tmp_path / "kwb-2023.xlsx"
    pd.DataFrame({"gwb_code_10": ["BU05031102"], "regio": ["C-W"], "g_gas": [850],
                  "g_ele": [2150], "p_stadsv": ["."], "p_wcorpw": [61]}).to_excel(target,
                                                                                index=False)
    ingest_indicators(store, target, year=2023)
    assert one(store, "BU05031102", "gas_use_mean") == (850.0, "ok")
    assert one(store, "BU05031102", "electricity_use_mean") == (2150.0, "ok")
    assert one(store, "BU05031102", "pct_district_heating") == (None, "secret")
    assert one(store, "BU05031102", "pct_social_housing") == (61.0, "ok")
    pdok = tmp_path / "pdok.csv"
    pdok.write_text("buurtcode;gemiddeld_gasverbruik_totaal;"
                    "gemiddeld_elektriciteitsverbruik_totaal;"
                    "percentage_woningen_met_stadsverwarming;"
                    "perc_huurwoningen_in_bezit_woningcorporaties\n"
                    "BU05030000;1200;2800;-99999999;35\n")
    classic = tmp_path / "classic.csv"
    classic.write_text("BU_CODE;G_GAS_TOT;G_ELEK_TOT;P_STADVERW;P_HUURCORP\n"
                       "BU05030001;1400;3100;12;20\n")
    ingest_indicators(store, pdok, year=2022)
    ingest_indicators(store, classic, year=2022)
    assert one(store, "BU05030000", "gas_use_mean") == (1200.0, "ok")
    assert one(store, "BU05030000", "electricity_use_mean") == (2800.0, "ok")
    assert one(store, "BU05030000", "pct_district_heating") == (None, "secret")
    assert one(store, "BU05030000", "pct_social_housing") == (35.0, "ok")
    assert one(store, "BU05030001", "gas_use_mean") == (1400.0, "ok")
    assert one(store, "BU05030001", "electricity_use_mean") == (3100.0, "ok")
    assert one(store, "BU05030001", "pct_district_heating") == (12.0, "ok")
    assert one(store, "BU05030001", "pct_social_housing") == (20.0, "ok")
