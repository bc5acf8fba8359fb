"""Targeting: smoothed rates (empirical Bayes, Fay–Herriot), ranks with their uncertainty, safe publication."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import segstat
from segstat.errors import ColumnError, DisclosureRiskError, InputValueError
from segstat.targeting.fay_herriot import fit_reml, mse_prasad_rao

FIVE = pd.DataFrame({"deso": list("ABCDE"), "cases": [0, 3, 10, 4, 30], "pop": [100, 200, 500, 1000, 1200]})


def test_global_eb_by_hand_on_five_areas():
    # b = 47/3000; s² = Σ n (r - b)² / Σn = 0.274666.../3000; a = s² - b / 600 (n̄ = 600)
    b = 47 / 3000
    s2 = (100 * b ** 2 + 200 * (0.015 - b) ** 2 + 500 * (0.02 - b) ** 2 + 1000 * (0.004 - b) ** 2
          + 1200 * (0.025 - b) ** 2) / 3000
    a = s2 - b / 600
    assert a == pytest.approx(6.54444e-5, rel=1e-5)
    s = segstat.smooth_rates(FIVE, events="cases", population="pop", area="deso", per=1)
    w = a / (a + b / np.array([100, 200, 500, 1000, 1200]))
    assert w[0] == pytest.approx(0.294647, abs=1e-6)
    np.testing.assert_allclose(s["weight"], w, rtol=1e-12)
    np.testing.assert_allclose(s["smoothed"], [0.011051, 0.015363, 0.018597, 0.006253, 0.023448], atol=1e-6)
    np.testing.assert_allclose(s["prior"], b)
    # the interval is the gamma posterior's: shape b²/a + e, rate b/a + n
    shape, rate = b * b / a + 30, b / a + 1200
    assert s["lower"].iloc[4] == pytest.approx(stats.gamma.ppf(0.025, shape, scale=1 / rate), rel=1e-9)
    assert s["upper"].iloc[4] == pytest.approx(stats.gamma.ppf(0.975, shape, scale=1 / rate), rel=1e-9)
    assert s["se"].iloc[4] == pytest.approx(np.sqrt(shape) / rate, rel=1e-12)
    assert s["note"].iloc[0] == "zero events" and s["method"].iloc[0] == "eb"
    assert list(s.columns) == ["deso", "events", "population", "crude", "smoothed", "lower", "upper", "se", "weight",
                               "prior", "neighbours", "method", "note"]


def _esda_global(e, n):
    """PySAL esda's Empirical_Bayes, written out (esda/smoothing.py)."""
    e, b = e.reshape(-1, 1), n.reshape(-1, 1)
    r_mean = e.sum() / b.sum()
    rate = e / b
    r_var = (b * (rate - r_mean) ** 2).sum() / b.sum() - r_mean / b.mean()
    weight = r_var / (r_var + r_mean / b)
    return (weight * rate + (1 - weight) * r_mean).ravel()


def _esda_local(e, n, neighbours):
    """PySAL esda's Spatial_Empirical_Bayes, written out as its loop over neighbourhoods (area included)."""
    k = len(e)
    out = np.empty(k)
    rate = e / n
    for i in range(k):
        hood = [i, *neighbours[i]]
        m = e[hood].sum() / n[hood].sum()
        left = np.sum((rate[hood] - m) ** 2 * n[hood]) / n[hood].sum()
        a = max(left - m / (n[hood].sum() / len(hood)), 0.0)
        out[i] = m + (rate[i] - m) * (a / (a + m / n[i]))
    return out


def _real_deso(seed=3):
    pop = segstat.population("deso", vintage=2018)
    rng = np.random.default_rng(seed)
    theta = rng.gamma(4.0, 0.004 / 4.0, len(pop))
    return pop.assign(events=rng.poisson(pop["population"] * theta))


def test_global_eb_equals_esda_formula_on_real_deso():
    d = _real_deso()
    s = segstat.smooth_rates(d, events="events", population="population", area="deso", per=1)
    np.testing.assert_allclose(s["smoothed"], _esda_global(d["events"].to_numpy(float),
                                                           d["population"].to_numpy(float)), rtol=1e-9, atol=0)
    assert len(s) == 5984


