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
    r = segstat.disparity(_frame(), events="e", population="n", group="typ", ci=None).set_index("measure")
    ref = _reference_values()
    for name, value in ref.items():
        assert r.loc[name, "estimate"] == pytest.approx(value, rel=1e-12, abs=1e-12), name


def test_hand_computed_small_example():
    d = pd.DataFrame({"g": pd.Categorical(["low", "high"], categories=["low", "high"], ordered=True),
                      "e": [30, 10], "n": [1000, 1000]})
    r = segstat.disparity(d, events="e", population="n", group="g", ci=None).set_index("measure")["estimate"]
    # y = 30, 10 ; mu = 20 ; X = .25, .75
    assert r["D"] == pytest.approx(-20) and r["R"] == pytest.approx(1 / 3)
    assert r["PAR"] == pytest.approx(-10) and r["PAF"] == pytest.approx(-50)
    assert r["BGV"] == pytest.approx(100) and r["ACI"] == pytest.approx(0.5 * -0.5 * 30 + 0.5 * 0.5 * 10)
    assert r["SII"] == pytest.approx(-40)  # line through (0.25, 30) and (0.75, 10)
    assert r["RII"] == pytest.approx(0.0)  # fitted value at rank 1 is 0 (40 - 40)


def test_reference_group_and_explicit_order():
    d = _frame(ordered=False)
    r = segstat.disparity(d, events="e", population="n", group="typ", order=[1, 2, 3, 4, 5], reference=3,
                          measures=["D", "R"], ci=None).set_index("measure")
    assert r.loc["D", "estimate"] == pytest.approx(24 - 40) and r.loc["D", "comparison"] == "3 vs 1"


def test_non_ordered_groups_compare_extremes_and_skip_ordered_measures():
    d = pd.DataFrame({"lan": ["01", "14", "12"], "e": [10, 30, 20], "n": [1000, 1000, 1000]})
    r = segstat.disparity(d, events="e", population="n", group="lan", ci=None).set_index("measure")
    assert r.loc["D", "estimate"] == pytest.approx(20) and r.loc["R", "estimate"] == pytest.approx(3)
    assert np.isnan(r.loc["SII", "estimate"]) and "ordered" in r.loc["SII", "note"]


def test_equal_rates_give_no_inequality():
    d = _frame(e=[15, 12, 25, 35, 15])
    r = segstat.disparity(d, events="e", population="n", group="typ", ci=None).set_index("measure")["estimate"]
    for name in ("D", "PAR", "PAF", "BGV", "TI", "MLD", "ACI", "RCI", "SII", "IDis", "MDB", "MDM"):
        assert r[name] == pytest.approx(0, abs=1e-9), name
    assert r["R"] == pytest.approx(1) and r["RII"] == pytest.approx(1)


def test_zero_rate_makes_log_measures_undefined_not_replaced():
    d = _frame(e=[600, 400, 600, 700, 0])
    r = segstat.disparity(d, events="e", population="n", group="typ").set_index("measure")
    assert np.isnan(r.loc["MLD", "estimate"]) and "zero rate in group(s) 5" in r.loc["MLD", "note"]
    assert r.loc["R", "estimate"] == 0.0  # y_A = 0 is defined: ratio 0
    assert np.isfinite(r.loc["TI", "estimate"])  # 0 ln 0 = 0


def test_intervals_contain_estimate_and_simulation_is_reproducible():
    a = segstat.disparity(_frame(), events="e", population="n", group="typ", rng=7)
    assert (a["lower"] <= a["estimate"]).all() and (a["estimate"] <= a["upper"]).all()
    b = segstat.disparity(_frame(), events="e", population="n", group="typ", rng=7)
    pd.testing.assert_frame_equal(a, b)
    s = segstat.disparity(_frame(), events="e", population="n", group="typ", ci="simulation", rng=1,
                          measures=["D"]).iloc[0]
    an = a.set_index("measure").loc["D"]
    assert s["lower"] == pytest.approx(an["lower"], rel=0.05) and s["upper"] == pytest.approx(an["upper"], rel=0.05)


def test_analytic_interval_of_d_by_hand():
    r = segstat.disparity(_frame(), events="e", population="n", group="typ", measures=["D", "R"]).set_index("measure")
    var = 1000 * 40 / 15000 + 1000 * (1000 * 200 / 15000) / 15000
    assert r.loc["D", "upper"] - r.loc["D", "estimate"] == pytest.approx(1.959964 * math.sqrt(var), rel=1e-5)
    se_log_r = math.sqrt(1 / 600 + 1 / 200)
    assert r.loc["R", "upper"] / r.loc["R", "estimate"] == pytest.approx(math.exp(1.959964 * se_log_r), rel=1e-5)


def test_row_order_and_scaling_do_not_change_estimates():
    base = segstat.disparity(_frame(), events="e", population="n", group="typ", ci=None)
    shuffled = _frame().sample(frac=1, random_state=3)
    again = segstat.disparity(shuffled, events="e", population="n", group="typ", ci=None)
    pd.testing.assert_series_equal(base["estimate"], again["estimate"])
    scaled = _frame().assign(e=lambda d: d["e"] * 3, n=lambda d: d["n"] * 3)
    np.testing.assert_allclose(segstat.disparity(scaled, events="e", population="n", group="typ",
                                                 ci=None)["estimate"], base["estimate"], rtol=1e-12)


