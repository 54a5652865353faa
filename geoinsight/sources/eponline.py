"""EP-Online energy labels: the bulk file ("totaalbestand"), read as a stream.

The format is described in ``../shared/formats/ep-online.md``. The real file holds four to five
million labels, so it is never loaded whole: Arrow's streaming CSV reader parses it block by block
(only the columns we use are converted), every chunk of ``chunk_rows`` rows is normalised and
validated on its own, and per chunk only the newest row per object is kept. The survivors of all
chunks are combined once more at the end (and from time to time on the way, so a file with many
superseded labels never piles up). "Newest" is an order, not a sum, so the result does not depend
on where the chunk boundaries fall. Arrow parses in the calling thread while two worker threads
normalise the previous chunks (its compute kernels release the GIL); results are taken in file
order. On 5,000,000 rows (1 GB) this takes about 25 s and 1.1 GB at the peak, of which the result
is 0.55 GB (``scripts/bench_eponline.py``, ``docs/benchmarks.md``).

Normalisation rules (one place, so the BAG side can do the same):

- Empty field = unknown. Fields are trimmed.
- BAG ids (verblijfsobject, ligplaats, standplaats, pand): 16 digits; 15 digits get their leading
  zero back (spreadsheets drop it), a trailing ``.0`` from a float round trip is dropped;
  anything else counts as no id (another key may still locate the row).
- ``postcode``: upper case, spaces removed, must be ``[1-9]\\d{3}[A-Z]{2}``; otherwise <NA>.
- ``huisnummer``: 1 to 5 digits (a trailing ``.0`` / ``,0`` is tolerated); otherwise <NA>.
- ``huisletter`` / ``toevoeging`` follow BAG: a huisletter is one letter, a toevoeging up to four
  letters or digits, both upper case, ``""`` when absent. If the edition has a ``Pand_huisletter``
  column holding one letter, that is the huisletter and all of ``Pand_huisnummer_toev`` is the
  toevoeging. Otherwise ``Pand_huisnummer_toev`` is split: a lone letter (``A``) is the
  huisletter; a letter, a separator (space, ``-``, ``/``, ``_``) and more (``A-2``, ``A 2``) is
  huisletter ``A`` plus toevoeging ``2``; anything else (``2``, ``bis``, ``1HG``, ``A2``) is the
  toevoeging. A toevoeging keeps only letters and digits and is cut to four characters, exactly
  as ``geoinsight.sources.bag`` does for BAG addresses, so both sides join.
- Object key: the verblijfsobject id, else the ligplaats id, else the standplaats id, else
  postcode + huisnummer + huisletter + toevoeging.
- Dates: ``YYYY-MM-DD``, ``YYYYMMDD`` or ``DD-MM-YYYY`` and a real calendar day; anything else in
  a date column rejects the row. ``Pand_registratiedatum`` is needed to order labels, so an empty
  one rejects the row too (if an edition has no such column at all, the later line wins).
- ``valid_until`` is ``Meting_geldig_tot``; when empty, registration + 10 years (labels are valid
  for ten years). ``expired`` means ``valid_until < today``; expired labels are kept.
- ``energy_class``: upper-cased, one of :data:`LABEL_CLASSES`; empty or anything else rejects.
- ``building_class``: ``W`` or ``U`` (both kept); empty is <NA>; anything else rejects.
- ``energy_index``: decimal comma (or point); ``Pand_energieprestatieindex``, else
  ``Pand_energieindex``; NaN when empty or not a number (it is informative, not a key).
- ``private``: true for ``true``, ``1``, ``ja``, ``j``, ``yes``, ``y``, ``waar``, ``t``.
- A row whose every used field is empty is rejected as ``empty row``; a row with more or fewer
  fields than the header is rejected with both counts. Nothing is dropped without a reject.

Line numbers are physical lines of the CSV (the first line, preamble included, is line 1).
They are exact unless a quoted field spans several lines, which EP-Online files do not have.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from geoinsight.errors import InputError
from geoinsight.records import Reject
from geoinsight.sources.eponline_fields import (
    bag_id,
    category,
    dates,
    huisnummer,
    letter_and_addition,
    postcode,
    to_number,
    valid,
)

LABEL_CLASSES = ("A+++++", "A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")
BUILDING_CLASSES = ("W", "U")
OUTPUT_COLUMNS = [
    "vbo_id", "ligplaats_id", "standplaats_id", "pand_id", "postcode", "huisnummer",
    "huisletter", "toevoeging", "energy_class", "energy_index", "building_class",
    "building_type", "building_subtype", "method", "assessed", "registered", "valid_until",
    "expired", "private", "line",
]

#: our name -> the column in the bulk file (matched case-insensitively)
SOURCE_COLUMNS = {
    "vbo_id": "Pand_bagverblijfsobjectid",
    "ligplaats_id": "Pand_bagligplaatsid",
    "standplaats_id": "Pand_bagstandplaatsid",
    "pand_id": "Pand_bagpandid",
    "postcode": "Pand_postcode",
    "huisnummer": "Pand_huisnummer",
    "toev": "Pand_huisnummer_toev",
    "huisletter": "Pand_huisletter",
    "energy_class": "Pand_energieklasse",
    "energy_index": "Pand_energieprestatieindex",
    "energy_index_alt": "Pand_energieindex",
    "building_class": "Pand_gebouwklasse",
    "building_type": "Pand_gebouwtype",
    "building_subtype": "Pand_gebouwsubtype",
    "method": "Pand_berekeningstype",
    "assessed": "Pand_opnamedatum",
    "registered": "Pand_registratiedatum",
    "valid_until": "Meting_geldig_tot",
    "private": "Pand_energielabel_is_prive",
}
BAG_KEYS = ("vbo_id", "ligplaats_id", "standplaats_id")
DATE_FIELDS = ("registered", "valid_until", "assessed")
CATEGORY_FIELDS = ("building_type", "building_subtype", "method")
TRUE_TEXT = ("true", "1", "ja", "j", "yes", "y", "waar", "t")
HEADER_PREFIX = "Pand_"
#: how far to look for the header row before calling the file something else
MAX_PREAMBLE_LINES = 1000
MAX_LINE_BYTES = 1 << 20
#: Arrow's parse block; larger blocks are not faster but cost far more memory (32 MiB blocks
#: took resident memory from 120 MB to 1.1 GB on a 1 GB file, measured with pyarrow 26)
BLOCK_BYTES = 1 << 20
#: kind * KEY_SPACE + id keeps BAG ids of different kinds (and address keys) apart in one int64
KEY_SPACE = 10**16
ADDRESS_KIND = 3
VALID_YEARS = 10
#: threads normalising chunks while Arrow parses the next one (the target machine has 2 cores)
WORKERS = 2
#: compact the kept parts once they have grown by this many rows at least
COMPACT_ROWS = 1_000_000


Check = tuple[np.ndarray, Callable[[int], str]]


@dataclass
class EpOnlineRead:
    """What :func:`read_eponline` found in one bulk file."""

    labels: pd.DataFrame  # the newest label per object, columns OUTPUT_COLUMNS
    read: int  # data rows read
    superseded: int  # older labels replaced by a newer registration of the same object
    rejects: list[Reject] = field(default_factory=list)  # row "line N", object key or "", reason
    published: str | None = None  # PublicatieDatum from the preamble, if any


@dataclass
class _Header:
    line: int  # physical line number of the header row
    names: list[str]  # unique column names for Arrow, in file order
    columns: dict[str, str]  # our field -> file column name (only those present)
    published: str | None


def read_eponline(path: Path, *, today: dt.date, chunk_rows: int = 250_000,
                  on_chunk: Callable[[int, int], None] | None = None) -> EpOnlineRead:
    """Read an EP-Online bulk file (ZIP or CSV) into the newest label per object.

    ``on_chunk(read, rejected)`` hears the rows read and rejected so far as chunks complete.

    Memory stays flat in the file size: only ``chunk_rows`` raw rows are held at a time, plus the
    deduplicated labels in compact dtypes. Bad input raises :class:`InputError` with a one-line
    message; bad rows become rejects with their line number and reason.
    """
    path = Path(path)
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    with _open_csv_stream(path) as stream:
        header = _read_header(stream, path)
        state = _State(header)
        # Arrow parses in this thread while WORKERS threads normalise earlier chunks (Arrow's
        # kernels release the GIL); results are taken in file order, so the output keeps it.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pending: deque[Future[tuple[pa.Table, list[Reject]]]] = deque()
            for chunk in _chunks(stream, header, state, chunk_rows, path):
                pending.append(pool.submit(_normalise, chunk, header,
                                           state.lines(chunk.num_rows)))
                if len(pending) >= WORKERS:
                    state.add(*pending.popleft().result())
                    if on_chunk is not None:
                        on_chunk(state.read, state.rejected)
            while pending:
                state.add(*pending.popleft().result())
    state.compact(state.parts)
    state.rejects.extend(state.row_errors)
    state.rejects.sort(key=lambda r: int(r.row.split()[-1]))
    labels = _to_frame(state.parts, today)
    return EpOnlineRead(labels, state.read, state.superseded, state.rejects, header.published)


# --- container and header -------------------------------------------------------------------


@contextmanager
def _open_csv_stream(path: Path) -> Iterator[IO[bytes]]:
    """The CSV as a binary stream: the file itself, or the one CSV inside a ZIP."""
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("a folder, not an EP-Online file", path=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty", path=str(path))
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:2] != b"PK":
        with open(path, "rb") as handle:
            yield handle
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError("damaged or truncated ZIP (cannot read its table of contents)",
                         path=str(path)) from exc
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()
                 and i.filename.lower().endswith(".csv")
                 and not i.filename.startswith("__MACOSX/")]
        if not names:
            raise InputError("the ZIP holds no CSV file", path=str(path))
        if len(names) > 1:
            raise InputError(f"the ZIP holds {len(names)} CSV files ({', '.join(names[:3])}); "
                             "expected one", path=str(path))
        try:
            member = archive.open(names[0])
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise InputError(f"cannot open {names[0]} in the ZIP: {exc}", path=str(path)) from exc
        with member:
            yield member


def _read_header(stream: IO[bytes], path: Path) -> _Header:
    """Skip the metadata preamble; the header is the first row whose first field is ``Pand_…``."""
    published: str | None = None
    for number in range(1, MAX_PREAMBLE_LINES + 1):
        try:
            raw = stream.readline(MAX_LINE_BYTES)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InputError(f"damaged or truncated ZIP: {exc}", path=str(path)) from exc
        if not raw:
            break
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if b"\0" in raw:
            raise InputError("not a CSV or ZIP file (binary content)", path=str(path))
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise InputError(f"not a CSV or ZIP file (line {number} is not UTF-8 text)",
                             path=str(path)) from exc
        fields = next(csv.reader([text], delimiter=";"), [])
        first = fields[0].strip() if fields else ""
        if first.startswith(HEADER_PREFIX):
            return _header(fields, number, published, path)
        if first.lower() == "publicatiedatum" and len(fields) > 1:
            published = fields[1].strip() or None
    raise InputError("no header row (no line whose first field starts with Pand_)",
                     path=str(path))


def _header(fields: list[str], line: int, published: str | None, path: Path) -> _Header:
    if len(fields) == 1 and "," in fields[0]:
        raise InputError("the header is separated by ',' but EP-Online files use ';'",
                         path=str(path))
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(fields):
        name = raw.strip() or f"_column_{i + 1}"
        unique = name if name.lower() not in seen else f"{name}__{i + 1}"
        seen.add(unique.lower())
        names.append(unique)
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    columns = {ours: by_lower[theirs.lower()] for ours, theirs in SOURCE_COLUMNS.items()
               if theirs.lower() in by_lower}
    if "energy_class" not in columns:
        raise InputError(f"missing column {SOURCE_COLUMNS['energy_class']}", path=str(path))
    if not any(k in columns for k in BAG_KEYS) and not (
            "postcode" in columns and "huisnummer" in columns):
        raise InputError(f"missing column {SOURCE_COLUMNS['vbo_id']} (no location key column: "
                         "no BAG id and no Pand_postcode + Pand_huisnummer)", path=str(path))
    return _Header(line, names, columns, published)


# --- streaming --------------------------------------------------------------------------------


def _chunks(stream: IO[bytes], header: _Header, state: _State, chunk_rows: int,
            path: Path) -> Iterator[pa.Table]:
    """Tables of exactly ``chunk_rows`` rows (the last one shorter), in file order.

    Errors of the container or the CSV syntax surface here, while Arrow reads; they become
    one-line :class:`InputError` messages (errors in our own processing stay what they are).
    """
    try:
        if not _peek(stream):
            return  # a header and no rows: Arrow calls that an empty CSV, for us it is no labels
        yield from _rechunk(_reader(stream, header, state), chunk_rows)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(f"damaged or truncated ZIP: {exc}", path=str(path)) from exc
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        what = "not UTF-8 text" if "UTF8" in first else "not a readable EP-Online CSV"
        raise InputError(f"{what}: {first}", path=str(path)) from exc


def _peek(stream: IO[bytes]) -> bytes:
    """The next bytes without consuming them (files and ZIP members can both peek)."""
    peek = getattr(stream, "peek", None)
    return bytes(peek(1)) if peek is not None else b"?"


def _reader(stream: IO[bytes], header: _Header, state: _State) -> pcsv.CSVStreamingReader:
    """Arrow's streaming parser over the rows after the header: our column names, only the
    used columns converted (all as text), rows with the wrong field count handed to
    ``state.bad_row`` instead of aborting. Single-threaded, so those rows keep line numbers."""
    used = list(dict.fromkeys(header.columns.values()))
    reader: pcsv.CSVStreamingReader = pcsv.open_csv(
        stream,
        read_options=pcsv.ReadOptions(column_names=header.names, use_threads=False,
                                      block_size=BLOCK_BYTES),
        parse_options=pcsv.ParseOptions(delimiter=";", ignore_empty_lines=False,
                                        invalid_row_handler=state.bad_row),
        convert_options=pcsv.ConvertOptions(include_columns=used,
                                            column_types=dict.fromkeys(used, pa.string()),
                                            strings_can_be_null=False))
    return reader


def _rechunk(reader: Iterator[pa.RecordBatch], chunk_rows: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        count += batch.num_rows
        if count < chunk_rows:
            continue
        table = pa.Table.from_batches(pending)
        start = 0
        while count - start >= chunk_rows:
            yield table.slice(start, chunk_rows)
            start += chunk_rows
        pending = [] if start == count else table.slice(start).to_batches()
        count -= start
    if count:
        yield pa.Table.from_batches(pending)


class _State:
    """Counts, rejects and the deduplicated survivors gathered over the chunks."""

    def __init__(self, header: _Header) -> None:
        self.header = header
        self.parsed = 0  # rows handed over by Arrow
        self.skipped_lines: list[int] = []  # physical lines Arrow refused (wrong field count)
        self.row_errors: list[Reject] = []
        self.rejects: list[Reject] = []
        self.superseded = 0
        self.parts: list[pa.Table] = []  # kept rows, each chunk's newest per object
        self.part_rows = 0
        self.compacted_rows = 0

    @property
    def read(self) -> int:
        return self.parsed + len(self.skipped_lines)

    @property
    def rejected(self) -> int:
        return len(self.rejects) + len(self.row_errors)

    def bad_row(self, row: Any) -> str:
        """Arrow's callback for a row with the wrong number of fields: a reject, not an abort."""
        line = self.header.line + int(row.number) if row.number is not None else 0
        self.skipped_lines.append(line)
        self.row_errors.append(Reject(
            f"line {line}", "", f"{row.actual_columns} fields where the header has "
                                f"{row.expected_columns}"))
        return "skip"

    def lines(self, n: int) -> np.ndarray:
        """Physical line numbers of the next ``n`` parsed rows (Arrow's refused rows skipped)."""
        base = self.header.line + 1
        k = np.arange(self.parsed, self.parsed + n, dtype=np.int64)
        skipped = np.asarray(self.skipped_lines, dtype=np.int64)
        if len(skipped):
            skipped = np.sort(skipped)
            before = skipped - base - np.arange(len(skipped))
            k = k + np.searchsorted(before, k, side="right")
        self.parsed += n
        return k + base

    def add(self, table: pa.Table, rejects: list[Reject]) -> None:
        """Keep a normalised chunk's newest row per object; compact all parts now and then.

        Compaction runs when the parts have grown by more than they held after the last one
        (and by at least a million rows), so its total cost stays linear in the file.
        """
        self.rejects.extend(rejects)
        chunk = [table]
        self.compact(chunk)
        self.parts.append(chunk[0])
        self.part_rows += chunk[0].num_rows
        if self.part_rows - self.compacted_rows > max(self.compacted_rows, COMPACT_ROWS):
            self.compact(self.parts)
            self.compacted_rows = self.part_rows = sum(p.num_rows for p in self.parts)

    def compact(self, parts: list[pa.Table]) -> None:
        """Drop, in place, every row of ``parts`` that a newer one of the same object replaces.

        Part by part, so the old and the filtered copy of the whole set never coexist.
        """
        keep = _newest_mask(parts)
        self.superseded += int(len(keep) - keep.sum())
        offset = 0
        for i, part in enumerate(parts):
            rows = keep[offset:offset + part.num_rows]
            offset += part.num_rows
            if not rows.all():
                parts[i] = part.filter(pa.array(rows))
            del part


