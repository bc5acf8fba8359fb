"""Follow-up over time by områdestyp: harmonize, follow_up, effect (issue 19).

Expected values are worked by hand in the comments, or come from an independent statsmodels fit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import CrosswalkError, InputValueError, SegstatWarning, VintageError

Z = 1.959963984540054


# ------------------------------------------------------------------ hand-worked panel: 4 areas x 3 years
@pytest.fixture
def panel() -> pd.DataFrame:
    # types by year: A 1,1,2  B 1,2,2  C 2,2,1  D 2,2,2; 1000 persons every year
    return pd.DataFrame({
        "area": list("ABCD") * 3,
        "year": [2021] * 4 + [2022] * 4 + [2023] * 4,
        "e": [10, 20, 5, 5, 12, 16, 6, 4, 8, 14, 9, 3],
        "n": [1000] * 12,
        "typ": [1, 1, 2, 2, 1, 2, 2, 2, 2, 2, 1, 2],
    })


def test_baseline_types_follow_the_same_areas(panel):
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ")
    # baseline 2021: type 1 = A+B, type 2 = C+D in every year
    # type 1: 30/2000, 28/2000, 22/2000 -> 15, 14, 11; type 2: 10/2000, 10/2000, 12/2000 -> 5, 5, 6
    assert r.rates["rate"].tolist() == pytest.approx([15, 5, 14, 5, 11, 6])
    assert r.rates["areas"].tolist() == [2, 2, 2, 2, 2, 2]
    assert r.rates["e"].tolist() == [30, 10, 28, 10, 22, 12]
    assert r.rates.attrs["segstat.follow_up"]["baseline"] == 2021
    # Garwood interval of 30 events in 2000 persons: chi2 quantiles / 2 -> [20.24, 42.83] events
    from scipy.stats import chi2
    assert r.rates["lower"].iloc[0] == pytest.approx(chi2.ppf(0.025, 60) / 2 / 2)
    assert r.rates["upper"].iloc[0] == pytest.approx(chi2.ppf(0.975, 62) / 2 / 2)


def test_yearly_types_follow_the_type(panel):
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ",
                          types="yearly")
    # 2022: type 1 = A (12/1000), type 2 = B, C, D (26/3000); 2023: type 1 = C (9/1000), type 2 = A, B, D (25/3000)
    assert r.rates["rate"].tolist() == pytest.approx([15, 5, 12, 26 / 3, 9, 25 / 3])
    assert r.rates["areas"].tolist() == [2, 2, 1, 3, 1, 3]


def test_decomposition_explains_the_difference(panel):
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ")
    d = r.decomposition[r.decomposition["year"] == 2023].set_index("typ")
    # type 1: 15 -> 9 (yearly); within = 11 - 15 = -4 (baseline areas), reclassification = 9 - 11 = -2
    assert d.loc[1, ["rate_start", "rate_end", "change", "within", "reclassification"]].tolist() == \
        pytest.approx([15, 9, -6, -4, -2])
    assert d.loc[1, ["areas_in", "areas_out"]].tolist() == [1, 2]
    # type 2: 5 -> 25/3; within = 6 - 5 = 1, reclassification = 25/3 - 6 = 7/3
    assert d.loc[2, ["within", "reclassification"]].tolist() == pytest.approx([1, 7 / 3])
    # the reclassification part is exactly the yearly rate minus the baseline rate of the end year
    yearly = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ",
                               types="yearly").rates
    base = r.rates
    for k in (1, 2):
        diff = (yearly.query("year == 2023 and typ == @k")["rate"].iloc[0]
                - base.query("year == 2023 and typ == @k")["rate"].iloc[0])
        assert d.loc[k, "reclassification"] == pytest.approx(diff)


def test_gap_and_its_change(panel):
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ")
    g = r.gap.set_index("year")
    assert g.loc[2021, ["difference", "ratio"]].tolist() == pytest.approx([10, 3])
    assert g.loc[2023, ["difference", "ratio"]].tolist() == pytest.approx([5, 11 / 6])
    # var(difference 2021) = (30 + 10) / 2000^2 * 1000^2 = 10
    assert g.loc[2021, "difference_lower"] == pytest.approx(10 - Z * math.sqrt(10))
    assert g.loc[2021, "ratio_upper"] == pytest.approx(3 * math.exp(Z * math.sqrt(1 / 30 + 1 / 10)))
    c = r.gap_change.set_index("year").loc[2023]
    # difference change -5, variance 10 + (22 + 12) / 4 = 18.5
    assert c["difference_change"] == pytest.approx(-5)
    assert c["difference_change_upper"] == pytest.approx(-5 + Z * math.sqrt(18.5))
    from scipy.stats import norm
    assert c["difference_change_p_value"] == pytest.approx(2 * norm.sf(5 / math.sqrt(18.5)))
    v = 1 / 30 + 1 / 10 + 1 / 22 + 1 / 12
    assert c["ratio_change"] == pytest.approx((11 / 6) / 3)
    assert c["ratio_change_p_value"] == pytest.approx(2 * norm.sf(abs(math.log(11 / 18)) / math.sqrt(v)))


def test_counts_go_to_protect(panel):
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ")
    assert r.counts.columns.tolist() == ["year", "typ", "areas", "e", "n"]
    assert r.counts["e"].sum() == panel["e"].sum()


def test_ckm_provenance_is_flagged(panel):
    d = panel.copy()
    d.attrs["segstat.provenance"] = {"table": "X", "ckm": True}
    r = segstat.follow_up(d, events="e", population="n", area="area", period="year", subgroup="typ")
    assert r.rates["ckm"].all()
    assert r.gap.attrs["segstat.provenance"]["ckm"] is True
    assert "cell-key" in r.rates.attrs["segstat.follow_up"]["ckm_note"]
    assert "noise variance" in r.rates.attrs["segstat.follow_up"]["ckm_note"]  # left out, and it says so
    assert r.rates.attrs["segstat.follow_up"]["noise_variance"] is None


# ------------------------------------------------------------------ cell-key noise on the populations
def _garwood(e: float) -> tuple[float, float]:
    from scipy.stats import chi2

    return (chi2.ppf(0.025, 2 * e) / 2 if e > 0 else 0.0), chi2.ppf(0.975, 2 * e + 2) / 2


def test_noise_variance_widens_the_rate_intervals_by_the_delta_method(panel):
    v = 2000.0
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ",
                          noise_variance=v)
    # type 1 in 2021: E = 30 on N = 2000 summed over 2 rows: var N = 2V, c = 2V / N^2 = 0.001
    c = 2 * v / 2000**2
    lo, hi = _garwood(30)
    row = r.rates.iloc[0]
    assert row["rate"] == pytest.approx(15)
    assert row["lower"] == pytest.approx(15 * math.exp(-math.sqrt(math.log(30 / lo) ** 2 + Z**2 * c)), rel=1e-9)
    assert row["upper"] == pytest.approx(15 * math.exp(math.sqrt(math.log(hi / 30) ** 2 + Z**2 * c)), rel=1e-9)
    # wider than Garwood's alone, which stays as it was without the keyword
    plain = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ")
    assert plain.rates.iloc[0]["lower"] == pytest.approx(lo / 2)
    assert row["lower"] < lo / 2 and row["upper"] > hi / 2
    info = r.rates.attrs["segstat.follow_up"]
    assert info["noise_variance"] == v and "include the cell-key noise" in info["ckm_note"] and "2000" in info["ckm_note"]
    assert r.gap_change.attrs["segstat.follow_up"]["noise_variance"] == v


def test_noise_variance_enters_the_gap_and_its_change(panel):
    v = 2000.0
    r = segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ",
                          noise_variance=v)
    c = 2 * v / 2000**2  # every type-period total sums 2 rows of 1000
    g = r.gap.set_index("year")
    # 2021: D = 15 - 5, Poisson variance 10, plus R_a^2 c + R_b^2 c = (225 + 25) c
    var21 = 10 + (15**2 + 5**2) * c
    assert g.loc[2021, "difference_lower"] == pytest.approx(10 - Z * math.sqrt(var21))
    q21 = 1 / 30 + 1 / 10 + 2 * c
    assert g.loc[2021, "ratio_upper"] == pytest.approx(3 * math.exp(Z * math.sqrt(q21)))
    # 2023: D = 11 - 6, Poisson variance (22 + 12) / 4 = 8.5
    var23 = 8.5 + (11**2 + 6**2) * c
    ch = r.gap_change.set_index("year").loc[2023]
    assert ch["difference_change_upper"] == pytest.approx(-5 + Z * math.sqrt(var21 + var23))
    from scipy.stats import norm
    assert ch["difference_change_p_value"] == pytest.approx(2 * norm.sf(5 / math.sqrt(var21 + var23)))
    q = q21 + 1 / 22 + 1 / 12 + 2 * c
    assert ch["ratio_change_lower"] == pytest.approx((11 / 18) * math.exp(-Z * math.sqrt(q)))
    assert ch["ratio_change_p_value"] == pytest.approx(2 * norm.sf(abs(math.log(11 / 18)) / math.sqrt(q)))


def test_noise_variance_with_no_events_keeps_the_lower_bound_at_zero():
    d = pd.DataFrame({"area": list("ABC") * 2, "year": [2021] * 3 + [2022] * 3, "e": [4, 0, 0, 3, 0, 1],
                      "n": [500, 300, 200, 500, 300, 200], "typ": [1, 2, 2] * 2})
    r = segstat.follow_up(d, events="e", population="n", area="area", period="year", subgroup="typ",
                          noise_variance=100.0)
    row = r.rates.set_index(["year", "typ"]).loc[(2021, 2)]  # no events on 300 + 200 persons in 2 rows
    c = 2 * 100.0 / 500**2
    assert row["lower"] == 0
    assert row["upper"] == pytest.approx(_garwood(0)[1] / 500 * 1000 * math.exp(Z * math.sqrt(c)), rel=1e-9)


def test_zero_noise_variance_gives_exactly_the_poisson_intervals(panel):
    kw = dict(events="e", population="n", area="area", period="year", subgroup="typ")
    plain, zero = segstat.follow_up(panel, **kw), segstat.follow_up(panel, **kw, noise_variance=0)
    for name in ("rates", "gap", "gap_change"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(zero, name), check_exact=True)
    assert zero.rates.attrs["segstat.follow_up"]["noise_variance"] == 0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "4"])
def test_bad_noise_variance_is_refused(panel, bad):
    with pytest.raises(InputValueError, match=r"noise_variance=.*must be None or a finite number >= 0"):
        segstat.follow_up(panel, events="e", population="n", area="area", period="year", subgroup="typ",
                          noise_variance=bad)


def test_noise_variance_brings_coverage_back_to_the_nominal_level():
    # 3000 types of 2 areas, 1000 persons each, true rate 20 per 1000 (E about 40 per type). Events are Poisson on
    # the true populations; the populations seen carry noise of variance V = 45000 (sd 212 per area, 15 % of a
    # type's total). Poisson-only intervals miss the noise; the widened ones cover about 95 %.
    rng = np.random.default_rng(7)
    types, m, v = 3000, 2, 45000.0
    true_n = np.full(types * m, 1000)
    seen = np.maximum(np.rint(true_n + rng.normal(0, math.sqrt(v), true_n.size)), 0).astype(int)
    d = pd.DataFrame({"area": np.arange(true_n.size).astype(str), "year": 2025, "e": rng.poisson(0.02 * true_n),
                      "n": seen, "typ": np.repeat(np.arange(types), m)})
    kw = dict(events="e", population="n", area="area", period="year", subgroup="typ")

    def coverage(r):
        return float(((r.rates["lower"] <= 20) & (r.rates["upper"] >= 20)).mean())

    narrow = coverage(segstat.follow_up(d, **kw))
    wide = coverage(segstat.follow_up(d, **kw, noise_variance=v))
    # normal approximation: Poisson-only covers P(|Z| < 1.96 * sqrt(0.025 / 0.0475)) = 84.5 %
    assert 0.82 < narrow < 0.90
    assert 0.935 < wide < 0.97
    assert abs(wide - 0.95) < abs(narrow - 0.95)


def test_period_missing_for_some_areas_is_an_error(panel):
    with pytest.raises(InputValueError, match=r"missing in some periods: B lacks 2022"):
        segstat.follow_up(panel.drop(index=5), events="e", population="n", area="area", period="year",
                          subgroup="typ")


def test_yearly_without_types_is_an_error(panel):
    d = panel.assign(typ=panel["typ"].where(panel["year"] != 2022))
    with pytest.raises(InputValueError, match=r"none is known for 2022"):
        segstat.follow_up(d, events="e", population="n", area="area", period="year", subgroup="typ",
                          types="yearly")


# ------------------------------------------------------------------ real codes: bundled types, crosswalk
def test_panel_on_real_codes_conserves_totals():
    pop = segstat.population("deso", vintage=2018)
    pop = pop[pop["deso"].str[:4].isin(["0114", "0115", "0117"])]
    w25 = pd.Series(1.0, index=segstat.areas("deso", vintage=2025)["code"].astype(str))
    moved = segstat.crosswalk(pop, area="deso", counts="population", from_vintage=2018, to_vintage=2025,
                              weights=w25).data
    events = lambda d: (d["population"] // 50).astype(int)  # noqa: E731
    p = pd.concat([pop.assign(year=2022, events=events(pop)), pop.assign(year=2023, events=events(pop) + 1),
                   moved.assign(year=2025, population=moved["population"].round().astype(int),
                                events=lambda d: events(d))], ignore_index=True)
    with pytest.raises(VintageError, match="Periods 2022, 2023 hold codes found only in DeSO 2018"):
        segstat.harmonize(p, area="deso", period="year", counts=["events", "population"], to_vintage=2018)
    h = segstat.harmonize(p, area="deso", period="year", counts=["events", "population"], to_vintage=2018,
                          vintage={2022: 2018, 2023: 2018, 2025: 2025}, level="regso")
    rep = h.attrs["segstat.harmonize"]["periods"]
    for y in (2022, 2023, 2025):
        assert rep[y]["conserved"]
        assert h.loc[h["year"] == y, "population"].sum() == p.loc[p["year"] == y, "population"].sum()
    assert rep[2025]["from_vintage"] == 2025 and rep[2022]["methods"] == {"unchanged": len(pop)}
    assert h.attrs["segstat.vintage"] == 2018
    assert h["deso"].str.contains("R").all()
    r = segstat.follow_up(h, events="events", population="population", area="deso", period="year", baseline=2022)
    # baseline rates are sums over the RegSO of each 2022 type (bundled omradestyp, RegSO 2020)
    types = segstat.omradestyp(h["deso"], year=2022, vintage=2018).to_numpy()
    for y in (2022, 2025):
        m = (h["year"] == y).to_numpy()
        for k in (3, 5):
            sel = m & (types == k)
            got = r.rates.query("year == @y and omradestyp == @k")["rate"].iloc[0]
            assert got == pytest.approx(h.loc[sel, "events"].sum() / h.loc[sel, "population"].sum() * 1000)
    # 2022 -> 2023 decomposition with the bundled yearly types: within + reclassification == change
    d = r.decomposition
    assert set(d["year"]) == {2023}
    assert (d["within"] + d["reclassification"]).to_numpy() == pytest.approx(d["change"].to_numpy(), nan_ok=True)
    assert d["change"].notna().sum() >= 3


def test_mixed_vintage_without_weights_is_refused():
    d = pd.DataFrame({"deso": ["0114C1060", "0114C1060"], "year": [2023, 2024], "n": [10, 10]})
    with pytest.raises(CrosswalkError, match="divided"):
        segstat.harmonize(d, area="deso", period="year", counts="n", to_vintage=2025, vintage=2018)


# ------------------------------------------------------------------ effect

@pytest.fixture
def two_by_two() -> pd.DataFrame:
    # treated A, B (start 2022); comparison C, D; same type. Base year 2021, effect year 2022.
    return pd.DataFrame({
        "area": list("ABCD") * 2, "year": [2021] * 4 + [2022] * 4,
        "e": [20, 30, 25, 15, 12, 21, 26, 18], "n": [1000, 1500, 1200, 800, 1000, 1500, 1300, 800],
        "t": [1, 1, 0, 0] * 2, "typ": [1] * 8,
    })


def test_effect_is_the_ratio_of_rate_ratios(two_by_two):
    r = segstat.effect(two_by_two, events="e", population="n", area="area", period="year", treated="t",
                       start=2022, subgroup="typ")
    # treated: 50/2500 -> 33/2500; comparison: 40/2000 -> 44/2100
    expected = (33 / 2500) / (50 / 2500) / ((44 / 2100) / (40 / 2000))
    assert r.overall["estimate"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert r.overall["scale"].iloc[0] == "rate_ratio"


def test_effect_se_is_statsmodels_cluster_robust(two_by_two):
    import statsmodels.api as sm

    d = two_by_two
    X = np.column_stack([np.ones(8), d["t"], (d["year"] == 2022), d["t"] * (d["year"] == 2022)]).astype(float)
    fit = sm.GLM(d["e"].to_numpy(float), X, family=sm.families.Poisson(), offset=np.log(d["n"].to_numpy(float)))
    res = fit.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d["area"])[0], "use_correction": False})
    # segstat scales each group's part by n/(n-1): 2 treated and 2 comparison areas -> a factor 2 on the variance
    se_sm = math.sqrt(2 * res.cov_params()[3, 3])
    r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="t", start=2022,
                       subgroup="typ")
    assert r.overall["std_error"].iloc[0] == pytest.approx(se_sm, rel=1e-6)
    assert math.log(r.overall["estimate"].iloc[0]) == pytest.approx(res.params[3], rel=1e-8)


def test_linear_se_is_welch_two_sample():
    # equal populations: the DiD is mean change (treated) - mean change (comparison), its SE Welch's
    rng = np.random.default_rng(5)
    e0, e1 = rng.poisson(20, 9), rng.poisson(20, 9)
    d = pd.DataFrame({"area": [f"a{i}" for i in range(9)] * 2, "year": [1] * 9 + [2] * 9,
                      "e": np.concatenate([e0, e1]), "n": 1000, "t": [1] * 4 + [0] * 5 + [1] * 4 + [0] * 5})
    r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="t", start=2,
                       comparison="never_treated", regression="linear", per=1)
    delta = (e1 - e0) / 1000
    dt, dc = delta[:4], delta[4:]
    assert r.overall["estimate"].iloc[0] == pytest.approx(dt.mean() - dc.mean())
    assert r.overall["std_error"].iloc[0] == pytest.approx(math.sqrt(dt.var(ddof=1) / 4 + dc.var(ddof=1) / 5))


def test_linear_effect_is_the_difference_of_differences(two_by_two):
    r = segstat.effect(two_by_two, events="e", population="n", area="area", period="year", treated="t",
                       start=2022, subgroup="typ", regression="linear")
    expected = ((33 / 2500 - 50 / 2500) - (44 / 2100 - 40 / 2000)) * 1000
    assert r.overall["estimate"].iloc[0] == pytest.approx(expected)
    assert r.overall["scale"].iloc[0] == "rate_difference"


def _staggered() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    areas = [f"R{i:02d}" for i in range(12)]
    start = {a: (2 if i < 3 else 3 if i < 6 else None) for i, a in enumerate(areas)}
    rows = []
    for i, a in enumerate(areas):
        for t in range(5):
            n = 1000 + 100 * i
            on = start[a] is not None and t >= start[a]
            rows.append((a, 2020 + t, int(rng.poisson(n * 0.02 * (0.7 if on else 1.0))), n, int(on), 1 + i % 2))
    return pd.DataFrame(rows, columns=["area", "year", "e", "n", "d", "typ"])


def test_staggered_never_uses_treated_areas_as_comparison():
    d = _staggered()
    r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="d",
                       comparison="not_yet_treated")
    gt = r.group_time.set_index(["cohort", "period"])
    # cohort 2022 in 2023: cohort 2023 is treated then -> only the 6 never-treated areas compare
    assert gt.loc[(2022, 2023), "comparison_areas"] == 6
    # cohort 2022 in 2022: cohort 2023 is not yet treated -> 6 + 3
    assert gt.loc[(2022, 2022), "comparison_areas"] == 9
    # every cell is the 2x2 ratio of its own groups (base 2021 for cohort 2022)
    E = d.pivot(index="area", columns="year", values="e")
    N = d.pivot(index="area", columns="year", values="n")
    tr, co = ["R00", "R01", "R02"], ["R06", "R07", "R08", "R09", "R10", "R11"]
    rr = lambda g, t, b: (E.loc[g, t].sum() / N.loc[g, t].sum()) / (E.loc[g, b].sum() / N.loc[g, b].sum())  # noqa: E731
    assert gt.loc[(2022, 2023), "estimate"] == pytest.approx(rr(tr, 2023, 2021) / rr(co, 2023, 2021))
    # event time 0 aggregates cohort 2022 in 2022 and cohort 2023 in 2023, weighted by treated population
    c0 = r.group_time[r.group_time["event_time"] == 0]
    w = c0["weight"] / c0["weight"].sum()
    es0 = r.event_study.set_index("event_time").loc[0, "estimate"]
    assert es0 == pytest.approx(math.exp((w * np.log(c0["estimate"])).sum()))
    assert r.event_study.set_index("event_time").loc[-1, "estimate"] == 1.0
    assert r.pretrend["df"].iloc[0] == 2  # leads -3, -2 (cohort 2023)
    # event times are whole periods in both tables (a CSV of them shows -3, not -3.0)
    assert r.event_study["event_time"].dtype == np.int64 and r.group_time["event_time"].dtype == np.int64
    assert r.event_study["event_time"].tolist() == [-3, -2, -1, 0, 1, 2]


def test_same_type_compares_within_type():
    d = _staggered()
    r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="d",
                       comparison="same_type", baseline=2020, subgroup="typ")
    assert set(r.group_time["stratum"]) == {1, 2}
    # type 1 = even areas; never treated of type 1: R06, R08, R10
    cell = r.group_time.query("cohort == 2022 and period == 2023 and stratum == 1")
    assert cell["comparison_areas"].iloc[0] == 3


def test_treated_before_data_start_is_an_error(two_by_two):
    d = two_by_two.assign(t=[1, 0, 0, 0, 1, 1, 0, 0])
    with pytest.raises(InputValueError, match=r"treated from the first period 2021: 'A'"):
        segstat.effect(d, events="e", population="n", area="area", period="year", treated="t", subgroup="typ")


def test_treated_area_without_comparison_of_its_type_is_an_error(two_by_two):
    d = two_by_two.assign(typ=[1, 2, 2, 2] * 2)
    with pytest.raises(InputValueError, match=r"A.*no comparison area of their type"):
        segstat.effect(d, events="e", population="n", area="area", period="year", treated="t", start=2022,
                       subgroup="typ")
    # any type: fine
    r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="t", start=2022,
                       comparison="never_treated")
    assert r.overall["comparison_areas"].iloc[0] == 2


def test_effect_unbalanced_panel_is_an_error(two_by_two):
    with pytest.raises(InputValueError, match="missing in some periods"):
        segstat.effect(two_by_two.iloc[:-1], events="e", population="n", area="area", period="year",
                       treated="t", start=2022, subgroup="typ")


def test_effort_that_stops_is_an_error():
    d = _staggered()
    d.loc[(d["area"] == "R00") & (d["year"] == 2024), "d"] = 0
    with pytest.raises(InputValueError, match="goes back from 1 to 0 for 'R00'"):
        segstat.effect(d, events="e", population="n", area="area", period="year", treated="d",
                       comparison="never_treated")


def test_cells_without_comparison_warn():
    d = _staggered()
    d = d[~d["area"].isin(["R06", "R07", "R08", "R09", "R10", "R11"])]  # everyone treated by 2023
    with pytest.warns(SegstatWarning, match="no comparison area"):
        r = segstat.effect(d, events="e", population="n", area="area", period="year", treated="d",
                           comparison="not_yet_treated")
    assert r.group_time["estimate"].isna().any()


def test_counts_behind_the_rates_can_be_protected():
    d = pd.DataFrame({"area": list("ABCD") * 2, "year": [2021] * 4 + [2022] * 4,
                      "e": [10, 20, 5, 5, 12, 16, 1, 1], "n": [1000] * 8, "typ": [1, 1, 2, 2] * 2})
    c = segstat.follow_up(d, events="e", population="n", area="area", period="year", subgroup="typ").counts
    per_event = c.loc[c.index.repeat(c["e"]), ["year", "typ"]]  # one row per event, as tabulate wants
    cells = segstat.protect(segstat.tabulate(per_event, by=["year", "typ"]), min_count=3).to_frame()
    # type 2 in 2022 has 1 + 1 = 2 events: primary-suppressed, and its row partner too
    cell = cells[(cells["year"] == 2022) & (cells["typ"] == 2)]
    assert cell["status"].iloc[0] == "primary"
    assert cells[(cells["year"] == 2022) & (cells["typ"] == 1)]["status"].iloc[0] == "secondary"


def test_effect_clustered_se_carries_the_noise_of_the_populations():
    # effect() has no noise_variance: the noise moves each area's rate, so the area-clustered residuals carry it.
    # 20 treated + 20 comparison areas of 1000 persons, rate 100 per 1000, two years; populations seen with noise
    # of variance V = 40000. Delta method on the four pooled log rates: Poisson 4 / 2000 = 0.002, noise
    # 4 * 20 V / 20000^2 = 0.008. Averaged over 20 panels the clustered variance matches both.
    v, areas = 40000.0, 40
    se2 = []
    for seed in range(20):
        g = np.random.default_rng(seed)
        true_n = np.full(2 * areas, 1000)
        base = dict(area=np.tile(np.arange(areas).astype(str), 2), year=np.repeat([2021, 2022], areas),
                    e=g.poisson(0.1 * true_n), t=np.tile((np.arange(areas) < 20).astype(int), 2), typ=1)
        seen = np.rint(true_n + g.normal(0, math.sqrt(v), true_n.size)).astype(int)
        se2.append([segstat.effect(pd.DataFrame({**base, "n": n}), events="e", population="n", area="area",
                                   period="year", treated="t", start=2022, subgroup="typ").overall["std_error"].iloc[0]
                    ** 2 for n in (true_n, seen)])
    without, with_noise = np.mean(se2, axis=0)
    assert without == pytest.approx(0.002, rel=0.2)
    assert with_noise == pytest.approx(0.002 + 0.008, rel=0.2)
