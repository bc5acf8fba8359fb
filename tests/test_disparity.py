"""Disparity measures against independent formulas written here (HEAT definitions)."""

import math

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import ColumnError, InputValueError

# five områdestyper; rates per 1000: 40, 33.33, 24, 20, 13.33
E = [600, 400, 600, 700, 200]
N = [15000, 12000, 25000, 35000, 15000]


def _frame(e=E, n=N, ordered=True):
    return pd.DataFrame({"typ": pd.Categorical([1, 2, 3, 4, 5], ordered=ordered), "e": e, "n": n})


def _reference_values(e=E, n=N):
    y = [1000 * a / b for a, b in zip(e, n)]
    tot = sum(n)
    p = [b / tot for b in n]
    mu = sum(pi * yi for pi, yi in zip(p, y))
    X, cum = [], 0.0
    for pi in p:
        X.append(cum + pi / 2)
        cum += pi
    # weighted least squares by hand: slope = cov_w / var_w
    xm = sum(pi * xi for pi, xi in zip(p, X))
    slope = sum(pi * (xi - xm) * yi for pi, xi, yi in zip(p, X, y)) / sum(pi * (xi - xm) ** 2 for pi, xi in zip(p, X))
    v0 = mu - slope * xm
    v1 = v0 + slope
    aci = sum(pi * (2 * xi - 1) * yi for pi, xi, yi in zip(p, X, y))
    return {
        "D": y[4] - y[0], "R": y[4] / y[0], "PAR": y[4] - mu, "PAF": 100 * (y[4] - mu) / mu,
        "BGV": sum(pi * (yi - mu) ** 2 for pi, yi in zip(p, y)),
        "MDM": sum(pi * abs(yi - mu) for pi, yi in zip(p, y)),
        "MDB": sum(pi * abs(yi - min(y)) for pi, yi in zip(p, y)),
        "IDis": 100 * sum(abs(yi - mu) for yi in y) / len(y) / mu,
        "TI": 1000 * sum(pi * (yi / mu) * math.log(yi / mu) for pi, yi in zip(p, y)),
        "MLD": 1000 * sum(pi * -math.log(yi / mu) for pi, yi in zip(p, y)),
        "ACI": aci, "RCI": 100 * aci / mu, "SII": v1 - v0, "RII": v1 / v0,
    }


def test_every_measure_matches_the_independent_formula():
    r = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", ci=None).set_index("measure")
    ref = _reference_values()
    for name, value in ref.items():
        assert r.loc[name, "estimate"] == pytest.approx(value, rel=1e-12, abs=1e-12), name


def test_hand_computed_small_example():
    d = pd.DataFrame({"g": pd.Categorical(["low", "high"], categories=["low", "high"], ordered=True),
                      "e": [30, 10], "n": [1000, 1000]})
    r = segstat.disparity(d, events="e", population="n", subgroup="g", ci=None).set_index("measure")["estimate"]
    # y = 30, 10 ; mu = 20 ; X = .25, .75
    assert r["D"] == pytest.approx(-20) and r["R"] == pytest.approx(1 / 3)
    assert r["PAR"] == pytest.approx(-10) and r["PAF"] == pytest.approx(-50)
    assert r["BGV"] == pytest.approx(100) and r["ACI"] == pytest.approx(0.5 * -0.5 * 30 + 0.5 * 0.5 * 10)
    assert r["SII"] == pytest.approx(-40)  # line through (0.25, 30) and (0.75, 10)
    assert r["RII"] == pytest.approx(0.0)  # fitted value at rank 1 is 0 (40 - 40)


def test_reference_group_and_explicit_order():
    d = _frame(ordered=False)
    r = segstat.disparity(d, events="e", population="n", subgroup="typ", order=[1, 2, 3, 4, 5], reference=3,
                          measures=["D", "R"], ci=None).set_index("measure")
    assert r.loc["D", "estimate"] == pytest.approx(24 - 40) and r.loc["D", "comparison"] == "3 vs 1"


def test_non_ordered_groups_compare_extremes_and_skip_ordered_measures():
    d = pd.DataFrame({"lan": ["01", "14", "12"], "e": [10, 30, 20], "n": [1000, 1000, 1000]})
    r = segstat.disparity(d, events="e", population="n", subgroup="lan", ci=None).set_index("measure")
    assert r.loc["D", "estimate"] == pytest.approx(20) and r.loc["R", "estimate"] == pytest.approx(3)
    assert np.isnan(r.loc["SII", "estimate"]) and "ordered" in r.loc["SII", "note"]


