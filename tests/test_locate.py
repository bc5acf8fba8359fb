"""locate: real boundaries, hand-checked points, boundary rule, CRS handling, every row accounted for."""

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

import segstat
from segstat.errors import ColumnError, InputTypeError, InputValueError, UnplacedWarning
from segstat.geography.outlines import SWEDEN_TOLERANCE, national_outlines, sweden_outline

B = segstat.boundaries("deso", vintage=2025)
COORDS, OWNER = shapely.get_coordinates(B.polygons, return_index=True)


def _covering(x, y):
    """Independent check: codes of polygons covering the point (plain shapely, no index)."""
    return sorted(B.codes[shapely.intersects_xy(B.polygons, x, y)])


def _locate(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        return segstat.locate(df, **{"vintage": 2025, **kw})


def test_goteborg_central_station_from_wgs84():
    # Göteborg Centralstation, 57.7089 N 11.9733 E
    df = pd.DataFrame({"lon": [11.9733], "lat": [57.7089]})
    out = segstat.locate(df, x="lon", y="lat", crs="EPSG:4326", vintage=2025)
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(11.9733, 57.7089)
    assert _covering(x, y) == ["1480C2650"]
    assert out.iloc[0][["deso", "regso", "kommun", "lan"]].tolist() == ["1480C2650", "1480R130", "1480", "14"]
    assert out["status"].iloc[0] == "placed"


def test_same_place_in_sweref_wgs84_and_rt90_gives_the_same_deso():
    x, y = 319_680.6, 6_400_329.5
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(x, y)
    rx, ry = Transformer.from_crs(3006, 3021, always_xy=True).transform(x, y)
    a = segstat.locate(pd.DataFrame({"x": [x], "y": [y]}), vintage=2025)
    b = segstat.locate(pd.DataFrame({"x": [lon], "y": [lat]}), crs="EPSG:4326", vintage=2025)
    c = segstat.locate(pd.DataFrame({"x": [rx], "y": [ry]}), crs=3021, vintage=2025)
    assert a["deso"].iloc[0] == b["deso"].iloc[0] == c["deso"].iloc[0] == "1480C2650"


def _shared_vertices(k):
    df = pd.DataFrame({"x": COORDS[:, 0], "y": COORDS[:, 1], "p": OWNER}).drop_duplicates()
    g = df.groupby(["x", "y"])["p"].nunique()
    return g[g == k].index[:20]


def test_points_on_vertices_shared_by_three_areas_go_to_the_smallest_code():
    pts = _shared_vertices(3)
    assert len(pts) >= 3
    df = pd.DataFrame(list(pts), columns=["x", "y"])
    out = segstat.locate(df, vintage=2025)
    for (x, y), got in zip(pts, out["deso"]):
        cover = _covering(x, y)
        assert len(cover) >= 3 and got == cover[0]
    assert (out["status"] == "boundary").all()


def test_points_on_shared_edges_are_placed_once_by_the_rule():
    pts = _shared_vertices(2)
    df = pd.DataFrame(list(pts), columns=["x", "y"])
    out = segstat.locate(df, vintage=2025)
    assert len(out) == len(df)
    for (x, y), got in zip(pts, out["deso"]):
        assert got == _covering(x, y)[0]


def test_interior_points_match_shapely_on_real_polygons(rng):
    x0, y0, x1, y1 = B.bounds
    x, y = rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)
    out = _locate(pd.DataFrame({"x": x, "y": y}))
    tree = shapely.STRtree(B.polygons)
    pi, ti = tree.query(shapely.points(x, y), predicate="within")
    expected = np.full(len(x), None, dtype=object)
    expected[pi] = B.codes[ti]
    got = out["deso"].astype(object).where(out["deso"].notna(), None).to_numpy()
    assert (got == expected).all()
    # unplaced points are outside Sweden when more than 5 km from SCB's national outline (independent: distance)
    far = shapely.distance(sweden_outline(), shapely.points(x, y)) > SWEDEN_TOLERANCE
    assert ((out["status"] == "outside_coverage") == (pd.isna(expected) & ~far)).all()
    assert ((out["status"] == "outside_sweden") == (pd.isna(expected) & far)).all()


