"""boundaries(path=): damaged files, null geometries, layer names with quotes, shapefiles and FlatGeobuf,
and polygons that cannot be where their codes say (issue 17)."""

from __future__ import annotations

import json
import sqlite3
import struct

import numpy as np
import pytest
import shapely

import segstat
from segstat.errors import DataIntegrityError, InputValueError


def _sub():
    return segstat.boundaries("regso", vintage=2025).subset("1402")  # Partille: 7 RegSO


def _geojson(path, codes, geoms, crs="EPSG:3006"):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": {"regsokod": c},
                         "geometry": None if g is None else json.loads(shapely.to_geojson(g))}
                        for c, g in zip(codes, geoms)]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _gpkg(path, layer, codes, geoms):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT, srs_id INTEGER)")
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INTEGER)")
    q = '"' + layer.replace('"', '""') + '"'
    con.execute(f"CREATE TABLE {q} (fid INTEGER PRIMARY KEY, geom BLOB, regsokod TEXT)")
    con.execute("INSERT INTO gpkg_contents VALUES (?, 'features', 3006)", (layer,))
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 3006)", (layer,))
    for code, g in zip(codes, geoms):
        blob = None if g is None else b"GP" + bytes([0, 0b011]) + struct.pack("<i", 3006) + struct.pack(
            "<4d", *shapely.bounds(g)[[0, 2, 1, 3]]) + shapely.to_wkb(g)
        con.execute(f"INSERT INTO {q} (geom, regsokod) VALUES (?, ?)", (blob, code))
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("name, content, message", [
    ("empty.geojson", b"", "empty \\(0 bytes\\)"),
    ("garbage.geojson", b"{\"type\": \"Feat", "not valid JSON"),
    ("binary.geojson", bytes(range(256)), "not UTF-8 text"),
    ("list.geojson", b"[1, 2]", "not a GeoJSON FeatureCollection"),
    ("empty.gpkg", b"", "empty \\(0 bytes\\)"),
    ("garbage.gpkg", b"this is not sqlite" * 20, "is not a GeoPackage"),
])
def test_empty_and_garbage_files_name_the_file(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputValueError, match=message) as err:
        segstat.boundaries("regso", vintage=2025, path=p)
    assert name in str(err.value)


def test_directory_as_path_is_refused(tmp_path):
    with pytest.raises(InputValueError, match="is a directory"):
        segstat.boundaries("regso", vintage=2025, path=tmp_path)


def test_null_geometries_are_named(tmp_path):
    b = _sub()
    geoms = [None, *b.polygons[1:]]
    with pytest.raises(InputValueError, match="1 feature\\(s\\) have no geometry \\(null\\), e.g. 'feature 1'"):
        segstat.boundaries("regso", vintage=2025, path=_geojson(tmp_path / "n.geojson", b.codes, geoms))
    with pytest.raises(InputValueError, match="have no geometry \\(null\\), e.g. 'row 1'"):
        segstat.boundaries("regso", vintage=2025, path=_gpkg(tmp_path / "n.gpkg", "regso", b.codes, geoms))


def test_layer_names_with_quotes_are_read_not_injected(tmp_path):
    b = _sub()
    layer = 'regso"; DROP TABLE gpkg_contents; --'
    p = _gpkg(tmp_path / "q.gpkg", layer, b.codes, b.polygons)
    got = segstat.boundaries("regso", vintage=2025, path=p, layer=layer)
    assert list(got.codes) == list(b.codes)
    with sqlite3.connect(p) as con:  # nothing was dropped
        assert con.execute("SELECT count(*) FROM gpkg_contents").fetchone() == (1,)


def test_geojson_without_crs_member_is_wgs84_and_sweref_coordinates_are_then_refused(tmp_path):
    # GeoJSON without "crs" means longitude/latitude; SWEREF 99 TM numbers read that way are not in Sweden
    b = _sub()
    with pytest.raises(Exception) as err:
        segstat.boundaries("regso", vintage=2025, path=_geojson(tmp_path / "x.geojson", b.codes, b.polygons,
                                                                   crs=None))
    assert isinstance(err.value, segstat.errors.SegstatError)


def test_overlapping_polygons_are_refused(tmp_path):
    b = _sub()
    geoms = list(b.polygons)
    geoms[1] = shapely.buffer(geoms[0], 200)
    with pytest.raises(DataIntegrityError, match=f"overlap by more than 0.1%.*{b.codes[0]}/{b.codes[1]}"):
        segstat.boundaries("regso", vintage=2025, path=_geojson(tmp_path / "o.geojson", b.codes, geoms))


def test_shifted_polygons_in_a_file_are_refused(tmp_path):
    b = _sub()
    moved = shapely.transform(b.polygons, lambda c: c + [0, 60_000])
    with pytest.raises(DataIntegrityError, match="km from their kommun"):
        segstat.boundaries("regso", vintage=2025, path=_geojson(tmp_path / "s.geojson", b.codes, moved))


@pytest.mark.parametrize("driver, suffix", [("ESRI Shapefile", ".shp"), ("FlatGeobuf", ".fgb")])
def test_shapefile_and_flatgeobuf_through_pyogrio(tmp_path, driver, suffix):
    pytest.importorskip("pyogrio")
    from pyogrio.raw import write

    b = _sub()
    p = tmp_path / f"r{suffix}"
    write(str(p), shapely.to_wkb(b.polygons), [np.asarray(b.codes, dtype=object)], fields=["regsokod"],
          geometry_type="Polygon", crs="EPSG:3006", driver=driver)
    got = segstat.boundaries("regso", vintage=2025, path=p)
    assert list(got.codes) == list(b.codes)
    assert shapely.equals_exact(got.polygons, b.polygons, tolerance=1e-6).all()


def test_damaged_shapefile_names_the_file(tmp_path):
    pytest.importorskip("pyogrio")
    for name, content in (("e.shp", b""), ("g.fgb", b"garbage" * 50)):
        p = tmp_path / name
        p.write_bytes(content)
        with pytest.raises(InputValueError, match=name):
            segstat.boundaries("regso", vintage=2025, path=p)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj_is_refused(tmp_path):
    pytest.importorskip("pyogrio")
    from pyogrio.raw import write

    b = _sub()
    p = tmp_path / "noprj.shp"
    write(str(p), shapely.to_wkb(b.polygons), [np.asarray(b.codes, dtype=object)], fields=["regsokod"],
          geometry_type="Polygon", driver="ESRI Shapefile")
    with pytest.raises(InputValueError, match="does not declare its coordinate reference system"):
        segstat.boundaries("regso", vintage=2025, path=p)