def test_equal_rates_give_no_inequality():
    d = _frame(e=[15, 12, 25, 35, 15])
    r = segstat.disparity(d, events="e", population="n", subgroup="typ", ci=None).set_index("measure")["estimate"]
    for name in ("D", "PAR", "PAF", "BGV", "TI", "MLD", "ACI", "RCI", "SII", "IDis", "MDB", "MDM"):
        assert r[name] == pytest.approx(0, abs=1e-9), name
    assert r["R"] == pytest.approx(1) and r["RII"] == pytest.approx(1)


def test_zero_rate_makes_log_measures_undefined_not_replaced():
    d = _frame(e=[600, 400, 600, 700, 0])
    r = segstat.disparity(d, events="e", population="n", subgroup="typ").set_index("measure")
    assert np.isnan(r.loc["MLD", "estimate"]) and "zero rate in group(s) 5" in r.loc["MLD", "note"]
    assert r.loc["R", "estimate"] == 0.0  # y_A = 0 is defined: ratio 0
    assert np.isfinite(r.loc["TI", "estimate"])  # 0 ln 0 = 0


def test_intervals_contain_estimate_and_simulation_is_reproducible():
    a = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", rng=7)
    assert (a["lower"] <= a["estimate"]).all() and (a["estimate"] <= a["upper"]).all()
    b = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", rng=7)
    pd.testing.assert_frame_equal(a, b)
    s = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", ci="simulation", rng=1,
                          measures=["D"]).iloc[0]
    an = a.set_index("measure").loc["D"]
    assert s["lower"] == pytest.approx(an["lower"], rel=0.05) and s["upper"] == pytest.approx(an["upper"], rel=0.05)


def test_analytic_interval_of_d_by_hand():
    r = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", measures=["D", "R"]).set_index("measure")
    var = 1000 * 40 / 15000 + 1000 * (1000 * 200 / 15000) / 15000
    assert r.loc["D", "upper"] - r.loc["D", "estimate"] == pytest.approx(1.959964 * math.sqrt(var), rel=1e-5)
    se_log_r = math.sqrt(1 / 600 + 1 / 200)
    assert r.loc["R", "upper"] / r.loc["R", "estimate"] == pytest.approx(math.exp(1.959964 * se_log_r), rel=1e-5)


def test_row_order_and_scaling_do_not_change_estimates():
    base = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", ci=None)
    shuffled = _frame().sample(frac=1, random_state=3)
    again = segstat.disparity(shuffled, events="e", population="n", subgroup="typ", ci=None)
    pd.testing.assert_series_equal(base["estimate"], again["estimate"])
    scaled = _frame().assign(e=lambda d: d["e"] * 3, n=lambda d: d["n"] * 3)
    np.testing.assert_allclose(segstat.disparity(scaled, events="e", population="n", subgroup="typ",
                                                 ci=None)["estimate"], base["estimate"], rtol=1e-12)


@pytest.mark.parametrize(("kwargs", "frame", "err", "msg"), [
    ({}, _frame(e=[-1, 400, 600, 700, 200]), InputValueError, "negative"),
    ({}, _frame(n=[0, 12000, 25000, 35000, 15000]), InputValueError, "population is zero"),
    ({"measures": ["Gini"]}, _frame(), InputValueError, "unknown measure"),
    ({"reference": 9}, _frame(), InputValueError, "reference=9"),
    ({"order": [1, 2, 3, 4]}, _frame(), InputValueError, "missing from order"),
    ({"subgroup": "kommun"}, _frame(), ColumnError, "subgroup='kommun'"),
    ({}, _frame().iloc[:1], InputValueError, "at least two"),
    ({}, _frame().iloc[:0], InputValueError, "empty"),
])
def test_bad_input(kwargs, frame, err, msg):
    args = {"events": "e", "population": "n", "subgroup": "typ", **kwargs}
    with pytest.raises(err, match=msg):
        segstat.disparity(frame, **args)


