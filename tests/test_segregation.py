"""Segregation indices against independent formulas (plain Python loops) on real SCB DeSO data."""

import math

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat._data import load_table
from segstat.errors import ColumnError, InputValueError


def _row(frame):
    """The one row of a result without by= (every measure returns a DataFrame), read by attribute."""
    from types import SimpleNamespace

    assert isinstance(frame, pd.DataFrame) and len(frame) == 1, frame
    return SimpleNamespace(**frame.iloc[0].to_dict())


def _deso_background():
    t = load_table("deso2018_foreignborn")
    d = pd.DataFrame({"deso": t["deso"], "foreign": t["foreign"].astype(int), "swedish": t["swedish"].astype(int),
                      "total": t["total"].astype(int)})
    d["kommun"] = segstat.to_level(d["deso"], "kommun", vintage=2018)
    return d


DESO = _deso_background()


def _has_numba():
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def kernels(request):
    """Every test here runs twice: with segstat's compiled kernels (numba) and with the
    numpy code alone, which must give the same results."""
    from segstat.measures import _compiled

    if request.param == "compiled" and not _has_numba():
        pytest.skip("numba is not installed")
    _compiled.set_enabled(request.param == "compiled")
    yield request.param
    _compiled.set_enabled(True)


# independent reference formulas: different algebra, plain loops
def ref_dissimilarity(x, t):
    X, Y = sum(x), sum(ti - xi for xi, ti in zip(x, t))
    return 0.5 * sum(abs(xi / X - (ti - xi) / Y) for xi, ti in zip(x, t))


def ref_gini(x, t):
    T, X = sum(t), sum(x)
    P = X / T
    p = [xi / ti for xi, ti in zip(x, t)]
    s = 0.0
    for i in range(len(t)):
        for j in range(len(t)):
            s += t[i] * t[j] * abs(p[i] - p[j])
    return s / (2 * T * T * P * (1 - P))


def _h(q):
    return sum(-v * math.log(v) for v in (q, 1 - q) if v > 0)


def ref_entropy(x, t):
    T, P = sum(t), sum(x) / sum(t)
    E = _h(P)
    return sum(ti * (E - _h(xi / ti)) for xi, ti in zip(x, t)) / (E * T)


def ref_isolation(x, t):
    X = sum(x)
    return sum((xi / X) * (xi / ti) for xi, ti in zip(x, t))


def ref_atkinson(x, t, b=0.5):
    T, P = sum(t), sum(x) / sum(t)
    s = sum((1 - xi / ti) ** (1 - b) * (xi / ti) ** b * ti for xi, ti in zip(x, t)) / (P * T)
    return 1 - P / (1 - P) * abs(s) ** (1 / (1 - b))


def ref_multi_entropy(rows):
    tot = [sum(r) for r in rows]
    T = sum(tot)
    m = len(rows[0])
    pm = [sum(r[k] for r in rows) / T for k in range(m)]
    E = -sum(v * math.log(v) for v in pm if v > 0)
    H = 0.0
    for r, ti in zip(rows, tot):
        Ei = -sum((v / ti) * math.log(v / ti) for v in r if v > 0)
        H += ti * (E - Ei)
    return H / (T * E)


def ref_multi_dissimilarity(rows):
    tot = [sum(r) for r in rows]
    T = sum(tot)
    m = len(rows[0])
    pm = [sum(r[k] for r in rows) / T for k in range(m)]
    I = sum(v * (1 - v) for v in pm)
    return sum(ti * abs(r[k] / ti - pm[k]) for r, ti in zip(rows, tot) for k in range(m)) / (2 * T * I)


@pytest.mark.parametrize(("func", "ref"), [
    (segstat.dissimilarity, ref_dissimilarity), (segstat.gini, ref_gini), (segstat.entropy, ref_entropy),
    (segstat.isolation, ref_isolation), (segstat.atkinson, ref_atkinson),
])
def test_indices_match_reference_on_real_deso_data_by_kommun(func, ref):
    sub = DESO[DESO["kommun"].isin(["0180", "1480", "1280", "0114", "2584"])]
    r = func(sub, group="foreign", total="total", by="kommun").set_index("kommun")
    for k, g in sub.groupby("kommun"):
        expected = ref(g["foreign"].tolist(), g["total"].tolist())
        assert r.loc[k, "estimate"] == pytest.approx(expected, abs=1e-12), k


def test_national_dissimilarity_and_exposure_identity():
    d = _row(segstat.dissimilarity(DESO, group="foreign", total="total"))
    assert d.estimate == pytest.approx(ref_dissimilarity(DESO["foreign"].tolist(), DESO["total"].tolist()), abs=1e-12)
    assert d.n_areas == 5984
    iso = _row(segstat.isolation(DESO, group="foreign", total="total")).estimate
    exp = _row(segstat.exposure(DESO, group="foreign", total="total")).estimate
    assert iso + exp == pytest.approx(1.0, abs=1e-12)


def test_multigroup_indices_match_reference_on_real_data():
    sub = DESO[DESO["kommun"] == "1480"]
    rows = sub[["foreign", "swedish"]].values.tolist()
    assert _row(segstat.multigroup_entropy(sub, groups=["foreign", "swedish"])).estimate == pytest.approx(
        ref_multi_entropy(rows), abs=1e-12)
    assert _row(segstat.multigroup_dissimilarity(sub, groups=["foreign", "swedish"])).estimate == pytest.approx(
        ref_multi_dissimilarity(rows), abs=1e-12)
    # with two groups, multigroup D equals the two-group D
    assert _row(segstat.multigroup_dissimilarity(sub, groups=["foreign", "swedish"])).estimate == pytest.approx(
        _row(segstat.dissimilarity(sub, group="foreign", total="total")).estimate, abs=1e-12)


def test_hand_computed_small_example():
    d = pd.DataFrame({"g": [10, 20, 70], "t": [100, 100, 100]})
    # x/X = .1, .2, .7 ; y/Y = .45, .4, .15 -> D = .5 * (.35 + .2 + .55)
    assert _row(segstat.dissimilarity(d, group="g", total="t")).estimate == pytest.approx(0.55)
    # isolation = .1*.1 + .2*.2 + .7*.7 = .54
    assert _row(segstat.isolation(d, group="g", total="t")).estimate == pytest.approx(0.54)


def test_even_distribution_gives_zero_and_complete_separation_one():
    even = pd.DataFrame({"g": [5, 10, 20], "t": [50, 100, 200]})
    for f in (segstat.dissimilarity, segstat.gini, segstat.entropy, segstat.atkinson):
        assert _row(f(even, group="g", total="t")).estimate == pytest.approx(0, abs=1e-12)
    apart = pd.DataFrame({"g": [0, 30, 0], "t": [50, 30, 20]})
    for f in (segstat.dissimilarity, segstat.gini, segstat.entropy):
        assert _row(f(apart, group="g", total="t")).estimate == pytest.approx(1.0)


def test_ojamlikhetsindex_is_100_times_dissimilarity_of_two_quintiles():
    d = pd.DataFrame({"kommun": ["0180"] * 3 + ["1480"] * 2, "q1": [30, 10, 5, 8, 8], "q5": [10, 30, 5, 4, 16]})
    r = segstat.ojamlikhetsindex(d, lowest="q1", highest="q5").set_index("kommun")["estimate"]
    assert r["0180"] == pytest.approx(100 * 0.5 * (abs(30 / 45 - 10 / 45) + abs(10 / 45 - 30 / 45) + 0))
    assert r["1480"] == pytest.approx(100 * 0.5 * (abs(8 / 16 - 4 / 20) + abs(8 / 16 - 16 / 20)))


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate():
    sub = DESO[DESO["kommun"] == "1480"]
    a = _row(segstat.dissimilarity(sub, group="foreign", total="total", ci="bootstrap", n_resamples=199, rng=5))
    b = _row(segstat.dissimilarity(sub, group="foreign", total="total", ci="bootstrap", n_resamples=199, rng=5))
    assert a == b and a.lower < a.estimate < a.upper
    assert a.upper - a.lower < 0.02  # 131 DeSO, ~600,000 persons: a tight interval