def test_missing_and_outside_rows_are_kept_and_counted():
    df = pd.DataFrame({"x": [319_680.6, np.nan, 700_000.0, 0.0], "y": [6_400_329.5, 6_400_000.0, 6_580_000.0, 0.0]},
                      index=["a", "b", "c", "d"])
    with pytest.warns(UnplacedWarning, match=r"3 of 4 rows.*missing_coordinates: 1 \(rows 'b'\)"):
        out = segstat.locate(df, vintage=2025)
    assert out.index.tolist() == ["a", "b", "c", "d"]
    assert out["status"].tolist() == ["placed", "missing_coordinates", "outside_coverage", "outside_sweden"]
    assert out["deso"].isna().tolist() == [False, True, True, True]
    s = out.attrs["segstat_locate"]
    assert (s.n, s.placed, s.unplaced) == (4, 1, 3)
    assert s.counts["outside_sweden"] == 1 and s.examples["outside_sweden"] == ["d"]


def test_swapped_wgs84_axes_are_detected():
    lat, lon = 57.7089, 11.9733
    with pytest.raises(InputValueError, match="Swap them: locate\\(data, x='lat', y='lon'"):
        segstat.locate(pd.DataFrame({"lon": [lat], "lat": [lon]}), x="lon", y="lat", crs="EPSG:4326", vintage=2025)
    mixed = pd.DataFrame({"lon": [lon, lat], "lat": [lat, lon]})
    with pytest.warns(UnplacedWarning, match="swap x and y"):
        out = segstat.locate(mixed, x="lon", y="lat", crs="EPSG:4326", vintage=2025)
    assert out["status"].tolist() == ["placed", "swapped_axes"]


def test_all_outside_sweden_is_an_error_naming_the_crs():
    with pytest.raises(InputValueError, match="outside Sweden.*crs='EPSG:3006'"):
        segstat.locate(pd.DataFrame({"x": [11.97], "y": [57.7]}), vintage=2025)


def test_point_in_the_sea_is_unplaced_unless_snapping_is_asked():
    # just west of the seaward edge of Öckerö's DeSO (1407): SCB's DeSO reach 27 km out to sea here, so a point
    # beyond them is beyond Sweden's outline and its 5 km tolerance too: outside_sweden, not a coverage problem
    edge = B.polygons[list(B.codes).index("1407A0030")]
    x0, y0, _, _ = shapely.bounds(edge)
    pt = (x0 - 30.0, shapely.get_coordinates(edge)[np.argmin(shapely.get_coordinates(edge)[:, 0]), 1])
    assert not _covering(*pt)
    assert 27_000 < shapely.distance(sweden_outline(), shapely.Point(pt)) < 27_500
    df = pd.DataFrame({"x": [pt[0], 319_680.6], "y": [pt[1], 6_400_329.5]})
    with pytest.warns(UnplacedWarning, match="outside_sweden: 1 .*check their coordinates and crs="):
        assert segstat.locate(df, vintage=2025)["status"].tolist() == ["outside_sweden", "placed"]
    df = df.iloc[:1]
    dist = shapely.distance(B.polygons, shapely.points(*pt))
    nearest = B.codes[np.argmin(dist)]
    assert dist.min() < 100
    snapped = segstat.locate(df, max_distance=100, vintage=2025)
    assert snapped["status"].iloc[0] == "snapped" and snapped["deso"].iloc[0] == nearest
    with pytest.raises(InputValueError, match="outside Sweden"):  # not snapped, and then every row is outside
        segstat.locate(df, max_distance=dist.min() / 2, vintage=2025)


def test_regso_level_and_input_not_mutated():
    df = pd.DataFrame({"x": [319_680.6], "y": [6_400_329.5]})
    before = df.copy()
    out = segstat.locate(df, level="regso", boundaries=segstat.boundaries("regso", vintage=2025))
    assert out.columns.tolist() == ["regso", "kommun", "lan", "status"]
    assert out["regso"].iloc[0] == "1480R130"
    pd.testing.assert_frame_equal(df, before)