@pytest.mark.slow
def test_interval_coverage_small_simulation():
    rng = np.random.default_rng(2026)
    n = np.array([15000, 12000, 25000, 35000, 15000])
    lam = np.array([40, 33, 24, 20, 13]) / 1000
    truth = _reference_values(e=list(lam * n), n=list(n))
    hits = {"D": 0, "R": 0, "SII": 0}
    reps = 300
    for _ in range(reps):
        e = rng.poisson(lam * n)
        r = segstat.disparity(_frame(e=list(e), n=list(n)), events="e", population="n", subgroup="typ",
                              measures=["D", "R", "SII"]).set_index("measure")
        for m in hits:
            hits[m] += r.loc[m, "lower"] <= truth[m] <= r.loc[m, "upper"]
    for m, h in hits.items():
        assert 0.91 <= h / reps <= 0.99, (m, h / reps)


def test_rii_undefined_when_fitted_line_goes_negative():
    # five equal groups, rates 40, 30, 20, 10, 0 most disadvantaged first: ridits .1 ... .9, the weighted line
    # is 45 - 50 X, so the fitted rate at rank 1 is -5 and a ratio of fitted rates means nothing
    d = pd.DataFrame({"typ": [1, 2, 3, 4, 5], "e": [40, 30, 20, 10, 0], "n": [1000] * 5})
    r = segstat.disparity(d, events="e", population="n", subgroup="typ", order=[1, 2, 3, 4, 5]).set_index("measure")
    assert r.loc["SII", "estimate"] == pytest.approx(-50)
    assert np.isnan(r.loc["RII", "estimate"]) and "fitted line" in r.loc["RII", "note"]
    # R = 0 / 40 is defined, its log-scale interval is not, and the note says why
    assert r.loc["R", "estimate"] == 0.0 and np.isnan(r.loc["R", "lower"])
    assert "no interval" in r.loc["R", "note"] and "5" in r.loc["R", "note"]
    # intervals that treat the zero-event group as known say so
    assert "zero events in group(s) 5" in r.loc["D", "note"]
    assert r.loc["D", "upper"] - r.loc["D", "lower"] == pytest.approx(2 * 1.959963984540054 * np.sqrt(40), rel=1e-6)


def test_no_zero_event_note_when_every_group_has_events():
    r = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", rng=1)
    assert (r["note"] == "").all()


def _ridits(n):
    p = np.asarray(n, float) / np.sum(n)
    return np.cumsum(p) - p / 2


def test_logistic_and_poisson_sii_rii_two_groups_by_hand():
    # two groups: both models are saturated and pass through the observed rates at the two ridits
    # (X = 0.2 and 0.7 for populations 400 and 600); extend the line in logit or log to ranks 0 and 1
    d = pd.DataFrame({"g": [1, 2], "e": [80, 60], "n": [400, 600]})
    X1, X2 = 0.2, 0.7
    logit = lambda q: np.log(q / (1 - q))  # noqa: E731
    expit = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    b = (logit(0.1) - logit(0.2)) / (X2 - X1)
    a = logit(0.2) - b * X1
    r = segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], regression="logistic",
                          ci=None).set_index("measure")["estimate"]
    assert r["SII"] == pytest.approx(1000 * (expit(a + b) - expit(a)), rel=1e-10)
    assert r["RII"] == pytest.approx(expit(a + b) / expit(a), rel=1e-10)
    b = (np.log(100) - np.log(200)) / (X2 - X1)
    a = np.log(200) - b * X1
    r = segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], regression="poisson",
                          ci=None).set_index("measure")["estimate"]
    assert r["SII"] == pytest.approx(np.exp(a + b) - np.exp(a), rel=1e-10)
    assert r["RII"] == pytest.approx(np.exp(b), rel=1e-10)


@pytest.mark.parametrize("model", ["logistic", "poisson"])
def test_glm_sii_rii_equal_a_person_level_fit(model):
    # one row per person (or per person-year), fitted by a general-purpose optimiser: the grouped Newton fit
    # must give the same line
    from scipy.optimize import minimize

    e, n = np.array([9, 7, 5, 2]), np.array([40, 50, 60, 30])
    X = _ridits(n)
    x_person = np.repeat(X, n)
    y_person = np.concatenate([np.r_[np.ones(k), np.zeros(m - k)] for k, m in zip(e, n)])

    def nll(theta):
        eta = theta[0] + theta[1] * x_person
        if model == "logistic":
            return -(y_person * eta - np.log1p(np.exp(eta))).sum()
        return -(y_person * eta - np.exp(eta)).sum()  # Poisson with exposure 1 per person

    a, b = minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
    f = (lambda z: 1 / (1 + np.exp(-z))) if model == "logistic" else np.exp
    d = pd.DataFrame({"g": list("abcd"), "e": e, "n": n})
    r = segstat.disparity(d, events="e", population="n", subgroup="g", order=list("abcd"), regression=model,
                          ci=None, per=1).set_index("measure")
    assert r.loc["SII", "estimate"] == pytest.approx(f(a + b) - f(a), rel=1e-6)
    assert r.loc["RII", "estimate"] == pytest.approx(f(a + b) / f(a), rel=1e-6)
    assert model in r.loc["SII", "method"]