def test_permutation_test_p_value_is_plus_one_corrected():
    sub = DESO[DESO["kommun"] == "1480"]
    r = _row(segstat.segregation_test(sub, group="foreign", total="total", n_resamples=99, rng=1))
    assert r.p_value == pytest.approx(1 / 100)  # no null draw reaches the observed D
    assert r.lower < r.upper < r.estimate
    even = pd.DataFrame({"g": [10, 10, 10, 10], "t": [100, 100, 100, 100]})
    assert _row(segstat.segregation_test(even, group="g", total="t", n_resamples=199, rng=2)).p_value > 0.5


def test_by_groups_with_absent_group_are_nan_with_reason():
    d = pd.DataFrame({"k": ["a", "a", "b", "b"], "g": [1, 2, 0, 0], "t": [10, 10, 10, 10]})
    r = segstat.dissimilarity(d, group="g", total="t", by="k").set_index("k")
    assert np.isfinite(r.loc["a", "estimate"]) and np.isnan(r.loc["b", "estimate"])
    assert "absent" in r.loc["b", "method"]


@pytest.mark.parametrize(("frame", "kwargs", "err", "msg"), [
    (pd.DataFrame({"g": [-1, 2], "t": [10, 10]}), {}, InputValueError, "negative"),
    (pd.DataFrame({"g": [11, 2], "t": [10, 10]}), {}, InputValueError, "exceeds"),
    (pd.DataFrame({"g": [np.nan, 2], "t": [10, 10]}), {}, InputValueError, "missing"),
    (pd.DataFrame({"g": [0, 2], "t": [0, 10]}, index=["x", "y"]), {}, InputValueError, "'x'"),
    (pd.DataFrame({"g": [1], "t": [10]}).iloc[:0], {}, InputValueError, "empty"),
    (pd.DataFrame({"g": [1, 2], "t": [10, 10]}), {"total": "n"}, ColumnError, "total='n'"),
    (pd.DataFrame({"g": [1, 2], "t": [10, 10]}), {"ci": "jackknife"}, InputValueError, "ci="),
])
def test_bad_input(frame, kwargs, err, msg):
    args = {"group": "g", "total": "t", **kwargs}
    with pytest.raises(err, match=msg):
        _row(segstat.dissimilarity(frame, **args))


def test_permutation_null_sampler_is_exactly_multivariate_hypergeometric():
    # every allocation of X = 4 group members over areas of 3, 2 and 4 persons, with its exact probability
    # prod C(t_i, y_i) / C(N, X); the sampler's frequencies over 200,000 draws must match within sampling error
    from math import comb
    from itertools import product

    from segstat.measures._resampling import _null_two

    t = np.array([3.0, 2.0, 4.0])
    x = np.array([2.0, 1.0, 1.0])
    draws = _null_two(x, t, 200_000, np.random.default_rng(5)).astype(int)
    assert (draws.sum(axis=1) == 4).all() and (draws <= t).all() and (draws >= 0).all()
    seen = pd.Series([tuple(r) for r in draws]).value_counts(normalize=True)
    for y in product(range(4), range(3), range(5)):
        if sum(y) != 4:
            continue
        exact = comb(3, y[0]) * comb(2, y[1]) * comb(4, y[2]) / comb(9, 4)
        sd = np.sqrt(exact * (1 - exact) / 200_000)
        assert abs(seen.get(y, 0.0) - exact) < 5 * sd + 1e-12, (y, seen.get(y, 0.0), exact)


def test_multigroup_hand_computed_three_groups():
    # two areas of 4 persons, [2, 1, 1] and [1, 2, 1]: P = (3/8, 3/8, 1/4), t_i P = (1.5, 1.5, 1), so
    # sum |c - tP| = 1 per area; I = 2 (3/8)(5/8) + (1/4)(3/4) = 42/64; D = 2 / (2 * 8 * 42/64) = 4/21.
    # Both areas have E_i = 1.5 ln 2 and E = (3/4) ln(8/3) + (1/2) ln 2, so H = 1 - E_i / E.
    d = pd.DataFrame({"a": [2, 1], "b": [1, 2], "c": [1, 1]})
    groups = ["a", "b", "c"]
    assert _row(segstat.multigroup_dissimilarity(d, groups=groups)).estimate == pytest.approx(4 / 21, abs=1e-15)
    H = 1 - 1.5 * math.log(2) / (0.75 * math.log(8 / 3) + 0.5 * math.log(2))
    assert _row(segstat.multigroup_entropy(d, groups=groups)).estimate == pytest.approx(H, abs=1e-15)
    apart = pd.DataFrame({"a": [7, 0, 0], "b": [0, 3, 0], "c": [0, 0, 12]})
    assert _row(segstat.multigroup_dissimilarity(apart, groups=groups)).estimate == pytest.approx(1.0, abs=1e-15)
    assert _row(segstat.multigroup_entropy(apart, groups=groups)).estimate == pytest.approx(1.0, abs=1e-15)


def _four_groups(n=400, seed=3):
    rng = np.random.default_rng(seed)
    c = rng.multinomial(rng.integers(20, 3000, n), rng.dirichlet([0.6, 1, 1.5, 0.4], n))
    c[rng.random(c.shape) < 0.05] = 0  # empty cells: 0 log 0 = 0
    c[c.sum(axis=1) == 0, 0] = 1
    d = pd.DataFrame(c, columns=["g0", "g1", "g2", "g3"])
    d["k"] = rng.choice(["x", "y", "z"], n)
    return d


def test_multigroup_four_groups_match_reference_overall_and_by():
    d = _four_groups()
    groups = ["g0", "g1", "g2", "g3"]
    rows = d[groups].values.tolist()
    assert _row(segstat.multigroup_entropy(d, groups=groups)).estimate == pytest.approx(ref_multi_entropy(rows), abs=1e-12)
    assert _row(segstat.multigroup_dissimilarity(d, groups=groups)).estimate == pytest.approx(
        ref_multi_dissimilarity(rows), abs=1e-12)
    by = segstat.multigroup_entropy(d, groups=groups, by="k").set_index("k")
    for k, g in d.groupby("k"):
        assert by.loc[k, "estimate"] == pytest.approx(ref_multi_entropy(g[groups].values.tolist()), abs=1e-12)
        assert by.loc[k, "n_areas"] == len(g)


@pytest.mark.parametrize("convert", [
    lambda s: s.astype("int32"), lambda s: s.astype("uint16"), lambda s: s.astype(float),
    lambda s: s.astype("Int64"), lambda s: s.astype("float32"),
])
def test_multigroup_same_values_for_any_numeric_dtype(convert):
    d = _four_groups()
    groups = ["g0", "g1", "g2", "g3"]
    other = d.assign(**{g: convert(d[g]) for g in groups})
    other = pd.concat([other[["k"]], other[groups[::-1]]], axis=1)  # columns in other blocks and order
    for f in (segstat.multigroup_entropy, segstat.multigroup_dissimilarity):
        assert _row(f(other, groups=groups)).estimate == pytest.approx(_row(f(d, groups=groups)).estimate, abs=1e-13)
    # a row slice of a frame reads the same rows as a copy of them
    assert _row(segstat.multigroup_entropy(d.iloc[::3], groups=groups)).estimate == pytest.approx(
        ref_multi_entropy(d.iloc[::3][groups].values.tolist()), abs=1e-12)


