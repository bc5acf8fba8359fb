"""Bundled boundaries, file readers and their checks."""

import json

import numpy as np
import pandas as pd
import pytest
import shapely

import segstat
from segstat.errors import DataIntegrityError, InputValueError, UnknownCodeError, UnplacedWarning, VintageError

GR = ["1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462", "1480", "1481", "1482", "1489"]


def test_bundled_boundaries_cover_exactly_the_registry_areas_of_the_13_kommuner():
    for level, n in (("deso", 584), ("regso", 300)):
        b = segstat.boundaries(level, vintage=2025)
        assert len(b) == n and b.crs == "EPSG:3006"
        expected = segstat.areas(level, vintage=2025)
        expected = set(expected.loc[expected["kommun"].isin(GR), "code"])
        assert set(b.codes) == expected
        assert shapely.is_valid(b.polygons).all()


def test_dissolved_deso_reproduce_the_regso_polygons():
    d = segstat.boundaries("deso", vintage=2025).to_frame().assign(geom=segstat.boundaries("deso", vintage=2025).polygons)
    r = segstat.boundaries("regso", vintage=2025)
    for code in ("1480R130", "1401R001", "1489R004"):
        union = shapely.union_all(d.loc[d["regso"] == code, "geom"].to_numpy())
        poly = r.polygons[list(r.codes).index(code)]
        assert shapely.area(shapely.symmetric_difference(union, poly)) < 1.0  # m², numerical noise only


def test_to_frame_and_subset():
    b = segstat.boundaries("deso", vintage=2025)
    f = b.to_frame()
    assert f.columns.tolist() == ["deso", "regso", "kommun", "lan", "area_km2"]
    # Göteborgsregionen: 12 kommuner in Västra Götaland (14) and Kungsbacka in Halland (13)
    assert set(f["lan"]) == {"13", "14"} and set(f.loc[f["lan"] == "13", "kommun"]) == {"1384"}
    assert f["area_km2"].gt(0).all()
    assert len(b.subset("1480")) == 320 and len(segstat.boundaries("regso", vintage=2025, region=["1401", "1402"])) > 0
    with pytest.raises(InputValueError, match="region='0180'"):
        b.subset("0180")


def test_no_bundled_2018_boundaries_names_the_alternatives():
    with pytest.raises(VintageError, match="download_boundaries"):
        segstat.boundaries("deso", vintage=2018)


def _geojson(tmp_path, codes, geoms, name="b.geojson", crs=None):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": {"desokod": c}, "geometry": json.loads(shapely.to_geojson(g))}
                        for c, g in zip(codes, geoms)]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_geojson_file_in_sweref_and_wgs84(tmp_path):
    b = segstat.boundaries("deso", vintage=2025).subset("1401")
    p = _geojson(tmp_path, b.codes, b.polygons, crs="EPSG:3006")
    got = segstat.boundaries("deso", vintage=2025, path=p)
    assert list(got.codes) == list(b.codes)
    assert shapely.equals_exact(got.polygons, b.polygons, tolerance=0).all()
    from pyproj import Transformer
    t = Transformer.from_crs(3006, 4326, always_xy=True)
    wgs = shapely.transform(b.polygons, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    got = segstat.boundaries("deso", vintage=2025, path=_geojson(tmp_path, b.codes, wgs, "w.geojson"))
    assert np.allclose(shapely.area(got.polygons), shapely.area(b.polygons), rtol=1e-6)


def test_geopackage_written_by_hand_is_read_without_gdal(tmp_path):
    import sqlite3
    import struct

    b = segstat.boundaries("regso", vintage=2025).subset("1402")
    path = tmp_path / "r.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT, srs_id INTEGER)")
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INTEGER)")
    con.execute("CREATE TABLE regso (fid INTEGER PRIMARY KEY, geom BLOB, regsokod TEXT)")
    con.execute("INSERT INTO gpkg_contents VALUES ('regso', 'features', 3006)")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('regso', 'geom', 3006)")
    for code, g in zip(b.codes, b.polygons):
        env = struct.pack("<4d", *shapely.bounds(g)[[0, 2, 1, 3]])
        blob = b"GP" + bytes([0, 0b011]) + struct.pack("<i", 3006) + env + shapely.to_wkb(g)
        con.execute("INSERT INTO regso (geom, regsokod) VALUES (?, ?)", (blob, code))
    con.commit()
    con.close()
    got = segstat.boundaries("regso", vintage=2025, path=path)
    assert list(got.codes) == list(b.codes)
    assert shapely.equals_exact(got.polygons, b.polygons, tolerance=0).all()