def test_glm_rii_stays_positive_where_the_linear_one_is_undefined():
    d = pd.DataFrame({"typ": [1, 2, 3, 4, 5], "e": [40, 30, 20, 10, 1], "n": [1000] * 5})
    lin = segstat.disparity(d, events="e", population="n", subgroup="typ", order=[1, 2, 3, 4, 5]).set_index("measure")
    assert np.isnan(lin.loc["RII", "estimate"])
    for model in ("logistic", "poisson"):
        r = segstat.disparity(d, events="e", population="n", subgroup="typ", order=[1, 2, 3, 4, 5],
                              regression=model).set_index("measure")
        assert 0 < r.loc["RII", "lower"] < r.loc["RII", "estimate"] < r.loc["RII", "upper"] < 1
        assert r.loc["SII", "estimate"] < 0


def test_glm_bad_input_and_no_finite_fit():
    d = pd.DataFrame({"g": [1, 2], "e": [5, 12], "n": [10, 10]}, index=["x", "y"])
    with pytest.raises(InputValueError, match="rows 'y'.*poisson"):
        segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], regression="logistic")
    with pytest.raises(InputValueError, match="regression="):
        segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], regression="probit")
    # two groups, one with no events: the maximum-likelihood line is infinitely steep
    z = pd.DataFrame({"g": [1, 2], "e": [0, 12], "n": [100, 100]})
    r = segstat.disparity(z, events="e", population="n", subgroup="g", order=[1, 2], regression="poisson",
                          ci=None).set_index("measure")
    assert np.isnan(r.loc["RII", "estimate"]) and "no finite maximum" in r.loc["RII", "note"]


# ---------------------------------------------------------------- review fixes

def _regions():
    # three non-ordered regions, rates per 1000: 10, 30, 60; mu = 100 / 3
    return pd.DataFrame({"region": ["north", "south", "east"], "cases": [10, 30, 60], "pop": [1000, 1000, 1000]})


def test_par_paf_non_ordered_reference_is_the_best_group():
    mu = (10 + 30 + 60) / 3
    adverse = segstat.disparity(_regions(), events="cases", population="pop", subgroup="region",
                                measures=["D", "R", "PAR", "PAF"], ci=None).set_index("measure")
    # adverse outcome (the default): the best group has the LOWEST rate (north, 10)
    assert adverse.loc["PAR", "estimate"] == pytest.approx(10 - mu) == pytest.approx(-23.333333333)
    assert adverse.loc["PAF", "estimate"] == pytest.approx(100 * (10 - mu) / mu) == pytest.approx(-70)
    assert adverse.loc["PAR", "comparison"] == adverse.loc["PAF", "comparison"] == "north vs overall"
    # D and R still compare the highest with the lowest rate
    assert adverse.loc["D", "estimate"] == pytest.approx(50) and adverse.loc["R", "estimate"] == pytest.approx(6)
    assert adverse.loc["D", "comparison"] == "east vs north"
    good = segstat.disparity(_regions(), events="cases", population="pop", subgroup="region",
                             measures=["PAR", "PAF"], ci=None, favourable=True).set_index("measure")
    assert good.loc["PAR", "estimate"] == pytest.approx(60 - mu) == pytest.approx(26.666666667)
    assert good.loc["PAF", "estimate"] == pytest.approx(80)
    assert good.loc["PAR", "comparison"] == "east vs overall"
    # an explicit reference wins over the best group
    ref = segstat.disparity(_regions(), events="cases", population="pop", subgroup="region",
                            measures=["PAR"], ci=None, reference="south").set_index("measure")
    assert ref.loc["PAR", "estimate"] == pytest.approx(30 - mu) and ref.loc["PAR", "comparison"] == "south vs overall"


