"""Point sets into the store: BAG addresses and EP-Online energy labels, with their aggregates.

Every ingest that changes points or boundaries recomputes, in the same atomic batch, where each
address lies (per level and boundary year) and the dwelling and label figures per area.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoinsight.analysis.energy import address_aggregates, label_aggregates
from geoinsight.catalog.energy_indicators import address_indicators, label_indicators
from geoinsight.catalog.indicators import Indicator
from geoinsight.errors import InputError
from geoinsight.ingest.common import IngestResult, checksum, finish
from geoinsight.ingest.progress import report
from geoinsight.sources.bag import read_addresses
from geoinsight.sources.codes import level_of
from geoinsight.sources.eponline import read_eponline
from geoinsight.spatial.assign import assign_points, chosen_boundaries
from geoinsight.store import Store
from geoinsight.store.model import IngestBatch, IngestCounts, Reject, empty_values

ADDRESS_KEY = ["postcode", "huisnummer", "huisletter", "toevoeging"]


@dataclass
class PointState:
    """What the store will hold after a batch: the inputs every point aggregate derives from."""

    areas: gpd.GeoDataFrame
    addresses: gpd.GeoDataFrame
    labels: pd.DataFrame
    address_year: int | None
    label_year: int | None
    label_as_of: pd.Timestamp | None
    synthetic: bool


def ingest_addresses(store: Store, path: Path, year: int | None = None,
                     crs: str | None = None) -> IngestResult:
    path = Path(path)
    frame, read, rejects = read_addresses(path, crs)
    if frame.empty:
        raise InputError(f"no usable addresses ({len(rejects)} rejected"
                         + (f", first: {rejects[0].reason})" if rejects else ")"), path=str(path))
    year = year or dt.date.today().year
    state = current_state(store)
    kept = state.addresses[~state.addresses["vbo_id"].isin(frame["vbo_id"])]
    state.addresses = gpd.GeoDataFrame(pd.concat([kept, frame], ignore_index=True),
                                       crs=frame.crs)
    state.address_year = year
    counts = IngestCounts(read=read, stored=len(frame), rejected=len(rejects))
    batch = IngestBatch("addresses", path, checksum(path), empty_values(), [], counts,
                        rejects=rejects, year=year, addresses=frame)
    refresh_points(batch, state)
    placed_ids = batch.point_areas["point_id"] if batch.point_areas is not None else pd.Series()
    placed = placed_ids[placed_ids.isin(frame["vbo_id"])].nunique()
    outside = len(frame) - placed
    if outside:
        batch.notes.append(f"{outside} addresses lie outside every stored area")
    return finish(store, batch, _placed(batch), [batch.year] if batch.year else [])


def ingest_energy_labels(store: Store, path: Path,
                         today: dt.date | None = None) -> IngestResult:
    path = Path(path)
    state = current_state(store)
    if state.addresses.empty:
        raise InputError("no BAG addresses in the store to locate labels on: "
                         "run `geoinsight ingest addresses` first", path=str(path))
    today = today or dt.date.today()
    read = read_eponline(path, today=today,
                         on_chunk=lambda n, bad: report("reading", read=n, rejected=bad))
    labels, located_rejects, duplicates = locate(read.labels, state.addresses)
    rejects = list(read.rejects) + located_rejects
    as_of = _published(read.published) or pd.Timestamp(today)
    synthetic = is_synthetic(path)
    labels = labels.assign(synthetic=int(synthetic))
    state.labels, state.label_year = labels, as_of.year
    state.label_as_of, state.synthetic = as_of, synthetic
    counts = IngestCounts(read=read.read, stored=len(labels), rejected=len(rejects),
                          superseded=read.superseded + duplicates)
    batch = IngestBatch("energy_labels", path, checksum(path), empty_values(), [], counts,
                        rejects=rejects, year=as_of.year, labels=labels)
    if synthetic:
        batch.notes.append("synthetic demo data")
    refresh_points(batch, state)
    return finish(store, batch, _placed(batch), [batch.year] if batch.year else [])


def _placed(batch: IngestBatch) -> pd.DataFrame:
    """The areas that got figures of this ingest's year: what its summary line reports."""
    own = batch.values[batch.values["year"] == batch.year]
    codes = own["code"].drop_duplicates()
    return pd.DataFrame({"code": codes, "level": codes.map(level_of), "year": batch.year})