def test_local_eb_equals_esda_loop_with_kommun_neighbours():
    d = _real_deso().iloc[:800].reset_index(drop=True)
    s = segstat.smooth_rates(d, events="events", population="population", area="deso", method="eb_local",
                             neighbours="kommun", per=1)
    kommun = d["deso"].str[:4].to_numpy()
    nb = [np.flatnonzero((kommun == kommun[i]) & (np.arange(len(d)) != i)) for i in range(len(d))]
    expected = _esda_local(d["events"].to_numpy(float), d["population"].to_numpy(float), nb)
    lone = np.array([len(x) == 0 for x in nb])
    np.testing.assert_allclose(s["smoothed"].to_numpy()[~lone], expected[~lone], rtol=1e-9)
    np.testing.assert_array_equal(s["neighbours"], [len(x) for x in nb])


def test_area_without_neighbours_falls_back_to_the_global_prior():
    table = pd.DataFrame({"a": ["A", "B", "C"], "b": ["B", "C", "D"]})  # E has none
    s = segstat.smooth_rates(FIVE, events="cases", population="pop", area="deso", method="eb_local",
                             neighbours=table, per=1)
    g = segstat.smooth_rates(FIVE, events="cases", population="pop", area="deso", per=1)
    assert s["note"].iloc[4] == "no neighbours: global prior" and s["neighbours"].iloc[4] == 0
    assert s["smoothed"].iloc[4] == pytest.approx(g["smoothed"].iloc[4], rel=1e-12)
    assert s["neighbours"].tolist() == [1, 2, 2, 1, 0]


def test_queen_and_rook_neighbours_from_the_bundled_boundaries():
    from segstat.targeting.neighbours import neighbour_matrix

    codes = segstat.boundaries("deso", vintage=2025).codes[:150]
    queen = neighbour_matrix(codes, "queen", vintage=2025)
    rook = neighbour_matrix(codes, "rook", vintage=2025)
    assert (queen != queen.T).nnz == 0 and queen.diagonal().sum() == 0
    assert (rook.multiply(queen) != rook).nnz == 0  # every shared edge is a shared point
    assert 0 < rook.nnz <= queen.nnz
    with pytest.raises(InputValueError, match="not in the boundaries.*'0114A0010'"):
        neighbour_matrix(np.array(["0114A0010"]), "queen", vintage=2025)
    with pytest.raises(InputValueError, match="vintage"):
        neighbour_matrix(codes, "rook")


def _reml_loglik(a, y, psi, x):
    v = a + psi
    vi = 1 / v
    xtvx = x.T @ (vi[:, None] * x)
    beta = np.linalg.solve(xtvx, x.T @ (vi * y))
    r = y - x @ beta
    return -0.5 * (np.log(v).sum() + np.linalg.slogdet(xtvx)[1] + np.sum(r * r * vi))


def test_reml_maximises_the_restricted_likelihood():
    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(60), rng.normal(size=60)])
    psi = rng.uniform(0.5, 2, 60)
    y = x @ [1.0, 0.5] + rng.normal(0, 1.0, 60) + rng.normal(0, np.sqrt(psi))
    a, beta, _ = fit_reml(y, psi, x)
    best = optimize.minimize_scalar(lambda t: -_reml_loglik(t, y, psi, x), bounds=(0, 20), method="bounded",
                                    options={"xatol": 1e-10})
    assert a == pytest.approx(best.x, rel=1e-5)


def test_fay_herriot_mse_is_calibrated_and_beats_crude_in_simulation():
    # known area means on the model scale; 150 replicates of 300 areas (about 1 s)
    rng = np.random.default_rng(11)
    k, reps, var_u = 300, 150, 0.0004
    n = rng.integers(200, 2500, k).astype(float)
    t = rng.integers(1, 4, k)
    x = np.column_stack([np.ones(k), t == 2, t == 3]).astype(float)
    theta = x @ [0.20, 0.03, 0.08] + rng.normal(0, np.sqrt(var_u), k)
    psi = 1 / (4 * n)
    err_fh, err_direct, mse_est = np.zeros(k), np.zeros(k), np.zeros(k)
    for _ in range(reps):
        y = theta + rng.normal(0, np.sqrt(psi))
        a, beta, _ = fit_reml(y, psi, x)
        g = a / (a + psi)
        est = g * y + (1 - g) * (x @ beta)
        err_fh += (est - theta) ** 2
        err_direct += (y - theta) ** 2
        mse_est += mse_prasad_rao(a, psi, x)
    assert mse_est.sum() / err_fh.sum() == pytest.approx(1.0, abs=0.10)
    assert err_fh.sum() < 0.8 * err_direct.sum()


