"""Which province a gemeente lies in (geoinsight/sources/provinces.py)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geoinsight import PROJECT_ROOT
from geoinsight.errors import BadRequest
from geoinsight.sources import provinces


def test_the_twelve_provinces_tile_the_country() -> None:
    frame = provinces.outlines()
    assert sorted(frame["code"]) == [f"PV{n}" for n in range(20, 32)]
    assert shapely.is_valid(frame.geometry.to_numpy()).all()
    # a coverage: no province overlaps another by more than simplification noise
    total = frame.geometry.area.sum()
    assert shapely.union_all(frame.geometry.to_numpy()).area == pytest.approx(total, rel=1e-4)
    assert 33_000e6 < total < 36_000e6  # land area of the Netherlands, m²


@pytest.mark.parametrize(("text", "code"), [("PV26", "PV26"), ("pv26", "PV26"),
                                            ("Utrecht", "PV26"), ("fryslan", "PV21"),
                                            ("Fryslân", "PV21"), ("noord holland", "PV27")])
def test_a_province_is_found_by_code_or_name(text: str, code: str) -> None:
    found = provinces.find(text)
    assert found is not None and found.code == code


def test_no_province_asked_is_none_and_a_wrong_one_an_error() -> None:
    assert provinces.find("") is None and provinces.find(None) is None
    with pytest.raises(BadRequest, match="province must be one of"):
        provinces.find("Holland")


def test_a_gemeente_goes_where_most_of_its_areas_are() -> None:
    """Three buurten of one gemeente in Utrecht (around Utrecht city, RD 136 km, 456 km), one
    just across the border in Gelderland: the gemeente is Utrecht's, whole."""
    utrecht_points = [(136000 + 200 * i, 456000) for i in range(3)]
    gelderland = (190000, 445000)  # Arnhem
    boxes = [shapely.box(x, y, x + 100, y + 100) for x, y in [*utrecht_points, gelderland]]
    areas = gpd.GeoDataFrame({"code": [f"BU0344000{i}" for i in range(4)],
                              "gemeente_code": "GM0344"}, geometry=boxes, crs=28992)
    chosen = {p.code: p for p in provinces.provinces()}
    assert provinces.gemeenten_in(chosen["PV26"], areas) == {"GM0344"}
    assert provinces.gemeenten_in(chosen["PV25"], areas) == set()


def test_an_area_off_the_simplified_coast_goes_to_the_nearest_province() -> None:
    sea = gpd.GeoDataFrame({"code": ["BU04000000"], "gemeente_code": ["GM0400"]},
                           geometry=[shapely.box(100, 560000, 200, 560100)], crs=28992)
    holder = [p for p in provinces.provinces() if provinces.gemeenten_in(p, sea)]
    assert [p.code for p in holder] == ["PV27"]  # Noord-Holland's coast is nearest


REAL_TMAP = PROJECT_ROOT.parent / "shared" / "data" / "real" / "nld_2022_prov_gem_wijk_tmap.gpkg"


@pytest.mark.skipif(not REAL_TMAP.exists(), reason="shared/data/real not beside the repo")
def test_every_gemeente_of_2022_is_in_the_province_cbs_says() -> None:
    """The 345 real gemeenten of 2022 (tmap extract of the CBS Wijk- en Buurtkaart): each is
    placed in the province its own ``province`` attribute names."""
    gemeenten = gpd.read_file(REAL_TMAP, layer="nld_muni")
    gemeenten = gemeenten.assign(gemeente_code=gemeenten["code"])
    said = gemeenten["province"].replace({"Fryslan": "Fryslân"})
    for province in provinces.provinces():
        assert provinces.gemeenten_in(province, gemeenten) == set(
            gemeenten.loc[said == province.name, "code"]), province