def locate(labels: pd.DataFrame, addresses: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject],
                                                                   int]:
    """Put each label on a BAG address: by verblijfsobject id, else by the full address.

    Returns the located labels (one per vbo_id: the newest registration), the rejects, and how
    many labels lost to a newer one on the same object found by the other key.
    """
    known = set(addresses["vbo_id"])
    by_id = labels["vbo_id"].isin(known)
    keyed = addresses.dropna(subset=["postcode", "huisnummer"]).copy()
    keyed = keyed[~keyed.duplicated(ADDRESS_KEY, keep=False)]  # ambiguous keys locate nothing
    rest = labels[~by_id].copy()
    for column in ("huisletter", "toevoeging"):
        rest[column] = rest[column].fillna("")
    rest["huisnummer"] = rest["huisnummer"].astype("Int64")
    joined = rest.drop(columns="vbo_id").merge(
        keyed[[*ADDRESS_KEY, "vbo_id"]].astype({"huisnummer": "Int64"}), on=ADDRESS_KEY,
        how="left")
    by_address = joined[joined["vbo_id"].notna()].assign(located_by="address")
    missed = joined[joined["vbo_id"].isna()]
    rejects = [Reject(f"line {line}", _key_text(row), _miss_reason(row))
               for line, row in zip(missed["line"], missed.itertuples(index=False), strict=True)]
    located = pd.concat([labels[by_id].assign(located_by="vbo_id"), by_address],
                        ignore_index=True)
    located = located.sort_values(["registered", "line"])
    newest = located.drop_duplicates("vbo_id", keep="last")
    out = pd.DataFrame({
        "vbo_id": newest["vbo_id"], "energy_class": newest["energy_class"].astype(str),
        "energy_index": newest["energy_index"], "building_class": newest["building_class"],
        "building_type": newest["building_type"], "building_subtype": newest["building_subtype"],
        "method": newest["method"], "assessed": _iso(newest["assessed"]),
        "registered": _iso(newest["registered"]), "valid_until": _iso(newest["valid_until"]),
        "located_by": newest["located_by"]})
    return out.reset_index(drop=True), rejects, len(located) - len(newest)


def current_state(store: Store) -> PointState:
    log = store.ingest_log()
    held = store.holdings()

    def last_year(kind: str) -> int | None:
        """The year of the newest ingest of ``kind`` whose points are still stored."""
        if log.empty:
            return None
        holding = set(held.loc[held["table"] == kind, "ingest_id"]) if len(held) else set()
        rows = log[(log["kind"] == kind) & log["id"].isin(holding)]
        return None if rows.empty or pd.isna(rows.iloc[-1]["year"]) else int(rows.iloc[-1]["year"])

    labels = store.labels()
    synthetic = bool(len(labels)) and bool(labels["synthetic"].astype(int).any())
    label_year = last_year("energy_labels")
    return PointState(store.areas(), store.addresses(), labels, last_year("addresses"),
                      label_year, pd.Timestamp(label_year, 12, 31) if label_year else None,
                      synthetic)


def recompute_points(store: Store, reason: str) -> IngestResult | None:
    """The point assignments and the dwelling and label figures computed again from what the
    store holds (after a source was removed). Every figure of those indicators is replaced:
    what no stored point supports any more goes. None when there were none and are none."""
    state = current_state(store)
    every = [i.id for i in (*address_indicators(), *label_indicators(state.synthetic))]
    if state.addresses.empty and store.values(indicators=every).empty:
        return None
    batch = IngestBatch("recompute", Path(reason), "", empty_values(), [], IngestCounts(),
                        year=state.address_year)
    refresh_points(batch, state)
    batch.replace_indicators = every
    batch.counts.read = batch.counts.stored = len(state.addresses)
    return finish(store, batch, _placed(batch), [batch.year] if batch.year else [])


