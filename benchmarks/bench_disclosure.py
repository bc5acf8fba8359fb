#!/usr/bin/env python
"""Secondary cell suppression end to end: tabulate + protect + audit, on the peer's workload.

Workload: ``make_microdata(1_000_000)`` (seed 3) from benchmarks/_workloads.py
with its synthetic geography (21 län > 290 kommuner > 3,363 RegSO), the same
data the pytauargus figures were measured on; the RegSO hierarchy is passed
explicitly. Tables: RegSO x age (29,400 cells) and RegSO x sex x age
(88,200 cells), minimum frequency 5.

Reported per table (time.perf_counter, one process): seconds for tabulate,
protect (which verifies every suppressed cell with the intruder's LP) and
the full audit (both bounds of every suppressed cell), the numbers of primary
and secondary cells, persons in suppressed inner cells, and the audit verdicts.

    .venv/bin/python benchmarks/bench_disclosure.py [--protection 1] [--method greedy] [--exact-audit]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _workloads  # noqa: E402

import segstat  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=float, default=1e6)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--protection", type=float, default=None)
    ap.add_argument("--tables", default="regso,age;regso,sex,age")
    ap.add_argument("--method", default="auto")
    ap.add_argument("--geography", choices=["synthetic", "real"], default="synthetic",
                    help="real: SCB's RegSO 2020 > kommun > län with real populations (_workloads.real_geography)")
    ap.add_argument("--keep", default=None, help="protect's keep=: 'total', 'margins' or a level name")
    ap.add_argument("--exact-audit", action="store_true",
                    help="also time audit(exact=True): the intruder's LP for both bounds of every cell")
    args = ap.parse_args()
    df, geo = _workloads.make_microdata(
        int(args.rows), geo=_workloads.real_geography() if args.geography == "real" else None)
    hier = {"regso": {**dict(zip(geo.regso, geo.kommun)), **dict(zip(geo.kommun, geo.lan))}}
    for spec in args.tables.split(";"):
        by = spec.split(",")
        t0 = time.perf_counter()
        t = segstat.tabulate(df, by=by, hierarchies=hier)
        t1 = time.perf_counter()
        p = segstat.protect(t, min_count=args.min_count, protection=args.protection, method=args.method,
                            **({"keep": args.keep} if args.keep else {}))
        t2 = time.perf_counter()
        a = segstat.audit(p)
        t3 = time.perf_counter()
        extra = {}
        if args.exact_audit:
            e = segstat.audit(p, exact=True)
            extra = {"exact_audit_s": round(time.perf_counter() - t3, 1), "exact_audit": e.counts}
        f = p.to_frame()
        empty = int(((f["status"] == "secondary") & (t.cells["count"].to_numpy() == 0)).sum())
        print(json.dumps({"table": " x ".join(by), "cells": len(t), "tabulate_s": round(t1 - t0, 3),
                          "protect_s": round(t2 - t1, 3), "audit_s": round(t3 - t2, 3),
                          "end_to_end_s": round(t3 - t0, 3), **p.n_suppressed,
                          "suppressed_share": round(sum(p.n_suppressed.values()) / len(t), 4),
                          "persons_hidden_inner": p.hidden_total, "persons_hidden_all": getattr(p, "hidden_all", None),
                          "audit": a.counts, "safe": a.safe,
                          "secondary_empty": empty, "method": p.rules["method"],
                          "protection": args.protection or "default (min_count - value)", **extra}), flush=True)


if __name__ == "__main__":
    main()
