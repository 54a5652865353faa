"""Search: a postcode, an address, or an area's name or code -> the areas to open.

- ``2611 AB``, ``2611AB 12``, ``2611 ab 12a``: the BAG addresses of that postcode (and
  huisnummer) in the store -> the buurt, wijk and gemeente they lie in, on the latest boundaries
  the store holds there (most addresses first where a postcode spans several buurten);
- ``2611``: a PC4 -> the areas its addresses lie in, the same way;
- ``GM0503``, ``WK050301``, ``BU05030102`` (any case) -> that area;
- a name -> gemeenten, wijken and buurten whose name matches: case and accents do not matter
  (``Zuidoost`` = ``zuid-oost``, ``Sudwest`` = ``Súdwest``), common names of gemeenten are known
  (``Den Haag``), typos are tolerated (``Ermlo``: edit similarity, rapidfuzz), and a buurt name
  that many gemeenten have can be narrowed with the gemeente (``centrum delft``).

Nothing leaves the server: no geocoder is asked; only what the store holds is found. Areas and
BAG addresses are public registers; a result names an area, never an address or a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz, process

from geoinsight.sources.regions import area_name_key, ascii_text
from geoinsight.store import Reader

#: the most results an answer holds
LIMIT = 10
#: the least similarity (0-100) a name with a typo needs to be found
FUZZY_CUTOFF = 75
#: the score of a name holding every word of the text (after exact names and prefixes)
WORDS_SCORE = 85.0
#: postcode, optional huisnummer (letters and toevoeging after it are ignored: the buurt is
#: the same for 12, 12a and 12-2)
_POSTCODE = re.compile(r"\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*(?:(\d{1,5})\s*[A-Za-z]?"
                       r"\s*(?:[-/ ]?\s*\w{1,4})?)?\s*")
_CODE = re.compile(r"\s*(GM\d{4}|WK\d{6}|BU\d{8})\s*", re.IGNORECASE)
_LEVEL_RANK = {"gemeente": 0, "wijk": 1, "buurt": 2}


@dataclass(frozen=True)
class Found:
    """One area a search found."""

    code: str
    name: str
    level: str
    #: the boundary year of the area as found (the latest the store holds for the code)
    year: int
    #: the gemeente the area lies in (its code and name; the area itself for a gemeente)
    gemeente_code: str
    gemeente_name: str
    #: what matched: ``name``, ``code``, ``postcode`` or ``address``
    match: str
    score: float


@dataclass(frozen=True)
class SearchIndex:
    """The areas' names and codes as search compares them: one row per level and code (its
    latest boundary year) in ``areas``, and in ``labels`` the names each is found by (its name;
    a wijk's without CBS's ``Wijk 13`` in front; each also followed by its gemeente), folded
    two ways: ``key`` without spaces (:func:`area_name_key`) and ``words``. Made once per
    store version."""

    areas: pd.DataFrame  # code, level, name, year, gemeente_code, gemeente_name
    #: area (row of areas), key, words and name_words (the words of the area's own name, of
    #: a label with its gemeente's after it), each word with a space in front
    labels: pd.DataFrame

    @classmethod
    def build(cls, store: Reader) -> SearchIndex:
        rows = store.areas(geometry=False)
        if rows.empty:
            return cls(pd.DataFrame(columns=["code", "level", "name", "year", "gemeente_code",
                                             "gemeente_name"]),
                       pd.DataFrame(columns=["area", "key", "words", "name_words"]))
        rows = rows.sort_values("year").drop_duplicates(["level", "code"], keep="last")
        names = rows.set_index("code")["name"]
        gm_code = rows["gemeente_code"].where(rows["level"] != "gemeente", rows["code"])
        gm_name = rows["gemeente_name"].fillna(gm_code.map(names)).fillna("")
        areas = pd.DataFrame({
            "code": rows["code"].astype(str), "level": rows["level"].astype(str),
            "name": rows["name"].fillna(rows["code"]).astype(str),
            "year": rows["year"].astype(int), "gemeente_code": gm_code.fillna("").astype(str),
            "gemeente_name": gm_name.astype(str)}).reset_index(drop=True)
        short = areas["name"].str.replace(_WIJK_NUMBER, "", regex=True)
        labels = []
        for name in (areas["name"], short):
            for text in (name, name + " " + areas["gemeente_name"]):
                labels.append(pd.DataFrame({"area": areas.index, "text": text, "name": name}))
        found = pd.concat(labels, ignore_index=True).drop_duplicates(["area", "text"])
        found = found.assign(key=found["text"].map(area_name_key),
                             words=" " + found["text"].map(_words),
                             name_words=" " + found["name"].map(_words))
        return cls(areas, found[found["key"] != ""].drop(columns=["text", "name"])
                   .reset_index(drop=True))


#: CBS's numbering in front of a wijk's name: ``Wijk 13 Hof van Delft``, ``Wijk 00``
_WIJK_NUMBER = re.compile(r"^\s*wijk\s*\d+\s*[-:]?\s*(?=\S)", re.IGNORECASE)


def _words(text: str) -> str:
    """``Wijk 13 Hof-van Délft`` -> ``wijk 13 hof van delft``."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_text(text).lower()).split())