# --- one chunk: normalise, validate, key ------------------------------------------------------


def _normalise(chunk: pa.Table, header: _Header, lines: np.ndarray
               ) -> tuple[pa.Table, list[Reject]]:
    """One raw chunk to validated rows in compact types with their object key, and its rejects.

    Pure (no shared state), so chunks can be normalised in parallel.
    """
    text = _Text(chunk, header.columns)
    fields = _Fields.parse(text)
    key, has_bag = _object_keys(fields)
    located = has_bag | (valid(fields.postcode) & valid(fields.huisnummer))
    checks = _checks(text, located, fields, "registered" in header.columns)
    bad = np.zeros(chunk.num_rows, dtype=bool)
    for mask, _ in checks:
        bad |= mask
    rejects = _rejects(np.flatnonzero(bad), checks, lines, fields) if bad.any() else []
    address = pc.if_else(pa.array(has_bag), pa.scalar(None, pa.string()),
                         pc.binary_join_element_wise(
                             fields.postcode, pc.cast(fields.huisnummer, pa.string()),
                             fields.huisletter, fields.toevoeging, "|"))
    columns: dict[str, pa.Array] = {
        "_pand": pa.array(fields.ids["pand_id"][1]),  # ids as int64: 8 bytes, not 20
        "postcode": fields.postcode, "huisnummer": fields.huisnummer,
        "huisletter": fields.huisletter, "toevoeging": fields.toevoeging,
        "energy_class": pc.cast(fields.energy_class, pa.int8()),
        "energy_index": _energy_index(text),
        "building_class": pc.cast(fields.building_class, pa.int8()),
        **{k: category(text.get(k)) for k in CATEGORY_FIELDS},
        **{k: pa.array(fields.dates[k][0].astype("datetime64[D]"), pa.date32(),
                       from_pandas=True) for k in DATE_FIELDS},
        "private": pc.is_in(pc.utf8_lower(text.get("private")), value_set=pa.array(TRUE_TEXT)),
        "line": pa.array(lines.astype(np.int32)), "_key": pa.array(key), "_address": address,
    }
    return pa.table(columns).filter(pa.array(~bad)), rejects


