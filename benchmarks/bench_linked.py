#!/usr/bin/env python
"""Linked tables whose areas cut across each other: RegSO x age with områdestyp x age.

Workload: persons drawn (seed 7) in proportion to SCB's real DeSO 2018 population by age band of one län,
with their RegSO 2020 and the RegSO's official områdestyp 2023 (bundled tables). Both tables are
tabulated from the same frame and protected together (minimum frequency 5, default protection level);
each method is timed on the same tables (time.perf_counter) and audited.

    .venv/bin/python benchmarks/bench_linked.py --lan 03 --persons 40000 --methods lp,greedy

Reported: cells, seconds, primary and secondary cells, persons in hidden inner cells of both tables (each
person counts twice), repair rounds, and the audit verdict.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import segstat


def persons(lan: str, n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    pop = segstat.population("deso", by="age", vintage=2018)
    pop = pop[(segstat.to_level(pop["deso"], "lan", vintage=2018) == lan) & (pop["population"] > 0)]
    rows = pop.iloc[rng.choice(len(pop), size=n, p=pop["population"] / pop["population"].sum())]
    d = rows[["deso", "age"]].reset_index(drop=True)
    d["age"] = d["age"].astype(str)
    d["regso"] = segstat.to_level(d["deso"], "regso", vintage=2018)
    d["omradestyp"] = segstat.omradestyp(d["regso"], year=2023, vintage=2018).astype(int)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lan", default="03")
    ap.add_argument("--persons", type=int, default=40_000)
    ap.add_argument("--methods", default="lp,greedy")
    args = ap.parse_args()
    d = persons(args.lan, args.persons)
    t1 = segstat.tabulate(d, by=["regso", "age"], vintage=2018)
    t2 = segstat.tabulate(d, by=["omradestyp", "age"])
    for method in args.methods.split(","):
        t0 = time.perf_counter()
        p = segstat.protect([t1, t2], min_count=5, method=method)
        seconds = time.perf_counter() - t0
        a = segstat.audit(p)
        print(json.dumps({"lan": args.lan, "persons": args.persons, "cells": len(t1) + len(t2), "method": method,
                          "protect_s": round(seconds, 2), **p.n_suppressed, "persons_hidden": p.hidden_total,
                          "rounds": p.rounds, "safe": a.safe}), flush=True)


if __name__ == "__main__":
    main()
