"""locate: real boundaries, hand-checked points, boundary rule, CRS handling, every row accounted for."""

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

import segstat
from segstat.errors import ColumnError, InputTypeError, InputValueError, UnplacedWarning

B = segstat.boundaries("deso", vintage=2025)
COORDS, OWNER = shapely.get_coordinates(B.polygons, return_index=True)


def _covering(x, y):
    """Independent check: codes of polygons covering the point (plain shapely, no index)."""
    return sorted(B.codes[shapely.intersects_xy(B.polygons, x, y)])


def _locate(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        return segstat.locate(df, **kw)


def test_goteborg_central_station_from_wgs84():
    # Göteborg Centralstation, 57.7089 N 11.9733 E
    df = pd.DataFrame({"lon": [11.9733], "lat": [57.7089]})
    out = segstat.locate(df, x="lon", y="lat", crs="EPSG:4326")
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(11.9733, 57.7089)
    assert _covering(x, y) == ["1480C2650"]
    assert out.iloc[0][["deso", "regso", "kommun", "lan"]].tolist() == ["1480C2650", "1480R130", "1480", "14"]
    assert out["status"].iloc[0] == "placed"


def test_same_place_in_sweref_wgs84_and_rt90_gives_the_same_deso():
    x, y = 319_680.6, 6_400_329.5
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(x, y)
    rx, ry = Transformer.from_crs(3006, 3021, always_xy=True).transform(x, y)
    a = segstat.locate(pd.DataFrame({"x": [x], "y": [y]}))
    b = segstat.locate(pd.DataFrame({"x": [lon], "y": [lat]}), crs="EPSG:4326")
    c = segstat.locate(pd.DataFrame({"x": [rx], "y": [ry]}), crs=3021)
    assert a["deso"].iloc[0] == b["deso"].iloc[0] == c["deso"].iloc[0] == "1480C2650"


def _shared_vertices(k):
    df = pd.DataFrame({"x": COORDS[:, 0], "y": COORDS[:, 1], "p": OWNER}).drop_duplicates()
    g = df.groupby(["x", "y"])["p"].nunique()
    return g[g == k].index[:20]


def test_points_on_vertices_shared_by_three_areas_go_to_the_smallest_code():
    pts = _shared_vertices(3)
    assert len(pts) >= 3
    df = pd.DataFrame(list(pts), columns=["x", "y"])
    out = segstat.locate(df)
    for (x, y), got in zip(pts, out["deso"]):
        cover = _covering(x, y)
        assert len(cover) >= 3 and got == cover[0]
    assert (out["status"] == "boundary").all()


def test_points_on_shared_edges_are_placed_once_by_the_rule():
    pts = _shared_vertices(2)
    df = pd.DataFrame(list(pts), columns=["x", "y"])
    out = segstat.locate(df)
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
    assert ((out["status"] == "outside_coverage") == pd.isna(expected)).all()


def test_missing_and_outside_rows_are_kept_and_counted():
    df = pd.DataFrame({"x": [319_680.6, np.nan, 700_000.0, 0.0], "y": [6_400_329.5, 6_400_000.0, 6_580_000.0, 0.0]},
                      index=["a", "b", "c", "d"])
    with pytest.warns(UnplacedWarning, match=r"3 of 4 rows.*missing_coordinates: 1 \(rows 'b'\)"):
        out = segstat.locate(df)
    assert out.index.tolist() == ["a", "b", "c", "d"]
    assert out["status"].tolist() == ["placed", "missing_coordinates", "outside_coverage", "outside_sweden"]
    assert out["deso"].isna().tolist() == [False, True, True, True]
    s = out.attrs["segstat_locate"]
    assert (s.n, s.placed, s.unplaced) == (4, 1, 3)
    assert s.counts["outside_sweden"] == 1 and s.examples["outside_sweden"] == ["d"]


def test_swapped_wgs84_axes_are_detected():
    lat, lon = 57.7089, 11.9733
    with pytest.raises(InputValueError, match="Swap them: locate\\(data, x='lat', y='lon'"):
        segstat.locate(pd.DataFrame({"lon": [lat], "lat": [lon]}), x="lon", y="lat", crs="EPSG:4326")
    mixed = pd.DataFrame({"lon": [lon, lat], "lat": [lat, lon]})
    with pytest.warns(UnplacedWarning, match="swap x and y"):
        out = segstat.locate(mixed, x="lon", y="lat", crs="EPSG:4326")
    assert out["status"].tolist() == ["placed", "swapped_axes"]


def test_all_outside_sweden_is_an_error_naming_the_crs():
    with pytest.raises(InputValueError, match="outside Sweden.*crs='EPSG:3006'"):
        segstat.locate(pd.DataFrame({"x": [11.97], "y": [57.7]}))


def test_point_in_the_sea_is_unplaced_unless_snapping_is_asked():
    # just west of the coastline polygon of Öckerö (1407): find a point outside but near
    edge = B.polygons[list(B.codes).index("1407A0030")]
    x0, y0, _, _ = shapely.bounds(edge)
    pt = (x0 - 30.0, shapely.get_coordinates(edge)[np.argmin(shapely.get_coordinates(edge)[:, 0]), 1])
    assert not _covering(*pt)
    df = pd.DataFrame({"x": [pt[0]], "y": [pt[1]]})
    with pytest.warns(UnplacedWarning):
        assert segstat.locate(df)["status"].iloc[0] == "outside_coverage"
    dist = shapely.distance(B.polygons, shapely.points(*pt))
    nearest = B.codes[np.argmin(dist)]
    assert dist.min() < 100
    snapped = segstat.locate(df, max_distance=100)
    assert snapped["status"].iloc[0] == "snapped" and snapped["deso"].iloc[0] == nearest
    with pytest.warns(UnplacedWarning):
        assert segstat.locate(df, max_distance=dist.min() / 2)["deso"].isna().all()


def test_regso_level_and_input_not_mutated():
    df = pd.DataFrame({"x": [319_680.6], "y": [6_400_329.5]})
    before = df.copy()
    out = segstat.locate(df, level="regso", boundaries=segstat.boundaries("regso"))
    assert out.columns.tolist() == ["regso", "kommun", "lan", "status"]
    assert out["regso"].iloc[0] == "1480R130"
    pd.testing.assert_frame_equal(df, before)


def test_bad_arguments():
    df = pd.DataFrame({"x": [1.0], "y": [2.0]})
    with pytest.raises(ColumnError, match="x='e'"):
        segstat.locate(df, x="e")
    with pytest.raises(InputTypeError, match="numbers"):
        segstat.locate(pd.DataFrame({"x": ["a"], "y": [1.0]}))
    with pytest.raises(InputValueError, match="crs='EPSG:99999'"):
        segstat.locate(df, crs="EPSG:99999")
    with pytest.raises(InputValueError, match="boundaries are DeSO 2025"):
        segstat.locate(df, level="regso", boundaries=B)
    with pytest.raises(InputValueError, match="chunk_size"):
        segstat.locate(df, chunk_size=0)


def test_empty_input_gives_empty_result():
    out = segstat.locate(pd.DataFrame({"x": [], "y": []}))
    assert len(out) == 0 and out.attrs["segstat_locate"].n == 0


def test_zero_snapping_distance_is_no_snapping_and_threads_are_checked():
    sea = pd.DataFrame({"x": [674_000.0], "y": [6_580_000.0]})  # Stockholm: outside the bundled coverage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        a = segstat.locate(sea, max_distance=0)
        b = segstat.locate(sea)
    pd.testing.assert_frame_equal(a, b)
    assert a["status"].tolist() == ["outside_coverage"]
    with pytest.raises(InputValueError, match=r"n_jobs='4' must be a positive integer"):
        segstat.locate(sea, n_jobs="4")
