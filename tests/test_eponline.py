"""EP-Online bulk file reader and the synthetic bulk file writer.

Fixtures are written in code: small CSVs in the documented format (``rows`` / ``bulk``), or
synthetic label sets written by ``write_bulk_file`` and read back through the real parser.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoinsight.errors import InputError
from geoinsight.sources import eponline
from geoinsight.sources.eponline import LABEL_CLASSES, OUTPUT_COLUMNS, read_eponline
from geoinsight.sources.eponline_synth import (
    SYNTHETIC_NOTE,
    synthetic_addresses,
    synthetic_labels,
    write_bulk_file,
)

TODAY = dt.date(2026, 6, 1)
VBO = "0518010000417296"
VBO2 = "0518010000404882"
COLUMNS = ["Pand_bagverblijfsobjectid", "Pand_postcode", "Pand_huisnummer",
           "Pand_huisnummer_toev", "Pand_energieklasse", "Pand_registratiedatum",
           "Meting_geldig_tot", "Pand_gebouwklasse", "Pand_energieprestatieindex"]


def row(**fields: str) -> dict[str, str]:
    """A valid row (vbo-keyed, class C, registered 2020-03-01) with ``fields`` overriding."""
    base = {"Pand_bagverblijfsobjectid": VBO, "Pand_postcode": "2593PJ", "Pand_huisnummer": "2",
            "Pand_huisnummer_toev": "", "Pand_energieklasse": "C",
            "Pand_registratiedatum": "2020-03-01", "Meting_geldig_tot": "2030-03-01",
            "Pand_gebouwklasse": "W", "Pand_energieprestatieindex": ""}
    return base | fields


def bulk(rows: list[dict[str, str]], columns: list[str] | None = None,
         preamble: tuple[str, ...] = ("PublicatieDatum;01-09-2026",), bom: bool = False) -> bytes:
    columns = columns or COLUMNS
    lines = [*preamble, ";".join(columns)]
    lines += [";".join(r.get(c, "") for c in columns) for r in rows]
    return (b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode("utf-8")


def read_bytes(tmp_path: Path, data: bytes, name: str = "labels.csv", chunk_rows: int = 250_000,
               today: dt.date = TODAY) -> eponline.EpOnlineRead:
    path = tmp_path / name
    path.write_bytes(data)
    return read_eponline(path, today=today, chunk_rows=chunk_rows)


def reasons(result: eponline.EpOnlineRead) -> list[tuple[str, str]]:
    return [(r.row, r.reason) for r in result.rejects]


# --- round trip with the synthetic writer ----------------------------------------------------


def expected_newest(labels: pd.DataFrame) -> pd.DataFrame:
    """The rule, written independently: newest registration per object key, ties to the later."""
    address = (labels["postcode"].astype(str) + "|" + labels["huisnummer"].astype(str) + "|"
               + labels["huisletter"].astype(str) + "|" + labels["toevoeging"].astype(str))
    key = (labels["vbo_id"].astype(object).fillna(labels["ligplaats_id"].astype(object))
           .fillna(labels["standplaats_id"].astype(object)).fillna(address))
    ordered = labels.assign(_key=key.to_numpy(), _pos=np.arange(len(labels)))
    newest = ordered.sort_values(["registered", "_pos"], kind="stable").drop_duplicates(
        "_key", keep="last")
    return newest.sort_values("_pos").drop(columns=["_key", "_pos"]).reset_index(drop=True)


def same_labels(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    for column in want.columns:
        left = got[column].astype(object).where(got[column].notna(), None).tolist()
        right = want[column].astype(object).where(want[column].notna(), None).tolist()
        if column == "energy_index":
            assert np.allclose(got[column].to_numpy(), want[column].to_numpy(), equal_nan=True)
        else:
            assert left == right, column


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return synthetic_labels(synthetic_addresses(1500, seed=11), seed=5, today=TODAY)


def test_round_trip_writer_to_reader(tmp_path: Path, synthetic: pd.DataFrame) -> None:
    path = tmp_path / "bulk.csv"
    write_bulk_file(synthetic, path, bad_rows=9, seed=3)
    result = read_eponline(path, today=TODAY)
    want = expected_newest(synthetic)
    same_labels(result.labels.drop(columns=["expired", "line"]), want)
    assert result.read == len(synthetic) + 9
    assert result.superseded == len(synthetic) - len(want) > 0
    assert result.published == "01-09-2026"
    assert len(result.rejects) == 9
    kinds = [r.reason.split(" ")[0] for r in result.rejects]
    assert kinds.count("invalid") == kinds.count("no") == kinds.count("unknown") == 3
    assert result.labels["expired"].tolist() == (want["valid_until"]
                                                 < pd.Timestamp(TODAY)).tolist()
    assert list(result.labels.columns) == OUTPUT_COLUMNS


def test_line_numbers_point_at_the_rows(tmp_path: Path, synthetic: pd.DataFrame) -> None:
    path = tmp_path / "bulk.csv"
    write_bulk_file(synthetic.head(200), path, bad_rows=3, seed=8)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, text in enumerate(lines) if text.startswith("Pand_"))
    vbo_at = lines[header].split(";").index("Pand_bagverblijfsobjectid")
    result = read_eponline(path, today=TODAY)
    for label in result.labels.dropna(subset=["vbo_id"]).itertuples():
        assert lines[label.line - 1].split(";")[vbo_at] == label.vbo_id
    for reject in result.rejects:
        number = int(reject.row.removeprefix("line "))
        text = lines[number - 1]
        assert any(bad in text for bad in ("31-02-2021", "2021/03/04", "gisteren", ";H;")) or (
            text.split(";")[vbo_at] == "")


def test_zip_and_csv_read_the_same(tmp_path: Path, synthetic: pd.DataFrame) -> None:
    write_bulk_file(synthetic, tmp_path / "a.csv", seed=4)
    write_bulk_file(synthetic, tmp_path / "a.zip", zipped=True, seed=4)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["a.csv"]
    plain = read_eponline(tmp_path / "a.csv", today=TODAY)
    zipped = read_eponline(tmp_path / "a.zip", today=TODAY)
    pd.testing.assert_frame_equal(plain.labels, zipped.labels)
    assert (plain.read, plain.superseded) == (zipped.read, zipped.superseded)


def test_writer_is_deterministic_and_marked_synthetic(tmp_path: Path,
                                                      synthetic: pd.DataFrame) -> None:
    write_bulk_file(synthetic, tmp_path / "a.csv", seed=4, bad_rows=2)
    write_bulk_file(synthetic, tmp_path / "b.csv", seed=4, bad_rows=2)
    write_bulk_file(synthetic, tmp_path / "c.csv", seed=5, bad_rows=2)
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes()
    assert a != (tmp_path / "c.csv").read_bytes()
    head = a.decode().splitlines()[:4]
    assert f"Opmerking;{SYNTHETIC_NOTE}" in head
    header = head[3].split(";")
    assert header[0].startswith("Pand_") and "Bronbestand" in header
    formats = set()
    registered = header.index("Pand_registratiedatum")
    for text in a.decode().splitlines()[4:200]:
        value = text.split(";")[registered]
        formats.add("iso" if value[4:5] == "-" else "nl" if value[2:3] == "-" else "compact")
    assert formats == {"iso", "nl", "compact"}


def test_synthetic_labels_are_deterministic_and_plausible() -> None:
    addresses = synthetic_addresses(20_000, seed=1)
    again = synthetic_addresses(20_000, seed=1)
    pd.testing.assert_frame_equal(addresses, again)
    assert addresses["vbo_id"].is_unique
    assert not addresses.duplicated(["postcode", "huisnummer", "huisletter", "toevoeging"]).any()
    labels = synthetic_labels(addresses, seed=2, today=TODAY)
    pd.testing.assert_frame_equal(labels, synthetic_labels(addresses, seed=2, today=TODAY))
    assert not labels.equals(synthetic_labels(addresses, seed=3, today=TODAY))
    newest = expected_newest(labels)
    dwellings = addresses["gebruiksdoel"].str.contains("woonfunctie").sum()
    assert 0.60 < (newest["building_class"] == "W").sum() / dwellings < 0.70
    assert (newest["building_class"] == "U").sum() > 0
    assert len(labels) > len(newest) * 1.2  # objects labelled more than once
    assert 0.1 < (newest["valid_until"] < pd.Timestamp(TODAY)).mean() < 0.6
    assert 0.01 < newest["vbo_id"].isna().mean() < 0.06
    by_vbo = labels.dropna(subset=["vbo_id"])
    assert (by_vbo.groupby("vbo_id")["building_type"].nunique() == 1).all()
    built = addresses.set_index("vbo_id")["bouwjaar"]
    year = newest["vbo_id"].map(built)
    klass = newest["energy_class"].cat.codes
    old, new = klass[year < 1945], klass[year >= 2006]
    assert (old >= LABEL_CLASSES.index("E")).mean() > 0.5
    assert (new <= LABEL_CLASSES.index("A")).mean() > 0.8
    nta = newest["method"].astype(str).str.startswith("NTA")
    assert newest.loc[nta, "energy_index"].isna().all()
    assert newest.loc[~nta, "energy_index"].notna().all()
    types = set(newest["building_type"].astype(str))
    assert {"Appartement", "Rijwoning", "2-onder-1-kap", "Vrijstaande woning"} <= types


# --- container, encoding, preamble, header ---------------------------------------------------


def test_preamble_header_not_on_line_one_and_published(tmp_path: Path) -> None:
    data = bulk([row()], preamble=("PublicatieDatum;01-09-2026",
                                   "LaatstVerwerkteMutatievolgnummer;123", ""))
    result = read_bytes(tmp_path, data)
    assert result.published == "01-09-2026"
    assert result.labels["line"].tolist() == [5]
    assert read_bytes(tmp_path, bulk([row()], preamble=())).published is None


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_with_or_without_bom(tmp_path: Path, bom: bool) -> None:
    result = read_bytes(tmp_path, bulk([row(Pand_gebouwklasse="W")], preamble=(), bom=bom))
    assert result.labels["vbo_id"].tolist() == [VBO]
    assert result.labels["line"].tolist() == [2]


def test_columns_in_any_order_extra_columns_ignored(tmp_path: Path) -> None:
    rows = [row(), row(Pand_bagverblijfsobjectid=VBO2, Pand_energieklasse="A+", Onzin="x")]
    shuffled = [*reversed(COLUMNS), "Onzin", "Pand_projectnaam"]
    shuffled.insert(0, shuffled.pop(shuffled.index("Pand_huisnummer")))
    one = read_bytes(tmp_path, bulk(rows), "one.csv").labels
    two = read_bytes(tmp_path, bulk(rows, shuffled), "two.csv").labels
    pd.testing.assert_frame_equal(one, two)


def test_decimal_comma_and_empty_fields(tmp_path: Path) -> None:
    rows = [row(Pand_energieprestatieindex="1,45"),
            row(Pand_bagverblijfsobjectid=VBO2, Pand_energieprestatieindex="",
                Pand_gebouwklasse=""),
            row(Pand_bagverblijfsobjectid="0518010000000003", Pand_energieprestatieindex="n.v.t")]
    labels = read_bytes(tmp_path, bulk(rows)).labels
    assert labels["energy_index"].iloc[0] == pytest.approx(1.45)
    assert np.isnan(labels["energy_index"].iloc[1]) and np.isnan(labels["energy_index"].iloc[2])
    assert labels["building_class"].isna().tolist() == [False, True, False]
    assert labels["assessed"].isna().all()  # no Pand_opnamedatum column: unknown


def test_energy_index_from_the_other_edition_column(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "Pand_energieprestatieindex"] + ["Pand_energieindex"]
    labels = read_bytes(tmp_path, bulk([row(Pand_energieindex="0,98")], columns)).labels
    assert labels["energy_index"].tolist() == [pytest.approx(0.98)]


# --- several labels per object ---------------------------------------------------------------


def test_newest_registration_wins_and_superseded_is_counted(tmp_path: Path) -> None:
    rows = [row(Pand_energieklasse="F", Pand_registratiedatum="2012-05-01"),
            row(Pand_energieklasse="B", Pand_registratiedatum="2021-05-01"),
            row(Pand_energieklasse="D", Pand_registratiedatum="2016-05-01"),
            row(Pand_bagverblijfsobjectid=VBO2, Pand_energieklasse="E")]
    result = read_bytes(tmp_path, bulk(rows))
    assert result.labels["energy_class"].astype(str).tolist() == ["B", "E"]
    assert result.labels["line"].tolist() == [4, 6]
    assert (result.read, result.superseded, result.rejects) == (4, 2, [])


def test_same_registration_date_the_later_line_wins(tmp_path: Path) -> None:
    rows = [row(Pand_energieklasse="A"), row(Pand_energieklasse="G")]
    result = read_bytes(tmp_path, bulk(rows))
    assert result.labels["energy_class"].astype(str).tolist() == ["G"]
    assert result.superseded == 1


def test_object_key_falls_back_from_vbo_to_plots_to_address(tmp_path: Path) -> None:
    columns = [*COLUMNS, "Pand_bagligplaatsid", "Pand_bagstandplaatsid"]
    lig, stand = "0518020000000001", "0518030000000001"
    rows = [
        row(Pand_bagverblijfsobjectid="", Pand_bagligplaatsid=lig, Pand_energieklasse="D",
            Pand_registratiedatum="2019-01-01"),
        row(Pand_bagverblijfsobjectid="", Pand_bagligplaatsid=lig, Pand_energieklasse="C"),
        row(Pand_bagverblijfsobjectid="", Pand_bagstandplaatsid=stand, Pand_energieklasse="E"),
        row(Pand_bagverblijfsobjectid="", Pand_postcode="2611 ab", Pand_huisnummer="12",
            Pand_huisnummer_toev="A-2", Pand_energieklasse="F",
            Pand_registratiedatum="2018-01-01"),
        row(Pand_bagverblijfsobjectid="", Pand_postcode="2611AB", Pand_huisnummer="12",
            Pand_huisnummer_toev="a 2", Pand_energieklasse="A"),
        row(Pand_bagverblijfsobjectid="", Pand_postcode="2611AB", Pand_huisnummer="12",
            Pand_huisnummer_toev="", Pand_energieklasse="B"),
        row(Pand_postcode="2611AB", Pand_huisnummer="12", Pand_energieklasse="G"),
    ]
    result = read_bytes(tmp_path, bulk(rows, columns))
    labels = result.labels
    assert labels["energy_class"].astype(str).tolist() == ["C", "E", "A", "B", "G"]
    assert labels["ligplaats_id"].tolist()[0] == lig
    assert labels["standplaats_id"].tolist()[1] == stand
    assert labels[["huisletter", "toevoeging"]].values.tolist()[2:4] == [["A", "2"], ["", ""]]
    assert result.superseded == 2


# --- dates, expiry, classes ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2021-03-04", "20210304", "04-03-2021"])
def test_three_date_formats(tmp_path: Path, text: str) -> None:
    labels = read_bytes(tmp_path, bulk([row(Pand_registratiedatum=text,
                                            Meting_geldig_tot=text)])).labels
    assert labels["registered"].tolist() == [pd.Timestamp("2021-03-04")]
    assert labels["registered"].dtype == "datetime64[s]"


def test_bad_dates_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    bad = ["2021-02-30", "2021/03/04", "4-03-2021", "gisteren", "2021-13-01", "20211301"]
    rows = [row(Pand_bagverblijfsobjectid=f"05180100000000{i:02d}", Pand_registratiedatum=b)
            for i, b in enumerate(bad)]
    rows.append(row(Pand_bagverblijfsobjectid="0518010000000099", Meting_geldig_tot="31-11-2030"))
    rows.append(row(Pand_bagverblijfsobjectid="0518010000000098", Pand_registratiedatum=""))
    result = read_bytes(tmp_path, bulk(rows))
    assert result.labels.empty and result.read == 8
    got = reasons(result)
    assert got[:6] == [(f"line {i + 3}", f"invalid date in Pand_registratiedatum: '{b}'")
                       for i, b in enumerate(bad)]
    assert got[6] == ("line 9", "invalid date in Meting_geldig_tot: '31-11-2030'")
    assert got[7] == ("line 10", "no registration date (Pand_registratiedatum empty)")
    assert result.rejects[0].code == "0518010000000000"


def test_leap_day_is_a_real_date(tmp_path: Path) -> None:
    labels = read_bytes(tmp_path, bulk([row(Pand_registratiedatum="29-02-2024",
                                            Meting_geldig_tot="")])).labels
    assert labels["registered"].tolist() == [pd.Timestamp("2024-02-29")]
    assert labels["valid_until"].tolist() == [pd.Timestamp("2034-02-28")]


def test_without_registration_column_the_later_line_wins(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "Pand_registratiedatum"]
    rows = [row(Pand_energieklasse="D"), row(Pand_energieklasse="A")]
    result = read_bytes(tmp_path, bulk(rows, columns))
    assert result.labels["energy_class"].astype(str).tolist() == ["A"]
    assert result.labels["registered"].isna().all() and result.superseded == 1


def test_expired_labels_are_kept_and_flagged(tmp_path: Path) -> None:
    rows = [row(Pand_bagverblijfsobjectid=VBO, Meting_geldig_tot="2026-05-31"),
            row(Pand_bagverblijfsobjectid=VBO2, Meting_geldig_tot="2026-06-01"),
            row(Pand_bagverblijfsobjectid="0518010000000003", Pand_registratiedatum="2015-01-01",
                Meting_geldig_tot=""),
            row(Pand_bagverblijfsobjectid="0518010000000004", Pand_registratiedatum="2017-01-01",
                Meting_geldig_tot="")]
    labels = read_bytes(tmp_path, bulk(rows)).labels
    assert labels["expired"].tolist() == [True, False, True, False]
    assert labels["valid_until"].tolist()[2:] == [pd.Timestamp("2025-01-01"),
                                                  pd.Timestamp("2027-01-01")]


def test_dwellings_and_utility_both_kept(tmp_path: Path) -> None:
    rows = [row(Pand_gebouwklasse="W"),
            row(Pand_bagverblijfsobjectid=VBO2, Pand_gebouwklasse="u"),
            row(Pand_bagverblijfsobjectid="0518010000000003", Pand_gebouwklasse="X")]
    result = read_bytes(tmp_path, bulk(rows))
    assert result.labels["building_class"].astype(str).tolist() == ["W", "U"]
    assert reasons(result) == [("line 5", "unknown building class 'X' (Pand_gebouwklasse)")]


def test_label_classes(tmp_path: Path) -> None:
    classes = [*LABEL_CLASSES, "a++", " b "]
    rows = [row(Pand_bagverblijfsobjectid=f"05180100000000{i:02d}", Pand_energieklasse=c)
            for i, c in enumerate(classes)]
    rows += [row(Pand_bagverblijfsobjectid="0518010000000098", Pand_energieklasse="H"),
             row(Pand_bagverblijfsobjectid="0518010000000099", Pand_energieklasse=""),
             row(Pand_bagverblijfsobjectid="0518010000000097", Pand_energieklasse="A++++++")]
    result = read_bytes(tmp_path, bulk(rows))
    energy = result.labels["energy_class"]
    assert energy.astype(str).tolist() == [*LABEL_CLASSES, "A++", "B"]
    assert energy.cat.ordered and list(energy.cat.categories) == list(LABEL_CLASSES)
    assert energy.min() == "A+++++" and energy.max() == "G"
    n = len(classes) + 3
    assert reasons(result) == [(f"line {n}", "unknown energy class 'H'"),
                               (f"line {n + 1}", "no energy class (Pand_energieklasse empty)"),
                               (f"line {n + 2}", "unknown energy class 'A++++++'")]


# --- location keys and address normalisation ------------------------------------------------


def test_rows_without_a_location_key_are_rejected(tmp_path: Path) -> None:
    rows = [row(Pand_bagverblijfsobjectid="", Pand_postcode="", Pand_huisnummer=""),
            row(Pand_bagverblijfsobjectid="12345", Pand_postcode="2611A", Pand_huisnummer="7"),
            row(Pand_bagverblijfsobjectid="", Pand_postcode="2611AB", Pand_huisnummer="zeven"),
            row(Pand_bagverblijfsobjectid="", Pand_postcode="2611AB", Pand_huisnummer="7")]
    result = read_bytes(tmp_path, bulk(rows))
    assert len(result.labels) == 1 and result.labels["vbo_id"].isna().all()
    got = reasons(result)
    assert [r for r, _ in got] == ["line 3", "line 4", "line 5"]
    assert all(reason.startswith("no location key: no BAG id and no postcode + huisnummer")
               for _, reason in got)
    assert "Pand_bagverblijfsobjectid '12345' is not a valid id" in got[1][1]
    assert "Pand_postcode '2611A' is not valid" in got[1][1]
    assert "Pand_huisnummer 'zeven' is not valid" in got[2][1]


def test_bag_ids_are_normalised(tmp_path: Path) -> None:
    rows = [row(Pand_bagverblijfsobjectid="518010000404882"),
            row(Pand_bagverblijfsobjectid="518010000000003.0"),
            row(Pand_bagverblijfsobjectid="nope", Pand_postcode="2611AB", Pand_huisnummer="9")]
    labels = read_bytes(tmp_path, bulk(rows)).labels
    assert labels["vbo_id"].tolist() == [VBO2, "0518010000000003", pd.NA]
    assert labels["vbo_id"].dtype == pd.StringDtype("pyarrow")


@pytest.mark.parametrize(("toev", "letter_column", "want"), [
    ("", None, ("", "")), ("A", None, ("A", "")), ("a", None, ("A", "")),
    ("A-2", None, ("A", "2")), ("A 2", None, ("A", "2")), ("b/1", None, ("B", "1")),
    ("2", None, ("", "2")), ("bis", None, ("", "BIS")), ("1HG", None, ("", "1HG")),
    ("A2", None, ("", "A2")), ("-2", None, ("", "2")), ("zwart", None, ("", "ZWAR")),
    ("A-BIS", None, ("A", "BIS")), ("2", "b", ("B", "2")), ("", "C", ("C", "")),
    ("A-2", "", ("A", "2")),
])
def test_huisletter_and_toevoeging(tmp_path: Path, toev: str, letter_column: str | None,
                                   want: tuple[str, str]) -> None:
    columns = COLUMNS if letter_column is None else [*COLUMNS, "Pand_huisletter"]
    fields = {"Pand_huisnummer_toev": toev, "Pand_postcode": "2611ab", "Pand_huisnummer": "012"}
    if letter_column is not None:
        fields["Pand_huisletter"] = letter_column
    labels = read_bytes(tmp_path, bulk([row(**fields)], columns)).labels
    assert tuple(labels[["huisletter", "toevoeging"]].iloc[0]) == want
    assert labels["postcode"].tolist() == ["2611AB"] and labels["huisnummer"].tolist() == [12]


# --- malformed rows --------------------------------------------------------------------------


def test_wrong_field_counts_and_empty_lines_are_rejects(tmp_path: Path) -> None:
    data = bulk([row()]) + b"0518010000000003;2611AB\n\n" + bulk(
        [row(Pand_bagverblijfsobjectid=VBO2)], preamble=()).split(b"\n", 1)[1]
    result = read_bytes(tmp_path, data)
    assert result.labels["line"].tolist() == [3, 6]
    assert reasons(result) == [("line 4", "2 fields where the header has 9"),
                               ("line 5", "empty row")]
    assert result.read == 4


# --- chunking --------------------------------------------------------------------------------


def test_chunk_size_does_not_change_the_result(tmp_path: Path, synthetic: pd.DataFrame,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bulk.csv"
    write_bulk_file(synthetic, path, bad_rows=5, seed=2)
    whole = read_eponline(path, today=TODAY)
    monkeypatch.setattr(eponline, "COMPACT_ROWS", 50)  # compact the kept parts often, too
    for chunk_rows in (7, 100, 1):
        part = read_eponline(path, today=TODAY, chunk_rows=chunk_rows)
        pd.testing.assert_frame_equal(part.labels, whole.labels, check_categorical=False)
        assert (part.read, part.superseded, part.rejects) == (
            whole.read, whole.superseded, whole.rejects)


label_rows = st.lists(st.fixed_dictionaries({
    "Pand_bagverblijfsobjectid": st.sampled_from(["", VBO, VBO2, "0518010000000003"]),
    "Pand_postcode": st.sampled_from(["", "2611AB", "2611 ab", "1234ZZ"]),
    "Pand_huisnummer": st.sampled_from(["", "1", "2"]),
    "Pand_huisnummer_toev": st.sampled_from(["", "A", "A-2", "bis"]),
    "Pand_energieklasse": st.sampled_from([*LABEL_CLASSES, "H", ""]),
    "Pand_registratiedatum": st.sampled_from(["2015-01-01", "20150101", "01-01-2015",
                                              "2020-06-30", "30-06-2020", "2020-02-30", ""]),
    "Meting_geldig_tot": st.sampled_from(["", "2025-01-01", "2030-06-30"]),
    "Pand_gebouwklasse": st.sampled_from(["W", "U"]),
    "Pand_energieprestatieindex": st.sampled_from(["", "1,2", "0.8"]),
}), max_size=40)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=label_rows, chunk_rows=st.integers(min_value=1, max_value=9))
def test_chunking_property(tmp_path: Path, rows: list[dict[str, str]], chunk_rows: int) -> None:
    data = bulk(rows)
    whole = read_bytes(tmp_path, data)
    part = read_bytes(tmp_path, data, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(part.labels, whole.labels, check_categorical=False)
    assert (part.read, part.superseded, part.rejects) == (whole.read, whole.superseded,
                                                          whole.rejects)
    assert whole.read == len(rows) == len(whole.labels) + whole.superseded + len(whole.rejects)


# --- input errors ----------------------------------------------------------------------------


def error(tmp_path: Path, data: bytes, name: str = "labels.csv") -> str:
    with pytest.raises(InputError) as caught:
        read_bytes(tmp_path, data, name)
    text = caught.value.one_line()
    assert text.endswith(f"({tmp_path / name})") and "\n" not in text
    return caught.value.message


def zip_bytes(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_missing_required_columns(tmp_path: Path) -> None:
    no_class = [c for c in COLUMNS if c != "Pand_energieklasse"]
    assert error(tmp_path, bulk([row()], no_class)) == "missing column Pand_energieklasse"
    no_location = [c for c in COLUMNS if c not in ("Pand_bagverblijfsobjectid",
                                                   "Pand_huisnummer")]
    assert error(tmp_path, bulk([row()], no_location)).startswith(
        "missing column Pand_bagverblijfsobjectid")
    only_address = [c for c in COLUMNS if c != "Pand_bagverblijfsobjectid"]
    assert len(read_bytes(tmp_path, bulk([row()], only_address)).labels) == 1


def test_header_without_rows_is_an_empty_result(tmp_path: Path) -> None:
    result = read_bytes(tmp_path, bulk([]))
    assert result.labels.empty and list(result.labels.columns) == OUTPUT_COLUMNS
    assert result.labels["energy_class"].dtype.ordered
    assert (result.read, result.superseded, result.rejects) == (0, 0, [])


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    assert error(tmp_path, b"") == "file is empty"
    assert error(tmp_path, b"PublicatieDatum;01-09-2026\nfoo;bar\n1;2\n").startswith(
        "no header row")
    assert error(tmp_path, b"\x89PNG\r\n\x1a\n\0\0\0IHDR", "x.png").startswith("not a CSV")
    assert error(tmp_path, "Pand_a;b\n".encode("utf-16")).startswith("not a CSV")
    assert "';'" in error(tmp_path, b"Pand_energieklasse,Pand_postcode\nA,2611AB\n")
    assert error(tmp_path, zip_bytes({"readme.txt": b"hi"}), "a.zip") == (
        "the ZIP holds no CSV file")
    assert error(tmp_path, zip_bytes({"a.csv": bulk([row()]), "b.csv": bulk([row()])}),
                 "b.zip").startswith("the ZIP holds 2 CSV files")
    whole = zip_bytes({"a.csv": bulk([row()] * 500)})
    assert error(tmp_path, whole[: len(whole) // 2], "c.zip").startswith("damaged or truncated")
    damaged = bytearray(whole)
    damaged[60:80] = b"\0" * 20
    assert error(tmp_path, bytes(damaged), "d.zip").startswith(("damaged", "not a"))
    with pytest.raises(InputError, match="file not found"):
        read_eponline(tmp_path / "nothing.csv", today=TODAY)


def test_zip_with_bom_and_preamble(tmp_path: Path) -> None:
    data = zip_bytes({"v20260901_totaalbestand.csv": bulk([row()], bom=True)})
    result = read_bytes(tmp_path, data, "labels.zip")
    assert result.labels["line"].tolist() == [3] and result.published == "01-09-2026"


def test_output_dtypes_are_compact(tmp_path: Path) -> None:
    labels = read_bytes(tmp_path, bulk([row(Pand_energieprestatieindex="1,1")])).labels
    dtypes = {name: str(dtype) for name, dtype in labels.dtypes.items()}
    assert dtypes["huisnummer"] == "Int32" and dtypes["energy_class"] == "category"
    assert dtypes["building_type"] == "category" and dtypes["assessed"] == "datetime64[s]"
    assert dtypes["expired"] == dtypes["private"] == "bool" and dtypes["line"] == "int64"
    assert dtypes["vbo_id"] == dtypes["postcode"] == "string"
