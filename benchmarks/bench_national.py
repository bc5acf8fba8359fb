#!/usr/bin/env python
"""protect + audit at national scale: DeSO Sweden x age x sex and DeSO x age x education (issue 17).

Workloads, built from segstat's bundled SCB tables (DeSO 2018, persons by DeSO and five-year age band,
17 bands; persons 25-64 by DeSO and five education levels):

* ``sex``: every (DeSO, age) count is split into men and women by a binomial draw with p = 0.5
  (numpy Generator, seed 17): DeSO x age x sex with its margins, 531,090 cells.
* ``education``: every (DeSO, age) count is split over the five education levels by a multinomial draw
  with that DeSO's education shares (seed 17), 1,062,180 cells.

The split is synthetic (SCB publishes no DeSO x age x sex or x education table in the bundle); the DeSO
and age structure, the counts per (DeSO, age) and so the number of small cells are real. The microdata
(one row per person, 10.5 million) is expanded from the counts; the area hierarchy DeSO > RegSO >
kommun > län comes from ``vintage=2018``. Protection: min_count=3 with its default protection level.

Reported per table (one process per table, time.perf_counter): tabulate, protect and audit seconds,
cells, primary and secondary cells, persons hidden, audit verdicts, and the process's peak RSS
(resource.getrusage, which includes the 10.5 million-row microdata).

    .venv/bin/python benchmarks/bench_national.py sex|education [--min-count 3] [--progress]
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd

import segstat


def counts(kind: str, fraction: float = 1.0, seed: int = 17) -> pd.DataFrame:
    """(deso, age, sex|education, n) with the real (DeSO, age) counts (thinned to ``fraction``) split at
    random."""
    rng = np.random.default_rng(seed)
    pop = segstat.population("deso", by="age", vintage=2018)
    n = pop["population"].to_numpy(np.int64)
    if fraction < 1:
        n = rng.binomial(n, fraction)
    if kind == "sex":
        women = rng.binomial(n, 0.5)
        split = np.stack([n - women, women], axis=1)
        labels = ["man", "kvinna"]
    else:
        edu = segstat.population("deso", by="education", vintage=2018)
        shares = edu.pivot_table(index="deso", columns="education", values="population", observed=True,
                                 aggfunc="sum")
        labels = [str(c) for c in shares.columns]
        p = shares.div(shares.sum(axis=1), axis=0).reindex(pop["deso"].astype(str)).to_numpy(float)
        p = np.where(np.isnan(p), 1 / len(labels), p)
        split = rng.multinomial(n, p)
    out = pd.DataFrame({"deso": np.repeat(pop["deso"].astype(str).to_numpy(), len(labels)),
                        "age": np.repeat(pop["age"].to_numpy(), len(labels)),
                        kind: np.tile(labels, len(pop)), "n": split.ravel()})
    out[kind] = pd.Categorical(out[kind], categories=labels)
    return out


def microdata(c: pd.DataFrame) -> pd.DataFrame:
    """One row per person."""
    rep = c["n"].to_numpy()
    df = pd.DataFrame({col: np.repeat(c[col].to_numpy(), rep) for col in c.columns if col != "n"})
    df["deso"] = df["deso"].astype("category")
    df.attrs["segstat.vintage"] = 2018
    return df


def write_counts(c: pd.DataFrame, path: str) -> None:
    """The inner counts with each DeSO's RegSO, kommun and län (SCB's 2018 hierarchy, as tabulate uses it)."""
    codes = pd.DataFrame({"deso": c["deso"].unique()})
    dim = segstat.tabulate(codes, by=["deso"], vintage=2018).dims[0]
    up = {d: dim.ancestors(d) for d in codes["deso"]}
    out = c.copy()
    for i, level in enumerate(["regso", "kommun", "lan"]):
        out[level] = out["deso"].map(lambda d, i=i: up[d][i])
    out.to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["sex", "education"])
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--fraction", type=float, default=1.0,
                    help="keep each person with this probability (a sample: many small cells)")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--no-audit", action="store_true")
    ap.add_argument("--write-counts", default=None,
                    help="write the table's inner counts with deso, regso, kommun, lan to this CSV and stop "
                         "(input of peer_national_tauargus.py)")
    args = ap.parse_args()
    c = counts(args.kind, args.fraction)
    if args.write_counts:
        write_counts(c, args.write_counts)
        return
    df = microdata(c)
    t0 = time.perf_counter()
    t = segstat.tabulate(df, by=["deso", "age", args.kind], vintage=2018)
    t1 = time.perf_counter()
    kw = {"progress": True} if args.progress else {}
    p = segstat.protect(t, min_count=args.min_count, **kw)
    t2 = time.perf_counter()
    a = None if args.no_audit else segstat.audit(p)
    t3 = time.perf_counter()
    print(json.dumps({"table": f"deso x age x {args.kind}", "rows": len(df), "cells": len(t),
                      "tabulate_s": round(t1 - t0, 1), "protect_s": round(t2 - t1, 1),
                      "audit_s": round(t3 - t2, 1), "protect_audit_s": round(t3 - t1, 1), **p.n_suppressed,
                      "persons_hidden_inner": p.hidden_total, "method": p.rules["method"],
                      "audit": a.counts if a else None, "safe": a.safe if a else None,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}),
          flush=True)


if __name__ == "__main__":
    main()
