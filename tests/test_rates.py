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
    w = segstat.rates(d, events="e", population="n", ci="analytic", interval="wilson", per=1)
    z = stats.norm.ppf(0.975)
    p, n = 0.1, 100
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert w["lower"].iloc[0] == pytest.approx(centre - half) and w["upper"].iloc[0] == pytest.approx(centre + half)
    assert w["lower"].iloc[0] == pytest.approx(0.0552, abs=1e-4)
    cp = segstat.rates(d, events="e", population="n", ci="analytic", interval="exact-binomial", per=1)
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
        segstat.rates(pd.DataFrame({"e": [11], "n": [10]}), events="e", population="n", ci="analytic", interval="wilson")
    with pytest.raises(InputValueError, match="zero"):
        segstat.rates(pd.DataFrame({"e": [0], "n": [0]}), events="e", population="n")
    with pytest.raises(InputValueError, match="missing"):
        segstat.rates(pd.DataFrame({"e": [np.nan], "n": [1]}), events="e", population="n")
    with pytest.raises(ColumnError, match="population='pop'"):
        segstat.rates(d, events="e", population="pop")
    with pytest.raises(InputValueError, match="empty"):
        segstat.rates(d.iloc[:0], events="e", population="n")
    with pytest.raises(InputValueError, match="level"):
        segstat.rates(pd.DataFrame({"e": [1], "n": [1]}), events="e", population="n", confidence_level=95)


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
    pop = segstat.population("kommun", by="age", vintage=2018)
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
        r = segstat.rates(d, events="e", population="n", confidence_level=level)
        assert r["lower"].iloc[0] == pytest.approx(lo, rel=1e-6) and r["upper"].iloc[0] == pytest.approx(hi, rel=1e-6)
    std = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", method="indirect",
                              standard=pd.Series({"young": 0.01, "old": 0.05}), confidence_level=np.float32(0.9))
    assert std.set_index("g").loc["a", "lower"] == pytest.approx(stats.chi2.ppf(0.05, 22) / 2 / 6, rel=1e-6)


@pytest.mark.parametrize("level", [0, 1, 95, np.int64(95), True, "0.95", None, float("nan")])
def test_level_refused_with_the_value_named(level):
    with pytest.raises(InputValueError, match=r"confidence_level=.*between 0 and 1"):
        segstat.rates(pd.DataFrame({"e": [1], "n": [10]}), events="e", population="n", confidence_level=level)


def test_per_must_be_a_positive_number_everywhere():
    d = pd.DataFrame({"e": [1, 2], "n": [10, 20], "g": [1, 2]})
    for per in (0, -1, float("nan"), float("inf"), "1000", None, True, 1e10, 1e300):
        with pytest.raises(InputValueError, match=r"per=.*must be a positive number"):
            segstat.rates(d, events="e", population="n", per=per)
        with pytest.raises(InputValueError, match=r"per=.*must be a positive number"):
            segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g",
                                standard=pd.Series({"young": 1.0, "old": 1.0}), per=per)
        with pytest.raises(InputValueError, match=r"per=.*must be a positive number"):
            segstat.disparity(d, events="e", population="n", subgroup="g", per=per)
    # the largest unit: rates per a billion persons (1e300 overflowed the variances with a RuntimeWarning)
    assert segstat.rates(d, events="e", population="n", per=1e9)["rate"].tolist() == [1e8]  # 3 of 30


def test_weighted_counts_are_refused_where_intervals_count_them():
    w = pd.DataFrame({"g": [1, 2], "e": [10.0, 2.5], "n": [1000.0, 1000.0]}, index=["x", "y"])
    with pytest.raises(InputValueError, match=r"column 'e' has fractional \(weighted\) counts in rows 'y'.*ci=None"):
        segstat.rates(w, events="e", population="n", by="g")
    assert segstat.rates(w, events="e", population="n", by="g", ci=None)["rate"].tolist() == [10.0, 2.5]
    # person-years may be fractional for Poisson rates, but not persons for a binomial interval
    py = pd.DataFrame({"e": [10], "n": [999.5]})
    assert segstat.rates(py, events="e", population="n")["rate"].iloc[0] == pytest.approx(10 / 999.5 * 1000)
    with pytest.raises(InputValueError, match=r"column 'n' has fractional .*interval='wilson' counts persons"):
        segstat.rates(py, events="e", population="n", ci="analytic", interval="wilson")
    d = _two_groups().assign(e=lambda f: f.e * 1.5)
    with pytest.raises(InputValueError, match=r"fractional .*ci=None"):
        segstat.standardize(d, events="e", population="n", strata="age", by="g", standard=pd.Series({"young": 3.0, "old": 1.0}))
    r = segstat.standardize(d, events="e", population="n", strata="age", by="g",
                            standard=pd.Series({"young": 3.0, "old": 1.0}), per=100, ci=None).set_index("g")
    assert r.loc["a", "rate"] == pytest.approx(1.5 * 3.25) and np.isnan(r.loc["a", "lower"])
    assert r.loc["a", "method"] == "direct, no interval"