@pytest.mark.parametrize(("kwargs", "frame", "err", "msg"), [
    ({}, _frame(e=[-1, 400, 600, 700, 200]), InputValueError, "negative"),
    ({}, _frame(n=[0, 12000, 25000, 35000, 15000]), InputValueError, "population is zero"),
    ({"measures": ["Gini"]}, _frame(), InputValueError, "unknown measure"),
    ({"reference": 9}, _frame(), InputValueError, "reference=9"),
    ({"order": [1, 2, 3, 4]}, _frame(), InputValueError, "missing from order"),
    ({"group": "kommun"}, _frame(), ColumnError, "group='kommun'"),
    ({}, _frame().iloc[:1], InputValueError, "at least two"),
    ({}, _frame().iloc[:0], InputValueError, "empty"),
])
def test_bad_input(kwargs, frame, err, msg):
    args = {"events": "e", "population": "n", "group": "typ", **kwargs}
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
        r = segstat.disparity(_frame(e=list(e), n=list(n)), events="e", population="n", group="typ",
                              measures=["D", "R", "SII"]).set_index("measure")
        for m in hits:
            hits[m] += r.loc[m, "lower"] <= truth[m] <= r.loc[m, "upper"]
    for m, h in hits.items():
        assert 0.91 <= h / reps <= 0.99, (m, h / reps)


def test_rii_undefined_when_fitted_line_goes_negative():
    # five equal groups, rates 40, 30, 20, 10, 0 most disadvantaged first: ridits .1 ... .9, the weighted line
    # is 45 - 50 X, so the fitted rate at rank 1 is -5 and a ratio of fitted rates means nothing
    d = pd.DataFrame({"typ": [1, 2, 3, 4, 5], "e": [40, 30, 20, 10, 0], "n": [1000] * 5})
    r = segstat.disparity(d, events="e", population="n", group="typ", order=[1, 2, 3, 4, 5]).set_index("measure")
    assert r.loc["SII", "estimate"] == pytest.approx(-50)
    assert np.isnan(r.loc["RII", "estimate"]) and "fitted line" in r.loc["RII", "note"]
    # R = 0 / 40 is defined, its log-scale interval is not, and the note says why
    assert r.loc["R", "estimate"] == 0.0 and np.isnan(r.loc["R", "lower"])
    assert "no interval" in r.loc["R", "note"] and "5" in r.loc["R", "note"]
    # intervals that treat the zero-event group as known say so
    assert "zero events in group(s) 5" in r.loc["D", "note"]
    assert r.loc["D", "upper"] - r.loc["D", "lower"] == pytest.approx(2 * 1.959963984540054 * np.sqrt(40), rel=1e-6)


def test_no_zero_event_note_when_every_group_has_events():
    r = segstat.disparity(_frame(), events="e", population="n", group="typ", rng=1)
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
    r = segstat.disparity(d, events="e", population="n", group="g", order=[1, 2], regression="logistic",
                          ci=None).set_index("measure")["estimate"]
    assert r["SII"] == pytest.approx(1000 * (expit(a + b) - expit(a)), rel=1e-10)
    assert r["RII"] == pytest.approx(expit(a + b) / expit(a), rel=1e-10)
    b = (np.log(100) - np.log(200)) / (X2 - X1)
    a = np.log(200) - b * X1
    r = segstat.disparity(d, events="e", population="n", group="g", order=[1, 2], regression="poisson",
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
    r = segstat.disparity(d, events="e", population="n", group="g", order=list("abcd"), regression=model,
                          ci=None, per=1).set_index("measure")
    assert r.loc["SII", "estimate"] == pytest.approx(f(a + b) - f(a), rel=1e-6)
    assert r.loc["RII", "estimate"] == pytest.approx(f(a + b) / f(a), rel=1e-6)
    assert model in r.loc["SII", "method"]


def test_glm_rii_stays_positive_where_the_linear_one_is_undefined():
    d = pd.DataFrame({"typ": [1, 2, 3, 4, 5], "e": [40, 30, 20, 10, 1], "n": [1000] * 5})
    lin = segstat.disparity(d, events="e", population="n", group="typ", order=[1, 2, 3, 4, 5]).set_index("measure")
    assert np.isnan(lin.loc["RII", "estimate"])
    for model in ("logistic", "poisson"):
        r = segstat.disparity(d, events="e", population="n", group="typ", order=[1, 2, 3, 4, 5],
                              regression=model).set_index("measure")
        assert 0 < r.loc["RII", "lower"] < r.loc["RII", "estimate"] < r.loc["RII", "upper"] < 1
        assert r.loc["SII", "estimate"] < 0


def test_glm_bad_input_and_no_finite_fit():
    d = pd.DataFrame({"g": [1, 2], "e": [5, 12], "n": [10, 10]}, index=["x", "y"])
    with pytest.raises(InputValueError, match="rows 'y'.*poisson"):
        segstat.disparity(d, events="e", population="n", group="g", order=[1, 2], regression="logistic")
    with pytest.raises(InputValueError, match="regression="):
        segstat.disparity(d, events="e", population="n", group="g", order=[1, 2], regression="probit")
    # two groups, one with no events: the maximum-likelihood line is infinitely steep
    z = pd.DataFrame({"g": [1, 2], "e": [0, 12], "n": [100, 100]})
    r = segstat.disparity(z, events="e", population="n", group="g", order=[1, 2], regression="poisson",
                          ci=None).set_index("measure")
    assert np.isnan(r.loc["RII", "estimate"]) and "no finite maximum" in r.loc["RII", "note"]