def test_bad_arguments():
    df = pd.DataFrame({"x": [1.0], "y": [2.0]})
    with pytest.raises(ColumnError, match="x='e'"):
        segstat.locate(df, x="e", vintage=2025)
    with pytest.raises(InputTypeError, match="numbers"):
        segstat.locate(pd.DataFrame({"x": ["a"], "y": [1.0]}), vintage=2025)
    with pytest.raises(InputValueError, match="crs='EPSG:99999'"):
        segstat.locate(df, crs="EPSG:99999", vintage=2025)
    with pytest.raises(InputValueError, match="boundaries are DeSO 2025"):
        segstat.locate(df, level="regso", boundaries=B, vintage=2025)
    with pytest.raises(InputValueError, match="chunk_size"):
        segstat.locate(df, chunk_size=0, vintage=2025)


def test_empty_input_gives_empty_result():
    out = segstat.locate(pd.DataFrame({"x": [], "y": []}), vintage=2025)
    assert len(out) == 0 and out.attrs["segstat_locate"].n == 0


def test_zero_snapping_distance_is_no_snapping_and_threads_are_checked():
    sea = pd.DataFrame({"x": [674_000.0], "y": [6_580_000.0]})  # Stockholm: outside the bundled coverage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        a = segstat.locate(sea, max_distance=0, vintage=2025)
        b = segstat.locate(sea, vintage=2025)
    pd.testing.assert_frame_equal(a, b)
    assert a["status"].tolist() == ["outside_coverage"]
    with pytest.raises(InputValueError, match=r"n_jobs='4' must be a positive integer"):
        segstat.locate(sea, n_jobs="4", vintage=2025)


# Hand-checked points (WGS84 from maps, SWEREF 99 TM by pyproj): Oslo rådhus 59.9115 N 10.7337 E, Copenhagen
# rådhus 55.6761 N 12.5683 E, Stockholm Sergels torg 59.3326 N 18.0649 E, Sandhamn 59.288 N 18.910 E (an island in
# the Stockholm archipelago 2.8 km from SCB's generalised coast), the sea between the islands south of Styrsö in
# Göteborg's archipelago 57.62 N 11.75 E.
TO_3006 = Transformer.from_crs(4326, 3006, always_xy=True)
GBG = (319_680.6, 6_400_329.5)  # Göteborg, placed in 1480C2650


def _pts(*lonlat):
    xs, ys = TO_3006.transform([p[0] for p in lonlat], [p[1] for p in lonlat])
    return pd.DataFrame({"x": [GBG[0], *xs], "y": [GBG[1], *ys]})


def test_oslo_and_copenhagen_are_outside_sweden_and_the_advice_is_to_check_coordinates():
    oslo, cph = (10.7337, 59.9115), (12.5683, 55.6761)
    df = _pts(oslo, cph)
    d = shapely.distance(sweden_outline(), shapely.points(df["x"], df["y"]))
    assert d[0] == 0 and 60_000 < d[1] < 66_000 and 22_000 < d[2] < 25_000  # Oslo ~63 km, Copenhagen ~23 km
    with pytest.warns(UnplacedWarning) as rec:
        out = segstat.locate(df, vintage=2025)
    assert out["status"].tolist() == ["placed", "outside_sweden", "outside_sweden"]
    msg = str(rec[0].message)
    assert "outside_sweden: 2 (rows 1, 2)" in msg and "check their coordinates and crs=" in msg
    assert "download_boundaries" not in msg  # national boundaries would not place them


def test_points_elsewhere_in_sweden_are_outside_coverage_and_the_advice_is_to_download():
    stockholm, sandhamn = (18.0649, 59.3326), (18.910, 59.288)
    with pytest.warns(UnplacedWarning) as rec:
        out = segstat.locate(_pts(stockholm, sandhamn), vintage=2025)
    assert out["status"].tolist() == ["placed", "outside_coverage", "outside_coverage"]
    msg = str(rec[0].message)
    assert "cover 13 of 290 kommuner" in msg and "segstat.download_boundaries()" in msg
    assert "outside_sweden" not in msg and "check their coordinates" not in msg