def test_multigroup_invariant_to_row_order_and_scaling():
    d = _four_groups()
    groups = ["g0", "g1", "g2", "g3"]
    shuffled = d.sample(frac=1, random_state=1)
    scaled = d.assign(**{g: d[g] * 7 for g in groups})
    for f in (segstat.multigroup_entropy, segstat.multigroup_dissimilarity):
        v = _row(f(d, groups=groups)).estimate
        assert _row(f(shuffled, groups=groups)).estimate == pytest.approx(v, abs=1e-13)
        assert _row(f(scaled, groups=groups)).estimate == pytest.approx(v, abs=1e-13)
        assert 0 < v < 1


@pytest.mark.parametrize(("frame", "msg"), [
    (pd.DataFrame({"a": [1, -2], "b": [3, 4]}, index=["p", "q"]), "negative.*'q'"),
    (pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [3, 4]}), "missing"),
    (pd.DataFrame({"a": [1.0, np.inf], "b": [3, 4]}), "infinite"),
    (pd.DataFrame({"a": [0, 1], "b": [0, 4]}, index=["p", "q"]), "'p'.*no persons"),
])
def test_multigroup_bad_input_names_the_rows(frame, msg):
    with pytest.raises(InputValueError, match=msg):
        _row(segstat.multigroup_dissimilarity(frame, groups=["a", "b"]))


def test_multigroup_bad_types_and_group_lists():
    from segstat.errors import InputTypeError

    with pytest.raises(InputTypeError, match="'a' must hold numbers"):
        _row(segstat.multigroup_entropy(pd.DataFrame({"a": [True, False], "b": [3, 4]}), groups=["a", "b"]))
    with pytest.raises(InputValueError, match="at least two"):
        _row(segstat.multigroup_entropy(pd.DataFrame({"a": [1, 2]}), groups=["a"]))
    with pytest.raises(ColumnError, match="groups='c'"):
        _row(segstat.multigroup_entropy(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), groups=["a", "c"]))


def test_multigroup_bootstrap_resampler_keeps_area_totals_and_multinomial_moments():
    from segstat.measures._resampling import _multinomial_rows

    c = np.array([[5.0, 0.0, 30.0], [3.0, 8.0, 0.0], [12.0, 2.0, 10.0]])  # (groups, areas)
    draws = _multinomial_rows(c, 40_000, np.random.default_rng(8))
    assert draws.shape == (40_000, 3, 3)
    assert (draws.sum(axis=1) == c.sum(axis=0)).all()  # every area keeps its total
    t = c.sum(axis=0)
    p = c / t
    se = np.sqrt(t * p * (1 - p) / 40_000)
    assert np.all(np.abs(draws.mean(axis=0) - c) <= 5 * se + 1e-12)
    assert np.allclose(draws.var(axis=0), t * p * (1 - p), rtol=0.05, atol=1e-12)
    assert (draws[:, c == 0] == 0).all()  # an empty cell stays empty


def test_multigroup_bootstrap_interval_reproducible_and_around_the_estimate():
    d = _four_groups()
    groups = ["g0", "g1", "g2", "g3"]
    a = _row(segstat.multigroup_entropy(d, groups=groups, ci="bootstrap", n_resamples=199, rng=4))
    b = _row(segstat.multigroup_entropy(d, groups=groups, ci="bootstrap", n_resamples=199, rng=4))
    assert a == b and a.lower < a.estimate < a.upper and "multinomial" in a.method


def _deso_life_stages():
    t = load_table("deso2018_age")
    bands = [c for c in t.columns if c.endswith("år")]
    first_year = {c: int(c.split("-")[0]) for c in bands}
    wide = pd.DataFrame({"deso": t["deso"]})
    for stage, lo, hi in (("young", 0, 20), ("working", 20, 65), ("old", 65, 200)):
        wide[stage] = t[[c for c in bands if lo <= first_year[c] < hi]].astype(int).sum(axis=1)
    assert (wide[["young", "working", "old"]].sum(axis=1) == t["total"].astype(int)).all()
    wide["kommun"] = segstat.to_level(wide["deso"], "kommun", vintage=2018)
    return wide


def test_multigroup_three_life_stages_on_real_deso_data_by_kommun():
    # the user guide's example: age segregation over DeSO in three life stages, every kommun checked
    # against the plain-loop formulas; the university towns come out on top
    wide = _deso_life_stages()
    groups = ["young", "working", "old"]
    assert len(wide) == 5984
    H = segstat.multigroup_entropy(wide, groups=groups, by="kommun").set_index("kommun")
    D = segstat.multigroup_dissimilarity(wide, groups=groups, by="kommun").set_index("kommun")
    assert len(H) == 290
    for k, g in wide.groupby("kommun"):
        rows = g[groups].values.tolist()
        assert H.loc[k, "estimate"] == pytest.approx(ref_multi_entropy(rows), abs=1e-12), k
        assert D.loc[k, "estimate"] == pytest.approx(ref_multi_dissimilarity(rows), abs=1e-12), k
    assert H["estimate"].nlargest(3).index.tolist() == ["1281", "0380", "2480"]  # Lund, Uppsala, Umeå
    national = _row(segstat.multigroup_entropy(wide, groups=groups)).estimate
    assert national == pytest.approx(ref_multi_entropy(wide[groups].values.tolist()), abs=1e-12)
    assert round(national, 3) == 0.028


def test_multigroup_education_levels_on_real_deso_data():
    # the user guide's example: four levels of highest education (persons 25-64) over DeSO
    edu = segstat.population("deso", by="education", vintage=2018)
    wide = edu.pivot(index="deso", columns="education", values="population")
    wide.columns = wide.columns.astype(str)
    wide = wide.reset_index()
    wide["kommun"] = segstat.to_level(wide["deso"], "kommun", vintage=2018)
    levels = ["förgymnasial", "gymnasial", "eftergymnasial <3 år", "eftergymnasial 3+ år"]
    rows = wide[levels].values.tolist()
    H = _row(segstat.multigroup_entropy(wide, groups=levels)).estimate
    D = _row(segstat.multigroup_dissimilarity(wide, groups=levels)).estimate
    assert H == pytest.approx(ref_multi_entropy(rows), abs=1e-12) and round(H, 3) == 0.057
    assert D == pytest.approx(ref_multi_dissimilarity(rows), abs=1e-12) and round(D, 3) == 0.212
    by = segstat.multigroup_entropy(wide, groups=levels, by="kommun").set_index("kommun")["estimate"]
    assert by.nlargest(4).index.tolist() == ["0380", "1280", "1480", "0180"]  # Uppsala, Malmö, Göteborg, Stockholm
    sthlm = wide[wide["kommun"] == "0180"]
    assert by["0180"] == pytest.approx(ref_multi_entropy(sthlm[levels].values.tolist()), abs=1e-12)