@dataclass
class _Fields:
    """The normalised fields of a chunk that keys, checks and rejects need."""

    ids: dict[str, tuple[pa.Array, np.ndarray]]  # BAG ids as text and as int64 (-1: none)
    postcode: pa.Array
    huisnummer: pa.Array
    huisletter: pa.Array
    toevoeging: pa.Array
    energy_class: pa.Array  # position in LABEL_CLASSES, null if not a class
    building_class: pa.Array  # position in BUILDING_CLASSES, null if not one
    dates: dict[str, tuple[np.ndarray, np.ndarray]]  # datetime64[s] and "bad text" mask

    @classmethod
    def parse(cls, text: _Text) -> _Fields:
        huisletter, toevoeging = letter_and_addition(text.get("huisletter"), text.get("toev"))
        return cls(
            ids={k: bag_id(text.get(k)) for k in (*BAG_KEYS, "pand_id")},
            postcode=postcode(text.get("postcode")),
            huisnummer=huisnummer(text.get("huisnummer")),
            huisletter=huisletter, toevoeging=toevoeging,
            energy_class=pc.index_in(pc.utf8_upper(text.get("energy_class")),
                                     value_set=pa.array(LABEL_CLASSES)),
            building_class=pc.index_in(pc.utf8_upper(text.get("building_class")),
                                       value_set=pa.array(BUILDING_CLASSES)),
            dates={k: dates(text.get(k)) for k in DATE_FIELDS})