def test_par_non_ordered_delta_interval_uses_the_best_group():
    # PAR = y_north - sum p_j y_j with p_j = 1/3: gradient 1 - 1/3 for north, -1/3 for the others;
    # Poisson var(y_j) = y_j * 1000 / 1000 = y_j
    r = segstat.disparity(_regions(), events="cases", population="pop", subgroup="region",
                          measures=["PAR"]).set_index("measure")
    se = math.sqrt((2 / 3) ** 2 * 10 + (1 / 3) ** 2 * 30 + (1 / 3) ** 2 * 60)
    assert r.loc["PAR", "upper"] - r.loc["PAR", "estimate"] == pytest.approx(1.959963984540054 * se, rel=1e-6)


def test_par_paf_ordered_groups_keep_the_most_advantaged_group():
    d = pd.DataFrame({"typ": pd.Categorical([1, 2, 3], ordered=True), "cases": [10, 20, 40], "pop": [1000] * 3})
    mu = 70 / 3
    for fav in (False, True):
        r = segstat.disparity(d, events="cases", population="pop", subgroup="typ", measures=["PAR", "PAF"],
                              ci=None, favourable=fav).set_index("measure")
        assert r.loc["PAR", "estimate"] == pytest.approx(40 - mu) and r.loc["PAR", "comparison"] == "3 vs overall"
        assert r.loc["PAF", "estimate"] == pytest.approx(100 * (40 - mu) / mu)


def test_simulation_keeps_infinite_replicates_and_says_how_many():
    # R = y2 / y1 with 2 expected events in group 1: P(0 events) = exp(-2) = 13.5 % > 2.5 %, so the upper
    # percentile of the simulated R is infinite
    d = pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "cases": [2, 40], "pop": [1000, 1000]})
    r = segstat.disparity(d, events="cases", population="pop", subgroup="typ", measures=["R"], ci="simulation",
                          rng=1, n_resamples=4000).iloc[0]
    sims = np.random.default_rng(1).poisson([2.0, 40.0], size=(4000, 2)).astype(float)
    with np.errstate(divide="ignore"):
        ratio = sims[:, 1] / sims[:, 0]
    n_inf = int(np.isinf(ratio).sum())
    assert n_inf / 4000 == pytest.approx(math.exp(-2), abs=0.02)
    assert r["upper"] == np.inf
    assert r["lower"] == pytest.approx(np.quantile(ratio, 0.025))  # the lower tail is all finite
    assert f"{n_inf} of 4000 simulated datasets gave an infinite value" in r["note"]


def test_simulation_drops_undefined_replicates_and_counts_them():
    # one expected event in each group: R is 0/0 (undefined) when both draw 0 and infinite when only group 1 does
    d = pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "cases": [1, 1], "pop": [1000, 1000]})
    r = segstat.disparity(d, events="cases", population="pop", subgroup="typ", measures=["R"], ci="simulation",
                          rng=3).iloc[0]
    sims = np.random.default_rng(3).poisson([1.0, 1.0], size=(2000, 2))
    both = int(((sims[:, 0] == 0) & (sims[:, 1] == 0)).sum())
    denominator = int(((sims[:, 0] == 0) & (sims[:, 1] > 0)).sum())
    assert both / 2000 == pytest.approx(math.exp(-2), abs=0.03)
    assert f"{denominator} of 2000 simulated datasets gave an infinite value" in r["note"]
    assert f"{both} of 2000 simulated datasets gave an undefined value (left out)" in r["note"]
    assert r["lower"] == 0.0 and r["upper"] == np.inf


def _high_proportions():
    return pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "e": [990, 998], "n": [1000, 1000]})


def test_binomial_variance_delta_interval_by_hand():
    se = 100 * math.sqrt(0.99 * 0.01 / 1000 + 0.998 * 0.002 / 1000)
    z = 1.959963984540054
    # regression="logistic" declares proportions: binomial by default
    for kwargs in ({"regression": "logistic"}, {"variance": "binomial"}):
        r = segstat.disparity(_high_proportions(), events="e", population="n", subgroup="typ", measures=["D"],
                              per=100, **kwargs).iloc[0]
        assert r["estimate"] == pytest.approx(0.8)
        assert r["lower"] == pytest.approx(0.8 - z * se, rel=1e-6)
        assert r["upper"] == pytest.approx(0.8 + z * se, rel=1e-6)
        assert r["method"] == "delta method, binomial variance"
    # the Poisson variance y * per / n stays the default for rates and can be asked for explicitly
    se_poisson = math.sqrt(99 * 100 / 1000 + 99.8 * 100 / 1000)
    for kwargs in ({}, {"regression": "logistic", "variance": "poisson"}):
        r = segstat.disparity(_high_proportions(), events="e", population="n", subgroup="typ", measures=["D"],
                              per=100, **kwargs).iloc[0]
        assert r["upper"] - r["estimate"] == pytest.approx(z * se_poisson, rel=1e-6)
        assert r["method"] == "delta method"


