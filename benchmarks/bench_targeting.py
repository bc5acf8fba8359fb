#!/usr/bin/env python
"""Targeting: segstat.smooth_rates / rank_areas / protect_rates vs PySAL esda's smoothers, same workload, same run.

Workloads (seeded, stored in the temp directory by the segstat run so the peer reads identical numbers):
- ``deso``: the 5,984 DeSO 2018 of Sweden with segstat's bundled population (2022) as exposure and events
  drawn as Poisson(population × θ), θ ~ Gamma(4, 0.004/4); neighbours: DeSO of the same kommun.
- ``gbg``: the 584 DeSO 2025 of Göteborgsregionen (bundled polygons, queen contiguity), population drawn
  uniformly in 700-2,700, events as above.

    .venv/bin/python benchmarks/bench_targeting.py --impl segstat [--repeats 7] [--checks]
    peer-venv/bin/python benchmarks/bench_targeting.py --impl esda

The esda run prints the largest relative difference of its values from segstat's. ``--checks`` adds the
long simulations: Fay–Herriot MSE calibration and error against the crude estimates (1,000 replicates of
1,000 areas), and the calibration of rank_areas' P(top k).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

STORE = Path(tempfile.gettempdir()) / "segstat_bench_targeting.npz"


CPU = []  # process CPU seconds of the last timed() call's samples: on a shared machine wall time waits for cores


def timed(fn, repeats):
    fn()
    ts, cs, res = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    CPU[:] = [statistics.median(cs)]
    return statistics.median(ts), min(ts), res


def line(**kw):
    if "median_s" in kw and CPU:
        kw["cpu_median_s"] = CPU[0]
    print(json.dumps(kw))


def run_segstat(repeats, checks):
    import pandas as pd

    import segstat
    from segstat.targeting.neighbours import neighbour_matrix

    rng = np.random.default_rng(20)
    pop = segstat.population("deso", vintage=2018)
    n = pop["population"].to_numpy()
    e = rng.poisson(n * rng.gamma(4.0, 0.004 / 4.0, len(n)))
    d = pop.assign(events=e)
    b = segstat.boundaries("deso", vintage=2025)
    gn = rng.integers(700, 2700, len(b))
    ge = rng.poisson(gn * rng.gamma(4.0, 0.004 / 4.0, len(b)))
    g = pd.DataFrame({"deso": b.codes, "events": ge, "population": gn})
    g.attrs["segstat.vintage"] = 2025
    kw = {"events": "events", "population": "population", "area": "deso", "per": 1}

    t, tmin, s_eb = timed(lambda: segstat.smooth_rates(d, **kw), repeats)
    line(impl="segstat", task="eb global, 5984 DeSO", median_s=t, min_s=tmin)
    t, tmin, s_loc = timed(lambda: segstat.smooth_rates(d, method="eb_local", neighbours="kommun", **kw), repeats)
    line(impl="segstat", task="eb local (kommun), 5984 DeSO", median_s=t, min_s=tmin)
    w = neighbour_matrix(d["deso"].to_numpy(), "kommun").tocoo()
    t, tmin, s_gq = timed(lambda: segstat.smooth_rates(g, method="eb_local", neighbours="queen", **kw), repeats)
    line(impl="segstat", task="eb local (queen from polygons, incl. contiguity), 584 DeSO", median_s=t, min_s=tmin)
    wq = neighbour_matrix(g["deso"].to_numpy(), "queen", vintage=2025).tocoo()
    t, tmin, _ = timed(lambda: neighbour_matrix(g["deso"].to_numpy(), "queen", vintage=2025), repeats)
    line(impl="segstat", task="queen contiguity alone, 584 DeSO", median_s=t, min_s=tmin)
    np.savez(STORE, e=e.astype(float), n=n.astype(float), wi=w.row, wj=w.col, ge=ge.astype(float),
             gn=gn.astype(float), qi=wq.row, qj=wq.col, eb=s_eb["smoothed"].to_numpy(),
             loc=s_loc["smoothed"].to_numpy(), gq=s_gq["smoothed"].to_numpy())
    t, tmin, _ = timed(lambda: segstat.smooth_rates(d, method="fay_herriot", **{**kw, "per": 1000}), repeats)
    line(impl="segstat", task="fay_herriot REML + EBLUP + Prasad-Rao MSE, 5984 DeSO", median_s=t, min_s=tmin)

    def path():
        s = segstat.smooth_rates(d, **{**kw, "per": 1000})
        r = segstat.rank_areas(s, top=10, n_resamples=1000, rng=1)
        p = segstat.protect_rates(s, step=1.0)
        return r, p
    t, tmin, (r, p) = timed(path, repeats)
    line(impl="segstat", task="whole path: smooth (eb) + rank (1000 resamples) + publish, 5984 DeSO",
         median_s=t, min_s=tmin, suppressed=int((p.published["status"] == "suppressed").sum()))
    t, tmin, _ = timed(lambda: segstat.rank_areas(segstat.smooth_rates(d, **kw), top=10, n_resamples=1000, rng=1),
                       repeats)
    line(impl="segstat", task="rank_areas alone (1000 resamples), 5984 DeSO", median_s=t, min_s=tmin)
    if checks:
        fh_check()
        rank_check()


def fh_check(k=1000, reps=1000):
    from segstat.targeting.fay_herriot import fit_reml, mse_prasad_rao

    rng = np.random.default_rng(7)
    n = rng.integers(200, 2700, k).astype(float)
    t = rng.integers(1, 6, k)
    x = np.column_stack([np.ones(k)] + [(t == j).astype(float) for j in range(2, 6)])
    theta = x @ [0.15, 0.01, 0.02, 0.04, 0.06] + rng.normal(0, 0.02, k)
    psi = 1 / (4 * n)
    err_fh, err_d, mse = np.zeros(k), np.zeros(k), np.zeros(k)
    t0 = time.perf_counter()
    for _ in range(reps):
        y = theta + rng.normal(0, np.sqrt(psi))
        a, beta, _ = fit_reml(y, psi, x)
        gm = a / (a + psi)
        est = gm * y + (1 - gm) * (x @ beta)
        err_fh += (est - theta) ** 2
        err_d += (y - theta) ** 2
        mse += mse_prasad_rao(a, psi, x)
    line(check="fay_herriot", areas=k, reps=reps, mean_mse_over_empirical=float(mse.sum() / err_fh.sum()),
         total_sq_error_fh_over_crude=float(err_fh.sum() / err_d.sum()), seconds=time.perf_counter() - t0)


def rank_check(k=500, top=25, reps=100):
    import pandas as pd

    import segstat

    rng = np.random.default_rng(8)
    ps, hits = [], []
    for r in range(reps):
        n = rng.integers(700, 2700, k)
        theta = rng.gamma(5.0, 0.005 / 5.0, k)
        d = pd.DataFrame({"a": np.arange(k).astype(str), "e": rng.poisson(n * theta), "n": n})
        ranked = segstat.rank_areas(segstat.smooth_rates(d, events="e", population="n", area="a"), top=top, rng=r)
        truth = set(d["a"].to_numpy()[np.argsort(-theta)[:top]])
        ps.append(ranked["p_top"].to_numpy())
        hits.append(ranked["a"].isin(truth).to_numpy())
    p, h = np.concatenate(ps), np.concatenate(hits)
    bins = [(0.05, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 0.95)]
    line(check="rank P(top k)", areas=k, top=top, reps=reps,
         bins=[{"p": f"{lo}-{hi}", "mean_p": round(float(p[(p >= lo) & (p < hi)].mean()), 3),
                "observed": round(float(h[(p >= lo) & (p < hi)].mean()), 3), "n": int(((p >= lo) & (p < hi)).sum())}
               for lo, hi in bins])


def run_esda(repeats):
    from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
    from libpysal.weights import W

    z = np.load(STORE)

    def weights(i, j, k):
        nb = {a: [] for a in range(k)}
        for a, b in zip(i, j):
            nb[int(a)].append(int(b))
        return W(nb, id_order=list(range(k)), silence_warnings=True)

    e, n = z["e"], z["n"]
    t, tmin, eb = timed(lambda: Empirical_Bayes(e, n).r.ravel(), repeats)
    line(impl="esda", task="eb global, 5984 DeSO", median_s=t, min_s=tmin,
         max_rel_diff=float(np.max(np.abs(eb - z["eb"]) / np.abs(z["eb"]))))
    w = weights(z["wi"], z["wj"], len(e))
    alone = np.array([len(w.neighbors[a]) == 0 for a in range(len(e))])
    t, tmin, loc = timed(lambda: Spatial_Empirical_Bayes(e, n, w).r.ravel(), repeats)
    line(impl="esda", task="eb local (kommun), 5984 DeSO", median_s=t, min_s=tmin,
         max_rel_diff_with_neighbours=float(np.max(np.abs(loc - z["loc"])[~alone] / np.abs(z["loc"][~alone]))),
         areas_without_neighbours=int(alone.sum()))
    wq = weights(z["qi"], z["qj"], len(z["ge"]))
    t, tmin, gq = timed(lambda: Spatial_Empirical_Bayes(z["ge"], z["gn"], wq).r.ravel(), repeats)
    line(impl="esda", task="eb local (queen, weights given), 584 DeSO", median_s=t, min_s=tmin,
         max_rel_diff=float(np.max(np.abs(gq - z["gq"]) / np.abs(z["gq"]))))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["segstat", "esda"], required=True)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--checks", action="store_true")
    a = ap.parse_args()
    run_segstat(a.repeats, a.checks) if a.impl == "segstat" else run_esda(a.repeats)