def _object_keys(fields: _Fields) -> tuple[np.ndarray, np.ndarray]:
    """Per row: kind * KEY_SPACE + the first usable BAG id (-1 if none), and whether there is one.

    Rows without a BAG id get their address key later, when parts are deduplicated together.
    """
    n = len(fields.postcode)
    has_bag = np.zeros(n, dtype=bool)
    key = np.full(n, -1, dtype=np.int64)
    for kind, name in enumerate(BAG_KEYS):
        number = fields.ids[name][1]
        free = (number >= 0) & ~has_bag
        key[free] = kind * KEY_SPACE + number[free]
        has_bag |= number >= 0
    return key, has_bag


class _Text:
    """Trimmed text of the columns present in this edition; absent columns read as empty."""

    def __init__(self, chunk: pa.Table, columns: dict[str, str]) -> None:
        self.chunk = chunk
        self.columns = columns
        self.cache: dict[str, pa.Array] = {}

    def get(self, name: str) -> pa.Array:
        if name not in self.cache:
            if name in self.columns:
                raw = self.chunk.column(self.columns[name]).combine_chunks()
                self.cache[name] = pc.utf8_trim_whitespace(raw)
            else:
                self.cache[name] = pa.array([""] * self.chunk.num_rows, pa.string())
        return self.cache[name]

    def header_name(self, name: str) -> str:
        return self.columns.get(name, SOURCE_COLUMNS[name])

    def empty(self, name: str) -> np.ndarray:
        return np.asarray(pc.equal(self.get(name), "").to_numpy(zero_copy_only=False), bool)

    def all_empty(self) -> np.ndarray:
        empty = np.ones(self.chunk.num_rows, dtype=bool)
        for name in self.columns:
            empty &= self.empty(name)
        return empty