def test_binomial_simulation_agrees_with_the_delta_method():
    se = 100 * math.sqrt(0.99 * 0.01 / 1000 + 0.998 * 0.002 / 1000)
    r = segstat.disparity(_high_proportions(), events="e", population="n", subgroup="typ", measures=["D"], per=100,
                          variance="binomial", ci="simulation", rng=1).iloc[0]
    assert r["lower"] == pytest.approx(0.8 - 1.96 * se, abs=0.15)
    assert r["upper"] == pytest.approx(0.8 + 1.96 * se, abs=0.15)
    assert r["method"] == "simulation (2000 binomial draws, percentile)"


def test_binomial_simulation_never_exceeds_the_population():
    # group 1 has every person an event: binomial draws keep it at 100 %, so D = y2 - y1 <= 0 in every draw
    # (Poisson draws push group 1 above 100 % about half the time)
    d = pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "e": [1000, 990], "n": [1000, 1000]})
    r = segstat.disparity(d, events="e", population="n", subgroup="typ", measures=["D"], per=100,
                          variance="binomial", ci="simulation", rng=1).iloc[0]
    assert r["estimate"] == pytest.approx(-1) and r["upper"] <= 0
    assert "every person an event in group(s) 1" in r["note"] and "binomial variance" in r["note"]
    poisson = segstat.disparity(d, events="e", population="n", subgroup="typ", measures=["D"], per=100,
                                ci="simulation", rng=1).iloc[0]
    assert poisson["upper"] > 0
    # a population that is not a whole number is rounded for the draws (10.4 -> 10 persons)
    w = pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "e": [10.4, 5.2], "n": [10.4, 10.4]})
    r = segstat.disparity(w, events="e", population="n", subgroup="typ", measures=["D"], per=1,
                          variance="binomial", ci="simulation", rng=1).iloc[0]
    assert r["estimate"] == pytest.approx(-0.5) and -1 <= r["lower"] <= r["upper"] <= 0


def test_binomial_variance_bad_input():
    d = pd.DataFrame({"g": [1, 2], "e": [5, 12], "n": [10, 10]}, index=["x", "y"])
    with pytest.raises(InputValueError, match="variance='binomial'.*rows 'y'.*variance='poisson'"):
        segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], variance="binomial")
    with pytest.raises(InputValueError, match="variance='normal'"):
        segstat.disparity(d, events="e", population="n", subgroup="g", order=[1, 2], variance="normal")


def test_reference_equal_to_the_compared_group_says_so():
    d = pd.DataFrame({"typ": pd.Categorical([1, 2, 3], ordered=True), "cases": [40, 30, 20],
                      "pop": [1000, 1000, 2000]})
    r = segstat.disparity(d, events="cases", population="pop", subgroup="typ", reference=1,
                          measures=["D", "R", "PAR"]).set_index("measure")
    assert r.loc["D", "estimate"] == 0 and r.loc["D", "lower"] == r.loc["D", "upper"] == 0
    assert r.loc["R", "estimate"] == 1 and r.loc["D", "comparison"] == "1 vs 1"
    for m in ("D", "R"):
        assert "compares a group with itself" in r.loc[m, "note"] and "reference=1" in r.loc[m, "note"]
    # PAR compares the reference with the overall rate: mu = (40 + 30 + 2 * 10) / 4 = 22.5
    assert r.loc["PAR", "estimate"] == pytest.approx(40 - 22.5) and r.loc["PAR", "note"] == ""
    # non-ordered: the reference is the lowest rate, which D and R compare with
    u = segstat.disparity(_regions(), events="cases", population="pop", subgroup="region", reference="north",
                          measures=["D"], ci=None).iloc[0]
    assert u["estimate"] == 0 and u["comparison"] == "north vs north" and "itself" in u["note"]


