#!/usr/bin/env python
"""Segregation indices: segstat vs PySAL `segregation`, same workload, same run.

Workload: `area_group_counts(3363)` (seed 11) from benchmarks/_workloads.py: 3,363
RegSO-like areas with four group counts; the single group is g2 + g3 (born
abroad), as in the peer benchmark.

Run each implementation in its own environment and compare the JSON lines:

    .venv/bin/python benchmarks/bench_segregation.py --impl segstat
    SEGSTAT_NUMBA=0 .venv/bin/python benchmarks/bench_segregation.py --impl segstat   # numpy code only
    /path/to/py312-venv/bin/python benchmarks/bench_segregation.py --impl pysal

PySAL `segregation` 2.6 needs Python >= 3.12. Timings are medians of --repeats
samples (time.perf_counter) after one warm-up, each sample the mean of 200
calls for point estimates (whose lines also give the fastest sample, the
steadier figure on a busy machine); the values are printed so the two
outputs can be checked for equality.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _workloads  # noqa: E402


def sample_times(fn, repeats, loops=1):
    """``repeats`` samples of the mean time of ``loops`` calls (sub-millisecond calls need many loops per
    sample to rise above timer and scheduler noise), and the last result."""
    fn()
    ts, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            res = fn()
        ts.append((time.perf_counter() - t0) / loops)
    return ts, res


def median_time(fn, repeats, loops=1):
    """Median over ``repeats`` samples (see :func:`sample_times`)."""
    ts, res = sample_times(fn, repeats, loops)
    return statistics.median(ts), res


def point_line(impl, name, fn, repeats):
    """One JSON line for a point estimate: the median and the fastest of the samples. On a shared machine
    the fastest sample is the steadier figure for sub-millisecond calls (other work only ever adds time);
    the median is kept for comparison with earlier runs."""
    ts, val = sample_times(fn, repeats, loops=200)
    if hasattr(val, "columns"):  # segstat returns its one-row result frame; the value is read once, untimed
        val = val["estimate"].item()
    return json.dumps({"impl": impl, "part": "point", "index": name, "median_s": statistics.median(ts),
                       "min_s": min(ts), "value": float(val)})


def workload(n_areas):
    """The seeded workload, generated once and stored, so both environments read identical counts
    (numpy versions may draw different Dirichlet streams from the same seed)."""
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"segstat-bench-area_group_counts-{n_areas}.npz")
    if not os.path.exists(path):
        tot, counts = _workloads.area_group_counts(n_areas)
        np.savez(path, tot=tot, counts=counts)
    stored = np.load(path)
    tot, counts = stored["tot"], stored["counts"]
    df = pd.DataFrame(counts, columns=["g0", "g1", "g2", "g3"])
    df["total"] = tot
    df["grp"] = df["g2"] + df["g3"]
    return df


def run_segstat(df, repeats, iterations, parts):
    import segstat
    from segstat.measures import _compiled

    # segstat's compiled kernels (numba) or its numpy code alone (SEGSTAT_NUMBA=0)
    print(json.dumps({"impl": "segstat", "part": "setup", "compiled_kernels": _compiled.kernels() is not None}))

    cases = {
        "Dissim": lambda: segstat.dissimilarity(df, group="grp", total="total"),
        "Gini": lambda: segstat.gini(df, group="grp", total="total"),
        "Entropy": lambda: segstat.entropy(df, group="grp", total="total"),
        "Isolation": lambda: segstat.isolation(df, group="grp", total="total"),
        "Atkinson(b=.5)": lambda: segstat.atkinson(df, group="grp", total="total"),
        "MultiInfoTheory": lambda: segstat.multigroup_entropy(df, groups=["g0", "g1", "g2", "g3"]),
        "MultiDissim": lambda: segstat.multigroup_dissimilarity(df, groups=["g0", "g1", "g2", "g3"]),
    }
    for name, fn in cases.items() if "point" in parts else ():
        print(point_line("segstat", name, fn, repeats))
    if "inference" not in parts:
        return
    fn = lambda: segstat.segregation_test(df, group="grp", total="total", n_resamples=iterations, rng=1)  # noqa: E731
    med, r = median_time(fn, max(1, repeats // 2))
    print(json.dumps({"impl": "segstat", "part": "inference", "index": "Dissim", "null": "permutation (area and group totals kept, as PySAL person_permutation)",
                      "iterations": iterations, "median_s": med, "statistic": r["estimate"].item(), "p_value": r["p_value"].item()}))
    fn = lambda: segstat.segregation_test(df, group="grp", total="total", n_resamples=iterations, rng=1,  # noqa: E731
                                          null="binomial")
    med, r = median_time(fn, max(1, repeats // 2))
    print(json.dumps({"impl": "segstat", "part": "inference", "index": "Dissim",
                      "null": "binomial (area totals kept, as PySAL's evenness)",
                      "iterations": iterations, "median_s": med, "statistic": r["estimate"].item(), "p_value": r["p_value"].item()}))
    fn = lambda: segstat.dissimilarity(df, group="grp", total="total", ci="bootstrap", n_resamples=iterations, rng=1)  # noqa: E731
    med, r = median_time(fn, max(1, repeats // 2))
    print(json.dumps({"impl": "segstat", "part": "inference", "index": "Dissim", "null": "bootstrap CI",
                      "iterations": iterations, "median_s": med, "statistic": r["estimate"].item(),
                      "lower": r["lower"].item(), "upper": r["upper"].item()}))


def run_pysal(df, repeats, iterations, parts):
    from segregation import multigroup as mg
    from segregation import singlegroup as sg
    from segregation.inference import SingleValueTest

    groups = ["g0", "g1", "g2", "g3"]
    cases = {
        "Dissim": lambda: sg.Dissim(df, "grp", "total").statistic,
        "Gini": lambda: sg.Gini(df, "grp", "total").statistic,
        "Entropy": lambda: sg.Entropy(df, "grp", "total").statistic,
        "Isolation": lambda: sg.Isolation(df, "grp", "total").statistic,
        "Atkinson(b=.5)": lambda: sg.Atkinson(df, "grp", "total").statistic,
        "MultiInfoTheory": lambda: mg.MultiInfoTheory(df, groups).statistic,
        "MultiDissim": lambda: mg.MultiDissim(df, groups).statistic,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in cases.items() if "point" in parts else ():
            print(point_line("pysal", name, fn, repeats))
        if "inference" not in parts:
            return
        import geopandas as gpd
        import numpy as np

        obj = sg.Dissim(df, "grp", "total")
        # the evenness and person_permutation nulls need a geometry column (not used by Dissim): dummy points
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(np.arange(len(df)), np.zeros(len(df))))
        gobj = sg.Dissim(gdf, "grp", "total")
        # systematic: the peer figure's null; evenness: segstat's null="binomial"; person_permutation:
        # segstat's default permutation null (about 5 s per iteration in PySAL: timed on 5 and scaled to 999)
        for null, its, o in (("systematic", iterations, obj), ("evenness", iterations, gobj),
                             ("person_permutation", 5, gobj)):
            fn = lambda: SingleValueTest(o, iterations_under_null=its, null_approach=null, n_jobs=1)  # noqa: E731
            med, r = median_time(fn, 1)
            print(json.dumps({"impl": "pysal", "part": "inference", "index": "Dissim", "null": null,
                              "iterations": its, "median_s": med, "median_s_per_999": med * 999 / its,
                              "statistic": float(r.statistic), "p_value": float(r.p_value)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", choices=["segstat", "pysal"], required=True)
    ap.add_argument("--n-areas", type=int, default=3363)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=999)
    ap.add_argument("--part", choices=["point", "inference", "all"], default="all",
                    help="time only the point estimates or only the inference (default: both)")
    args = ap.parse_args()
    df = workload(args.n_areas)
    parts = ("point", "inference") if args.part == "all" else (args.part,)
    (run_segstat if args.impl == "segstat" else run_pysal)(df, args.repeats, args.iterations, parts)


if __name__ == "__main__":
    main()