def _energy_index(text: _Text) -> pa.Array:
    raw = text.get("energy_index")
    if "energy_index_alt" in text.columns:
        raw = pc.if_else(pc.equal(raw, ""), text.get("energy_index_alt"), raw)
    return to_number(raw)


def _checks(text: _Text, located: np.ndarray, fields: _Fields, has_registered: bool
            ) -> list[Check]:
    """Every reason a row can be rejected: a mask and how to word it for row ``i``."""
    blank = text.all_empty()

    def raw(name: str) -> Callable[[int], str]:
        return lambda i: str(text.get(name)[i].as_py())

    col = text.header_name
    checks: list[Check] = [(blank, lambda i: "empty row")]
    live = ~blank
    checks.append((live & ~located, lambda i: _no_location(text, fields, i)))
    no_class = ~valid(fields.energy_class) & live
    class_empty = text.empty("energy_class")
    checks.append((no_class & class_empty, lambda i: f"no energy class ({col('energy_class')} "
                                                      "empty)"))
    checks.append((no_class & ~class_empty, lambda i: f"unknown energy class "
                                                       f"'{raw('energy_class')(i)}'"))

    def bad_date(name: str) -> Callable[[int], str]:
        return lambda i: f"invalid date in {col(name)}: '{raw(name)(i)}'"

    checks += [(fields.dates[name][1] & live, bad_date(name)) for name in DATE_FIELDS]
    if has_registered:
        missing = text.empty("registered") & live
        checks.append((missing, lambda i: f"no registration date ({col('registered')} empty)"))
    odd = ~valid(fields.building_class) & ~text.empty("building_class") & live
    checks.append((odd, lambda i: f"unknown building class '{raw('building_class')(i)}' "
                                  f"({col('building_class')})"))
    return checks