def test_fay_herriot_through_smooth_rates_with_a_categorical_covariate():
    rng = np.random.default_rng(2)
    k = 400
    n = rng.integers(700, 2700, k)
    typ = rng.integers(1, 6, k)
    p = np.sin(np.clip(0.2 + 0.03 * typ + rng.normal(0, 0.02, k), 0, 1)) ** 2
    d = pd.DataFrame({"deso": [f"{i:04d}" for i in range(k)], "e": rng.binomial(n, p), "n": n,
                      "omradestyp": pd.Categorical(typ)})
    s = segstat.smooth_rates(d, events="e", population="n", area="deso", method="fay_herriot",
                             covariates="omradestyp")
    assert s["method"].eq("fay_herriot/arcsine").all()
    beta = s.attrs["segstat.targeting"]["parts"][0]["beta"]
    assert len(beta) == 5 and beta[4] == pytest.approx(0.12, abs=0.01)  # type 5 vs type 1: 4 × 0.03
    assert ((s["lower"] <= s["smoothed"]) & (s["smoothed"] <= s["upper"])).all()
    # smoothed lies between crude and prior on the model scale
    g = np.arcsin(np.sqrt(s[["crude", "smoothed", "prior"]] / 1000))
    assert (((g["smoothed"] - g["crude"]) * (g["smoothed"] - g["prior"])) <= 1e-12).all()
    log = segstat.smooth_rates(d, events="e", population="n", area="deso", method="fay_herriot",
                               covariates="omradestyp", transform="log")
    assert log["method"].eq("fay_herriot/log").all()
    assert np.corrcoef(log["smoothed"], s["smoothed"])[0, 1] > 0.99


def test_rank_probability_of_top_k_is_calibrated():
    rng = np.random.default_rng(4)
    k, top, reps = 200, 20, 30
    p_all, hit_all = [], []
    for r in range(reps):
        n = rng.integers(700, 2700, k)
        theta = rng.gamma(5.0, 0.005 / 5.0, k)
        d = pd.DataFrame({"a": [f"{i:03d}" for i in range(k)], "e": rng.poisson(n * theta), "n": n})
        ranked = segstat.rank_areas(segstat.smooth_rates(d, events="e", population="n", area="a"), top=top,
                                    n_resamples=400, rng=r)
        truth = set(d["a"].to_numpy()[np.argsort(-theta)[:top]])
        p_all.append(ranked["p_top"].to_numpy())
        hit_all.append(ranked["a"].isin(truth).to_numpy())
    p, hit = np.concatenate(p_all), np.concatenate(hit_all)
    assert p.sum() / reps == pytest.approx(top, rel=1e-9)  # each draw has exactly `top` areas in the top
    for lo, hi in [(0.05, 0.35), (0.35, 0.65), (0.65, 0.95)]:
        sel = (p >= lo) & (p < hi)
        assert sel.sum() > 50
        assert hit[sel].mean() == pytest.approx(p[sel].mean(), abs=0.08)


def test_rank_areas_output_and_reproducibility():
    s = segstat.smooth_rates(FIVE, events="cases", population="pop", area="deso")
    r1 = segstat.rank_areas(s, top=2, n_resamples=500, rng=7)
    r2 = segstat.rank_areas(s, top=2, n_resamples=500, rng=7)
    pd.testing.assert_frame_equal(r1, r2)
    assert r1["deso"].tolist() == ["E", "C", "B", "A", "D"]  # by smoothed rate
    assert r1["rank"].tolist() == [1, 2, 3, 4, 5]
    assert r1["p_top"].sum() == pytest.approx(2.0)
    assert (r1["rank_lower"] <= r1["rank"]).all() and (r1["rank"] <= r1["rank_upper"]).all()
    with pytest.raises(InputValueError, match="top=0"):
        segstat.rank_areas(s, top=0)


def _intruder_high(published, step, n, b, a, per, window=200):
    """Largest count whose global-EB smoothed rate rounds to the published value (the intruder's bound)."""
    e = np.arange(window + 1)
    w = a / (a + b / n)
    values = (b + w * (e / n - b)) * per
    ok = np.floor(values / step + 0.5) == round(published / step)
    return e[ok].max() if ok.any() else -1


