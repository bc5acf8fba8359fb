#!/usr/bin/env python
"""Coverage of segstat's 95 % intervals on simulated data (issue: measures).

Disparity (R, D, SII): five groups like områdestyper with known true rates;
events drawn as Poisson(rate x population); the true measure is the measure of
the true rates with the same populations.

Dissimilarity: area totals fixed, group members drawn as Binomial(total, p_i)
with known p_i; the true value is the dissimilarity of the expected counts
(t_i p_i), and the interval is segstat's bootstrap interval.

SII and RII of the logistic and Poisson regressions (parts disparity-logistic,
disparity-poisson): the same simulated data; the true value is the model's fit
to the expected counts.

Usage: python benchmarks/bench_coverage.py [--reps 2000] [--parts disparity,dissimilarity]
Prints one JSON line per measure and scenario: coverage and its Monte Carlo SE.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

import segstat

SCENARIOS = {
    "regso-like national": (np.array([1.5e6, 1.2e6, 2.5e6, 3.5e6, 1.5e6]), np.array([40, 32, 25, 18, 14]) / 1000),
    "one kommun": (np.array([6000, 9000, 20000, 30000, 12000]), np.array([40, 32, 25, 18, 14]) / 1000),
}


def disparity_coverage(reps: int, seed: int, regression: str = "linear") -> None:
    """With a regression model other than linear, only SII and RII (the measures the model changes)."""
    measures = ["D", "R", "SII"] if regression == "linear" else ["SII", "RII"]
    for name, (n, lam) in SCENARIOS.items():
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({"typ": pd.Categorical([1, 2, 3, 4, 5], ordered=True), "n": n})
        truth = segstat.disparity(frame.assign(e=lam * n), events="e", population="n", subgroup="typ",
                                  measures=measures, ci=None, regression=regression).set_index("measure")["estimate"]
        hits = dict.fromkeys(truth.index, 0)
        t0 = time.perf_counter()
        for _ in range(reps):
            e = rng.poisson(lam * n)
            r = segstat.disparity(frame.assign(e=e), events="e", population="n", subgroup="typ",
                                  measures=measures, regression=regression).set_index("measure")
            for m in hits:
                hits[m] += bool(r.loc[m, "lower"] <= truth[m] <= r.loc[m, "upper"])
        for m, h in hits.items():
            cov = h / reps
            print(json.dumps({"part": "disparity", "regression": regression, "scenario": name, "measure": m,
                              "reps": reps, "coverage": cov, "mc_se": (cov * (1 - cov) / reps) ** 0.5,
                              "seconds": round(time.perf_counter() - t0, 2)}), flush=True)


def dissimilarity_coverage(reps: int, seed: int, n_boot: int) -> None:
    rng = np.random.default_rng(seed)
    n_areas = 300
    total = rng.integers(700, 2700, n_areas)
    p = np.clip(rng.beta(2, 6, n_areas), 0.01, 0.99)
    expected = total * p
    truth = 0.5 * np.abs(expected / expected.sum() - (total - expected) / (total - expected).sum()).sum()
    hits = 0
    t0 = time.perf_counter()
    for i in range(reps):
        g = rng.binomial(total, p)
        d = pd.DataFrame({"g": g, "t": total})
        r = segstat.dissimilarity(d, group="g", total="t", ci="bootstrap", n_resamples=n_boot, rng=seed + i)
        hits += bool(r.lower <= truth <= r.upper)
    cov = hits / reps
    print(json.dumps({"part": "dissimilarity", "areas": n_areas, "reps": reps, "n_resamples": n_boot,
                      "true_value": truth, "coverage": cov, "mc_se": (cov * (1 - cov) / reps) ** 0.5,
                      "seconds": round(time.perf_counter() - t0, 2)}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--n-boot", type=int, default=999)
    ap.add_argument("--seed", type=int, default=20221231)
    ap.add_argument("--parts", default="disparity,dissimilarity")
    args = ap.parse_args()
    parts = args.parts.split(",")
    if "disparity" in parts:
        disparity_coverage(args.reps, args.seed)
    for model in ("logistic", "poisson"):
        if f"disparity-{model}" in parts:
            disparity_coverage(args.reps, args.seed, model)
    if "dissimilarity" in parts:
        dissimilarity_coverage(args.reps, args.seed, args.n_boot)


if __name__ == "__main__":
    main()