def _no_location(text: _Text, fields: _Fields, i: int) -> str:
    """Why row ``i`` has no key: which id or address part is missing or invalid."""
    details = [f"{text.header_name(k)} '{text.get(k)[i].as_py()}' is not a valid id"
               for k in BAG_KEYS if text.get(k)[i].as_py()]
    for name, parsed in (("postcode", fields.postcode), ("huisnummer", fields.huisnummer)):
        value = text.get(name)[i].as_py()
        if not value:
            details.append(f"no {text.header_name(name)}")
        elif not parsed[i].is_valid:
            details.append(f"{text.header_name(name)} '{value}' is not valid")
    return ("no location key: no BAG id and no postcode + huisnummer"
            + (f" ({'; '.join(details)})" if details else ""))


def _rejects(rows: np.ndarray, checks: list[Check], lines: np.ndarray, fields: _Fields
             ) -> list[Reject]:
    """Rejects for the bad rows of a chunk (few, so plain Python), every reason joined."""
    out = []
    for i in rows.tolist():
        reasons = [word(i) for mask, word in checks if mask[i]]
        if reasons[0] == "empty row":
            reasons = reasons[:1]
        key = next((fields.ids[k][0][i].as_py() for k in BAG_KEYS if fields.ids[k][1][i] >= 0),
                   None)
        if key is None and fields.postcode[i].is_valid and fields.huisnummer[i].is_valid:
            key = _address_text(fields.postcode[i].as_py(), fields.huisnummer[i].as_py(),
                                fields.huisletter[i].as_py(), fields.toevoeging[i].as_py())
        out.append(Reject(f"line {int(lines[i])}", key or "", "; ".join(reasons)))
    return out