def refresh_points(batch: IngestBatch, state: PointState) -> None:
    """Add to ``batch`` the point assignments and aggregates that follow from ``state``."""
    if state.addresses.empty:
        return
    batch.point_areas = assign_points(state.areas, state.addresses, "addresses", "vbo_id")
    parts: list[pd.DataFrame] = []
    indicators: list[Indicator] = []
    if state.address_year is not None:
        parts += _per_level(state, state.address_year, lambda codes, pairs: address_aggregates(
            codes, pairs, state.addresses, state.address_year or 0), batch.point_areas)
        indicators += address_indicators()
    if not state.labels.empty and state.label_year is not None:
        as_of = state.label_as_of or pd.Timestamp(state.label_year, 12, 31)
        parts += _per_level(state, state.label_year, lambda codes, pairs: label_aggregates(
            codes, pairs, state.addresses, state.labels, state.label_year or 0, as_of),
            batch.point_areas)
        indicators += label_indicators(state.synthetic)
    if parts:
        batch.values = pd.concat([batch.values, *parts], ignore_index=True)
    batch.indicators = [*batch.indicators, *indicators]
    batch.replace_indicators = [i.id for i in indicators]


Aggregate = Callable[[list[str], pd.DataFrame], pd.DataFrame]


def _per_level(state: PointState, year: int, aggregate: Aggregate,
               point_areas: pd.DataFrame) -> list[pd.DataFrame]:
    chosen = chosen_boundaries(state.areas, year)
    out = []
    for _, group in chosen.groupby("level"):
        pairs = point_areas.merge(group.rename(columns={"code": "area_code"}),
                                  on=["level", "area_code", "boundary_year"])
        pairs = pairs.rename(columns={"point_id": "vbo_id", "area_code": "code"})
        # only areas that hold addresses: elsewhere the BAG set says nothing (not zero)
        covered = sorted(set(pairs["code"]))
        if covered:
            # counted on the boundaries each area was chosen on: its figures' boundary year
            out.append(aggregate(covered, pairs[["vbo_id", "code"]]).merge(
                group[["code", "boundary_year"]], on="code"))
    return out


def is_synthetic(path: Path) -> bool:
    """Synthetic bulk files say so in their preamble (``Opmerking;synthetic demo data``)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
                head = archive.open(name).read(4096)
        else:
            with open(path, "rb") as handle:
                head = handle.read(4096)
    except (OSError, StopIteration, zipfile.BadZipFile):
        return False
    text = io.TextIOWrapper(io.BytesIO(head), encoding="utf-8", errors="replace").read()
    return "synthetic" in text.split("Pand_", 1)[0].lower()


def _published(text: str | None) -> pd.Timestamp | None:
    if not text:
        return None
    for fmt in ("%d-%m-%Y", "%Y-%m-%d", "%Y%m%d"):
        try:
            return pd.Timestamp(dt.datetime.strptime(text.strip(), fmt))
        except ValueError:
            continue
    return None


def _iso(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce").dt.strftime("%Y-%m-%d")


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value) and value != ""


def _key_text(row: object) -> str:
    parts = [getattr(row, name, None) for name in ADDRESS_KEY]
    return " ".join(str(p) for p in parts if _present(p))


def _miss_reason(row: object) -> str:
    if _present(getattr(row, "ligplaats_id", None)) or _present(
            getattr(row, "standplaats_id", None)):
        return "not located: a ligplaats/standplaats, not in the BAG address set"
    return "not located: no BAG address with this verblijfsobject id or postcode and huisnummer"
