"""Dask: locate and tabulate on a LocalCluster give the pandas results, row for row and cell for cell."""

import warnings

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import UnplacedWarning

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       host="127.0.0.1")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def people():
    rng = np.random.default_rng(8)
    b = segstat.boundaries("deso", vintage=2025)
    x0, y0, x1, y1 = b.bounds
    n = 6000
    d = pd.DataFrame({"x": rng.uniform(x0, x1, n), "y": rng.uniform(y0, y1, n),
                      "age": rng.choice(["0-19", "20-64", "65+"], n), "sex": rng.choice(["k", "m"], n),
                      "pid": rng.permutation(100_000)[:n]})
    d.loc[::97, "x"] = np.nan
    d["key"] = segstat.record_keys(d["pid"], seed=99)
    return d


@pytest.mark.slow
def test_locate_on_dask_matches_pandas(client, people):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        expected = segstat.locate(people, vintage=2025)
    ddf = dd.from_pandas(people, npartitions=5)
    got = segstat.locate(ddf, vintage=2025).compute()
    pd.testing.assert_frame_equal(got, expected, check_like=False)
    s = segstat.locate_summary(segstat.locate(ddf, vintage=2025))
    assert s.counts == expected.attrs["segstat_locate"].counts
    assert s.vintage == expected.attrs["segstat_locate"].vintage == 2025 and "DeSO 2025" in repr(s)


@pytest.mark.slow
def test_tabulate_protect_perturb_on_dask_match_pandas(client, people):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnplacedWarning)
        placed = pd.concat([people, segstat.locate(people, vintage=2025)], axis=1)
    placed = placed[placed["regso"].notna()].reset_index(drop=True)
    placed["regso"] = placed["regso"].astype(str)
    t_pd = segstat.tabulate(placed, by=["regso", "age"], vintage=2025, record_key="key")
    t_dd = segstat.tabulate(dd.from_pandas(placed, npartitions=4), by=["regso", "age"], vintage=2025,
                            record_key="key")
    pd.testing.assert_frame_equal(t_dd.cells, t_pd.cells)
    p_pd, p_dd = segstat.protect(t_pd, min_count=5), segstat.protect(t_dd, min_count=5)
    pd.testing.assert_frame_equal(p_dd.to_frame(), p_pd.to_frame())
    assert (segstat.perturb(t_dd).values == segstat.perturb(t_pd).values).all()


def test_measures_accept_a_dask_aggregation(people):
    ddf = dd.from_pandas(people.assign(foreign=(people["pid"] % 3 == 0).astype(int), one=1), npartitions=3)
    agg = ddf.groupby("age")[["foreign", "one"]].sum().reset_index()
    r = segstat.rates(agg, events="foreign", population="one", by="age")
    local = people.assign(foreign=(people["pid"] % 3 == 0).astype(int), one=1).groupby("age")[["foreign", "one"]].sum()
    assert r["events"].tolist() == local["foreign"].tolist()


def test_locate_on_dask_checks_its_arguments_before_building_the_graph():
    from segstat.errors import InputTypeError, InputValueError

    pts = dd.from_pandas(pd.DataFrame({"x": [319_500.0], "y": [6_399_500.0]}), npartitions=1)
    with pytest.raises(InputValueError, match="boundaries are RegSO 2025 but level='deso'"):
        segstat.locate(pts, boundaries=segstat.boundaries("regso", vintage=2025))
    with pytest.raises(InputValueError, match="max_distance=-5"):
        segstat.locate(pts, max_distance=-5, vintage=2025)
    with pytest.raises(InputTypeError, match="boundaries must come from segstat.boundaries"):
        segstat.locate(pts, boundaries="x", vintage=2025)
    text = dd.from_pandas(pd.DataFrame({"x": ["319500"], "y": ["6399500"]}), npartitions=1)
    with pytest.raises(InputTypeError, match=r"x='x' must hold numbers"):
        segstat.locate(text, vintage=2025)