def _address_text(postcode: str, huisnummer: int, huisletter: str, toevoeging: str) -> str:
    return f"{postcode} {huisnummer}{huisletter}" + (f"-{toevoeging}" if toevoeging else "")


# --- dedup and output -------------------------------------------------------------------------


def _newest_mask(parts: list[pa.Table]) -> np.ndarray:
    """Over all rows of ``parts``: is this the newest registration of its object?

    Newest means the latest ``registered``, ties going to the later line; rows without a BAG
    id are keyed by their address, numbered exactly (by hashing the text, not a digest of it).
    """
    n = sum(p.num_rows for p in parts)
    if n == 0:
        return np.ones(0, dtype=bool)
    key = np.concatenate([_numpy(p.column("_key")) for p in parts]).astype(np.int64)
    by_address = key < 0
    if by_address.any():
        address = pc.filter(_column(parts, "_address"), pa.array(by_address)).combine_chunks()
        codes = np.asarray(pc.dictionary_encode(address).indices.to_numpy(), dtype=np.int64)
        key[by_address] = ADDRESS_KIND * KEY_SPACE + codes
    registered = np.concatenate([_numpy(p.column("registered")).astype("datetime64[D]")
                                 .astype(np.int64) for p in parts])
    line = np.concatenate([_numpy(p.column("line")) for p in parts])
    order = np.lexsort((line, registered, key))
    ordered = key[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = ordered[1:] != ordered[:-1]
    keep = np.zeros(n, dtype=bool)
    keep[order[last]] = True
    return keep


def _column(parts: list[pa.Table], name: str) -> pa.ChunkedArray:
    """One column over all parts, as one chunked array (no copy)."""
    chunks = [chunk for p in parts for chunk in p.column(name).chunks]
    return pa.chunked_array(chunks, type=parts[0].schema.field(name).type)


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy())


