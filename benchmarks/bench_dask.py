#!/usr/bin/env python
"""locate + tabulate on Dask (1 and 2 local workers) next to the pandas path.

Generated rows (seeded): points uniform in the bundled Göteborgsregionen DeSO
bounding box, age and sex columns. Each configuration reports rows/s and the
client process's peak RSS (resource.getrusage) so that a flat client memory as
rows grow can be checked. The Dask runs generate the data inside the workers
(dask.array with a fixed seed per chunk), so the client never holds the rows.

    .venv/bin/python benchmarks/bench_dask.py --rows 1e7 --engines pandas,dask1,dask2
"""
from __future__ import annotations

import argparse
import json
import resource
import time
import warnings

import numpy as np
import pandas as pd

import segstat


def rows_frame(n: int, seed: int, bounds) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    return pd.DataFrame({"x": rng.uniform(x0, x1, n), "y": rng.uniform(y0, y1, n),
                         "age": rng.integers(0, 7, n).astype(np.int8), "sex": rng.integers(1, 3, n).astype(np.int8)})


def job_pandas(n, bounds):
    d = rows_frame(n, 1, bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loc = segstat.locate(d, vintage=2025)
    d = d.assign(deso=loc["deso"].astype(object).where(loc["deso"].notna(), "outside"))
    d = d[d["deso"] != "outside"]
    return segstat.tabulate(d.astype({"deso": str}), by=["deso", "age"], vintage=2025)


def job_dask(n, bounds, workers, chunk=1_000_000):
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            Client(cl):
        parts = [dask.delayed(rows_frame)(min(chunk, n - s), 1000 + i, bounds)
                 for i, s in enumerate(range(0, n, chunk))]
        ddf = dd.from_delayed(parts, meta=rows_frame(0, 0, bounds))
        loc = segstat.locate(ddf, vintage=2025)
        d = ddf.assign(deso=loc["deso"])
        d = d[~d["deso"].isna()]
        d = d.assign(deso=d["deso"].astype(str))
        return segstat.tabulate(d, by=["deso", "age"], vintage=2025)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=float, default=1e7)
    ap.add_argument("--engines", default="pandas,dask1,dask2")
    args = ap.parse_args()
    n = int(args.rows)
    bounds = segstat.boundaries("deso", vintage=2025).bounds
    for engine in args.engines.split(","):
        t0 = time.perf_counter()
        t = job_pandas(n, bounds) if engine == "pandas" else job_dask(n, bounds, int(engine[-1]))
        dt = time.perf_counter() - t0
        print(json.dumps({"engine": engine, "rows": n, "seconds": round(dt, 2), "rows_per_s": round(n / dt),
                          "cells": len(t), "total": int(t.cells["count"].iloc[-1]),
                          "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}),
              flush=True)


if __name__ == "__main__":
    main()