def test_a_single_measure_name_is_one_measure():
    one = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", measures="PAR", ci=None)
    listed = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", measures=["PAR"], ci=None)
    pd.testing.assert_frame_equal(one, listed)
    assert one["measure"].tolist() == ["PAR"]
    assert one["estimate"].iloc[0] == pytest.approx(_reference_values()["PAR"])


def _omradestyp_csv():
    import io

    text = "omradestyp,e,n\n" + "".join(f"{t},{a},{b}\n" for t, a, b in zip(range(1, 6), E, N))
    return pd.read_csv(io.StringIO(text))


def test_plain_integer_omradestyp_warns_and_stays_unordered():
    from segstat.errors import SegstatWarning

    d = _omradestyp_csv()
    assert d["omradestyp"].dtype == np.int64
    with pytest.warns(SegstatWarning, match=r"treated as non-ordered.*order=\[1, 2, 3, 4, 5\]"):
        r = segstat.disparity(d, events="e", population="n", ci=None).set_index("measure")
    # behaviour kept: highest (type 1, 40) vs lowest (type 5, 13.33); no ordered measures
    assert r.loc["D", "estimate"] == pytest.approx(40 - 1000 * 200 / 15000) and r.loc["D", "comparison"] == "1 vs 5"
    assert np.isnan(r.loc["SII", "estimate"])
    # a subset of the codes: the suggested order lists the codes present
    with pytest.warns(SegstatWarning, match=r"order=\[1, 3, 5\]"):
        segstat.disparity(d[d["omradestyp"].isin([1, 3, 5])], events="e", population="n", ci=None)


def test_no_omradestyp_warning_when_ordered_or_not_omradestyp():
    import warnings

    from segstat.errors import SegstatWarning

    d = _omradestyp_csv()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SegstatWarning)
        r = segstat.disparity(d, events="e", population="n", order=[1, 2, 3, 4, 5], ci=None).set_index("measure")
        assert r.loc["D", "estimate"] == pytest.approx(_reference_values()["D"])
        cat = d.assign(omradestyp=pd.Categorical(d["omradestyp"], categories=[1, 2, 3, 4, 5], ordered=True))
        segstat.disparity(cat, events="e", population="n", ci=None)
        segstat.disparity(d.rename(columns={"omradestyp": "typ"}), events="e", population="n", subgroup="typ", ci=None)
        segstat.disparity(d.assign(omradestyp=d["omradestyp"] + 5), events="e", population="n", ci=None)


def test_level_accepts_numpy_reals_and_refuses_other_values():
    base = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", measures=["D"], confidence_level=0.9)
    for level in (np.float32(0.9), np.float64(0.9)):
        r = segstat.disparity(_frame(), events="e", population="n", subgroup="typ", measures=["D"], confidence_level=level)
        assert r["upper"].iloc[0] == pytest.approx(base["upper"].iloc[0], rel=1e-6)
    for level in (95, "0.95", True, float("nan")):
        with pytest.raises(InputValueError, match="confidence_level="):
            segstat.disparity(_frame(), events="e", population="n", subgroup="typ", confidence_level=level)


def _two_years() -> pd.DataFrame:
    typ = pd.Categorical([1, 2, 3] * 2, ordered=True)
    return pd.DataFrame({"year": [2022] * 3 + [2023] * 3, "typ": typ,
                         "cases": [40, 30, 20, 50, 20, 30], "pop": [1000, 1000, 2000, 1000, 1000, 1000]})


def test_disparity_by_year_gives_each_years_measures():
    out = segstat.disparity(_two_years(), events="cases", population="pop", subgroup="typ", measures=["D", "R", "PAR"],
                            by="year")
    assert list(out.columns[:2]) == ["year", "measure"]
    got = {(r.year, r.measure): r.estimate for r in out.itertuples()}
    # 2022: rates 40, 30, 10 per 1000, mean 90/4000 = 22.5; 2023: rates 50, 20, 30, mean 100/3000
    assert got[(2022, "D")] == pytest.approx(10 - 40)
    assert got[(2022, "R")] == pytest.approx(10 / 40)
    assert got[(2022, "PAR")] == pytest.approx(10 - 22.5)
    assert got[(2023, "D")] == pytest.approx(30 - 50)
    assert got[(2023, "R")] == pytest.approx(30 / 50)
    assert got[(2023, "PAR")] == pytest.approx(30 - 100 / 3)
    # intervals are each year's own: the Poisson delta-method SE of D in 2023 is sqrt(30 + 50) per 1000
    d23 = out[(out.year == 2023) & (out.measure == "D")].iloc[0]
    assert d23.upper - d23.estimate == pytest.approx(1.959964 * np.sqrt(30 + 50), rel=1e-5)