def test_basic_bootstrap_interval_can_lie_below_a_biased_estimate():
    # Stockholm's 544 DeSO, four education levels (user guide): the upward small-area bias of H is larger
    # than the sampling spread, so the basic interval lies wholly below the estimate and the percentile
    # interval (no bias correction) around or above it
    edu = segstat.population("deso", by="education", vintage=2018)
    edu = edu[segstat.to_level(edu["deso"], "kommun", vintage=2018) == "0180"]
    wide = edu.pivot(index="deso", columns="education", values="population")
    wide.columns = wide.columns.astype(str)
    levels = ["förgymnasial", "gymnasial", "eftergymnasial <3 år", "eftergymnasial 3+ år"]
    basic = _row(segstat.multigroup_entropy(wide, groups=levels, ci="bootstrap", rng=1))
    pct = _row(segstat.multigroup_entropy(wide, groups=levels, ci="bootstrap", rng=1, interval="percentile"))
    assert basic.n_areas == 544 and round(basic.estimate, 4) == 0.0480
    assert basic.upper < basic.estimate < pct.upper
    # the two intervals mirror each other around the estimate: basic = 2 * estimate - percentile
    assert basic.lower == pytest.approx(2 * basic.estimate - pct.upper, abs=1e-15)
    assert basic.upper == pytest.approx(2 * basic.estimate - pct.lower, abs=1e-15)
    # the user guide's figures (a numpy with another binomial stream may move them in the 4th decimal)
    assert basic.lower == pytest.approx(0.0460, abs=3e-4) and basic.upper == pytest.approx(0.0475, abs=3e-4)


def test_multigroup_permutation_null_is_the_exact_fixed_margins_table_law():
    # 3 areas of 2, 3 and 2 persons; groups of 3, 2 and 2. Every table y with these margins has probability
    # prod t_i! prod X_m! / (N! prod y_im!) (random allocation of the 7 persons); compare 200,000 draws
    from itertools import product
    from math import factorial, prod

    from segstat.measures._resampling import _null_multi

    t, X = [2, 3, 2], [3, 2, 2]
    c = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])  # (groups, areas), margins X and t
    draws = _null_multi(c, 200_000, np.random.default_rng(11)).astype(int)
    assert (draws.sum(axis=1) == t).all() and (draws.sum(axis=2) == X).all() and (draws >= 0).all()
    seen = pd.Series([tuple(d.ravel()) for d in draws]).value_counts(normalize=True)
    tables = 0
    for first in product(range(4), repeat=3):
        for second in product(range(4), repeat=3):
            y0, y1 = np.array(first), np.array(second)
            y2 = np.array(t) - y0 - y1
            if y0.sum() != X[0] or y1.sum() != X[1] or (y0 > t).any() or (y1 > t).any() or (y2 < 0).any():
                continue
            y = np.stack([y0, y1, y2])
            exact = (prod(factorial(v) for v in t) * prod(factorial(v) for v in X)
                     / (factorial(7) * prod(factorial(int(v)) for v in y.ravel())))
            sd = np.sqrt(exact * (1 - exact) / 200_000)
            assert abs(seen.get(tuple(y.ravel()), 0.0) - exact) < 5 * sd + 1e-12, (y, exact)
            tables += 1
    assert tables == len(seen)  # no table outside the margins was drawn


def test_multigroup_test_with_two_groups_equals_the_two_group_test():
    sub = DESO[DESO["kommun"] == "1480"]
    one = _row(segstat.segregation_test(sub, group="foreign", total="total", n_resamples=199, rng=3))
    two = _row(segstat.segregation_test(sub, groups=["foreign", "swedish"], index="multigroup_dissimilarity",
                                   n_resamples=199, rng=3))
    assert two.estimate == pytest.approx(one.estimate, abs=1e-12)
    assert two.p_value == one.p_value == pytest.approx(1 / 200)
    assert (two.lower, two.upper) == pytest.approx((one.lower, one.upper), abs=1e-12)


def test_multigroup_test_reproducible_any_jobs_and_by():
    d = _four_groups()
    groups = ["g0", "g1", "g2", "g3"]
    a = _row(segstat.segregation_test(d, groups=groups, n_resamples=299, rng=5, n_jobs=1))
    b = _row(segstat.segregation_test(d, groups=groups, n_resamples=299, rng=5, n_jobs=2))
    assert a == b and a.p_value == pytest.approx(1 / 300) and a.upper < a.estimate
    # groups allocated evenly (every area the same composition): the observed H sits inside its null
    even = pd.DataFrame({"a": [20, 40, 60, 80], "b": [10, 20, 30, 40], "c": [5, 10, 15, 20]})
    r = _row(segstat.segregation_test(even, groups=["a", "b", "c"], n_resamples=199, rng=2))
    assert r.estimate == pytest.approx(0, abs=1e-12) and r.p_value == 1.0
    by = segstat.segregation_test(d, groups=groups, by="k", n_resamples=99, rng=1, null="binomial")
    assert list(by["k"]) == ["x", "y", "z"] and (by["p_value"] == 0.01).all()


@pytest.mark.parametrize(("kwargs", "msg"), [
    ({"group": "a", "total": "t", "groups": ["a", "b"]}, "not both"),
    ({"group": "a"}, "give group= and total="),
    ({"groups": ["a", "b"], "index": "gini"}, "index='gini' needs group= and total="),
    ({"group": "a", "total": "t", "index": "multigroup_entropy"}, "needs groups="),
    ({"groups": ["a"]}, "at least two"),
])
def test_segregation_test_argument_errors(kwargs, msg):
    d = pd.DataFrame({"a": [1, 2], "b": [3, 4], "t": [4, 6]})
    with pytest.raises(InputValueError, match=msg):
        _row(segstat.segregation_test(d, **kwargs))


def test_atkinson_permutation_test_uses_b_one_half():
    sub = DESO[DESO["kommun"] == "1480"]
    r = _row(segstat.segregation_test(sub, group="foreign", total="total", index="atkinson", n_resamples=99, rng=2))
    assert r.estimate == pytest.approx(_row(segstat.atkinson(sub, group="foreign", total="total", b=0.5)).estimate, abs=1e-15)
    assert r.p_value == pytest.approx(1 / 100) and 0 < r.lower < r.upper < r.estimate


# ------------------------------------------------------------------ review fixes

def ref_ojamlikhetsindex(a, b):
    A, B = sum(a), sum(b)
    return 100 * 0.5 * sum(abs(ai / A - bi / B) for ai, bi in zip(a, b))


@pytest.mark.parametrize(("q1", "q5", "dtype"), [
    ([20000, 10, 50], [20000, 60, 20], "int16"),   # 20000 + 20000 wraps to -25536 in int16
    ([128, 10, 50], [128, 60, 20], "uint8"),        # 128 + 128 wraps to 0 in uint8
    ([200, 10, 50], [100, 60, 20], "uint8"),        # 200 + 100 wraps to 44 < 200 in uint8
    ([200, 10, 50], [100, 60, 20], "Int16"),
])
def test_ojamlikhetsindex_small_integer_columns_do_not_wrap(q1, q5, dtype):
    d = pd.DataFrame({"kommun": ["k"] * 3, "q1": q1, "q5": q5}).astype({"q1": dtype, "q5": dtype})
    r = segstat.ojamlikhetsindex(d, lowest="q1", highest="q5")
    assert r["estimate"].iloc[0] == pytest.approx(ref_ojamlikhetsindex(q1, q5), abs=1e-12)
    assert r["n_areas"].iloc[0] == 3  # no area lost to a wrapped (zero or negative) sum


def test_ojamlikhetsindex_errors_name_the_users_columns():
    d = pd.DataFrame({"kommun": ["k"] * 3, "q1": [30, 10, 5], "q5": [10, -3, 5]}).astype({"q5": "int16"})
    with pytest.raises(InputValueError, match="column 'q5' has negative counts in rows 1") as e:
        _row(segstat.ojamlikhetsindex(d, lowest="q1", highest="q5"))
    assert "__" not in str(e.value)
    w = pd.DataFrame({"kommun": ["k"] * 3, "q1": [30.5, 10, 5], "q5": [10, 30, 5]})
    with pytest.raises(InputValueError, match="column 'q1' has fractional.*rows 0 .*whole counts") as e:
        _row(segstat.ojamlikhetsindex(w, lowest="q1", highest="q5", ci="bootstrap"))
    assert "__" not in str(e.value)
    with pytest.raises(ColumnError, match="by='lan'"):
        segstat.ojamlikhetsindex(d.assign(q5=[10, 3, 5]), lowest="q1", highest="q5", by="lan")


