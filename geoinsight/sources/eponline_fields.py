"""Vectorised normalisers for EP-Online fields (Arrow arrays in, Arrow or NumPy arrays out).

Kept apart from the streaming reader (:mod:`geoinsight.sources.eponline`) so each stays small;
the rules they apply are described in that module's docstring.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def valid(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)


def bag_id(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """16-digit ids as text (<NA> when absent or invalid) and as int64 (-1 when not usable)."""
    text = pc.replace_substring_regex(text, r"^(\d+)\.0$", r"\1")
    ok = pc.match_substring_regex(text, r"^\d{15,16}$")
    padded = pc.utf8_lpad(text, 16, "0")
    number = pc.cast(pc.if_else(ok, padded, "-1"), pa.int64()).to_numpy()
    return pc.if_else(ok, padded, pa.scalar(None, pa.string())), number


def postcode(text: pa.Array) -> pa.Array:
    text = pc.utf8_upper(pc.replace_substring_regex(text, r"\s+", ""))
    ok = pc.match_substring_regex(text, r"^[1-9]\d{3}[A-Z]{2}$")
    return pc.if_else(ok, text, pa.scalar(None, pa.string()))


def huisnummer(text: pa.Array) -> pa.Array:
    digits = pc.replace_substring_regex(text, r"^(\d{1,5})(?:[.,]0+)?$", r"\1")
    ok = pc.match_substring_regex(digits, r"^0*[1-9]\d{0,4}$")
    return pc.cast(pc.if_else(ok, digits, pa.scalar(None, pa.string())), pa.int32())


def letter_and_addition(letter: pa.Array, toev: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Split into BAG's huisletter (one letter) and toevoeging (up to four letters or digits)."""
    letter = pc.utf8_upper(letter)
    toev = pc.utf8_upper(toev)
    own_letter = pc.match_substring_regex(letter, r"^[A-Z]$")
    source = pc.if_else(own_letter, toev, pc.utf8_trim_whitespace(
        pc.binary_join_element_wise(letter, toev, " ")))
    split = pc.extract_regex(source, r"^(?P<l>[A-Z])(?:[\s\-/_]+(?P<t>.*))?$")
    found = pc.is_valid(split)
    huisletter = pc.if_else(own_letter, letter,
                            pc.if_else(found, pc.struct_field(split, "l"), ""))
    rest = pc.if_else(own_letter, source,
                      pc.if_else(found, pc.struct_field(split, "t"), source))
    toevoeging = pc.utf8_slice_codeunits(pc.replace_substring_regex(rest, r"[^0-9A-Z]", ""), 0, 4)
    return huisletter, toevoeging


def dates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``YYYY-MM-DD``, ``YYYYMMDD`` or ``DD-MM-YYYY`` to datetime64[s]; and where text is bad.

    Arrow's strptime accepts one-digit days and rolls 30 February over to March, so the shape
    is checked with a regular expression and the calendar with numpy.
    """
    iso = pc.replace_substring_regex(text, r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    iso = pc.replace_substring_regex(iso, r"^(\d{2})-(\d{2})-(\d{4})$", r"\3-\2-\1")
    shaped = np.asarray(pc.match_substring_regex(iso, r"^\d{4}-\d{2}-\d{2}$").to_numpy(
        zero_copy_only=False), dtype=bool)
    safe = pc.if_else(pa.array(shaped), iso, "1970-01-01")

    def part(start: int, stop: int) -> np.ndarray:
        return np.asarray(pc.cast(pc.utf8_slice_codeunits(safe, start, stop), pa.int64())
                          .to_numpy(), dtype=np.int64)

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    month_ok = (month >= 1) & (month <= 12)
    start = ((year - 1970) * 12 + np.where(month_ok, month, 1) - 1).astype("datetime64[M]")
    length = ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int)
    ok = shaped & month_ok & (day >= 1) & (day <= length)
    dates = (start.astype("datetime64[D]") + np.where(ok, day - 1, 0)).astype("datetime64[s]")
    dates[~ok] = np.datetime64("NaT")
    empty = np.asarray(pc.equal(text, "").to_numpy(zero_copy_only=False), dtype=bool)
    return dates, ~ok & ~empty


def to_number(text: pa.Array) -> pa.Array:
    """Decimal comma (``1,23``, ``1.234,5``) or point (``1.23``) to float64; null if not one."""
    text = pc.replace_substring_regex(text, "[\\s\u00a0]", "")
    dutch = pc.match_substring_regex(text, r"\..*,")
    english = pc.match_substring_regex(text, r",.*\.")
    text = pc.if_else(dutch, pc.replace_substring(text, ".", ""), text)
    text = pc.if_else(english, pc.replace_substring(text, ",", ""), text)
    text = pc.replace_substring(text, ",", ".")
    ok = pc.match_substring_regex(text, r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
    return pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.float64())


def category(text: pa.Array) -> pa.Array:
    return pc.dictionary_encode(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()),
                                           text))
