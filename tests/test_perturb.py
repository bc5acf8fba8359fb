"""Cell-key perturbation and random rounding."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segstat
from segstat.disclosure.perturb import perturbation_table
from segstat.errors import InputValueError


def _micro(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"regso": rng.choice(["0114R001", "0114R002", "0114R003"], n, p=[0.6, 0.39, 0.01]),
                      "age": rng.choice(["0-19", "20-64", "65+"], n), "sex": rng.choice(["k", "m"], n),
                      "pid": rng.permutation(10 * n)[:n]})
    d["key"] = segstat.record_keys(d["pid"], seed=2025)
    return d


def test_ptable_closed_form_for_d_equal_one():
    pt = perturbation_table(max_noise=1, noise_variance=0.4)
    row = pt[pt["i"] == 2].set_index("noise")["p"]
    assert row[-1] == pytest.approx(0.2, abs=1e-9) and row[1] == pytest.approx(0.2, abs=1e-9)
    assert row[0] == pytest.approx(0.6, abs=1e-9)


def test_ptable_rows_have_mean_zero_variance_v_and_bounded_support():
    pt = perturbation_table(max_noise=3, noise_variance=2.0)
    for i, g in pt.groupby("i"):
        assert g["p"].sum() == pytest.approx(1.0, abs=1e-12)
        assert (g["p"] * g["noise"]).sum() == pytest.approx(0.0, abs=1e-9)
        assert (g["noise"].abs() <= 3).all() and (i + g["noise"] >= 0).all()
        if i >= 3:
            assert (g["p"] * g["noise"] ** 2).sum() == pytest.approx(2.0, abs=1e-9)
    assert pt[pt["i"] == 0]["noise"].tolist() == [0]


def test_same_cell_same_noise_across_tables_and_zeros_unchanged():
    d = _micro()
    a = segstat.perturb(segstat.tabulate(d, by=["regso", "age"], vintage=2025, record_key="key"))
    b = segstat.perturb(segstat.tabulate(d, by=["regso", "sex"], vintage=2025, record_key="key"))
    fa, fb = a.to_frame(show_noise=True), b.to_frame(show_noise=True)
    ma = fa[fa["age"] == "Total"].set_index("regso")
    mb = fb[fb["sex"] == "Total"].set_index("regso")
    assert (ma["count"] == mb["count"]).all() and (ma["noise"] != 0).any() | (ma["noise"] == 0).all()
    assert (fa.loc[fa["original"] == 0, "count"] == 0).all()
    assert (fa["noise"].abs() <= 2).all() and (fa["count"] >= 0).all()


def test_record_keys_do_not_depend_on_order_or_chunks():
    ids = np.arange(1000) * 7919
    k = segstat.record_keys(ids, seed=11)
    perm = np.random.default_rng(0).permutation(1000)
    assert (segstat.record_keys(ids[perm], seed=11) == k[perm]).all()
    assert (np.concatenate([segstat.record_keys(ids[:400], seed=11), segstat.record_keys(ids[400:], seed=11)]) == k).all()
    assert (segstat.record_keys(ids, seed=12) != k).mean() > 0.99
    from scipy import stats
    assert stats.kstest(k, "uniform").pvalue > 0.001
    s = segstat.record_keys([f"p{i}" for i in range(5)], seed=1)
    assert (s == segstat.record_keys([f"p{i}" for i in range(5)], seed=1)).all()


def test_cell_keys_are_the_sum_of_record_keys_mod_one():
    d = _micro(200)
    t = segstat.tabulate(d, by=["age"], record_key="key")
    c = t.cells.set_index("age")
    for age, g in d.groupby("age"):
        expected = (np.floor(g["key"].to_numpy() * 2**32).astype(np.uint64).sum() % 2**32) / 2**32
        assert c.loc[age, "cell_key"] == expected


def test_random_round_is_unbiased_and_on_the_base():
    t = segstat.tabulate(pd.DataFrame({"g": ["a"] * 7 + ["b"] * 11}), by="g")
    draws = np.array([segstat.random_round(t, base=5, rng=s).values for s in range(4000)])
    assert (draws % 5 == 0).all()
    # E = x; sd of the mean = sqrt(r (b - r)) / sqrt(n)
    for col, x in enumerate([7, 11, 18]):
        r = x % 5
        assert abs(draws[:, col].mean() - x) < 4 * np.sqrt(r * (5 - r)) / np.sqrt(4000) + 1e-12


def test_random_round_with_cell_keys_is_consistent():
    d = _micro()
    r1 = segstat.random_round(segstat.tabulate(d, by=["regso", "age"], vintage=2025, record_key="key"), base=3).to_frame()
    r2 = segstat.random_round(segstat.tabulate(d, by=["regso", "sex"], vintage=2025, record_key="key"), base=3).to_frame()
    a = r1[r1["age"] == "Total"].set_index("regso")["count"]
    b = r2[r2["sex"] == "Total"].set_index("regso")["count"]
    assert (a == b).all()


def test_bad_input():
    t = segstat.tabulate(pd.DataFrame({"g": ["a", "b"]}), by="g")
    with pytest.raises(InputValueError, match="record_key="):
        segstat.perturb(t)
    with pytest.raises(InputValueError, match="variance"):
        perturbation_table(max_noise=2, noise_variance=4.0)
    with pytest.raises(InputValueError, match="max_noise"):
        perturbation_table(max_noise=0)
    with pytest.raises(InputValueError, match="base"):
        segstat.random_round(t, base=1)
    with pytest.raises(InputValueError, match="record_key"):
        segstat.tabulate(pd.DataFrame({"g": ["a"], "k": [1.5]}), by="g", record_key="k")
    with pytest.raises(InputValueError, match="missing"):
        segstat.record_keys([1, None], seed=1)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.floats(0.1, 0.9), st.integers(0, 10_000))
def test_noise_within_bound_for_any_ptable(d, frac, seed):
    var = frac * d * d
    pt = perturbation_table(max_noise=d, noise_variance=var)
    data = _micro(500, seed=seed % 50 + 1)
    p = segstat.perturb(segstat.tabulate(data, by=["age", "sex"], record_key="key"), max_noise=d, noise_variance=var,
                        ptable=pt)
    assert (np.abs(p.noise) <= d).all() and (p.values >= 0).all()
    assert (p.values[p.table.cells["count"].to_numpy() == 0] == 0).all()


def test_ptable_rows_at_their_variance_limit_keep_mean_zero_and_exact_variance():
    # i = 3 with D = 4: noise in -3..4, whose largest mean-0 variance is 3 * 4 = 12 (two-point law on {-3, 4})
    pt = perturbation_table(max_noise=4, noise_variance=12.0)
    for i, row in pt.groupby("i"):
        assert abs((row["p"] * row["noise"]).sum()) < 1e-9
        lo, hi = row["noise"].min(), row["noise"].max()
        assert row["row_variance"].iloc[0] == pytest.approx(min(12.0, -lo * hi), abs=1e-9)
    three = pt[pt["i"] == 3].set_index("noise")["p"]
    assert three[-3] == pytest.approx(4 / 7) and three[4] == pytest.approx(3 / 7)


def test_record_keys_do_not_depend_on_how_the_ids_are_stored():
    ids = [101, 102, 2**40 + 3]
    k = segstat.record_keys(np.array(ids, dtype=np.int64), seed=9)
    # a merge that once added a missing value turns an int column into floats; object columns of ints
    assert np.array_equal(k, segstat.record_keys(np.array(ids, dtype=float), seed=9))
    assert np.array_equal(k, segstat.record_keys(pd.Series(ids, dtype=object), seed=9))
    with pytest.raises(InputValueError, match=r"whole numbers or text; got 1\.5"):
        segstat.record_keys([1.5, 2.0], seed=9)
    with pytest.raises(InputValueError, match=r"1-D"):
        segstat.record_keys(np.zeros((2, 2), dtype=int), seed=9)
    # the same persons tabulated from an int and a float id column publish the same perturbed total
    d = pd.DataFrame({"g": ["a"] * 50, "id": np.arange(50)})
    a = segstat.perturb(segstat.tabulate(d.assign(k=segstat.record_keys(d["id"], seed=3)), by="g", record_key="k"))
    b = segstat.perturb(segstat.tabulate(d.assign(k=segstat.record_keys(d["id"].astype(float), seed=3)), by="g",
                                         record_key="k"))
    assert a.values.tolist() == b.values.tolist()


def test_own_perturbation_tables_are_checked_and_described():
    from segstat.disclosure.perturb import perturbation_table

    d = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 3, "id": range(33)})
    d["key"] = segstat.record_keys(d["id"], seed=7)
    t = segstat.tabulate(d, by="g", record_key="key")
    own = perturbation_table(max_noise=3, noise_variance=2.0)[["i", "noise", "p"]]
    p = segstat.perturb(t, ptable=own)
    assert p.max_noise == 3 and p.noise_variance == pytest.approx(2.0, rel=1e-9)
    assert "±3" in p.method_note("en") and "variance 2" in p.method_note("en")
    zeros = pd.concat([pd.DataFrame({"i": [0, 0], "noise": [0, 1], "p": [0.5, 0.5]}), own[own["i"] > 0]])
    with pytest.raises(InputValueError, match="perturbs zeros"):
        segstat.perturb(t, ptable=zeros)
    neg = own.copy()
    neg.loc[(neg["i"] == 1) & (neg["noise"] == 0), "noise"] = -2
    with pytest.raises(InputValueError, match="makes counts negative: i = 1"):
        segstat.perturb(t, ptable=neg)
    with pytest.raises(InputValueError, match=r"a row for every i"):
        segstat.perturb(t, ptable=own[own["i"] != 2])
    with pytest.raises(InputValueError, match="columns i, noise and p"):
        segstat.perturb(t, ptable=own.rename(columns={"p": "prob"}))


def test_perturbation_table_rows_are_proper_distributions_and_variance_any_real():
    from segstat.disclosure.perturb import perturbation_table

    pt = perturbation_table(max_noise=5, noise_variance=6.25)
    assert (pt["p"] >= 0).all()
    assert np.allclose(pt.groupby("i")["p"].sum(), 1.0)
    top = pt[pt["i"] == 6]
    assert (top["p"] * top["noise"]).sum() == pytest.approx(0, abs=1e-12)
    assert (top["p"] * top["noise"] ** 2).sum() == pytest.approx(6.25, rel=1e-9)
    assert perturbation_table(max_noise=2, noise_variance=np.float32(1.0)).equals(perturbation_table(max_noise=2, noise_variance=1.0))
    with pytest.raises(InputValueError, match="noise_variance=True"):
        perturbation_table(max_noise=2, noise_variance=True)


def test_record_key_column_out_of_range_names_the_rows():
    d = pd.DataFrame({"g": ["a", "b"], "k": [0.5, 1.5]}, index=["x", "y"])
    with pytest.raises(InputValueError, match=r"rows 'y' hold 1\.5"):
        segstat.tabulate(d, by="g", record_key="k")


def test_perturb_and_random_round_return_the_same_kind_of_thing():
    # both a result object with values, to_frame() of the dimension columns and count, and a method note
    d = pd.DataFrame({"g": ["a"] * 7 + ["b"] * 11, "id": range(18)})
    t = segstat.tabulate(d.assign(key=segstat.record_keys(d["id"], seed=1)), by="g", record_key="key")
    for res in (segstat.perturb(t), segstat.random_round(t, base=5)):
        f = res.to_frame()
        assert list(f.columns) == ["g", "count"] and f["g"].tolist() == ["a", "b", "Total"]
        assert (f["count"].to_numpy() == res.values).all()
        assert res.method_note("sv") and res.method_note("en")
    r = segstat.random_round(t, base=5)
    assert set(r.values[:2]) <= {5, 10, 15} and r.values[2] in (15, 20)  # 7 -> 5|10, 11 -> 10|15, 18 -> 15|20
    assert r.to_frame(show_original=True)["original"].tolist() == [7, 11, 18]
    assert "multiplar av 5" in r.method_note("sv") and "multiples of 5" in r.method_note("en")