def test_intruder_inverting_published_rates_cannot_narrow_a_primary_cell():
    d = _real_deso(seed=8).iloc[:1500]
    s = segstat.smooth_rates(d, events="events", population="population", area="deso")
    prot = segstat.protect_rates(s, min_count=3, step=2.0)
    prot.check()
    assert prot.info["suppressed_by_step"][2.0] == (prot.report["status"] == "suppressed").sum() > 0
    params = s.attrs["segstat.targeting"]["parts"][0]
    rep = prot.report
    prim = rep[rep["primary"] & (rep["status"] == "published")]
    assert len(prim) > 20
    for _, row in prim.iterrows():
        high = _intruder_high(row["rate"], row["step"], row["population"], params["prior_mean"],
                              params["prior_variance"], 1000)
        assert high >= 3, row
    # without protection (the finest step), the same intruder pins some primary counts down
    step = 0.1
    naive = [_intruder_high(np.floor(v / step + 0.5) * step, step, n, params["prior_mean"],
                            params["prior_variance"], 1000)
             for v, n in zip(s["smoothed"][rep["primary"]], s["population"][rep["primary"]])]
    assert min(naive) < 3
    assert "events" not in prot.published.columns


def test_protect_rates_for_local_eb_and_fay_herriot_pass_their_audit():
    d = _real_deso(seed=9).iloc[:600].reset_index(drop=True)
    for kwargs in ({"method": "eb_local", "neighbours": "kommun"}, {"method": "fay_herriot"}):
        s = segstat.smooth_rates(d, events="events", population="population", area="deso", **kwargs)
        prot = segstat.protect_rates(s, protection=2, step=2.0)
        prot.check()
        rep = prot.report
        shown = rep[rep["primary"] & (rep["status"] == "published")]
        assert len(shown) > 5, kwargs
        assert (shown["consistent_high"] >= shown["events"] + 2).all()
        assert rep.loc[rep["status"] == "suppressed", "rate"].isna().all()
    # segstat.audit verifies the same: one row per primary area, the intruder's consistent counts
    a = segstat.audit(prot)
    assert a.safe and len(a.cells) == int(rep["primary"].sum())
    cells = a.cells.set_index("deso")
    pub = rep[rep["primary"] & (rep["status"] == "published")].set_index("deso")
    assert (cells.loc[pub.index, "upper"] == pub["consistent_high"]).all()
    assert (cells.loc[pub.index, "lower"] == pub["consistent_low"]).all()
    sup = rep[rep["primary"] & (rep["status"] == "suppressed")].set_index("deso")
    assert (cells.loc[sup.index, "upper"] == sup["population"]).all()  # nothing published: 0 to everyone
    # a tampered publication fails the audit
    bad = segstat.protect_rates(s, protection=2, step=2.0)
    bad.report.loc[:, "step"] = 1e-6
    with pytest.raises(DisclosureRiskError):
        bad.check()
    verdicts = segstat.audit(bad).counts
    assert not segstat.audit(bad).safe and verdicts.get("exact", 0) + verdicts.get("narrow", 0) > 5


def test_by_gives_each_part_as_alone():
    d = _real_deso().iloc[:400].assign(lan=lambda x: x["deso"].str[:2])
    both = segstat.smooth_rates(d, events="events", population="population", area="deso", by="lan")
    one = d[d["lan"] == "01"]
    alone = segstat.smooth_rates(one, events="events", population="population", area="deso")
    part = both[both["lan"] == "01"].drop(columns="lan").reset_index(drop=True)
    pd.testing.assert_frame_equal(part, alone, check_dtype=False)
    assert both.columns[0] == "lan"


def test_bad_input_is_refused_by_name():
    kw = {"events": "cases", "population": "pop", "area": "deso"}
    with pytest.raises(InputValueError, match="'pop' has 1 missing value"):
        segstat.smooth_rates(FIVE.assign(pop=[100, np.nan, 500, 1000, 1200]), **kw)
    with pytest.raises(InputValueError, match="population is zero in area.*'B'"):
        segstat.smooth_rates(FIVE.assign(pop=[100, 0, 500, 1000, 1200]), **kw)
    with pytest.raises(InputValueError, match="events exceed population in area.*'A'"):
        segstat.smooth_rates(FIVE.assign(cases=[101, 3, 10, 4, 30]), method="fay_herriot", **kw)
    with pytest.raises(InputValueError, match="needs neighbours="):
        segstat.smooth_rates(FIVE, method="eb_local", **kw)
    with pytest.raises(InputValueError, match="Did you mean 'eb_local'"):
        segstat.smooth_rates(FIVE, method="eb_locl", **kw)
    with pytest.raises(InputValueError, match="repeat.*'A'"):
        segstat.smooth_rates(pd.concat([FIVE, FIVE.iloc[:1]]), **kw)
    with pytest.raises(ColumnError, match="covariates='typ'"):
        segstat.smooth_rates(FIVE, method="fay_herriot", covariates="typ", **kw)
    with pytest.raises(InputValueError, match="neighbours= is used by method='eb_local' only"):
        segstat.smooth_rates(FIVE, neighbours="kommun", **kw)
    with pytest.raises(InputValueError, match="no attrs"):
        segstat.protect_rates(pd.DataFrame(segstat.smooth_rates(FIVE, **kw).to_dict("list")))