def _empty_table() -> pa.Table:
    string = pa.string()
    schema = {
        "_pand": pa.int64(), **{k: string for k in ("postcode", "huisletter", "toevoeging")},
        "huisnummer": pa.int32(), "energy_class": pa.int8(), "energy_index": pa.float64(),
        "building_class": pa.int8(),
        **{k: pa.dictionary(pa.int32(), string) for k in CATEGORY_FIELDS},
        **{k: pa.date32() for k in DATE_FIELDS},
        "private": pa.bool_(), "line": pa.int32(), "_key": pa.int64(), "_address": string,
    }
    return pa.table({k: pa.array([], t) for k, t in schema.items()})


def _to_frame(parts: list[pa.Table], today: dt.date) -> pd.DataFrame:
    """Arrow to pandas in compact dtypes: Arrow-backed strings, categoricals, datetime64[s].

    Column by column, each Arrow column released once converted, to keep the peak low.
    """
    if not parts:
        parts.append(_empty_table())

    def take(name: str) -> pa.ChunkedArray:
        column = _column(parts, name)
        parts[:] = [p.drop_columns([name]) for p in parts]
        return column

    strings = pd.StringDtype("pyarrow")
    key = _numpy(take("_key"))
    out: dict[str, Any] = {
        name: _id_text(np.where(key // KEY_SPACE == kind, key % KEY_SPACE, -1))
        for kind, name in enumerate(BAG_KEYS)}
    del key
    out["pand_id"] = _id_text(_numpy(take("_pand")))
    for name in OUTPUT_COLUMNS:
        if name in out:
            continue
        if name in ("postcode", "huisletter", "toevoeging"):
            out[name] = pd.array(take(name), dtype=strings)
        elif name == "huisnummer":
            out[name] = pd.array(take(name).to_pandas(), dtype="Int32")
        elif name in ("energy_class", "building_class"):
            categories = LABEL_CLASSES if name == "energy_class" else BUILDING_CLASSES
            out[name] = _codes(take(name), categories, ordered=name == "energy_class")
        elif name in CATEGORY_FIELDS:
            out[name] = take(name).to_pandas().astype("category").array
        elif name in DATE_FIELDS:
            out[name] = _numpy(take(name)).astype("datetime64[s]")
        elif name == "energy_index":
            out[name] = _numpy(take(name)).astype(np.float64)
        elif name in ("private", "line"):
            out[name] = np.asarray(take(name).to_numpy(zero_copy_only=False))
    out["private"] = out["private"].astype(bool)
    out["line"] = out["line"].astype(np.int64)
    until = pd.Series(out["valid_until"], copy=False)
    missing = until.isna().to_numpy()
    if missing.any():
        derived = pd.Series(out["registered"][missing]) + pd.DateOffset(years=VALID_YEARS)
        out["valid_until"][missing] = derived.to_numpy().astype("datetime64[s]")
    out["expired"] = out["valid_until"] < np.datetime64(today, "s")  # NaT compares False
    return pd.DataFrame({name: out[name] for name in OUTPUT_COLUMNS}, copy=False)


def _id_text(number: np.ndarray) -> pd.arrays.ArrowStringArray:
    """BAG ids from int64 back to 16-digit text (-1 is <NA>), written straight into the
    buffers of one Arrow large_string array: no intermediate string arrays at the peak."""
    present = number >= 0
    rest = number[present]
    digits = np.empty((len(rest), 16), dtype=np.uint8)
    for position in range(15, -1, -1):
        digits[:, position] = rest % 10 + ord("0")
        rest //= 10
    offsets = np.zeros(len(number) + 1, dtype=np.int64)
    np.cumsum(np.where(present, 16, 0), out=offsets[1:])
    bitmap = np.packbits(present, bitorder="little")
    array = pa.LargeStringArray.from_buffers(
        len(number), pa.py_buffer(offsets), pa.py_buffer(digits), pa.py_buffer(bitmap),
        null_count=int(len(number) - present.sum()))
    return pd.arrays.ArrowStringArray(pa.chunked_array([array]))


def _codes(column: pa.ChunkedArray, categories: tuple[str, ...], *, ordered: bool
           ) -> pd.Categorical:
    codes = np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=list(categories), ordered=ordered)


__all__ = ["LABEL_CLASSES", "OUTPUT_COLUMNS", "EpOnlineRead", "read_eponline"]