def test_disparity_by_two_columns_and_reproducible_simulation():
    d = pd.concat([_two_years().assign(kommun="0180"), _two_years().assign(kommun="1480", cases=lambda x: x.cases * 2)])
    kw = dict(events="cases", population="pop", subgroup="typ", measures=["D", "IDis"], by=["year", "kommun"],
              ci="simulation", n_resamples=200, rng=7)
    a, b = segstat.disparity(d, **kw), segstat.disparity(d, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert a[["year", "kommun"]].drop_duplicates().values.tolist() == [[2022, "0180"], [2022, "1480"],
                                                                      [2023, "0180"], [2023, "1480"]]
    dd = a[a.measure == "D"].set_index(["year", "kommun"]).estimate
    assert dd[(2022, "1480")] == pytest.approx(2 * dd[(2022, "0180")]) == pytest.approx(-60)


def test_disparity_by_errors_name_the_part_and_the_rows():
    d = _two_years()
    one_group = pd.concat([d, pd.DataFrame({"year": [2024], "typ": pd.Categorical([2], categories=[1, 2, 3],
                                                                                   ordered=True),
                                             "cases": [5], "pop": [100]})], ignore_index=True)
    with pytest.raises(InputValueError, match=r"in the part year=2024: subgroup 'typ' has 1 subgroup\(s\)"):
        segstat.disparity(one_group, events="cases", population="pop", subgroup="typ", by="year")
    with pytest.raises(InputValueError, match=r"by column 'year' is missing in rows 4"):
        segstat.disparity(d.assign(year=[2022, 2022, 2022, 2023, None, 2023]), events="cases", population="pop",
                          subgroup="typ", by="year")
    with pytest.raises(ColumnError, match="by='yr'"):
        segstat.disparity(d, events="cases", population="pop", subgroup="typ", by="yr")


def test_disparity_by_parts_missing_a_group_of_order_and_seeded_parts_equal_the_part_alone():
    d = _two_years().assign(typ=lambda f: f.typ.astype(int))
    d = d[~((d.year == 2023) & (d.typ == 2))]  # 2023 has no type 2
    out = segstat.disparity(d, events="cases", population="pop", subgroup="typ", order=[1, 2, 3], by="year",
                            measures=["D", "IDis", "MDM"], rng=1).set_index(["year", "measure"])
    assert out.loc[(2023, "D"), "estimate"] == pytest.approx(30 - 50)
    assert out.loc[(2023, "D"), "comparison"] == "3 vs 1"
    alone = segstat.disparity(d[d.year == 2023], events="cases", population="pop", subgroup="typ", order=[1, 3],
                              measures=["D", "IDis", "MDM"], rng=1).set_index("measure")
    # IDis and MDM are simulated even with ci="analytic": an int seed gives each part the draws it has alone
    for m in ("D", "IDis", "MDM"):
        assert out.loc[(2023, m), ["estimate", "lower", "upper"]].tolist() == alone.loc[m, ["estimate", "lower",
                                                                                          "upper"]].tolist()
    with pytest.raises(InputValueError, match="order must list every group.*not in data: 4"):
        segstat.disparity(d, events="cases", population="pop", subgroup="typ", order=[1, 2, 3, 4], by="year")


def test_disparity_by_column_names_and_types():
    d = _two_years()
    with pytest.raises(ColumnError, match=r"by='type' has the name of a column of the result"):
        segstat.disparity(d.rename(columns={"year": "type"}), events="cases", population="pop", subgroup="typ",
                          by="type")
    # an integer column label, and a categorical by column keeps its categories
    numbered = d.rename(columns={"year": 0})
    out = segstat.disparity(numbered, events="cases", population="pop", subgroup="typ", measures=["D"], by=0)
    assert out[0].tolist() == [2022, 2023] and out.estimate.tolist() == pytest.approx([-30, -20])
    cat = d.assign(year=pd.Categorical(d.year.astype(str), categories=["2021", "2022", "2023"]))
    out = segstat.disparity(cat, events="cases", population="pop", subgroup="typ", measures=["D"], by="year")
    assert out.year.dtype == cat.year.dtype and out.year.tolist() == ["2022", "2023"]
