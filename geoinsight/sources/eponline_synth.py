"""Deterministic synthetic EP-Online labels and bulk files, for the demo, tests and benchmarks.

No real EP-Online file is available offline, so the demo draws labels for real BAG addresses
from a bouwjaar-dependent class distribution and writes them in the documented bulk format;
the real parser then reads them like any other file. Every file written here says
``Opmerking;synthetic demo data`` in its preamble, so it is never mistaken for the real thing.

Everything is driven by a seeded :class:`numpy.random.Generator`: the same seed gives the same
labels and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoinsight.sources.eponline import LABEL_CLASSES

SYNTHETIC_NOTE = "synthetic demo data"
#: the columns of the bulk file, in the order the spec lists them
BULK_COLUMNS = [
    "Pand_opnamedatum", "Pand_opnametype", "Pand_status", "Pand_berekeningstype",
    "Pand_energieprestatieindex", "Pand_energieklasse", "Pand_energielabel_is_prive",
    "Pand_is_op_basis_van_referentie_gebouw", "Pand_gebouwklasse", "Meting_geldig_tot",
    "Pand_registratiedatum", "Pand_postcode", "Pand_huisnummer", "Pand_huisnummer_toev",
    "Pand_detailaanduiding", "Pand_bagverblijfsobjectid", "Pand_bagligplaatsid",
    "Pand_bagstandplaatsid", "Pand_bagpandid", "Pand_gebouwtype", "Pand_gebouwsubtype",
    "Pand_projectnaam", "Pand_projectobject", "Pand_SBIcode",
    "Pand_gebruiksoppervlakte_thermische_zone", "Pand_energiebehoefte",
    "Pand_eis_energiebehoefte", "Pand_primaire_fossiele_energie",
    "Pand_eis_primaire_fossiele_energie", "Pand_primaire_fossiele_energie_EMG_forfaitair",
    "Pand_aandeel_hernieuwbare_energie", "Pand_eis_aandeel_hernieuwbare_energie",
    "Pand_temperatuuroverschrijding", "Pand_eis_temperatuuroverschrijding",
    "Pand_warmtebehoefte",
]
#: columns a reader must ignore: one from some editions, two nobody documents
EXTRA_COLUMNS = ["Pand_compactheid", "Pand_energieindex_met_emg_forfaitair", "Bronbestand"]
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y")
WRITE_CHUNK = 200_000

#: class probabilities (A+++++ … G) per bouwjaar class: < 1945, 1945–1974, 1975–1991,
#: 1992–2005, ≥ 2006 (percent; each row sums to 100)
CLASS_SHARES = np.array([
    [0, 0, 0, 0, 0, 2, 3, 8, 15, 22, 25, 25],
    [0, 0, 0, 0, 0, 3, 7, 25, 25, 20, 12, 8],
    [0, 0, 0, 0, 1, 8, 30, 34, 15, 7, 3, 2],
    [0, 0, 0, 1, 3, 34, 35, 20, 5, 2, 0, 0],
    [0.5, 3, 5, 15, 24, 44.5, 6, 2, 0, 0, 0, 0],
], dtype=float)
UTILITY_SHARES = np.array([0, 0, 1, 2, 4, 18, 12, 15, 14, 12, 10, 12], dtype=float)
BOUWJAAR_EDGES = (1945, 1975, 1992, 2006)
#: energy index bands of the old (pre-NTA 8800) scale, A++ … G
INDEX_BANDS = {"A++": (0.30, 0.50), "A+": (0.51, 0.70), "A": (0.71, 1.05), "B": (1.06, 1.30),
               "C": (1.31, 1.60), "D": (1.61, 2.00), "E": (2.01, 2.40), "F": (2.41, 2.70),
               "G": (2.71, 3.50)}
DWELLING_TYPES = [("Appartement", 0.43), ("Rijwoning", 0.37), ("2-onder-1-kap", 0.10),
                  ("Vrijstaande woning", 0.09), ("Maisonnette", 0.01)]
SUBTYPES = {"Appartement": ["tussenvloer", "dakvloer", "grondvloer", "grond/dak"],
            "Rijwoning": ["tussen", "hoek"], "Maisonnette": ["tussen", "hoek"]}
UTILITY_USES = ["kantoorfunctie", "winkelfunctie", "industriefunctie", "bijeenkomstfunctie",
                "onderwijsfunctie", "gezondheidszorgfunctie", "sportfunctie", "logiesfunctie",
                "overige gebruiksfunctie"]
GEMEENTEN = (363, 518, 599, 344, 14, 34, 1916, 772, 855, 503)


# --- addresses (benchmarks only) --------------------------------------------------------------


def synthetic_addresses(n: int, *, seed: int) -> pd.DataFrame:
    """``n`` random but valid BAG addresses with unique ids and unique address keys."""
    rng = np.random.default_rng(seed)
    i = np.arange(n, dtype=np.int64)
    gemeente = np.asarray(GEMEENTEN, dtype=np.int64)[rng.integers(0, len(GEMEENTEN), n)]
    block = i // 25
    digits = 1000 + block % 9000
    letters = (block // 9000) % 676
    postcode = pc.binary_join_element_wise(
        _ints(digits), _letters(letters // 26), _letters(letters % 26), "")
    letter = np.where(rng.random(n) < 0.05, np.array(["A", "B"])[rng.integers(0, 2, n)], "")
    addition = np.where(rng.random(n) < 0.04, np.array(["1", "2", "3", "HS", "BIS"])[
        rng.integers(0, 5, n)], "")
    use = np.where(rng.random(n) < 0.90, "woonfunctie", np.asarray(UTILITY_USES)[
        rng.integers(0, len(UTILITY_USES), n)])
    use = np.where(rng.random(n) < 0.01, "woonfunctie,winkelfunctie", use)
    return pd.DataFrame({
        "vbo_id": _strings(_bag_ids(gemeente, 1, i)),
        "postcode": _strings(postcode),
        "huisnummer": pd.array(1 + 2 * (i % 25), dtype="Int32"),
        "huisletter": _strings(pa.array(letter)),
        "toevoeging": _strings(pa.array(addition)),
        "gebruiksdoel": use,
        "bouwjaar": pd.array(_bouwjaar(rng, n), dtype="Int32"),
    })


def _bouwjaar(rng: np.random.Generator, n: int) -> np.ndarray:
    ranges = np.array([[1850, 1944], [1945, 1974], [1975, 1991], [1992, 2005], [2006, 2025]])
    period = rng.choice(5, size=n, p=[0.20, 0.28, 0.20, 0.17, 0.15])
    low, high = ranges[period, 0], ranges[period, 1]
    return low + (rng.random(n) * (high - low + 1)).astype(np.int64)


# --- labels -----------------------------------------------------------------------------------


def synthetic_labels(addresses: pd.DataFrame, *, seed: int, today: dt.date) -> pd.DataFrame:
    """Labels for about 65 % of dwellings and a quarter of utility objects, in reader columns.

    Classes depend on bouwjaar; some objects have two or three registrations over the years
    (the later ones slightly better, the older ones superseded); registrations start in 2008,
    so labels registered more than ten years before ``today`` have expired. About 3 % of the
    labels carry no BAG id, only postcode + huisnummer (as older registrations do). Building
    type and pand are the object's, the same in each of its labels. The rows come shuffled, as
    in the real file. (Labels are drawn for the given verblijfsobjecten, so none is keyed by a
    ligplaats or standplaats id; the reader's tests cover those.)
    """
    rng = np.random.default_rng(seed)
    use = addresses["gebruiksdoel"].astype(str).str.lower().to_numpy()
    dwelling = np.char.find(use.astype(str), "woonfunctie") >= 0
    labelled = np.where(dwelling, rng.random(len(use)) < 0.65, rng.random(len(use)) < 0.25)
    objects = np.flatnonzero(labelled)
    repeats = rng.choice([1, 2, 3], size=len(objects), p=[0.72, 0.21, 0.07])
    source = np.repeat(objects, repeats)  # address row of every label
    n = len(source)
    start, end = np.datetime64("2008-01-01", "D"), np.datetime64(today, "D") - 1
    registered = start + (rng.random(n) * (end - start).astype(int)).astype("timedelta64[D]")
    rank = _rank_in_object(source, registered)
    w = dwelling[source]
    klass = _classes(rng, addresses["bouwjaar"].to_numpy(dtype=float, na_value=np.nan)[source],
                     w, rank)
    method = _methods(registered)
    old = ~np.char.startswith(method, "NTA")
    klass = np.where(old & (klass < 3), 3, klass)  # the old scale stops at A++
    btype, subtype = _types(rng, dwelling[objects], use[objects])
    per_object = np.repeat(np.arange(len(objects)), repeats)
    btype, subtype = btype[per_object], subtype[per_object]
    addressable = (addresses["postcode"].notna() & addresses["huisnummer"].notna()).to_numpy()
    address_only = addressable[source] & (rng.random(n) < 0.03)
    frame = _label_frame(addresses, source, address_only, btype == "Appartement")
    frame["energy_class"] = pd.Categorical.from_codes(klass, categories=list(LABEL_CLASSES),
                                                      ordered=True)
    frame["energy_index"] = np.where(old, _index(rng, klass), np.nan)
    frame["building_class"] = pd.Categorical(np.where(w, "W", "U"), categories=["W", "U"])
    frame["building_type"] = pd.Categorical(btype)
    # "" means no subtype: a missing value, not a category
    frame["building_subtype"] = pd.Categorical(
        pd.Series(subtype, dtype=object).replace("", None),
        categories=sorted(set(subtype) - {""}))
    frame["method"] = pd.Categorical(method)
    frame["assessed"] = (registered - rng.integers(0, 90, n).astype("timedelta64[D]")
                         ).astype("datetime64[s]")
    frame["registered"] = registered.astype("datetime64[s]")
    frame["valid_until"] = (pd.Series(registered.astype("datetime64[s]"))
                            + pd.DateOffset(years=10)).to_numpy()
    frame["private"] = rng.random(n) < 0.03
    order = rng.permutation(n)
    return frame.iloc[order].reset_index(drop=True)


def _rank_in_object(source: np.ndarray, registered: np.ndarray) -> np.ndarray:
    """0 for an object's first registration, 1 for the next, …"""
    order = np.lexsort((registered, source))
    ordered = source[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    return rank


def _classes(rng: np.random.Generator, bouwjaar: np.ndarray, dwelling: np.ndarray,
             rank: np.ndarray) -> np.ndarray:
    period = np.searchsorted(BOUWJAAR_EDGES, np.nan_to_num(bouwjaar, nan=1960), side="right")
    cumulative = np.cumsum(CLASS_SHARES / CLASS_SHARES.sum(axis=1, keepdims=True), axis=1)
    draw = rng.random(len(period))
    klass = (draw[:, None] > cumulative[period]).sum(axis=1)
    utility = np.cumsum(UTILITY_SHARES / UTILITY_SHARES.sum())
    klass = np.where(dwelling, klass, (draw[:, None] > utility[None, :]).sum(axis=1))
    better = rank * rng.integers(0, 2, len(rank))  # a renovation between two registrations
    return np.clip(klass - better, 0, len(LABEL_CLASSES) - 1).astype(np.int8)


def _methods(registered: np.ndarray) -> np.ndarray:
    year = registered.astype("datetime64[Y]").astype(int) + 1970
    return np.select(
        [year < 2015, year < 2021, year < 2022, year < 2023, year < 2024],
        ["ISSO 82.3", "Nader Voorschrift", "NTA 8800:2020", "NTA 8800:2021", "NTA 8800:2022"],
        "NTA 8800:2023")


def _index(rng: np.random.Generator, klass: np.ndarray) -> np.ndarray:
    low = np.array([INDEX_BANDS.get(c, (0.3, 0.5))[0] for c in LABEL_CLASSES])
    high = np.array([INDEX_BANDS.get(c, (0.3, 0.5))[1] for c in LABEL_CLASSES])
    return np.round(low[klass] + rng.random(len(klass)) * (high[klass] - low[klass]), 2)


def _types(rng: np.random.Generator, dwelling: np.ndarray, use: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per object: gebouwtype and gebouwsubtype (dwellings), or the use (utility buildings)."""
    n = len(dwelling)
    names = np.array([t for t, _ in DWELLING_TYPES])
    btype = names[rng.choice(len(names), size=n, p=[p for _, p in DWELLING_TYPES])]
    subtype = np.full(n, "", dtype=object)
    for name, options in SUBTYPES.items():
        rows = btype == name
        subtype[rows] = np.asarray(options)[rng.integers(0, len(options), rows.sum())]
    first_use = np.array([u.split(",")[0] for u in use.tolist()], dtype=object)
    btype = np.where(dwelling, btype, np.char.capitalize(first_use.astype(str)))
    subtype = np.where(dwelling, subtype, "")
    return btype.astype(str), subtype.astype(str)


def _label_frame(addresses: pd.DataFrame, source: np.ndarray, address_only: np.ndarray,
                 flat: np.ndarray) -> pd.DataFrame:
    """Location columns of the labels: vbo and pand id (none if ``address_only``), address.

    Flats share a pand (eight to a building); other dwellings have their own.
    """
    vbo = pa.array(addresses["vbo_id"].to_numpy(dtype=object, na_value=None)[source],
                   pa.string())
    gemeente = pc.cast(pc.utf8_slice_codeunits(pc.if_else(pc.is_valid(vbo), vbo, "0000"), 0, 4),
                       pa.int64()).to_numpy()
    seq = source.astype(np.int64)
    pand = _bag_ids(gemeente, 10, np.where(flat, seq // 8, seq))
    none = pa.scalar(None, pa.string())
    with_id = pa.array(~address_only)
    return pd.DataFrame({
        "vbo_id": _strings(pc.if_else(with_id, vbo, none)),
        "ligplaats_id": _strings(pa.nulls(len(seq), pa.string())),
        "standplaats_id": _strings(pa.nulls(len(seq), pa.string())),
        "pand_id": _strings(pc.if_else(with_id, pand, none)),
        "postcode": addresses["postcode"].to_numpy(dtype=object, na_value=None)[source],
        "huisnummer": addresses["huisnummer"].to_numpy(dtype=object, na_value=None)[source],
        "huisletter": addresses["huisletter"].fillna("").to_numpy(dtype=object)[source],
        "toevoeging": addresses["toevoeging"].fillna("").to_numpy(dtype=object)[source],
    }).astype({"postcode": "string[pyarrow]", "huisnummer": "Int32",
               "huisletter": "string[pyarrow]", "toevoeging": "string[pyarrow]"})


def _bag_ids(gemeente: np.ndarray, object_type: int, seq: np.ndarray) -> pa.Array:
    number = gemeente * 10**12 + object_type * 10**10 + seq % 10**10
    return pc.utf8_lpad(_ints(number), 16, "0")


def _ints(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _letters(values: np.ndarray) -> pa.Array:
    return pa.array(np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))[values])


def _strings(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow")))


# --- the bulk file ----------------------------------------------------------------------------


def write_bulk_file(labels: pd.DataFrame, path: Path, *, zipped: bool = False,
                    published: str = "01-09-2026", bad_rows: int = 0, seed: int = 0) -> None:
    """Write ``labels`` (reader columns) as an EP-Online bulk file, streamed chunk by chunk.

    The format is the documented one with its quirks: a preamble, ``;``, decimal comma, columns
    in a seeded shuffled order with a few irrelevant extra ones, dates in all three allowed
    formats mixed, postcodes sometimes spaced or lower case, some ``Meting_geldig_tot`` left
    empty (the reader derives it). ``bad_rows`` malformed rows (bad date, no location, unknown
    class, in turn) are inserted at seeded positions, for tests.
    """
    rng = np.random.default_rng(seed)
    header = _shuffled_header(rng)
    n = len(labels)
    insert_at = np.sort(rng.integers(0, n + 1, bad_rows)) if bad_rows else np.zeros(0, int)
    preamble = (f"PublicatieDatum;{published}\n"
                f"LaatstVerwerkteMutatievolgnummer;{int(rng.integers(1, 10**6))}\n"
                f"Opmerking;{SYNTHETIC_NOTE}\n" + ";".join(header) + "\n")
    with _output(Path(path), zipped) as out:
        out.write(preamble.encode("utf-8"))
        bad_done = 0
        for start in range(0, max(n, 1), WRITE_CHUNK):
            stop = min(start + WRITE_CHUNK, n)
            cells = _format(labels.iloc[start:stop], rng)
            last = stop >= n
            here = insert_at[(insert_at >= start) & ((insert_at < stop) | last)] - start
            if len(here):
                cells = _with_bad_rows(cells, here, bad_done, stop - start)
                bad_done += len(here)
            out.write(_lines(cells, header))


def _shuffled_header(rng: np.random.Generator) -> list[str]:
    columns = [BULK_COLUMNS[i] for i in rng.permutation(len(BULK_COLUMNS))]
    extras = list(EXTRA_COLUMNS)
    for name in extras:
        columns.insert(int(rng.integers(1, len(columns) + 1)), name)
    return columns  # the first column is always a Pand_ one: the header is found by it


@contextmanager
def _output(path: Path, zipped: bool) -> Iterator[IO[bytes]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not zipped:
        with open(path, "wb") as handle:
            yield handle
        return
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open(f"{path.stem}.csv", "w", force_zip64=True) as member:
        yield member


def _format(chunk: pd.DataFrame, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Every bulk column of a chunk as text, the way EP-Online writes it."""
    n = len(chunk)
    empty = pa.array([""] * n, pa.string())

    def text(name: str) -> pa.Array:
        values = pa.array(chunk[name].astype("string").to_numpy(dtype=object, na_value=None),
                          pa.string())
        return pc.fill_null(values, "")

    def choose(options: list[str], p: list[float]) -> pa.Array:
        return pa.array(np.asarray(options)[rng.choice(len(options), size=n, p=p)])

    nta = pc.starts_with(text("method"), "NTA")
    cells = {name: empty for name in [*BULK_COLUMNS, *EXTRA_COLUMNS]}
    cells.update({
        "Pand_opnamedatum": _dates(chunk["assessed"], rng),
        "Pand_registratiedatum": _dates(chunk["registered"], rng),
        "Meting_geldig_tot": _dates(chunk["valid_until"], rng, blank=0.02),
        "Pand_opnametype": choose(["Basisopname", "Detailopname"], [0.85, 0.15]),
        "Pand_status": choose(["Bestaand", "Nieuwbouw"], [0.93, 0.07]),
        "Pand_berekeningstype": text("method"),
        "Pand_energieprestatieindex": _decimal(chunk["energy_index"].to_numpy()),
        "Pand_energieklasse": text("energy_class"),
        "Pand_energielabel_is_prive": pa.array(np.where(chunk["private"], "True", "False")),
        "Pand_is_op_basis_van_referentie_gebouw": choose(["False", "True"], [0.9, 0.1]),
        "Pand_gebouwklasse": text("building_class"),
        "Pand_postcode": _postcodes(text("postcode"), rng),
        "Pand_huisnummer": text("huisnummer"),
        "Pand_huisnummer_toev": _toev(text("huisletter"), text("toevoeging"), rng),
        "Pand_bagverblijfsobjectid": text("vbo_id"),
        "Pand_bagligplaatsid": text("ligplaats_id"),
        "Pand_bagstandplaatsid": text("standplaats_id"),
        "Pand_bagpandid": text("pand_id"),
        "Pand_gebouwtype": text("building_type"),
        "Pand_gebouwsubtype": text("building_subtype"),
        "Pand_SBIcode": pc.if_else(pc.equal(text("building_class"), "U"),
                                   choose(["6820", "4711", "8531", "8621"], [0.25] * 4), ""),
        "Bronbestand": choose(["ep-online"], [1.0]),
        "Pand_compactheid": _decimal(np.round(1 + 2 * rng.random(n), 2)),
    })
    for name, (low, high) in {
            "Pand_gebruiksoppervlakte_thermische_zone": (35, 220),
            "Pand_energiebehoefte": (40, 250), "Pand_eis_energiebehoefte": (55, 90),
            "Pand_primaire_fossiele_energie": (-20, 420),
            "Pand_eis_primaire_fossiele_energie": (30, 50),
            "Pand_primaire_fossiele_energie_EMG_forfaitair": (0, 420),
            "Pand_aandeel_hernieuwbare_energie": (0, 100),
            "Pand_eis_aandeel_hernieuwbare_energie": (40, 50),
            "Pand_temperatuuroverschrijding": (0, 3), "Pand_warmtebehoefte": (20, 200)}.items():
        cells[name] = pc.if_else(nta, _decimal(np.round(low + (high - low) * rng.random(n), 2)),
                                 "")
    cells["Pand_eis_temperatuuroverschrijding"] = pc.if_else(nta, "1,20", "")
    return cells


def _dates(values: pd.Series, rng: np.random.Generator, blank: float = 0.0) -> pa.Array:
    """Dates in the three allowed formats, chosen per row; ``blank`` share left empty."""
    stamps = pa.array(values.to_numpy().astype("datetime64[s]"), pa.timestamp("s"))
    pick = rng.integers(0, len(DATE_FORMATS), len(values))
    out = pc.strftime(stamps, DATE_FORMATS[0])
    for i, fmt in enumerate(DATE_FORMATS[1:], start=1):
        out = pc.if_else(pa.array(pick == i), pc.strftime(stamps, fmt), out)
    if blank:
        out = pc.if_else(pa.array(rng.random(len(values)) < blank), "", out)
    return pc.fill_null(out, "")


def _decimal(values: np.ndarray) -> pa.Array:
    """Decimal comma, two decimals at most, empty for NaN."""
    text = pc.cast(pa.array(np.round(values.astype(float), 2), from_pandas=True), pa.string())
    return pc.fill_null(pc.replace_substring(text, ".", ","), "")


def _postcodes(postcode: pa.Array, rng: np.random.Generator) -> pa.Array:
    n = len(postcode)
    draw = pa.array(rng.random(n))
    spaced = pc.binary_join_element_wise(pc.utf8_slice_codeunits(postcode, 0, 4),
                                         pc.utf8_slice_codeunits(postcode, 4, 6), " ")
    out = pc.if_else(pc.less(draw, 0.05), spaced, postcode)
    return pc.if_else(pc.greater(draw, 0.98), pc.utf8_lower(postcode), out)


def _toev(letter: pa.Array, addition: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Letter and addition in one field, as EP-Online does: ``A``, ``2``, ``A-2`` or ``A 2``."""
    separator = pa.array(np.where(rng.random(len(letter)) < 0.5, "-", " "))
    both = pc.binary_join_element_wise(letter, separator, addition, "")
    one = pc.binary_join_element_wise(letter, addition, "")
    has_both = pc.and_(pc.not_equal(letter, ""), pc.not_equal(addition, ""))
    return pc.if_else(has_both, both, one)


def _with_bad_rows(cells: dict[str, pa.Array], positions: np.ndarray, done: int,
                   n: int) -> dict[str, pa.Array]:
    """Copies of real rows, broken in turn: a bad date, no location, an unknown class."""
    template = np.clip(positions, 0, max(n - 1, 0))
    bad: dict[str, list[str]] = {}
    for name, column in cells.items():
        values = column.take(pa.array(template)).to_pylist() if n else [""] * len(positions)
        bad[name] = [str(v) for v in values]
    for j in range(len(positions)):
        case = (done + j) % 3
        if case == 0:
            bad["Pand_registratiedatum"][j] = ("31-02-2021", "2021/03/04", "gisteren")[
                (done + j) // 3 % 3]
        elif case == 1:
            for name in ("Pand_bagverblijfsobjectid", "Pand_bagligplaatsid",
                         "Pand_bagstandplaatsid", "Pand_postcode", "Pand_huisnummer"):
                bad[name][j] = ""
        else:
            bad["Pand_energieklasse"][j] = ("H", "A++++++", "X")[(done + j) // 3 % 3]
        if not n:
            bad["Pand_energieklasse"][j] = bad["Pand_energieklasse"][j] or "C"
            bad["Pand_registratiedatum"][j] = bad["Pand_registratiedatum"][j] or "2020-01-01"
    order = np.argsort(np.r_[np.arange(n), positions - 0.5], kind="stable")
    return {name: pa.concat_arrays([column, pa.array(bad[name], pa.string())]).take(
        pa.array(order)) for name, column in cells.items()}


def _lines(cells: dict[str, pa.Array], header: list[str]) -> memoryview:
    """One chunk as bytes: fields joined by ``;``, a newline after every row."""
    columns = [cells[name] for name in header]
    if not len(columns[0]):
        return memoryview(b"")
    joined = pc.binary_join_element_wise(*columns, ";")
    lines = pc.binary_join_element_wise(joined, pa.array([""] * len(joined)), "\n")
    array = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:]
    data = array.buffers()[2]
    return memoryview(data)[int(offsets[0]):int(offsets[len(array)])]