def test_the_sea_of_goteborgs_archipelago_is_placed_because_scbs_deso_cover_the_sea():
    # SCB's DeSO 2025 reach out over the sea (up to 27 km from the generalised coast west of Öckerö): a point in
    # the water between the islands south of Styrsö is inside the archipelago DeSO 1480B2010, as plain shapely says
    out = segstat.locate(_pts((11.75, 57.62)), vintage=2025)
    x, y = TO_3006.transform(11.75, 57.62)
    assert _covering(x, y) == ["1480B2010"]
    assert shapely.distance(sweden_outline(), shapely.Point(x, y)) > 7_000  # beyond the generalised coast
    assert out["deso"].tolist() == ["1480C2650", "1480B2010"] and out["status"].iloc[1] == "placed"


def test_swapped_sweref_axes_are_detected_row_by_row():
    df = pd.DataFrame({"x": [GBG[0], GBG[1], 6_580_000.0, np.nan], "y": [GBG[1], GBG[0], 674_000.0, 1.0]})
    with pytest.warns(UnplacedWarning, match=r"swapped_axes: 2 \(rows 1, 2\).*swap x and y for them"):
        out = segstat.locate(df, vintage=2025)
    assert out["status"].tolist() == ["placed", "swapped_axes", "swapped_axes", "missing_coordinates"]
    assert out["deso"].isna().tolist() == [False, True, True, True]
    with pytest.raises(InputValueError, match=r"only with x and y swapped.*Swap them: locate\(data, x='y', y='x'"):
        segstat.locate(df.iloc[1:3], vintage=2025)
    # swapped back, the rows are placed: row 1 in Göteborg, row 2 (Stockholm) in Sweden but outside the coverage
    back = _locate(df.iloc[1:3].rename(columns={"x": "y", "y": "x"}), vintage=2025)
    assert back["deso"].iloc[0] == "1480C2650" and back["status"].iloc[1] == "outside_coverage"


def test_national_outlines_are_bundled_with_their_codes():
    k, lan = national_outlines("kommun"), national_outlines("lan")
    assert (len(k), len(lan)) == (290, 21)
    assert k["code"].iloc[0] == "0114" and k["name"].iloc[0] == "Upplands Väsby"
    assert lan.set_index("code").loc["14", "name"] == "Västra Götalands"
    # the dissolved outline covers the same land as the kommuner and the län (SCB's län file is a separate
    # generalisation: they differ by less than 0.5 km² of 436,796 km²)
    area = shapely.area(sweden_outline())
    assert abs(area - shapely.area(k["geometry"]).sum()) < 1e6
    assert abs(area - shapely.area(lan["geometry"]).sum()) < 1e6
    assert 436_000e6 < area < 437_000e6


def test_swapped_rt90_axes_are_detected_too():
    rx, ry = Transformer.from_crs(3006, 3021, always_xy=True).transform(*GBG)
    with pytest.warns(UnplacedWarning, match=r"swapped_axes: 1 \(rows 1\)"):
        out = segstat.locate(pd.DataFrame({"x": [rx, ry], "y": [ry, rx]}), crs="EPSG:3021", vintage=2025)
    assert out["status"].tolist() == ["placed", "swapped_axes"] and out["deso"].iloc[0] == "1480C2650"


def test_outside_coverage_advice_with_national_boundaries_is_to_snap_not_to_download():
    from types import SimpleNamespace

    from segstat.geography.locate import STATUSES, _advice

    counts = dict.fromkeys(STATUSES, 0) | {"outside_coverage": 2}
    national = SimpleNamespace(codes=segstat.areas("deso", vintage=2025)["code"].to_numpy(dtype=str), source="SCB")
    msg = _advice(counts, national, "x", "y", "EPSG:3006")
    assert "max_distance=" in msg and "download_boundaries" not in msg
    regional = _advice(counts, B, "x", "y", "EPSG:3006")
    assert "cover 13 of 290 kommuner" in regional and "download_boundaries()" in regional