def test_ojamlikhetsindex_keeps_by_groups_with_nobody_in_either_quintile():
    d = pd.DataFrame({"kommun": ["A", "A", "B", "B", "C", "C"], "q1": [30, 10, 0, 0, 0, 0],
                      "q5": [10, 30, 0, 0, 5, 0]})
    r = segstat.ojamlikhetsindex(d, lowest="q1", highest="q5").set_index("kommun")
    assert list(r.index) == ["A", "B", "C"]
    assert r.loc["A", "estimate"] == pytest.approx(ref_ojamlikhetsindex([30, 10], [10, 30]))  # 50
    assert np.isnan(r.loc["B", "estimate"]) and r.loc["B", "n_areas"] == 0
    assert r.loc["B", "method"] == "undefined: nobody in either quintile"
    assert np.isnan(r.loc["C", "estimate"]) and r.loc["C", "n_areas"] == 1  # the empty area is left out
    assert r.loc["C", "method"] == "undefined: nobody in the lowest quintile"
    # only empty areas: one NaN row with the reason, not "data is empty"
    only_b = segstat.ojamlikhetsindex(d[d["kommun"] == "B"], lowest="q1", highest="q5")
    assert only_b["kommun"].tolist() == ["B"] and np.isnan(only_b["estimate"].iloc[0])
    assert "nobody in either quintile" in only_b["method"].iloc[0]
    national = _row(segstat.ojamlikhetsindex(d[d["kommun"] == "B"], lowest="q1", highest="q5", by=None))
    assert np.isnan(national.estimate) and national.method == "undefined: nobody in either quintile"


def test_ojamlikhetsindex_bootstrap_is_100_times_that_of_dissimilarity_without_empty_areas():
    d = pd.DataFrame({"q1": [30, 10, 0, 5, 8], "q5": [10, 30, 0, 5, 16]}).astype("uint8")
    r = _row(segstat.ojamlikhetsindex(d, lowest="q1", highest="q5", by=None, ci="bootstrap", n_resamples=199, rng=3))
    work = pd.DataFrame({"a": [30, 10, 5, 8], "t": [40, 40, 10, 24]})
    D = _row(segstat.dissimilarity(work, group="a", total="t", ci="bootstrap", n_resamples=199, rng=3))
    assert r.n_areas == 4 and "binomial" in r.method
    assert (r.estimate, r.lower, r.upper) == pytest.approx((100 * D.estimate, 100 * D.lower, 100 * D.upper),
                                                           abs=1e-12)


STRONG = pd.DataFrame({"g": [90, 10, 50, 80, 5], "t": [100] * 5})
EVEN = pd.DataFrame({"g": [10, 10, 10, 10], "t": [100] * 4})


@pytest.mark.parametrize("index", ["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"])
def test_segregation_test_every_index_finds_strong_segregation_and_not_evenness(index):
    # strongly segregated: no random allocation is as extreme, so p is the smallest possible, 1 / (n + 1),
    # also for exposure, which falls (its observed value lies below the whole null) as segregation rises
    strong = _row(segstat.segregation_test(STRONG, group="g", total="t", index=index, n_resamples=199, rng=1))
    assert strong.p_value == pytest.approx(1 / 200)
    if index == "exposure":
        assert strong.estimate < strong.lower and "lower tail" in strong.method
    else:
        assert strong.estimate > strong.upper and "lower tail" not in strong.method
    # every area at the overall share 0.1: the unevenness indices are at their minimum 0 and isolation at P,
    # exposure at its maximum 1 - P = 0.9 (sum x_i^2 / t_i >= X^2 / T), so every allocation is at least as
    # extreme and p = 1
    even = _row(segstat.segregation_test(EVEN, group="g", total="t", index=index, n_resamples=199, rng=2))
    assert even.p_value == 1.0
    if index == "exposure":
        assert even.estimate == pytest.approx(0.9, abs=1e-12)


