"""Rates and standardisation: published interval values and independent formulas."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import segstat
from segstat.errors import ColumnError, InputValueError


def test_garwood_interval_published_values():
    d = pd.DataFrame({"g": ["a", "b", "c"], "e": [0, 10, 1], "n": [1000, 1000, 1000]})
    r = segstat.rates(d, events="e", population="n", by="g")
    # exact Poisson 95 % limits for 0, 10 and 1 events (standard tables)
    np.testing.assert_allclose(r["upper"], [3.689, 18.39, 5.572], atol=1e-3)
    np.testing.assert_allclose(r["lower"], [0.0, 4.795, 0.0253], atol=1e-3)
    assert r["rate"].tolist() == [0.0, 10.0, 1.0]


def test_wilson_and_clopper_pearson_against_formulas():
    d = pd.DataFrame({"e": [10], "n": [100]})
    w = segstat.rates(d, events="e", population="n", ci="wilson", per=1)
    z = stats.norm.ppf(0.975)
    p, n = 0.1, 100
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert w["lower"].iloc[0] == pytest.approx(centre - half) and w["upper"].iloc[0] == pytest.approx(centre + half)
    assert w["lower"].iloc[0] == pytest.approx(0.0552, abs=1e-4)
    cp = segstat.rates(d, events="e", population="n", ci="exact-binomial", per=1)
    assert cp["lower"].iloc[0] == pytest.approx(0.0490, abs=1e-4)
    assert cp["upper"].iloc[0] == pytest.approx(0.1762, abs=1e-4)


def test_by_sums_before_computing():
    d = pd.DataFrame({"typ": [1, 1, 2], "e": [3, 7, 4], "n": [500, 500, 2000]})
    r = segstat.rates(d, events="e", population="n", by="typ", per=100)
    assert r["events"].tolist() == [10, 4] and r["rate"].tolist() == [1.0, 0.2]
    assert r["method"].iloc[0] == "exact Poisson (Garwood)"


def test_rates_bad_input():
    d = pd.DataFrame({"e": [3, -1], "n": [10, 10]})
    with pytest.raises(InputValueError, match="negative"):
        segstat.rates(d, events="e", population="n")
    with pytest.raises(InputValueError, match="exceeds"):
        segstat.rates(pd.DataFrame({"e": [11], "n": [10]}), events="e", population="n", ci="wilson")
    with pytest.raises(InputValueError, match="zero"):
        segstat.rates(pd.DataFrame({"e": [0], "n": [0]}), events="e", population="n")
    with pytest.raises(InputValueError, match="missing"):
        segstat.rates(pd.DataFrame({"e": [np.nan], "n": [1]}), events="e", population="n")
    with pytest.raises(ColumnError, match="population='pop'"):
        segstat.rates(d, events="e", population="pop")
    with pytest.raises(InputValueError, match="empty"):
        segstat.rates(d.iloc[:0], events="e", population="n")
    with pytest.raises(InputValueError, match="level"):
        segstat.rates(pd.DataFrame({"e": [1], "n": [1]}), events="e", population="n", level=95)


def _two_groups():
    return pd.DataFrame({"g": ["a", "a", "b", "b"], "age": ["young", "old"] * 2,
                         "e": [1, 10, 2, 5], "n": [100, 100, 100, 50]})


def test_direct_standardisation_by_hand():
    std = pd.Series({"young": 3.0, "old": 1.0})
    r = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g",
                            standard=std, per=100).set_index("g")
    # a: 0.75*1/100 + 0.25*10/100 = 0.0325 ; b: 0.75*2/100 + 0.25*5/50 = 0.04
    assert r.loc["a", "rate"] == pytest.approx(3.25) and r.loc["b", "rate"] == pytest.approx(4.0)
    assert r.loc["a", "crude_rate"] == pytest.approx(5.5)


def test_fay_feuer_interval_by_independent_formula():
    std = pd.Series({"young": 3.0, "old": 1.0})
    r = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g",
                            standard=std, per=1).set_index("g")
    w = np.array([0.75 / 100, 0.25 / 100])
    d = np.array([1, 10])
    y, v, wm = (w * d).sum(), (w**2 * d).sum(), w.max()
    lo = v / (2 * y) * stats.chi2.ppf(0.025, 2 * y**2 / v)
    hi = (v + wm**2) / (2 * (y + wm)) * stats.chi2.ppf(0.975, 2 * (y + wm) ** 2 / (v + wm**2))
    assert r.loc["a", "lower"] == pytest.approx(lo, rel=1e-12) and r.loc["a", "upper"] == pytest.approx(hi, rel=1e-12)


def test_indirect_standardisation_by_hand():
    lam = pd.Series({"young": 0.01, "old": 0.05})
    r = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g",
                            standard=lam, method="indirect").set_index("g")
    # a: expected 100*0.01 + 100*0.05 = 6, observed 11 ; b: 1 + 2.5 = 3.5, observed 7
    assert r.loc["a", "expected"] == pytest.approx(6.0) and r.loc["a", "smr"] == pytest.approx(11 / 6)
    assert r.loc["b", "smr"] == pytest.approx(2.0)
    assert r.loc["a", "lower"] == pytest.approx(stats.chi2.ppf(0.025, 22) / 2 / 6)


def test_indirect_with_internal_standard_gives_overall_smr_one():
    r = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", method="indirect")
    assert (r["events"].sum() / r["expected"].sum()) == pytest.approx(1.0)


def test_bundled_swedish_standard():
    s = segstat.sweden_standard_population()
    assert len(s) == 17 and s.sum() == 10_521_556
    pop = segstat.population("kommun", by="age")
    pop = pop[pop["kommun"].isin(["0180", "1480"])].assign(e=lambda d: d["population"] // 100)
    r = segstat.standardize(pop, events="e", population="population", strata="age", by="kommun")
    assert (r["rate"] > 9).all() and (r["rate"] < 10.01).all()  # about 1 % in every band
    assert (r["lower"] < r["rate"]).all() and (r["rate"] < r["upper"]).all()


def test_standardisation_bad_strata():
    std = pd.Series({"young": 1.0})
    with pytest.raises(InputValueError, match="not in the standard"):
        segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", standard=std)
    std = pd.Series({"young": 1.0, "old": 1.0, "middle": 1.0})
    with pytest.raises(InputValueError, match="middle"):
        segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", standard=std)


def test_level_accepts_any_real_number():
    d = pd.DataFrame({"e": [10], "n": [1000]})
    # Garwood limits at 90 %: chi2(0.05; 20)/2 and chi2(0.95; 22)/2 events
    lo, hi = stats.chi2.ppf(0.05, 20) / 2, stats.chi2.ppf(0.95, 22) / 2
    for level in (0.9, np.float32(0.9), np.float64(0.9)):
        r = segstat.rates(d, events="e", population="n", level=level)
        assert r["lower"].iloc[0] == pytest.approx(lo, rel=1e-6) and r["upper"].iloc[0] == pytest.approx(hi, rel=1e-6)
    std = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", method="indirect",
                              standard=pd.Series({"young": 0.01, "old": 0.05}), level=np.float32(0.9))
    assert std.set_index("g").loc["a", "lower"] == pytest.approx(stats.chi2.ppf(0.05, 22) / 2 / 6, rel=1e-6)


@pytest.mark.parametrize("level", [0, 1, 95, np.int64(95), True, "0.95", None, float("nan")])
def test_level_refused_with_the_value_named(level):
    with pytest.raises(InputValueError, match=r"level=.*between 0 and 1"):
        segstat.rates(pd.DataFrame({"e": [1], "n": [10]}), events="e", population="n", level=level)