def test_invalid_polygons_duplicates_and_unknown_codes_are_refused(tmp_path):
    bow = shapely.from_wkt("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))")
    with pytest.raises(DataIntegrityError, match="invalid polygon"):
        segstat.boundaries("deso", vintage=2025, path=_geojson(tmp_path, ["1480C2650"], [bow], crs="EPSG:3006"))
    sq = shapely.box(0, 0, 10, 10)
    with pytest.raises(DataIntegrityError, match="not unique"):
        segstat.boundaries("deso", vintage=2025, path=_geojson(tmp_path, ["1480C2650"] * 2, [sq, sq], "d.geojson", "EPSG:3006"))
    with pytest.raises(UnknownCodeError, match="1480C9999"):
        segstat.boundaries("deso", vintage=2025, path=_geojson(tmp_path, ["1480C9999"], [sq], "u.geojson", "EPSG:3006"))
    with pytest.raises(InputValueError, match="does not exist"):
        segstat.boundaries("deso", vintage=2025, path=tmp_path / "nope.gpkg")


def test_multipolygon_areas_are_located_exactly(tmp_path):
    # an area in two parts (a mainland part and an island) beside a single polygon; the grid index must mark
    # the edges of every part, or runs of cells cross them and points in the gap are "placed"
    b = segstat.boundaries("deso", vintage=2025)
    a, c = b.codes[:2]
    box = shapely.box
    geoms = [box(320_000, 6_400_000, 321_000, 6_401_000),
             shapely.MultiPolygon([box(322_000, 6_402_000, 330_000, 6_409_000),
                                   box(322_000, 6_411_000, 323_000, 6_412_000)])]
    custom = segstat.boundaries("deso", vintage=2025, path=_geojson(tmp_path, [a, c], geoms, crs="EPSG:3006"))
    pts = pd.DataFrame({"x": [326_000.0, 322_500.0, 320_500.0, 321_500.0, 325_000.0, 322_500.0],
                        "y": [6_405_000.0, 6_411_500.0, 6_400_500.0, 6_405_000.0, 6_400_500.0, 6_410_000.0]})
    with pytest.warns(UnplacedWarning, match="3 of 6 rows"):  # the last three points lie outside both areas
        out = segstat.locate(pts, level="deso", vintage=2025, boundaries=custom)
    assert out["deso"].tolist()[:3] == [c, c, a]
    assert out["deso"].isna().tolist()[3:] == [True, True, True]
    assert (out["status"].iloc[3:] == "outside_coverage").all()
    # and against shapely on random points over the whole extent
    rng = np.random.default_rng(5)
    x, y = rng.uniform(319_000, 331_000, 20_000), rng.uniform(6_399_000, 6_413_000, 20_000)
    with pytest.warns(UnplacedWarning):
        got = segstat.locate(pd.DataFrame({"x": x, "y": y}), level="deso", vintage=2025, boundaries=custom)["deso"]
    expected = np.where(shapely.contains_xy(geoms[0], x, y), a, np.where(shapely.contains_xy(geoms[1], x, y), c, None))
    assert (got.astype(object).where(got.notna(), None).to_numpy() == expected).all()


def test_code_column_in_any_case_and_region_given_as_a_number(tmp_path):
    b = segstat.boundaries("deso", vintage=2025)
    doc = json.loads(_geojson(tmp_path, b.codes[:3], b.polygons[:3], crs="EPSG:3006").read_text(encoding="utf-8"))
    for f in doc["features"]:
        f["properties"] = {"Desokod": f["properties"]["desokod"]}  # as in some of SCB's own files
    p = tmp_path / "upper.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    assert list(segstat.boundaries("deso", vintage=2025, path=p).codes) == list(b.codes[:3])
    from segstat.errors import InputTypeError
    with pytest.raises(InputTypeError, match=r"region=1480: give kommun or län codes as strings"):
        segstat.boundaries("deso", vintage=2025, region=1480)
    assert len(segstat.boundaries("deso", vintage=2025, region="1480")) == 320