def test_exposure_p_value_counts_the_lower_tail(monkeypatch):
    import segstat.measures.inference as seg

    seen = []
    real = seg._replicate
    monkeypatch.setattr(seg, "_replicate", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    d = pd.DataFrame({"g": [6, 3, 4, 2, 5], "t": [20, 20, 20, 20, 20]})
    r = _row(segstat.segregation_test(d, group="g", total="t", index="exposure", n_resamples=299, rng=4))
    null = seen[0]
    assert r.estimate == pytest.approx(1 - sum(x * x / 20 for x in [6, 3, 4, 2, 5]) / 20, abs=1e-12)
    assert r.p_value == (1 + int((null <= r.estimate + 1e-12).sum())) / 300
    assert 0.02 < r.p_value < 1  # data mildly uneven: neither tail is empty


WEIGHTED = pd.DataFrame({"g": [0.2, 0.7, 0.1, 0.5], "t": [0.9] * 4}, index=["p", "q", "r", "s"])


@pytest.mark.parametrize("call", [
    lambda d: _row(segstat.dissimilarity(d, group="g", total="t", ci="bootstrap", n_resamples=9, rng=1)),
    lambda d: _row(segstat.isolation(d, group="g", total="t", ci="bootstrap", n_resamples=9, rng=1)),
    lambda d: _row(segstat.atkinson(d, group="g", total="t", ci="bootstrap", n_resamples=9, rng=1, by=None)),
    lambda d: _row(segstat.segregation_test(d, group="g", total="t", n_resamples=9, rng=1)),
    lambda d: _row(segstat.segregation_test(d, group="g", total="t", n_resamples=9, rng=1, null="binomial")),
    lambda d: _row(segstat.multigroup_entropy(d.assign(t=d["t"] - d["g"]), groups=["g", "t"], ci="bootstrap", n_resamples=9)),
    lambda d: _row(segstat.multigroup_dissimilarity(d.assign(t=d["t"] - d["g"]), groups=["g", "t"], ci="bootstrap")),
    lambda d: _row(segstat.segregation_test(d.assign(t=d["t"] - d["g"]), groups=["g", "t"], n_resamples=9)),
    lambda d: _row(segstat.segregation_test(d.assign(t=d["t"] - d["g"]), groups=["g", "t"], n_resamples=9, null="binomial")),
])
def test_resampling_refuses_weighted_counts_naming_column_and_rows(call):
    with pytest.raises(InputValueError, match=r"column 'g' has fractional \(weighted\) counts in rows "
                                              r"'p', 'q', 'r', 's' \(e\.g\. 0\.2\).*whole persons"):
        call(WEIGHTED)


def test_weighted_counts_keep_point_estimates_and_whole_floats_keep_resampling():
    # point estimates of weighted counts: D against the plain-loop formula
    assert _row(segstat.dissimilarity(WEIGHTED, group="g", total="t")).estimate == pytest.approx(
        ref_dissimilarity(WEIGHTED["g"].tolist(), WEIGHTED["t"].tolist()), abs=1e-12)
    # a fractional total alone is named too
    with pytest.raises(InputValueError, match=r"column 't' has fractional.*rows 1 \(e\.g\. 10\.5\)"):
        _row(segstat.gini(pd.DataFrame({"g": [1, 2], "t": [10, 10.5]}), group="g", total="t", ci="bootstrap"))
    # whole numbers stored as floats resample exactly as the integers do
    ints = pd.DataFrame({"g": [3, 5, 0, 7, 2], "t": [10, 10, 8, 9, 12]})
    floats = ints.astype(float)
    for kw in ({"ci": "bootstrap", "n_resamples": 99, "rng": 2},):
        assert _row(segstat.dissimilarity(floats, group="g", total="t", **kw)) == _row(segstat.dissimilarity(
            ints, group="g", total="t", **kw))
    for null in ("permutation", "binomial"):
        assert _row(segstat.segregation_test(floats, group="g", total="t", n_resamples=99, rng=2, null=null)) == \
            _row(segstat.segregation_test(ints, group="g", total="t", n_resamples=99, rng=2, null=null))
    m_int = ints.assign(t=ints["t"] - ints["g"])
    m_float = m_int.astype(float)
    assert _row(segstat.multigroup_entropy(m_float, groups=["g", "t"], ci="bootstrap", n_resamples=99, rng=2)) == \
        _row(segstat.multigroup_entropy(m_int, groups=["g", "t"], ci="bootstrap", n_resamples=99, rng=2))
    assert _row(segstat.segregation_test(m_float, groups=["g", "t"], n_resamples=99, rng=2)) == \
        _row(segstat.segregation_test(m_int, groups=["g", "t"], n_resamples=99, rng=2))


def test_binomial_null_leaves_undefined_replicates_out(monkeypatch):
    # one member in 5 areas of 10: under the binomial null (share 1/50 per person) a replicate draws no member
    # with probability 0.98^50 = 0.364, and D is then 0/0
    import segstat.measures.inference as seg
    from math import comb
    from itertools import product

    seen = []
    real = seg._replicate
    monkeypatch.setattr(seg, "_replicate", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    d = pd.DataFrame({"g": [1, 0, 0, 0, 0], "t": [10] * 5})
    r = _row(segstat.segregation_test(d, group="g", total="t", n_resamples=999, rng=1, null="binomial"))
    obs = 0.5 * ((1 - 9 / 49) + 4 * 10 / 49)  # x/X = (1, 0, 0, 0, 0), y/Y = (9, 10, 10, 10, 10) / 49
    assert r.estimate == pytest.approx(obs, abs=1e-15)
    null = seen[0]
    ok = np.isfinite(null)
    n_undefined = int((~ok).sum())
    assert f"; {n_undefined} of 999 null replicates undefined (no group member drawn, or everyone) and left " \
           f"out" in r.method
    assert r.p_value == (1 + int((null[ok] >= obs - 1e-12).sum())) / (int(ok.sum()) + 1)
    assert (r.lower, r.upper) == tuple(np.quantile(null[ok], [0.025, 0.975]))
    # against the exact law: every one of the 11^5 outcomes, Binomial(10, 1/50) per area
    pmf = [comb(10, k) * 0.02**k * 0.98 ** (10 - k) for k in range(11)]
    p_undefined = p_extreme = 0.0
    for ks in product(range(11), repeat=5):
        pr = math.prod(pmf[k] for k in ks)
        X = sum(ks)
        if X in (0, 50):
            p_undefined += pr
        elif 0.5 * sum(abs(k / X - (10 - k) / (50 - X)) for k in ks) >= obs - 1e-12:
            p_extreme += pr
    cond = p_extreme / (1 - p_undefined)  # about 0.64; counting undefined replicates as less extreme gave 0.41
    assert abs(n_undefined / 999 - p_undefined) < 5 * math.sqrt(p_undefined * (1 - p_undefined) / 999)
    assert abs(r.p_value - cond) < 5 * math.sqrt(cond * (1 - cond) / ok.sum())


def test_all_null_replicates_undefined_gives_nan_with_the_reason():
    d = pd.DataFrame({"g": [1, 0, 0, 0, 0], "t": [10] * 5})
    r = _row(segstat.segregation_test(d, group="g", total="t", n_resamples=3, rng=14, null="binomial"))  # seed: 3 of 3
    assert np.isnan(r.p_value) and np.isnan(r.lower) and np.isnan(r.upper)
    assert r.estimate == pytest.approx(40 / 49)
    assert "3 of 3 null replicates undefined" in r.method and "no p-value" in r.method
    by = segstat.segregation_test(d.assign(k="a"), group="g", total="t", by="k", n_resamples=3, rng=14, null="binomial")
    assert "method" in by.columns and "undefined" in by["method"].iloc[0]


def test_multigroup_binomial_null_keeps_the_observed_area_totals(monkeypatch):
    # groups of 2, 8 and 4 persons in areas of 8 and 6: the expected table's first area sums to
    # 7.9999999999999991, which a truncating cast made 7 persons
    import segstat.measures.inference as seg

    d = pd.DataFrame({"a": [1, 1], "b": [6, 2], "c": [1, 3]})
    expected = np.outer([2, 8, 4], [8, 6]) / 14
    assert (expected.sum(axis=0).astype(np.int64) != [8, 6]).any()  # the example does hit the rounding
    seen = []
    real = seg._multinomial_rows
    monkeypatch.setattr(seg, "_multinomial_rows", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    _row(segstat.segregation_test(d, groups=["a", "b", "c"], null="binomial", n_resamples=999, rng=1))
    draws = np.concatenate(seen)
    assert draws.shape == (999, 3, 2)
    assert (draws.sum(axis=1) == [8, 6]).all()  # every replicate, every area
    # the group totals do vary (only the area totals are kept), around the expected 2, 8, 4
    assert draws.sum(axis=2).mean(axis=0) == pytest.approx([2, 8, 4], abs=0.3)
    # the resampler alone, given the expected table, rounds its sums to whole persons
    alone = real(expected, 2000, np.random.default_rng(3))
    assert (alone.sum(axis=1) == [8, 6]).all()


NEAR_EVEN = pd.DataFrame({"g": [10, 11, 9, 10, 10, 12], "t": [50] * 6})


@pytest.mark.parametrize("func", [segstat.dissimilarity, segstat.gini, segstat.entropy, segstat.atkinson])
def test_basic_interval_is_clipped_at_zero_near_evenness(func):
    # same seed, same replicates: the basic interval is the percentile interval mirrored around the estimate,
    # whose lower end here falls below 0 (the review's example: D from -0.145) and is clipped to 0
    basic = _row(func(NEAR_EVEN, group="g", total="t", ci="bootstrap", rng=1))
    pct = _row(func(NEAR_EVEN, group="g", total="t", ci="bootstrap", rng=1, interval="percentile"))
    assert 2 * basic.estimate - pct.upper < 0
    assert basic.lower == 0.0
    assert basic.upper == pytest.approx(2 * basic.estimate - pct.lower, abs=1e-15)
    assert 0 <= pct.lower <= pct.upper <= 1


def test_basic_interval_is_clipped_at_one_near_complete_separation():
    s = pd.DataFrame({"g": [49, 1, 50, 0], "t": [50] * 4})
    for func in (segstat.dissimilarity, segstat.isolation):
        basic = _row(func(s, group="g", total="t", ci="bootstrap", rng=1))
        pct = _row(func(s, group="g", total="t", ci="bootstrap", rng=1, interval="percentile"))
        assert 2 * basic.estimate - pct.lower > 1
        assert basic.upper == 1.0
        assert basic.lower == pytest.approx(2 * basic.estimate - pct.upper, abs=1e-15)
    m = NEAR_EVEN.assign(o=NEAR_EVEN["t"] - NEAR_EVEN["g"])
    for func in (segstat.multigroup_dissimilarity, segstat.multigroup_entropy):
        basic = _row(func(m, groups=["g", "o"], ci="bootstrap", rng=1))
        pct = _row(func(m, groups=["g", "o"], ci="bootstrap", rng=1, interval="percentile"))
        assert 2 * basic.estimate - pct.upper < 0 and basic.lower == 0.0
        assert basic.upper == pytest.approx(2 * basic.estimate - pct.lower, abs=1e-15)


THREE = pd.DataFrame({"a": [90, 10, 50], "b": [5, 80, 20], "c": [5, 10, 30]})


@pytest.mark.parametrize(("kwargs", "msg"), [
    ({"interval": "percentil"}, "interval='percentil'.*Did you mean 'percentile'"),
    ({"confidence_level": 95}, "confidence_level=95 must be strictly between 0 and 1"),
    ({"confidence_level": 0}, "confidence_level=0 must be"),
    ({"confidence_level": "0.95"}, "confidence_level='0.95' must be"),
    ({"n_resamples": 0}, "n_resamples=0 must be a whole number from 1 to"),
    ({"n_resamples": 99.5}, "n_resamples=99.5 must be a whole number from 1 to"),
    ({"n_resamples": True}, "n_resamples=True must be a whole number from 1 to"),
])
def test_bootstrap_arguments_are_validated_everywhere(kwargs, msg):
    args = {"ci": "bootstrap", "rng": 1, **kwargs}
    for f in (segstat.multigroup_entropy, segstat.multigroup_dissimilarity):
        with pytest.raises(InputValueError, match=msg):
            _row(f(THREE, groups=["a", "b", "c"], **args))
    with pytest.raises(InputValueError, match=msg):
        _row(segstat.dissimilarity(THREE.assign(t=THREE.sum(axis=1)), group="a", total="t", **args))
    if "interval" not in kwargs:
        with pytest.raises(InputValueError, match=msg):
            _row(segstat.ojamlikhetsindex(THREE, lowest="a", highest="b", by=None, **args))


def test_percentile_multigroup_interval_differs_from_basic():
    # a valid interval is used, not replaced: the two intervals mirror each other around the estimate
    basic = _row(segstat.multigroup_entropy(THREE, groups=["a", "b", "c"], ci="bootstrap", rng=1, n_resamples=99))
    pct = _row(segstat.multigroup_entropy(THREE, groups=["a", "b", "c"], ci="bootstrap", rng=1, n_resamples=99,
                                     interval="percentile"))
    assert pct.method.endswith("percentile)") and basic.method.endswith("basic)")
    assert basic.lower == pytest.approx(2 * basic.estimate - pct.upper, abs=1e-15)
    assert (basic.lower, basic.upper) != (pct.lower, pct.upper)


@pytest.mark.parametrize("call", [
    lambda g: _row(segstat.multigroup_entropy(THREE, groups=g)),
    lambda g: _row(segstat.multigroup_dissimilarity(THREE, groups=g)),
    lambda g: _row(segstat.segregation_test(THREE, groups=g, n_resamples=9)),
])
def test_repeated_group_names_are_refused(call):
    with pytest.raises(InputValueError, match="groups names column 'a' more than once"):
        call(["a", "b", "a"])
    # each group once: the plain-loop value (a repeated 'a' used to count its members twice)
    assert _row(segstat.multigroup_entropy(THREE, groups=["a", "b"])).estimate == pytest.approx(
        ref_multi_entropy(THREE[["a", "b"]].values.tolist()), abs=1e-12)


def test_bootstrap_method_says_what_is_redrawn():
    one = _row(segstat.dissimilarity(NEAR_EVEN, group="g", total="t", ci="bootstrap", n_resamples=19, rng=1))
    assert one.method == "bootstrap (19 binomial redraws of every area's group count, area totals kept, basic)"
    multi = _row(segstat.multigroup_entropy(THREE, groups=["a", "b", "c"], ci="bootstrap", n_resamples=19, rng=1))
    assert multi.method == ("bootstrap (19 multinomial redraws of every area's composition, area totals kept, "
                            "basic)")


def test_duplicate_column_names_are_refused_by_name():
    from segstat.errors import ColumnError

    d = pd.DataFrame([[10, 100, 5], [20, 100, 6], [70, 100, 7]], columns=["g", "t", "g"])
    with pytest.raises(ColumnError, match="2 columns named 'g'"):
        _row(segstat.dissimilarity(d, group="g", total="t"))
    with pytest.raises(ColumnError, match="2 columns named 'b'"):
        _row(segstat.multigroup_entropy(d.set_axis(["a", "b", "b"], axis=1), groups=["a", "b"]))
    with pytest.raises(ColumnError, match="events='g'"):
        segstat.rates(d, events="g", population="t")


def test_xlogx_table_equals_the_logarithm_bit_for_bit(monkeypatch):
    from segstat.measures import _kernels as seg

    monkeypatch.setattr(seg, "_xlogx_table", np.zeros(1))
    rng = np.random.default_rng(4)
    small = rng.integers(0, 50, size=(3, 40))
    big = np.array([[0, 1, 2, 70_000, 1 << 18]])  # beyond any table built so far: the table grows
    for c in (small, big):
        assert np.array_equal(seg._xlogx_whole(c), seg._xlogx(c.astype(float)))
    assert len(seg._xlogx_table) == 1 << 19
    # counts above the limit take the logarithm, same values, and the table is left as it was
    monkeypatch.setattr(seg, "_XLOGX_LIMIT", 1 << 10)
    huge = np.array([5, 3_000_000])
    assert np.array_equal(seg._xlogx_whole(huge), seg._xlogx(huge.astype(float)))
    assert len(seg._xlogx_table) == 1 << 19


def test_multigroup_entropy_with_large_integer_counts_matches_reference():
    # counts in the millions (a national table by kommun): the integer path and the float path agree with
    # the reference formula
    d = pd.DataFrame({"a": [2_500_000, 10, 400_000], "b": [1_000_000, 3_000_000, 7]})
    ref = ref_multi_entropy(d.values.tolist())
    assert _row(segstat.multigroup_entropy(d, groups=["a", "b"])).estimate == pytest.approx(ref, abs=1e-12)
    assert _row(segstat.multigroup_entropy(d.astype(float), groups=["a", "b"])).estimate == pytest.approx(ref, abs=1e-12)


def _decimal_multigroup(rows):
    """Theil H and multigroup D from the textbook formulas in 40-digit decimal arithmetic."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        rows = [[Decimal(int(v)) for v in r] for r in rows]
        t = [sum(r) for r in rows]
        g = [sum(col) for col in zip(*rows)]
        T = sum(t)
        P = [x / T for x in g]
        E = -sum(p * p.ln() for p in P if p > 0)
        Ei = [-sum(x / ti * (x / ti).ln() for x in r if x > 0) for r, ti in zip(rows, t)]
        H = sum(ti * (E - e) for ti, e in zip(t, Ei)) / (T * E)
        I = sum(p * (1 - p) for p in P)
        D = sum(abs(x - ti * p) for r, ti in zip(rows, t) for x, p in zip(r, P)) / (2 * T * I)
        return float(H), float(D)


@pytest.mark.parametrize("rows", [
    [[10**12, 1, 0]],                      # one area: no segregation, whatever the sizes
    [[330_000_000_000, 0], [0, 1]],        # one person apart from 3.3e11 others: complete separation
    "three persons among millions",
    "a nearly universal group",
])
def test_multigroup_indices_keep_their_precision_when_one_group_is_nearly_everyone(rows):
    rng = np.random.default_rng(2)
    if rows == "three persons among millions":
        rows = rng.integers(1000, 5000, size=(3000, 2))
        rows[:, 1] = 0
        rows[[5, 77, 1000], 1] = 1
    elif rows == "a nearly universal group":
        rows = rng.integers(0, 3, size=(400, 3))
        rows[:, 0] = rng.integers(10**6, 10**7, size=400)
    rows = np.asarray(rows).tolist()
    H, D = _decimal_multigroup(rows)
    d = pd.DataFrame(rows, columns=[f"g{i}" for i in range(len(rows[0]))])
    groups = list(d.columns)
    for frame in (d, d.astype(float)):
        # the cancelling sums lost up to 6e-5 here (H of one area came out negative)
        assert _row(segstat.multigroup_entropy(frame, groups=groups)).estimate == pytest.approx(H, abs=1e-13)
        assert _row(segstat.multigroup_dissimilarity(frame, groups=groups)).estimate == pytest.approx(D, abs=1e-13)


def test_xlogx_table_never_shrinks_when_threads_grow_it(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from segstat.measures import _kernels as seg

    monkeypatch.setattr(seg, "_xlogx_table", np.zeros(1))
    tops = [int(v) for v in np.random.default_rng(3).integers(1, 200_000, size=64)]

    def grow(top):
        c = np.array([0, 1, top])
        assert np.array_equal(seg._xlogx_whole(c), seg._xlogx(c.astype(float)))
        return len(seg._xlogx_table)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(grow, tops))
    assert len(seg._xlogx_table) > max(tops)


# ------------------------------------------------------------------ compiled kernels and the numpy code

@pytest.mark.skipif(not _has_numba(), reason="numba is not installed")
def test_compiled_and_numpy_nulls_draw_the_same_tables():
    from segstat.measures import _compiled
    from segstat.measures._resampling import _null_multi, _null_two

    x, t = DESO["foreign"].to_numpy(float), DESO["total"].to_numpy(float)
    c = np.stack([DESO["foreign"].to_numpy(float), DESO["swedish"].to_numpy(float),
                  (DESO["total"] - DESO["foreign"] - DESO["swedish"]).to_numpy(float)])
    out = {}
    for enabled in (True, False):
        _compiled.set_enabled(enabled)
        assert (_compiled.kernels() is not None) == enabled
        out[enabled] = (_null_two(x, t, 300, np.random.default_rng(3)), _null_multi(c, 100, np.random.default_rng(4)),
                        _row(segstat.segregation_test(DESO, group="foreign", total="total", n_resamples=99, rng=8)))
    two, multi, test = out[True]
    assert np.array_equal(two, out[False][0]) and np.array_equal(multi, out[False][1])
    assert (two.sum(axis=1) == x.sum()).all() and (multi.sum(axis=2) == c.sum(axis=1)).all()
    assert (multi.sum(axis=1) == t).all() and (two <= t).all() and (multi >= 0).all()
    assert test.p_value == out[False][2].p_value and test.lower == out[False][2].lower


def test_correction_whose_random_words_run_out_draws_more():
    # a row of 50 members, all 50 to be taken out: every person must be found, which takes far more words
    # than the spare ones (about 225 on average against 216), so most runs take the extension path
    from segstat.measures._resampling import _correct_to_total

    capacity = np.full(10, 5, dtype=np.int64)
    for seed in range(20):
        draws = np.vstack([capacity, capacity - 1, np.array([5, 0, 0, 0, 0, 0, 0, 0, 0, 1])])  # sums 50, 40, 6
        out = _correct_to_total(draws, capacity, 0, np.random.default_rng(seed))
        assert (out == 0).all()
    # put in: rows below X get members among their non-members, never beyond capacity
    draws = np.zeros((3, 10), dtype=np.int64)
    out = _correct_to_total(draws, capacity, 48, np.random.default_rng(1))
    assert (out.sum(axis=1) == 48).all() and (out <= capacity).all() and (out >= 0).all()


def test_correction_of_pools_beyond_32_bit_words():
    # billions of persons: the 32-bit words cannot name them all, so the 64-bit fallback runs
    from segstat.measures._resampling import _correct_to_total

    capacity = np.array([3_000_000_000, 2_500_000_000, 1_000], dtype=np.int64)
    gen = np.random.default_rng(2)
    draws = gen.binomial(capacity, 0.4, size=(4, 3))
    X = int(0.4 * capacity.sum())
    out = _correct_to_total(draws, capacity, X, gen)
    assert (out.sum(axis=1) == X).all() and (out <= capacity).all() and (out >= 0).all()


@pytest.mark.skipif(not _has_numba(), reason="numba is not installed")
def test_compiled_multigroup_agrees_with_numpy_kernels():
    from segstat.measures import _compiled
    from segstat.measures._kernels import _k_multi_dissimilarity, _k_multi_entropy
    from segstat.measures.multigroup import _multi_compiled

    wide = segstat.population("deso", by="education", vintage=2018).pivot(index="deso", columns="education", values="population")
    wide = wide.astype("int64")
    wide.columns = groups = [str(c) for c in wide.columns]
    _compiled.set_enabled(True)
    _row(segstat.multigroup_entropy(wide, groups=groups))  # grows the table of k ln k to the largest count
    fast = {k: _multi_compiled(k, wide, groups) for k in (_k_multi_entropy, _k_multi_dissimilarity)}
    assert None not in fast.values()  # the compiled path ran
    _compiled.set_enabled(False)
    assert fast[_k_multi_entropy] == pytest.approx(_row(segstat.multigroup_entropy(wide, groups=groups)).estimate,
                                                    rel=1e-13, abs=0)
    assert fast[_k_multi_dissimilarity] == pytest.approx(
        _row(segstat.multigroup_dissimilarity(wide, groups=groups)).estimate, rel=1e-13, abs=0)


def test_multigroup_point_estimate_checks_rng():
    d = pd.DataFrame({"a": [3, 1], "b": [1, 3]})
    with pytest.raises(Exception, match="rng"):
        _row(segstat.multigroup_entropy(d, groups=["a", "b"], rng="seven"))


def test_compiled_kernels_that_cannot_load_leave_segstat_on_numpy(monkeypatch):
    # numba installed but unusable (for example no writable cache directory): one warning, numpy results
    from segstat.errors import SegstatWarning
    from segstat.measures import _compiled

    def broken():
        raise RuntimeError("cannot cache function 'correct_rows': no locator available")

    monkeypatch.setattr(_compiled, "_load", broken)
    _compiled.set_enabled(True)
    d = pd.DataFrame({"a": [3, 1, 5], "b": [1, 3, 2]})
    with pytest.warns(SegstatWarning, match="could not be loaded.*RuntimeError.*numpy code"):
        H = _row(segstat.multigroup_entropy(d, groups=["a", "b"])).estimate
    assert _compiled.kernels() is None
    _compiled.set_enabled(False)
    assert H == _row(segstat.multigroup_entropy(d, groups=["a", "b"])).estimate


def test_multigroup_counts_beyond_exact_integer_sums():
    # counts near 2^62: their int64 sums would wrap around; the indices are computed in floats instead
    d = pd.DataFrame({"a": [2**62, 2**62, 1], "b": [2**62, 1, 2**62]})
    # N = 2^62: shares (1/2, 1/2), (1, 0), (0, 1) with totals 2N, N, N; P = (1/2, 1/2), T = 4N, I = 1/2.
    # D = sum_im |c_im - t_i P_m| / (2 T I) = (0 + N + N) / (4N) = 1/2; H = 1 - sum_i t_i E_i / (T E) with
    # E = E_1 = ln 2, E_2 = E_3 = 0 (up to one person in 2^62): 1 - 2N ln 2 / (4N ln 2) = 1/2
    assert _row(segstat.multigroup_dissimilarity(d, groups=["a", "b"])).estimate == pytest.approx(0.5, abs=1e-12)
    assert _row(segstat.multigroup_entropy(d, groups=["a", "b"])).estimate == pytest.approx(0.5, abs=1e-12)