def search(store: Reader, index: SearchIndex, query: str, limit: int = LIMIT) -> list[Found]:
    """The areas ``query`` names (module docstring), best first."""
    text = " ".join(str(query).split())
    if len(text) < 2:
        return []
    postcode = _POSTCODE.fullmatch(text)
    if postcode:
        return _by_postcode(store, index, postcode, limit)
    code = _CODE.fullmatch(text)
    if code:
        rows = index.areas[index.areas["code"] == code.group(1).upper()]
        return [_found(row, "code", 100.0) for _, row in rows.iterrows()]
    return _by_name(index, text, limit)


def _by_name(index: SearchIndex, text: str, limit: int) -> list[Found]:
    """Exact names first (100), then names that start with the text (90-99), then names with
    every word of the text (85) and similar names (at most 85: edit similarity)."""
    key, words = area_name_key(text), _words(text)
    labels = index.labels
    if not key or labels.empty:
        return []
    score = pd.Series(0.0, index=labels.index)
    exact = labels["key"] == key
    score[exact] = 100.0
    starts = ~exact & labels["key"].str.startswith(key)
    score[starts] = 90.0 + 9.0 * len(key) / labels.loc[starts, "key"].str.len()
    # every word of the text starts a word of the name (typing on: "hof van de"; any order),
    # and one of them a word of the area's own name ("delft" is not every buurt of Delft)
    starts_word = [" " + re.escape(w) for w in words.split()]
    covered = pd.Series(bool(starts_word), index=labels.index)
    for pattern in starts_word:
        covered &= labels["words"].str.contains(pattern)
    covered &= labels["name_words"].str.contains("|".join(starts_word) or "^$")
    score[covered & (score < WORDS_SCORE)] = WORDS_SCORE
    if len(key) >= 4:  # a typo: edit similarity of the whole name
        for _, similarity, row in process.extract(
                key, labels["key"].to_dict(), scorer=fuzz.ratio, limit=limit * 5,
                score_cutoff=FUZZY_CUTOFF):
            score[row] = max(score[row], 0.85 * similarity)
    best = score.groupby(labels["area"]).max()
    best = best[best > 0]
    hits = index.areas.loc[best.index].assign(score=best.to_numpy())
    hits = hits.assign(rank=hits["level"].map(_LEVEL_RANK)).sort_values(
        ["score", "rank", "name", "code"], ascending=[False, True, True, True])
    return [_found(row, "name", float(row["score"])) for _, row in hits.head(limit).iterrows()]


def _by_postcode(store: Reader, index: SearchIndex, match: re.Match[str],
                 limit: int) -> list[Found]:
    digits, letters, number = match.group(1), match.group(2), match.group(3)
    postcode = digits + (letters.upper() if letters else "")
    addresses = store.addresses_in_postcode(postcode, int(number) if number else None)
    if addresses.empty:
        return []
    areas = store.areas(bbox=tuple(float(v) for v in addresses.total_bounds))  # type: ignore[arg-type]
    latest = index.areas.set_index(["level", "code"])["year"]
    areas = areas[[latest.get((lv, c)) == y for lv, c, y in
                   zip(areas["level"], areas["code"], areas["year"], strict=True)]]
    inside = gpd.sjoin(addresses[["vbo_id", "geometry"]], areas[["code", "level", "geometry"]],
                       predicate="within")
    counts = inside.groupby(["level", "code"]).size().rename("n").reset_index()
    counts = counts.assign(rank=counts["level"].map(_LEVEL_RANK)).sort_values(
        ["rank", "n", "code"], ascending=[False, False, True])
    rows = index.areas.set_index(["level", "code"])
    kind = "address" if number else "postcode"
    found = [_found(rows.loc[(lv, c)], kind, 100.0 * n / len(addresses), code=c, level=lv)
             for lv, c, n in zip(counts["level"], counts["code"], counts["n"], strict=True)]
    return found[:limit]


def _found(row: pd.Series, match: str, score: float, *, code: str | None = None,
           level: str | None = None) -> Found:
    return Found(code=code or str(row["code"]), name=str(row["name"]),
                 level=level or str(row["level"]), year=int(row["year"]),
                 gemeente_code=str(row["gemeente_code"]),
                 gemeente_name=str(row["gemeente_name"]), match=match, score=round(score, 1))