@pytest.mark.parametrize("module", ["segstat.targeting.smooth", "segstat.targeting.rank", "segstat.targeting.publish"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_cli_measure_smooth_ranks_and_publishes(tmp_path):
    from segstat.cli import main

    FIVE.to_csv(tmp_path / "five.csv", index=False)
    args = ["measure", "smooth", str(tmp_path / "five.csv"), "", "--events", "cases", "--population", "pop",
            "--area", "deso"]
    args[3] = str(tmp_path / "ranked.csv")
    assert main([*args, "--top", "2", "--n-resamples", "200"]) == 0
    ranked = pd.read_csv(tmp_path / "ranked.csv")
    assert ranked["deso"].tolist()[0] == "E" and ranked["p_top"].sum() == pytest.approx(2.0)
    args[3] = str(tmp_path / "pub.csv")
    assert main([*args, "--step", "1"]) == 0
    pub = pd.read_csv(tmp_path / "pub.csv")
    assert list(pub.columns) == ["deso", "population", "rate", "step", "status"]
    assert pub["status"].eq("published").all() and pub["rate"].tolist() == [11.0, 15.0, 19.0, 6.0, 23.0]
    assert main([*args, "--method", "eb_local"]) == 2


def test_plot_map_hatches_suppressed_areas():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from segstat.targeting import plot_map

    b = segstat.boundaries("deso", vintage=2025).subset("1401")
    rng = np.random.default_rng(0)
    n = rng.integers(700, 2700, len(b))
    d = pd.DataFrame({"deso": b.codes, "e": rng.poisson(n * 0.002), "n": n})
    s = segstat.smooth_rates(d, events="e", population="n", area="deso", method="eb_local", neighbours="queen",
                             vintage=2025)
    assert s["neighbours"].min() >= 1
    prot = segstat.protect_rates(s, step=1.0)
    fig = plot_map(s, b, protected=prot)
    hatched = sum(p.get_hatch() == "////" for p in fig.axes[1].patches)
    assert hatched >= (prot.published["status"] == "suppressed").sum() > 0
    assert fig.axes[0].get_title() == "Observerad takt"


@pytest.mark.parametrize("kwargs", [{"method": "eb"}, {"method": "eb_local", "neighbours": "kommun"},
                                    {"method": "fay_herriot"}, {"method": "fay_herriot", "transform": "log"}])
def test_the_intruders_function_gives_back_each_smoothed_rate(kwargs):
    # protect_rates' model of the intruder, evaluated at the true count, must reproduce the smoothed rate:
    # otherwise the enumeration would check the wrong function
    from segstat.targeting.publish import smoothed_at

    d = _real_deso(seed=12).iloc[:300].assign(lan=lambda x: x["deso"].str[:2])
    s = segstat.smooth_rates(d, events="events", population="population", area="deso", by="lan", **kwargs)
    assert len(pd.concat([s, s])) == 600  # what attrs hold survives pandas' attrs comparison in concat
    info = dict(s.attrs["segstat.targeting"])
    if kwargs["method"] == "eb_local":
        info["local"] = info["neighbourhoods"]
    values = smoothed_at(s, np.arange(60), info)
    own = values[np.arange(len(s)), s["events"].astype(int).to_numpy()]
    np.testing.assert_allclose(own, s["smoothed"], rtol=1e-9)
    assert (np.diff(values, axis=1) >= -1e-12).all()  # increasing in the count: the consistent counts are a run
    prot = segstat.protect_rates(s, step=2.0)
    prot.check()
    assert list(prot.published.columns) == ["lan", "deso", "population", "rate", "step", "status"]


def test_stated_vintage_must_agree_with_the_data():
    from segstat.errors import VintageError

    d = FIVE.copy()
    d.attrs["segstat.vintage"] = 2018
    s = segstat.smooth_rates(d, events="cases", population="pop", area="deso")
    assert s.attrs["segstat.vintage"] == 2018
    with pytest.raises(VintageError, match="contradicts"):
        segstat.smooth_rates(d, events="cases", population="pop", area="deso", vintage=2025)
    with pytest.raises(VintageError, match="not stated"):
        segstat.smooth_rates(FIVE, events="cases", population="pop", area="deso", method="eb_local",
                             neighbours="queen")