def test_by_columns_named_like_result_columns_are_refused():
    d = pd.DataFrame({"rate": ["a", "b"], "e": [1, 2], "n": [10, 20]})
    with pytest.raises(ColumnError, match=r"by='rate' has the name of a column of the result"):
        segstat.rates(d, events="e", population="n", by="rate")
    with pytest.raises(ColumnError, match=r"by='method' has the name of a column of the result"):
        segstat.standardize(_two_groups().rename(columns={"g": "method"}), events="e", population="n", strata="age",
                            by="method", standard=pd.Series({"young": 1.0, "old": 1.0}))
    with pytest.raises(InputValueError, match=r"strata='age' is also a by column"):
        segstat.standardize(_two_groups(), events="e", population="n", strata="age", by=["g", "age"])


def test_standard_given_in_other_shapes_and_bad_standards():
    std = {"young": 3.0, "old": 1.0}
    by_dict = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g", standard=std)
    by_series = segstat.standardize(_two_groups(), events="e", population="n", strata="age", by="g",
                                    standard=pd.Series(std))
    pd.testing.assert_frame_equal(by_dict, by_series)
    kw = dict(events="e", population="n", strata="age", by="g")
    with pytest.raises(InputValueError, match=r"non-negative, finite population by stratum.*'old'"):
        segstat.standardize(_two_groups(), **kw, standard=pd.Series({"young": 1.0, "old": np.inf}))
    with pytest.raises(InputValueError, match=r"non-negative, finite rates per person.*'old'"):
        segstat.standardize(_two_groups(), **kw, method="indirect", standard=pd.Series({"young": 0.1, "old": np.inf}))
    with pytest.raises(segstat.errors.InputTypeError, match=r"pd.Series\(values, index=strata\)"):
        segstat.standardize(_two_groups(), **kw, standard=[3.0, 1.0])
    with pytest.raises(segstat.errors.InputTypeError, match=r"set_index\('age'\)\['population'\]"):
        segstat.standardize(_two_groups(), **kw, standard=pd.DataFrame({"age": ["young", "old"], "pop": [3, 1]}))
    with pytest.raises(segstat.errors.InputTypeError, match="must hold numbers"):
        segstat.standardize(_two_groups(), **kw, standard=pd.Series({"young": "many", "old": "few"}))


def test_indirect_refuses_a_population_as_standard_rates_and_events_without_population():
    kw = dict(events="e", population="n", strata="age", by="g", method="indirect")
    with pytest.raises(InputValueError, match=r"standard='sweden2022' is a population.*standard=None"):
        segstat.standardize(_two_groups(), **kw, standard="sweden2022")
    with pytest.warns(segstat.errors.SegstatWarning, match="rates above 1 per person"):
        segstat.standardize(_two_groups(), **kw, standard=pd.Series({"young": 1500.0, "old": 900.0}))
    bad = _two_groups()
    bad.loc[3, "n"] = 0
    with pytest.raises(InputValueError, match=r"events without population in \[\{'g': 'b', 'age': 'old'\}\]"):
        segstat.standardize(bad, **kw)


def test_part_of_the_age_bands_with_a_subset_of_the_standard():
    pop = segstat.population("kommun", by="age", vintage=2018)
    bands = ["25-29 år", "30-34 år", "35-39 år"]
    pop = pop[pop["kommun"].isin(["0180", "1480"]) & pop["age"].isin(bands)].assign(e=lambda d: d["population"] // 50)
    kw = dict(events="e", population="population", strata="age", by="kommun")
    with pytest.raises(InputValueError, match=r"no rows for strata '0-4 år'.*sweden_standard_population\(\)\.loc\["):
        segstat.standardize(pop, **kw)
    std = segstat.sweden_standard_population().loc[bands]
    r = segstat.standardize(pop, **kw, standard=std).set_index("kommun")
    one = pop[pop["kommun"] == "0180"].set_index("age")
    expected = sum(std[b] / std.sum() * one.loc[b, "e"] / one.loc[b, "population"] for b in bands) * 1000
    assert r.loc["0180", "rate"] == pytest.approx(expected, rel=1e-12)
    # a band with no weight in the standard need not be in the data; it still counts in the crude rate
    zero = std.copy()
    zero[bands[0]] = 0.0
    r0 = segstat.standardize(pop[pop["age"] != bands[0]], **kw, standard=zero).set_index("kommun")
    expected0 = sum(std[b] / std[bands[1:]].sum() * one.loc[b, "e"] / one.loc[b, "population"] for b in bands[1:]) * 1000
    assert r0.loc["0180", "rate"] == pytest.approx(expected0, rel=1e-12)


def test_strata_labels_match_in_any_unicode_form():
    import unicodedata

    decomposed = _two_groups().assign(age=lambda f: f.age.map({"young": "0-4 år", "old": "80-år"}))
    decomposed["age"] = [unicodedata.normalize("NFD", a) for a in decomposed["age"]]
    assert decomposed["age"].iloc[0] != "0-4 år"  # looks the same, other bytes
    std = pd.Series({"0-4 år": 3.0, "80-år": 1.0})
    r = segstat.standardize(decomposed, events="e", population="n", strata="age", by="g", standard=std, per=100)
    assert r.set_index("g").loc["a", "rate"] == pytest.approx(3.25)
