"""Build the embedded demo data (data/demo/) from the real CBS files in ../shared/data/real.

Run once by a developer; its outputs are committed (a few hundred kB). GeoInsight never reads
../shared at run time. Usage: python scripts/prepare_demo.py [SHARED_REAL_DIR]

- delft_2023.gpkg: Delft's 91 buurten (CBS buurten 2023), its wijken and the gemeente, the
  latter two dissolved from the buurten (no other source has their 2023 geometry), with codes,
  names and `jaar`. Geometry only: the figures come from the table below.
- delft_kwb2024.csv: the GM0503 rows of the KWB 2024 tables (gemeente, wijken, buurten) with
  registered crime 2021-2025 and health, `;`-separated with decimal commas like a StatLine
  export, so the demo goes through the same parser as a user's file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "demo"
GM = "GM0503"


def main(real: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    buurten = gpd.read_file(real / "delft_buurten_2023_kwb2024_misdrijven.gpkg")
    wijk_table = pd.read_csv(real / "kwb2024_misdrijven_wijken_woonikveilig.csv", dtype=str)
    wijk_names = wijk_table.set_index("wk_code")["wk_naam"]
    bu = gpd.GeoDataFrame({"buurtcode": buurten["bu_code"], "buurtnaam": buurten["BU_NAAM"],
                           "wijkcode": buurten["wk_code"], "gemeentecode": GM,
                           "gemeentenaam": "Delft", "water": "NEE", "jaar": 2023},
                          geometry=shapely.set_precision(buurten.geometry.values, 0.01),
                          crs=buurten.crs)
    wk = bu.dissolve(by="wijkcode", as_index=False)[["wijkcode", "geometry"]]
    wk["wijknaam"] = wk["wijkcode"].map(wijk_names)
    wk = wk.assign(gemeentecode=GM, gemeentenaam="Delft", water="NEE", jaar=2023)
    gm = gpd.GeoDataFrame({"gemeentecode": [GM], "gemeentenaam": ["Delft"], "water": ["NEE"],
                           "jaar": [2023]}, geometry=[bu.geometry.union_all()], crs=bu.crs)
    target = OUT / "delft_2023.gpkg"
    target.unlink(missing_ok=True)
    for name, frame in (("gemeenten", gm), ("wijken", wk), ("buurten", bu)):
        frame.to_file(target, layer=name, driver="GPKG", SPATIAL_INDEX="NO")
    tables = [pd.read_csv(real / f"kwb2024_misdrijven_{lvl}_woonikveilig.csv", dtype=str)
              for lvl in ("gemeenten", "wijken", "buurten")]
    rows = []
    for table, key in zip(tables, ("gm_code", "wk_code", "bu_code"), strict=True):
        part = table[table["gm_code"] == GM].rename(columns={key: "code"})
        name_col = {"gm_code": "gm_naam", "wk_code": "wk_naam", "bu_code": "bu_naam"}[key]
        part = part.rename(columns={name_col: "naam"})
        rows.append(part.drop(columns=[c for c in ("gm_code", "wk_code", "gm_naam", "pv_code",
                                                   "pv_naam") if c in part.columns]))
    table = pd.concat(rows, ignore_index=True)
    numeric = [c for c in table.columns if c not in ("code", "naam", "stedelijkheidLabel",
                                                     "postcode")]
    for column in numeric:
        table[column] = table[column].str.replace(".", ",", regex=False)
    table.to_csv(OUT / "delft_kwb2024.csv", sep=";", index=False, encoding="utf-8-sig")
    print(f"wrote {target} ({len(gm)} gemeente, {len(wk)} wijken, {len(bu)} buurten) and "
          f"{OUT / 'delft_kwb2024.csv'} ({len(table)} rows)")
    test_area(real, tables[2])


def test_area(real: Path, kwb_buurten: pd.DataFrame) -> None:
    """The Den Haag / Leidschendam-Voorburg test area: 14 buurten 2022 and their BAG points."""
    source = real / "denhaag_lv_testgebied_bag_2022.gpkg"
    buurten = gpd.read_file(source, layer="buurten_2022")
    keep = ["buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam", "water",
            "jrstatcode", "jaar", "geometry"]
    target = OUT / "denhaag_lv_buurten_2022.gpkg"
    target.unlink(missing_ok=True)
    buurten[keep].to_file(target, layer="buurten", driver="GPKG", SPATIAL_INDEX="NO")
    points = gpd.read_file(source, layer="verblijfsobjecten")
    table = pd.DataFrame({
        "vbo_id": points["vbo_id"], "postcode": points["postcode"],
        "huisnummer": points["huisnummer"].astype("Int64"), "huisletter": points["huisletter"],
        "huisnummertoevoeging": points["huisnummertoevoeging"],
        "gebruiksdoel": points["gebruiksdoel"], "bouwjaar": points["bouwjaar"].astype("Int64"),
        "status": points["status"], "oppervlakte": points["oppervlakte"],
        "x": points.geometry.x.round(2), "y": points.geometry.y.round(2)})
    table.to_csv(OUT / "denhaag_lv_bag_2022.csv.gz", index=False, compression={
        "method": "gzip", "mtime": 0})
    codes = set(buurten["buurtcode"])
    kwb = kwb_buurten[kwb_buurten["bu_code"].isin(codes)].rename(
        columns={"bu_code": "code", "bu_naam": "naam"})
    kwb = kwb.drop(columns=["wk_code", "gm_code", "gm_naam", "pv_code", "pv_naam"])
    for column in kwb.columns:
        if column not in ("code", "naam", "stedelijkheidLabel", "postcode"):
            kwb[column] = kwb[column].str.replace(".", ",", regex=False)
    kwb.to_csv(OUT / "denhaag_lv_kwb2024.csv", sep=";", index=False, encoding="utf-8-sig")
    print(f"wrote {target} ({len(buurten)} buurten), denhaag_lv_bag_2022.csv.gz "
          f"({len(table)} addresses), denhaag_lv_kwb2024.csv ({len(kwb)} rows)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "real")
